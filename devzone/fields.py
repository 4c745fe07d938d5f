"""Model fields for personal data that every app stores the same way.

ID numbers and phones are sealed (``devzone.sealing``): the column holds SM4-GCM
ciphertext, decrypted as a row is read and encrypted as it is written. Beside each
sealed field its model declares the siblings the database works with instead, all
computed from the clear value whenever the field is set (a form, a script,
``bulk_create``, a history row), written with it by the writes that name their
columns (``update()``, ``bulk_update()``, ``save(update_fields=…)``:
``devzone.sealed_writes``), and never edited:

- ``<name>_digest``: the blind index (HMAC-SM3), which ``=`` and ``__in`` compare,
  and which unique rules and indexes name;
- ``<name>_masked``: the masked copy (``321181********1234``), not secret, which the
  lists and the SQL exports show;
- ``<name>_birth`` (ID numbers): the birth date's ``YYYYMMDD``, for age bands.

Any other lookup on a sealed field (contains, startswith…) cannot work on
ciphertext and is refused with a clear error; the admin's lists do not sort by it
(``devzone.changelist``).
"""

from collections.abc import Callable
from typing import Any

from django.core import checks
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.expressions import Col, Value
from django.db.models.lookups import Exact, In
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext_lazy as _

from devzone import sealing
from devzone.validators import (
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)

SEALED_MAX_LENGTH = 100  # "sm4gcm:<id>:" and base64 of nonce, value and tag


class NormalizedCharField(models.CharField):
    """Text kept in one canonical form, however it was typed.

    ``normalize`` is applied to a non-empty value as it is read from a form or a
    file and as it is written to the database (lookups included).
    """

    default_max_length: int

    @staticmethod
    def normalize(value: str) -> str:
        raise NotImplementedError

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", self.default_max_length)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return self.normalize(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return self.normalize(value) if value else value


def birth_digits(plain: Any) -> Any:
    """Return the ``YYYYMMDD`` of a normalised ID number's birth date ("" if none)."""
    if plain is None:
        return None
    return plain[6:14] if len(plain) == 18 and plain[6:14].isdigit() else ""


class SealedAttribute(DeferredAttribute):
    """A sealed field's attribute: setting it sets its siblings from the clear value."""

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value
        field: Any = self.field
        plain = field.plain(value)
        for kind, name in field.sibling_names().items():
            instance.__dict__[name] = field.derive(kind, plain)


class SealedCharField(NormalizedCharField):
    """Personal text stored encrypted, with its digest, masked copy (and birth)."""

    descriptor_class = SealedAttribute
    sibling_kinds: tuple[str, ...] = ("digest", "masked")
    plain_max_length: int
    default_max_length = SEALED_MAX_LENGTH

    @staticmethod
    def mask(value: str) -> str:
        raise NotImplementedError

    def sibling_names(self) -> dict[str, str]:
        return {kind: f"{self.attname}_{kind}" for kind in self.sibling_kinds}

    def sibling(self, kind: str) -> models.Field:
        field = self.model._meta.get_field(self.sibling_names()[kind])
        assert isinstance(field, models.Field)
        return field

    def plain(self, value: Any) -> Any:
        """Return the normalised clear value of what the attribute was set to."""
        if sealing.is_sealed(value):
            value = sealing.unseal(value)
        return self.normalize(value) if value else value

    def derive(self, kind: str, plain: Any) -> Any:
        """Return a sibling's value from the normalised clear value."""
        return self.sibling_function(kind)(plain)

    def sibling_function(self, kind: str) -> Callable[[Any], Any]:
        """Return the function computing a sibling from the normalised clear value
        (None stays None): an import maps it over a column."""
        if kind == "digest":
            return sealing.digest
        if kind == "masked":
            return self.masked_copy
        if kind == "birth":
            return birth_digits
        raise ValueError(kind)

    def masked_copy(self, plain: Any) -> Any:
        if plain is None:
            return None
        return self.mask(plain) if plain else ""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return sealing.unseal(value)

    def get_prep_value(self, value: Any) -> Any:
        if sealing.is_sealed(value):
            return value
        return super().get_prep_value(value)

    def get_db_prep_value(
        self, value: Any, connection: Any, prepared: bool = False
    ) -> Any:
        value = super().get_db_prep_value(value, connection, prepared)
        return sealing.seal(value) if isinstance(value, str) else value

    def formfield(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("max_length", self.plain_max_length)
        return super().formfield(*args, **kwargs)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name in ("exact", "in", "isnull"):
            return super().get_lookup(lookup_name)
        raise FieldError(
            f"{self.model.__name__}.{self.name} is stored encrypted: only exact "
            f"matches (=, __in) and __isnull can be asked of it, not "
            f"__{lookup_name} (devzone.fields)."
        )

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(
            f"{self.model.__name__}.{self.name} is stored encrypted: no "
            f"__{lookup_name} in SQL; read the masked copy or its digest instead."
        )

    def check(self, **kwargs: Any) -> list:
        errors = super().check(**kwargs)
        if getattr(self, "model", None) is None or self.model._meta.abstract:
            return errors
        for kind, name in self.sibling_names().items():
            try:
                sibling = self.model._meta.get_field(name)
            except Exception:  # noqa: BLE001 - FieldDoesNotExist, reported below
                sibling = None
            if not (
                isinstance(sibling, SealedSibling)
                and sibling.source == self.name
                and sibling.kind == kind
            ):
                errors.append(
                    checks.Error(
                        f"The sealed field {self.name} needs its sibling {name} = "
                        f"SealedSibling(source={self.name!r}, kind={kind!r}).",
                        obj=self,
                        id="devzone.E010",
                    )
                )
        return errors


def sealed_lookup_sides(lhs: Any, rhs: Any, many: bool) -> tuple[Any, Any]:
    """Return the digest column and the digested value(s) an exact match compares."""
    field = lhs.output_field
    if isinstance(lhs, Value) and not isinstance(lhs, Col):
        # A value known in Python (a constraint checked on an unsaved record):
        # compared in clear, in the query and never stored.
        clear: models.CharField = models.CharField()

        def plain(value: Any) -> Any:
            if value is None or hasattr(value, "resolve_expression"):
                return value
            return field.plain(str(value))

        rhs = [plain(v) for v in rhs] if many else plain(rhs)
        return Value(field.plain(lhs.value), output_field=clear), rhs
    if not isinstance(lhs, Col) or not isinstance(field, SealedCharField):
        raise FieldError(
            f"{field.name} is stored encrypted: only its column can be compared."
        )
    if not many and rhs in ("", None):
        # Blank is stored as blank: compared on the column itself, as the CHECK
        # constraints written before the siblings existed compare it.
        return lhs, rhs
    digest_col = field.sibling("digest").get_col(lhs.alias)

    def digested(value: Any) -> Any:
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return sealing.digest(field.plain(str(value)))

    if many and not hasattr(rhs, "resolve_expression"):
        return digest_col, [digested(value) for value in rhs]
    return digest_col, digested(rhs)


@SealedCharField.register_lookup
class SealedExact(Exact):
    """``field = value`` as ``field_digest = digest(value)``."""

    def __init__(self, lhs: Any, rhs: Any) -> None:
        super().__init__(*sealed_lookup_sides(lhs, rhs, many=False))


@SealedCharField.register_lookup
class SealedIn(In):
    """``field IN (…)`` as ``field_digest IN (digests)``."""

    def __init__(self, lhs: Any, rhs: Any) -> None:
        super().__init__(*sealed_lookup_sides(lhs, rhs, many=True))


class SealedSibling(models.CharField):
    """A value derived from a sealed field's clear value; see the module's docstring."""

    def __init__(self, *args: Any, source: str = "", kind: str = "", **kwargs: Any):
        self.source, self.kind = source, kind
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("max_length", {"digest": 64, "birth": 8}.get(kind, 20))
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, kind=self.kind)
        return name, path, args, kwargs

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        source: Any = model_instance._meta.get_field(self.source)
        value = source.derive(
            self.kind, source.plain(getattr(model_instance, source.attname))
        )
        setattr(model_instance, self.attname, value)
        return value


class IdNumberField(SealedCharField):
    """A resident ID number: 18 upper-case ASCII characters, stored encrypted.

    Personal data: ``devzone.personal`` masks, counts and logs it wherever it shows.
    Its model declares ``<name>_digest``, ``<name>_masked`` and ``<name>_birth``.
    """

    personal_kind = "id_number"
    default_validators = [validate_id_number]
    description = _("身份证号")
    plain_max_length = 18
    sibling_kinds = ("digest", "masked", "birth")
    normalize = staticmethod(normalize_id_number)
    mask = staticmethod(mask_id_number)


class PhoneField(SealedCharField):
    """A mobile or fixed-line number: ASCII digits, stored encrypted.

    Personal data: ``devzone.personal`` masks, counts and logs it wherever it shows.
    Its model declares ``<name>_digest`` and ``<name>_masked``.
    """

    personal_kind = "phone"
    default_validators = [validate_phone]
    description = _("电话号码")
    plain_max_length = 20
    normalize = staticmethod(normalize_phone)
    mask = staticmethod(mask_phone)
