"""Personal data, owned in one place: what is personal, who sees it, how it is shown.

A value is personal because its model field says so: ``IdNumberField`` and
``PhoneField`` carry a ``personal_kind``. Every path that reaches such a field
through foreign keys is personal too (``recipient__id_number`` because
``recipient.id_number`` is), whatever a filter, column or search calls it. Every
surface — lists, forms, history, imports, templates, exports, the export centre,
autocomplete, the report — asks this module, never a list of names of its own:

- ``mask_for(model, path)`` / ``personal_paths(model)``: whether a path is personal,
  and its ``Mask`` (the Python function and its SQL twin side by side);
- ``may_unmask(user, model)``: whether the user sees the model's numbers in full
  (``<app_label>.view_personal_data`` of the app whose model holds the field);
- ``lookup(...)``: an answer that depends on a full number the user has not been
  shown, counted against one daily quota and logged; refused with one message,
  before anything is read, once the quota is spent;
- ``record_view(...)``: a row for every list, record, preview or history that a
  user saw in full.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Case, F, Func, Sum, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Left, Length, Repeat, Right
from django.db.models.lookups import LessThan, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devzone.models import PersonalDataAccess
from devzone.validators import (
    CONTROL_CHARACTERS,
    mask_id_number,
    mask_numbers_in_text,
    mask_phone,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

TEXT: models.TextField[Any, Any] = models.TextField()
LOOKUP_CHUNK = 500

QUOTA_SPENT = _(
    "今天按完整身份证号或电话查找的次数已用完（每天 %(limit)d 次），"
    "请明天再查，或请有权限的同事查找。"
)
IMPORT_OVER_QUOTA = _(
    "这个文件按完整身份证号或电话与已有记录核对的行数，超过了您今天剩余的查询次数"
    "（每天 %(limit)d 次，导入、搜索和筛选共用）。您无权查看完整号码，"
    "为防止通过导入试探他人的号码，整个文件都没有导入：请明天再导入，"
    "或请有权限的同事导入。"
)
FORM_OVER_QUOTA = _(
    "今天按完整身份证号或电话核对的次数已用完（每天 %(limit)d 次），这条记录没有保存："
    "请明天再录入，或请有权限的同事录入。"
)


def quota_message(template: Any = QUOTA_SPENT) -> str:
    """Return a refusal for a spent quota: the same whatever was asked."""
    return str(template) % {"limit": settings.DEVZONE_PERSONAL_LOOKUPS_PER_DAY}


# Masks: each in Python and in SQL, side by side. -----------------------------------


def pipes(*parts: Any) -> Func:
    """Return the text parts joined by ``||`` (NULL if one is NULL)."""
    return Func(
        *parts, template="(%(expressions)s)", arg_joiner=" || ", output_field=TEXT
    )


def sql_mask_id_number(value: Any) -> Combinable:
    """mask_id_number in SQL: the first 6 and last 4 characters shown."""
    length = Length(value)
    return Case(
        When(LessThanOrEqual(length, 10), then=Repeat(Value("*"), length)),
        default=pipes(Left(value, 6), Repeat(Value("*"), length - 10), Right(value, 4)),
        output_field=TEXT,
    )


def sql_mask_phone(value: Any) -> Combinable:
    """mask_phone in SQL: the middle four digits hidden."""
    length = Length(value)
    return Case(
        When(LessThan(length, 8), then=Repeat(Value("*"), length)),
        default=pipes(Left(value, 3), Value("****"), Right(value, 4)),
        output_field=TEXT,
    )


@dataclasses.dataclass(frozen=True)
class Mask:
    """How one kind of personal value is shown to a user who may not see it.

    ``shown_from`` is the shortest value whose first characters (at least 3) the
    mask shows: a masked value starts as the stored one from there on.
    """

    kind: str
    python: Callable[[object], str]
    sql: Callable[[Any], Combinable]
    shown_from: int

    def __call__(self, value: object) -> str:
        return self.python(value)

    def stored(self, path: str) -> F:
        """Return the stored masked copy of the sealed value at ``path``, in SQL.

        The column holds ciphertext (``devzone.fields``): the mask is kept beside
        it, written with the value by ``self.python``, so SQL reads it as it is.
        """
        return F(masked_path(path))

    def prefix_suffix(self, masked: str) -> tuple[str, str] | None:
        """Return the shown start and end of a masked value, or None if all hidden."""
        if masked.startswith("*") or masked.endswith("*"):
            return None
        return masked.split("*", 1)[0], masked.rsplit("*", 1)[-1]


MASKS: dict[str, Mask] = {
    "id_number": Mask("id_number", mask_id_number, sql_mask_id_number, 11),
    "phone": Mask("phone", mask_phone, sql_mask_phone, 8),
}


# Which values are personal. ---------------------------------------------------------


def masked_path(path: str) -> str:
    """Return the path of the masked copy kept beside a sealed value's path."""
    return f"{path}_masked"


def digest_path(path: str) -> str:
    """Return the path of the blind index kept beside a sealed value's path."""
    return f"{path}_digest"


def field_mask(field: Any) -> Mask | None:
    """Return the mask of a model field that holds personal data, else None."""
    return MASKS.get(getattr(field, "personal_kind", None) or "")


def resolve(model: type[models.Model], path: str) -> models.Field | None:
    """Return the model field a path reaches (``recipient__id_number__in``), or None.

    Trailing lookups and transforms are passed over; a path that names no field
    reaches nothing.
    """
    field = None
    opts: Any = model._meta
    for part in path.split("__"):
        if opts is None:
            break  # a lookup after the last field (``__in``, ``__exact``)
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return field if field is not None and not field.is_relation else None
        related = field.related_model if field.is_relation else None
        opts = related._meta if related is not None else None
    return field if isinstance(field, models.Field) else None


def mask_for(model: type[models.Model], path: str | None) -> Mask | None:
    """Return the mask of the personal value a path reaches, or None if not personal."""
    if not path:
        return None
    return field_mask(resolve(model, path))


def personal_paths(model: type[models.Model]) -> dict[str, Mask]:
    """Return {path: mask} of the model's personal fields and its foreign keys' ones."""
    paths = {}
    for field in model._meta.get_fields():
        if not getattr(field, "concrete", False):
            continue
        mask = field_mask(field)
        if mask is not None:
            paths[field.name] = mask
        elif (field.many_to_one or field.one_to_one) and field.related_model:
            related_model: Any = field.related_model
            for related in related_model._meta.concrete_fields:
                related_mask = field_mask(related)
                if related_mask is not None:
                    paths[f"{field.name}__{related.name}"] = related_mask
    return paths


def permission_of(field: models.Field) -> str:
    """Return the permission that shows a personal field in full."""
    return f"{field.model._meta.app_label}.view_personal_data"


def permissions_for(model: type[models.Model]) -> set[str]:
    """Return the permissions a user needs to see every personal value of the model."""
    return {permission_of(resolve(model, path)) for path in personal_paths(model)}  # type: ignore[arg-type]


def may_unmask(user: Any, model: type[models.Model]) -> bool:
    """Return True if the user may see the model's personal data unmasked."""
    if user is None or not getattr(user, "is_active", False):
        return False
    return all(user.has_perm(permission) for permission in permissions_for(model))


def masks_for(user: Any, model: type[models.Model]) -> dict[str, Mask]:
    """Return {path: mask} of what this user sees masked on the model ({} if none)."""
    if may_unmask(user, model):
        return {}
    return personal_paths(model)


# Lookups: answers about numbers the user has not been shown. ------------------------


def log_text(text: object) -> str:
    """Return text as a log keeps it: numbers masked, no control characters."""
    return mask_numbers_in_text(CONTROL_CHARACTERS.sub("", str(text)))[:500]


def start_of_today() -> datetime.datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def lookups_used(user: Any) -> int:
    """Return how many lookups the user made today."""
    total = PersonalDataAccess.objects.filter(
        user=user,
        kind=PersonalDataAccess.Kind.LOOKUP,
        created_at__gte=start_of_today(),
    ).aggregate(total=Coalesce(Sum("row_count"), 0))["total"]
    return int(total)


def lookups_left(user: Any) -> int:
    """Return how many lookups the user may still make today."""
    return max(settings.DEVZONE_PERSONAL_LOOKUPS_PER_DAY - lookups_used(user), 0)


def lookup(
    user: Any,
    *,
    model: type[models.Model],
    channel: str,
    target: object,
    count: int = 1,
) -> bool:
    """Count ``count`` lookups by full number against the day's quota; log them.

    Return False, and log the refusal, if they do not all fit in what is left:
    then nothing of the answer may be given. The user's row is locked so that two
    requests at once cannot both spend the last lookup.
    """
    if getattr(user, "pk", None) is None:
        return False
    if count <= 0:
        return True
    with transaction.atomic():
        get_user_model()._default_manager.select_for_update().filter(
            pk=user.pk
        ).exists()
        allowed = (
            lookups_used(user) + count <= settings.DEVZONE_PERSONAL_LOOKUPS_PER_DAY
        )
        PersonalDataAccess.objects.create(
            user=user,
            kind=(
                PersonalDataAccess.Kind.LOOKUP
                if allowed
                else PersonalDataAccess.Kind.REFUSED
            ),
            channel=channel,
            model=model._meta.label_lower,
            target=log_text(target),
            row_count=count,
        )
    return allowed


def stored_masks(
    model: type[models.Model], path: str, mask: Mask, values: Iterable[str]
) -> set[str]:
    """Return the masked forms of ``values`` that some stored value shares.

    A value whose masked form no stored value shares tells nothing about any stored
    number; one that shares it is a candidate for a number the user sees masked.
    """
    by_mask: dict[str, set[str]] = defaultdict(set)
    for value in values:
        masked = mask(value)
        if mask.prefix_suffix(masked) is not None:
            by_mask[masked].add(value)
    found: set[str] = set()
    masked_values = list(by_mask)
    # The stored masked copies are compared: the values themselves are sealed.
    copy = masked_path(path)
    for start in range(0, len(masked_values), LOOKUP_CHUNK):
        chunk = masked_values[start : start + LOOKUP_CHUNK]
        stored = model._default_manager.filter(**{f"{copy}__in": chunk})
        found |= set(stored.values_list(copy, flat=True).distinct())
    return found


def candidate_count(
    model: type[models.Model], path: str, mask: Mask, values: Iterable[str]
) -> int:
    """Return how many of ``values`` share their masked form with a stored value.

    Each such value is a lookup, whether or not it is itself stored: counting only
    the ones that differ (or only the ones that match) would let the count, and so
    whether a file is refused, tell a hidden number apart from its candidates.
    """
    values = set(values)
    shared = stored_masks(model, path, mask, values)
    return sum(1 for value in values if mask(value) in shared)


def unique_personal_fields(model: type[models.Model]) -> dict[str, Mask]:
    """Return {field name: mask} of the personal fields a unique rule names.

    Saving a form answers whether such a value is stored already; other personal
    values a form takes tell nothing about the stored ones.
    """
    unique_names = {field.name for field in model._meta.concrete_fields if field.unique}
    for names in model._meta.unique_together:
        unique_names.update(names)
    for constraint in model._meta.total_unique_constraints:
        unique_names.update(constraint.fields)
    # A rule on a sealed value names its digest (devzone.fields): the value's.
    unique_names.update(
        source
        for name in list(unique_names)
        if (source := getattr(model._meta.get_field(name), "source", None))
    )
    return {
        name: mask
        for name, mask in personal_paths(model).items()
        if name in unique_names
    }


def form_lookup(
    user: Any, *, model: type[models.Model], values: dict[str, Any]
) -> bool:
    """Count a form's typed numbers that a unique rule checks against stored ones.

    Return False (refused and logged) if the day's quota does not hold them.
    """
    masks = unique_personal_fields(model)
    count = sum(
        candidate_count(model, name, masks[name], [value])
        for name, value in values.items()
        if name in masks and value
    )
    return lookup(
        user,
        model=model,
        channel=PersonalDataAccess.Channel.FORM,
        target="；".join(str(value) for value in values.values() if value),
        count=count,
    )


# Full views. -------------------------------------------------------------------------


def record_view(
    user: Any,
    *,
    model: type[models.Model],
    kind: str,
    target: object = "",
    row_count: int | None = None,
    columns: Iterable[str] = (),
) -> PersonalDataAccess:
    """Record that a user saw full numbers: a list, record, preview or history."""
    return PersonalDataAccess.objects.create(
        user=user,
        kind=kind,
        channel=kind,
        model=model._meta.label_lower,
        target=log_text(target),
        row_count=row_count,
        columns="、".join(str(column) for column in columns)[:500],
    )


def labels(model: type[models.Model], paths: Iterable[str]) -> list[str]:
    """Return the verbose names of personal paths, for a log's column list."""
    names = []
    for path in paths:
        field = resolve(model, path)
        names.append(str(field.verbose_name) if field is not None else path)
    return names
