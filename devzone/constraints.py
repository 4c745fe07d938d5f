"""Constraints that name their column, and the unique rules of a model.

Each constraint is interpreted once per language: forms and scripts through Django's
own ``Model.validate_constraints`` (``FieldCheck`` and ``FieldUnique`` put the message
on their column), the import by compiling the same ``Meta.constraints`` to SQL over
its staging table (``devzone.spreadsheets.engine``). No Python interpreter of ``Q``.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any, cast

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import DEFAULT_DB_ALIAS, router
from django.db.models import CheckConstraint, F, Model, Q, UniqueConstraint
from django.db.models.expressions import BaseExpression
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

LOOKUP_CHUNK = 1000
YEAR_MIN, YEAR_MAX = 2000, 2100


class FieldConstraintMixin:
    """A constraint whose message belongs to one column, ``field``.

    Django reports a constraint against the whole row; an import's error line and
    a form need the cell to correct. The field travels with the constraint.
    """

    def __init__(self, *, field: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.field = field

    def deconstruct(self) -> tuple[str, Sequence[Any], dict[str, Any]]:
        # A mixin of Django's constraints, which all deconstruct.
        path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        kwargs["field"] = self.field
        return path, args, kwargs

    def validate(
        self,
        model: type[Model],
        instance: Model,
        exclude: Any = None,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        if exclude:
            # A sealed value's digest is never on a form (devzone.fields): the
            # rule naming it is checked whenever the value itself is.
            exclude = {
                name
                for name in exclude
                if getattr(sibling_of(model, name), "source", None) in (None, *exclude)
            }
        try:
            # Django's constraint's own check (django-stubs lacks validate).
            super().validate(model, instance, exclude=exclude, using=using)  # type: ignore[misc]
        except ValidationError as error:
            raise ValidationError({self.field: error.error_list}) from error

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and self.field == getattr(other, "field", None)


class FieldCheck(FieldConstraintMixin, CheckConstraint):
    """A CheckConstraint whose message belongs to one column."""


class FieldUnique(FieldConstraintMixin, UniqueConstraint):
    """A UniqueConstraint whose message belongs to one column."""


def holds(instance: Model, condition: Q) -> bool:
    """Return True if the instance's values meet the condition, as the database says."""
    against = {
        field.name: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name in referenced_fields(condition)
    }
    return condition.check(against, using=router.db_for_read(type(instance)))


def sibling_of(model: type[Model], name: str) -> Any:
    """Return the model's field ``name`` if it is a sealed value's sibling, else None."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if getattr(field, "source", None) else None


def error_field(constraint: object) -> str:
    """Return the column a constraint's message belongs to (NON_FIELD_ERRORS: the row)."""
    return getattr(constraint, "field", NON_FIELD_ERRORS)


def year_range(field: str, *, name: str) -> FieldCheck:
    """Return the rule that a year lies between 2000 and 2100."""
    return FieldCheck(
        condition=Q(**{f"{field}__gte": YEAR_MIN, f"{field}__lte": YEAR_MAX}),
        name=name,
        field=field,
        violation_error_message=_("年度应在 %(min)s 到 %(max)s 之间。")
        % {"min": YEAR_MIN, "max": YEAR_MAX},
    )


def non_negative(
    field: str, *, name: str, message: Any, nullable: bool = False
) -> FieldCheck:
    """Return the rule that an amount or count is not negative."""
    condition = Q(**{f"{field}__gte": 0})
    if nullable:
        condition = Q(**{f"{field}__isnull": True}) | condition
    return FieldCheck(
        condition=condition, name=name, field=field, violation_error_message=message
    )


def referenced_fields(condition: Q | BaseExpression) -> set[str]:
    """Return the names of the fields a Q reads (none known for another expression)."""
    names: set[str] = set()
    if not isinstance(condition, Q):
        return names
    for child in condition.children:
        if isinstance(child, Q):
            names |= referenced_fields(child)
        else:
            lookup, value = cast(tuple[str, Any], child)
            names.add(lookup.split("__")[0])
            if isinstance(value, F):
                names.add(value.name.split("__")[0])
    return names


def unique_sets(
    model: type[Model],
) -> Iterator[tuple[tuple[str, ...], Q | None, str, str]]:
    """Yield (fields, condition, message, error field) for each unique rule of a model."""
    opts = model._meta
    for field in opts.local_concrete_fields:
        if field.unique and not field.primary_key:
            message = field.error_messages["unique"] % {
                "model_name": capfirst(opts.verbose_name),
                "field_label": capfirst(field.verbose_name),
            }
            yield (field.name,), None, message, field.name
    for names in opts.unique_together:
        labels = [str(getattr(opts.get_field(n), "verbose_name", n)) for n in names]
        message = ValidationError(
            "%(fields)s 的组合已存在。", params={"fields": "、".join(labels)}
        ).messages[0]
        yield tuple(names), None, message, NON_FIELD_ERRORS
    for constraint in opts.total_unique_constraints + [
        c for c in opts.constraints if isinstance(c, UniqueConstraint) and c.condition
    ]:
        if constraint.expressions or not constraint.fields:
            continue
        column = getattr(constraint, "field", None)
        if column is None:
            column = (
                constraint.fields[0]
                if len(constraint.fields) == 1
                else NON_FIELD_ERRORS
            )
        yield (
            tuple(constraint.fields),
            constraint.condition,
            constraint.get_violation_error_message(),
            column,
        )


def unique_conflicts(
    model: type[Model], instances: Sequence[Model]
) -> list[tuple[Model, dict[str, list[str]]]]:
    """Return [(instance, {field: [message]})] for the instances breaking a unique rule.

    Checked for all the instances at once: against each other, and against the rows
    already stored (except the instances' own), a few queries per rule.
    """
    conflicts: defaultdict[int, defaultdict[str, list]] = defaultdict(
        lambda: defaultdict(list)
    )  # id(instance) -> errors
    by_id = {id(instance): instance for instance in instances}
    opts = model._meta
    for names, condition, message, error_field in unique_sets(model):
        fields: list[Any] = [opts.get_field(name) for name in names]
        attnames = [field.attname for field in fields]
        keyed = defaultdict(list)
        for instance in instances:
            key = tuple(getattr(instance, attname) for attname in attnames)
            if any(part is None or part == "" for part in key):
                continue
            if condition is not None and not holds(instance, condition):
                continue
            keyed[key].append(instance)
        for group in keyed.values():
            for instance in group[1:]:
                conflicts[id(instance)][error_field].append(message)
        own_pks = {instance.pk for instance in instances if instance.pk is not None}
        firsts = list({key[0] for key in keyed})
        for start in range(0, len(firsts), LOOKUP_CHUNK):
            queryset = model._default_manager.filter(
                **{f"{attnames[0]}__in": firsts[start : start + LOOKUP_CHUNK]}
            )
            if condition is not None:
                queryset = queryset.filter(condition)
            for row in queryset.values_list("pk", *attnames):
                pk, key = row[0], tuple(row[1:])
                for instance in keyed.get(key, ()):
                    if instance.pk != pk and pk not in own_pks:
                        conflicts[id(instance)][error_field].append(message)
    return [(by_id[key], dict(errors)) for key, errors in conflicts.items()]
