"""The trail of every change to the zone's records: who, when, old and new values.

django-simple-history keeps one historical row per create, change and delete. It
sees ``save()`` and ``delete()`` through signals (the admin, services, actions) and
the imports' set writes through its bulk helpers, which ``ZoneResource`` calls; a
historical row written by an import names its batch, so the batch can be undone.
"""

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from devzone.fields import SealedSibling
from devzone.validators import yes_no

ACTIONS = {"+": _("新增"), "~": _("修改"), "-": _("删除")}


class AuditedHistory(models.Model):
    """What every historical row adds: the import batch that wrote it, if any."""

    # No database constraint, as on the user who wrote the row: a log names what
    # it names whatever becomes of it, and checking each of an import's hundred
    # thousand historical rows against its batch at commit cost a second.
    import_batch = models.ForeignKey(
        "devzone.ImportBatch",
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        abstract = True


def audit_history() -> HistoricalRecords:
    """Return the history declaration every domain model carries as ``history``."""
    return HistoricalRecords(
        bases=[AuditedHistory],
        user_related_name="+",
        # Accounts are disabled, never deleted (devzone.admin); the log keeps
        # its user's id without a constraint checked at every commit.
        user_db_constraint=False,
        cascade_delete_history=False,
    )


@receiver(pre_create_historical_record)
def name_import_batch(
    sender: type, instance: models.Model, history_instance: Any, **kwargs: Any
) -> None:
    # A record saved one by one by an import (a Resource without bulk writes)
    # carries its batch, as the bulk helpers' custom_historical_attrs do.
    batch = getattr(instance, "_import_batch", None)
    if batch is not None:
        history_instance.import_batch = batch


def changes_between(
    older: models.Model | None,
    newer: models.Model | None,
    fields: Iterable[models.Field],
) -> list[tuple[models.Field, Any, Any]]:
    """Return [(field, old value, new value), …] for the fields that differ."""
    changed = []
    for field in fields:
        old = getattr(older, field.attname) if older is not None else None
        new = getattr(newer, field.attname) if newer is not None else None
        if old != new:
            changed.append((field, old, new))
    return changed


def tracked_fields(model: type[models.Model]) -> list[models.Field]:
    """Return the fields of a record its history compares (not its timestamps)."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in {"id", "created_at", "updated_at"}
        # A sealed value's digest and masked copy change with it: not shown twice.
        and not isinstance(field, SealedSibling)
    ]


def display_value(
    field: models.Field, value: Any, mask: Callable[[Any], str] | None = None
) -> str:
    """Return a stored value as the history page shows it."""
    if value is None or value == "":
        return ""
    if mask is not None:
        return mask(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return yes_no(value)
    return str(value)


def history_entries(
    record: Any, masks: dict[str, Callable[[Any], str]]
) -> list[dict[str, Any]]:
    """Return the record's history, oldest first, each with what it changed."""
    model = type(record)
    fields = tracked_fields(model)
    related: dict[str, Any] = {
        field.attname: field
        for field in fields
        if field.is_relation and field.related_model is not None
    }
    rows = list(
        record.history.select_related("history_user", "import_batch").order_by(
            "history_date", "history_id"
        )
    )
    # Foreign keys are shown by name: one query per related model, not per row.
    names = {}
    for attname, field in related.items():
        ids = {getattr(row, attname) for row in rows} - {None}
        names[attname] = {
            obj.pk: str(obj)
            for obj in field.related_model._base_manager.filter(pk__in=ids)
        }
    entries, previous = [], None
    for row in rows:
        changes = []
        for field, old, new in changes_between(previous, row, fields):
            if row.history_type == "-":
                break
            mask = masks.get(field.name)
            if field.attname in names:
                old, new = (
                    names[field.attname].get(old, old),
                    names[field.attname].get(new, new),
                )
            shown = (display_value(field, old, mask), display_value(field, new, mask))
            if shown[0] in ("", None) and shown[1] in ("", None):
                continue  # a field left empty on creation: nothing to say
            changes.append((str(field.verbose_name), *shown))
        entries.append(
            {
                "date": row.history_date,
                # The record's own version after this change (its updated_at).
                "version": getattr(row, "updated_at", None),
                "user": row.history_user,
                "action": ACTIONS.get(row.history_type, row.history_type),
                "batch": row.import_batch,
                "reason": row.history_change_reason,
                "changes": changes,
            }
        )
        previous = row
    return entries


def record_version(changed_at: datetime.datetime | None) -> str:
    """Return a record's version, its last change, as forms and imports carry it."""
    return changed_at.isoformat() if changed_at else ""
