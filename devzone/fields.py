"""Model fields for personal data that every app stores the same way."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from devzone.validators import (
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)


class IdNumberField(models.CharField):
    """A resident ID number, stored as 18 upper-case ASCII characters."""

    default_validators = [validate_id_number]
    description = _("身份证号")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_id_number(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return normalize_id_number(value) if value else value


class PhoneField(models.CharField):
    """A mobile or fixed-line number, stored as ASCII digits."""

    default_validators = [validate_phone]
    description = _("电话号码")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_phone(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return normalize_phone(value) if value else value
