"""Model fields for personal data that every app stores the same way."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from devzone.validators import (
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)


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


class IdNumberField(NormalizedCharField):
    """A resident ID number, stored as 18 upper-case ASCII characters.

    Personal data: ``devzone.personal`` masks, counts and logs it wherever it shows.
    """

    personal_kind = "id_number"
    default_validators = [validate_id_number]
    description = _("身份证号")
    default_max_length = 18
    normalize = staticmethod(normalize_id_number)


class PhoneField(NormalizedCharField):
    """A mobile or fixed-line number, stored as ASCII digits.

    Personal data: ``devzone.personal`` masks, counts and logs it wherever it shows.
    """

    personal_kind = "phone"
    default_validators = [validate_phone]
    description = _("电话号码")
    default_max_length = 20
    normalize = staticmethod(normalize_phone)
