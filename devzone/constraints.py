"""Checking a record's constraints without a query per record.

Django checks each CheckConstraint of a record with a ``SELECT`` and each unique rule
with another; an import of 100,000 rows would run them all 100,000 times. Here a
CheckConstraint's condition is evaluated in Python when it uses only lookups whose
SQL meaning is plain (comparisons, ``isnull``, ``in``, ``regex`` on the record's own
fields, a date's ``year``), with SQL's three-valued logic: a condition that is NULL passes, as it does in
the database. Anything else falls back to Django's own check. Unique rules are
checked for a whole file at once (``unique_conflicts``).
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
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

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and self.field == getattr(other, "field", None)


class FieldCheck(FieldConstraintMixin, CheckConstraint):
    """A CheckConstraint whose message belongs to one column."""

    def validate(
        self,
        model: type[Model],
        instance: Model,
        exclude: Any = None,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        try:
            # django-stubs lacks BaseConstraint.validate, which Django 5.2 has.
            super().validate(model, instance, exclude=exclude, using=using)  # type: ignore[misc]
        except ValidationError as error:
            raise ValidationError({self.field: error.error_list}) from error


class FieldUnique(FieldConstraintMixin, UniqueConstraint):
    """A UniqueConstraint whose message belongs to one column."""


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


class Unsupported(Exception):
    """The condition uses something this evaluator does not know."""


def _compare(op: Callable[[Any, Any], bool], left: Any, right: Any) -> bool | None:
    if left is None or right is None:
        return None
    try:
        return op(left, right)
    except TypeError as exc:
        raise Unsupported from exc


LOOKUPS = {
    "exact": lambda a, b: _compare(lambda x, y: x == y, a, b),
    "gt": lambda a, b: _compare(lambda x, y: x > y, a, b),
    "gte": lambda a, b: _compare(lambda x, y: x >= y, a, b),
    "lt": lambda a, b: _compare(lambda x, y: x < y, a, b),
    "lte": lambda a, b: _compare(lambda x, y: x <= y, a, b),
    "in": lambda a, b: None if a is None else a in b,
    "regex": lambda a, b: None if a is None else re.search(b, str(a)) is not None,
}


def field_value(instance: Model, name: str) -> Any:
    """Return the value of one of the instance's own columns (a key: its id)."""
    try:
        field: Any = instance._meta.get_field(name)
    except FieldDoesNotExist as exc:
        raise Unsupported from exc
    if field.is_relation and not field.concrete:
        raise Unsupported
    return getattr(instance, field.attname)


TRANSFORMS = {"year": lambda value: value.year}


def evaluate_lookup(instance: Model, lookup: str, value: Any) -> bool | None:
    """Return True, False or None (SQL's unknown) for one ``lookup=value`` of a Q."""
    name, _, op = lookup.partition("__")
    op = op or "exact"
    transform = None
    first, _, rest = op.partition("__")
    if first in TRANSFORMS:
        transform, op = TRANSFORMS[first], rest or "exact"
    if "__" in op:
        raise Unsupported  # another transform, or a relation
    left = field_value(instance, name)
    if transform is not None and left is not None:
        left = transform(left)
    if op == "isnull":
        return (left is None) == bool(value)
    if op == "exact" and value is None:
        return left is None  # Django turns exact=None into IS NULL
    if isinstance(value, F):
        value = field_value(instance, value.name)  # NULL = NULL stays unknown
    elif hasattr(value, "resolve_expression"):
        raise Unsupported
    if op not in LOOKUPS:
        raise Unsupported
    if op == "in" and (
        value is None or not isinstance(value, (list, tuple, set, frozenset))
    ):
        raise Unsupported
    return LOOKUPS[op](left, value)


def evaluate(instance: Model, condition: Q | BaseExpression) -> bool | None:
    """Return True, False or None (SQL's unknown) for a Q on the instance's values."""
    if not isinstance(condition, Q):
        raise Unsupported
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(evaluate(instance, child))
        else:
            lookup, value = cast(tuple[str, Any], child)
            results.append(evaluate_lookup(instance, lookup, value))
    if condition.connector == Q.AND:
        result = False if False in results else (None if None in results else True)
    elif condition.connector == Q.OR:
        result = True if True in results else (None if None in results else False)
    else:
        raise Unsupported
    if condition.negated:
        result = None if result is None else not result
    return result


def check_constraint_holds(
    constraint: CheckConstraint,
    model: type[Model],
    instance: Model,
    exclude: Any = None,
) -> bool:
    """Return True unless the instance breaks the CheckConstraint (as Django decides)."""
    if exclude and any(
        field in exclude for field in referenced_fields(constraint.condition)
    ):
        return True
    try:
        return evaluate(instance, constraint.condition) is not False
    except Unsupported:
        try:
            # django-stubs lacks BaseConstraint.validate, which Django 5.2 has.
            constraint.validate(  # type: ignore[attr-defined]
                model, instance, exclude=exclude, using=router.db_for_write(model)
            )
        except ValidationError:
            return False
        return True


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


def check_constraint_errors(
    instance: Model, exclude: Any = None
) -> defaultdict[str, list[ValidationError]]:
    """Return {field: [ValidationError]} for the CheckConstraints the instance breaks."""
    errors = defaultdict(list)
    for model, constraints in instance.get_constraints():
        for constraint in constraints:
            if not isinstance(constraint, CheckConstraint):
                continue
            if not check_constraint_holds(constraint, model, instance, exclude):
                errors[error_field(constraint)].append(
                    ValidationError(
                        constraint.get_violation_error_message(),
                        code=constraint.violation_error_code,
                    )
                )
    return errors


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
            if condition is not None:
                try:
                    if evaluate(instance, condition) is not True:
                        continue
                except Unsupported:
                    pass
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
