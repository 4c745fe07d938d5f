"""Writes that name their columns: a sealed field's siblings are written with it.

A sealed field's siblings (``devzone.fields``) follow its clear value as the
attribute is set and as a whole row is saved. Three writes name the columns they
write, and would write the sealed column alone, leaving search, natural keys and
masked lists on the old value: ``QuerySet.update()``, ``bulk_update()`` and
``save(update_fields=…)``. ``SealedFieldsQuerySet`` (under every devzone QuerySet
of records, base managers included) and ``SealedFieldsModel`` (under every record)
add the siblings to them; a system check (devzone.E011) requires both of every
model with a sealed field, so that a new model cannot leave them out.
"""

from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from django.core import checks
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models

from devzone.fields import SealedCharField, SealedSibling
from devzone.sealed_rows import is_history, sealed_fields

# Django's bulk_update() writes each field through update() as one CASE over the
# objects' values, already sealed by the field; that CASE is the one expression a
# sealed column may be given, and only while our bulk_update() runs it.
_in_bulk_update: ContextVar[bool] = ContextVar("in_sealed_bulk_update", default=False)


def named_field(model: type[models.Model], name: str) -> Any:
    """Return the model's field of a name or attname, or None (Django reports it)."""
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def source_of(model: type[models.Model], name: str) -> SealedCharField | None:
    """Return the sealed field a name is, or is a sibling of; else None."""
    field = named_field(model, name)
    if isinstance(field, SealedSibling):
        field = named_field(model, field.source)
    return field if isinstance(field, SealedCharField) else None


def with_siblings(model: type[models.Model], names: Iterable[str]) -> list[str]:
    """Return the names, each sealed field's (or sibling's) siblings added."""
    names = list(names)
    for name in list(names):
        source = source_of(model, name)
        if source is not None:
            for sibling in source.sibling_names().values():
                if sibling not in names:
                    names.append(sibling)
    return names


def set_siblings(obj: models.Model, field: SealedCharField) -> None:
    """Set an object's siblings of a sealed field from its clear value."""
    plain = field.plain(getattr(obj, field.attname))
    for kind, name in field.sibling_names().items():
        setattr(obj, name, field.derive(kind, plain))


def sealed_update_values(
    model: type[models.Model], values: dict[str, Any]
) -> dict[str, Any]:
    """Return update()'s values, each sealed field's siblings derived beside it.

    Refuse an expression for a sealed field (it would have to be encrypted in
    SQL) and a sibling named on its own (it is derived, never written).
    """
    values = dict(values)
    label = model.__name__
    for name, value in list(values.items()):
        field = named_field(model, name)
        if isinstance(field, SealedSibling):
            raise FieldError(
                f"{label}.{name} is derived from {label}.{field.source}: update "
                f"{field.source} and it follows (devzone.sealed_writes)."
            )
        if not isinstance(field, SealedCharField):
            continue
        if hasattr(value, "resolve_expression"):
            raise FieldError(
                f"{label}.{name} is stored encrypted: update() cannot give it an "
                f"expression, which SQL cannot encrypt; give it a value, or set "
                f"each record's {name} and save it (devzone.sealed_writes)."
            )
        plain = field.plain(value)
        for kind, sibling in field.sibling_names().items():
            values[sibling] = field.derive(kind, plain)
    return values


class SealedFieldsQuerySet(models.QuerySet):
    """A QuerySet whose update() and bulk_update() write sealed fields' siblings."""

    def update(self, **kwargs: Any) -> int:
        if not _in_bulk_update.get():
            kwargs = sealed_update_values(self.model, kwargs)
        return super().update(**kwargs)

    update.alters_data = True  # type: ignore[attr-defined]

    def bulk_update(
        self, objs: Iterable[Any], fields: Any, batch_size: int | None = None
    ) -> int:
        objs = tuple(objs)
        fields = with_siblings(self.model, fields)
        sealed = {
            source
            for name in fields
            if (source := source_of(self.model, name)) is not None
        }
        # The siblings are derived again, not trusted: an object's __dict__ may have
        # been written past the attribute (refresh_from_db of a sibling alone).
        for obj in objs:
            for field in sealed:
                set_siblings(obj, field)
        token = _in_bulk_update.set(True)
        try:
            return super().bulk_update(objs, fields, batch_size)
        finally:
            _in_bulk_update.reset(token)

    bulk_update.alters_data = True  # type: ignore[attr-defined]


class SealedFieldsModel(models.Model):
    """A record whose save(update_fields=…) writes a sealed field's siblings too."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = with_siblings(type(self), kwargs["update_fields"])
        super().save(*args, **kwargs)

    save.alters_data = True  # type: ignore[attr-defined]


def sealed_write_errors(model: type[models.Model]) -> list[checks.Error]:
    """Return why a model's writes could leave a sealed field's siblings behind."""
    # History tables are append-only (devzone.append_only): rows are only added,
    # each copied whole from its record.
    if model._meta.abstract or is_history(model) or not sealed_fields(model):
        return []
    errors = []
    if not issubclass(model, SealedFieldsModel):
        errors.append(
            checks.Error(
                f"{model._meta.label} has sealed fields: save(update_fields=…) "
                f"would write them without their siblings.",
                hint="Build it on devzone.models.TimeStampedModel "
                "(or devzone.sealed_writes.SealedFieldsModel).",
                obj=model,
                id="devzone.E011",
            )
        )
    for manager in model._meta.managers:
        queryset = getattr(manager, "_queryset_class", models.QuerySet)
        if not issubclass(queryset, SealedFieldsQuerySet):
            errors.append(
                checks.Error(
                    f"{model._meta.label}.{manager.name} has sealed fields: its "
                    f"{queryset.__name__}'s update() and bulk_update() would write "
                    f"them without their siblings.",
                    hint="Build its QuerySet on devzone.models."
                    "CommunityScopedQuerySet (or devzone.sealed_writes."
                    "SealedFieldsQuerySet).",
                    obj=model,
                    id="devzone.E011",
                )
            )
    # Django's base manager is a plain Manager unless Meta.base_manager_name names
    # one; Django reaches rows through it (deletions, related objects), and so
    # does devzone (model._base_manager).
    base = type(model._base_manager.get_queryset())
    if not issubclass(base, SealedFieldsQuerySet):
        errors.append(
            checks.Error(
                f"{model._meta.label} has sealed fields: the {base.__name__} of its "
                f"base manager (_base_manager) would update() and bulk_update() "
                f"them without their siblings.",
                hint="Set its Meta.base_manager_name to a manager that does not "
                "filter rows and whose QuerySet is built on devzone.sealed_writes."
                'SealedFieldsQuerySet (base_manager_name = "objects" where that '
                "one filters none).",
                obj=model,
                id="devzone.E011",
            )
        )
    return errors
