"""The trail of every change to the zone's records: who, when, old and new values.

django-simple-history keeps one historical row per create, change and delete. It
sees ``save()`` and ``delete()`` through signals (the admin, services, actions) and
the imports' bulk writes through its bulk helpers, which ``ZoneResource`` calls; a
historical row written by an import names its batch, so the batch can be undone.
"""

from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

ACTIONS = {"+": _("新增"), "~": _("修改"), "-": _("删除")}


class AuditedHistory(models.Model):
    """What every historical row adds: the import batch that wrote it, if any."""

    import_batch = models.ForeignKey(
        "devzone.ImportBatch",
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True


def audit_history():
    """Return the history declaration every domain model carries as ``history``."""
    return HistoricalRecords(
        bases=[AuditedHistory],
        user_related_name="+",
        cascade_delete_history=False,
    )


@receiver(pre_create_historical_record)
def name_import_batch(sender, instance, history_instance, **kwargs):
    # A record saved one by one by an import (a Resource without bulk writes)
    # carries its batch, as the bulk helpers' custom_historical_attrs do.
    batch = getattr(instance, "_import_batch", None)
    if batch is not None:
        history_instance.import_batch = batch


def changes_between(older, newer, fields):
    """Return [(field, old value, new value), …] for the fields that differ."""
    changed = []
    for field in fields:
        old = getattr(older, field.attname) if older is not None else None
        new = getattr(newer, field.attname) if newer is not None else None
        if old != new:
            changed.append((field, old, new))
    return changed


def tracked_fields(model):
    """Return the fields of a record its history compares (not its timestamps)."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in {"id", "created_at", "updated_at"}
    ]
