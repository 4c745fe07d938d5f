"""Validators every app shares: resident ID numbers (GB 11643-1999), phones, masking."""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"
ID_PATTERN = re.compile(r"[0-9]{17}[0-9X]")
MOBILE_PATTERN = re.compile(r"1[3-9][0-9]{9}")
# Mainland province-level region codes (the first two digits of a resident ID).
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)


def normalize_text(value):
    """Return the value NFKC-normalised (full-width to ASCII) with spaces removed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", "", text)


def id_check_character(first17):
    """Return the GB 11643 check character for the first 17 digits."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True)
    )
    return ID_CHECK_CHARACTERS[total % 11]


def normalize_id_number(value):
    """Return the ID number in its stored form: ASCII, upper-case, no spaces."""
    return normalize_text(value).upper()


def id_birth_date(id_number):
    """Return the birth date encoded in a well-formed ID number, or None."""
    try:
        return datetime.date(
            int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])
        )
    except (ValueError, TypeError, IndexError):
        return None


def id_is_male(id_number):
    """Return True for an odd sequence digit (male), False for even (female)."""
    return int(id_number[16]) % 2 == 1


def validate_id_number(value):
    """Raise ValidationError unless the value is a valid resident ID number."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("身份证号应为 18 位，当前为 %(length)s 位。"),
            code="id_length",
            params={"length": len(number)},
        )
    if not ID_PATTERN.fullmatch(number):
        raise ValidationError(
            _("身份证号只能由数字组成，最后一位可以是 X。"), code="id_characters"
        )
    if number[:2] not in PROVINCE_CODES or number[2:6] == "0000":
        raise ValidationError(
            _("身份证号前 6 位不是有效的行政区划代码。"), code="id_region"
        )
    birth = id_birth_date(number)
    if birth is None or birth.year < 1900:
        raise ValidationError(
            _("身份证号中的出生日期 %(date)s 不是有效日期。"),
            code="id_birth_date",
            params={"date": number[6:14]},
        )
    if birth > timezone.localdate():
        raise ValidationError(
            _("身份证号中的出生日期 %(date)s 晚于今天。"),
            code="id_future_birth_date",
            params={"date": birth.isoformat()},
        )
    if id_check_character(number[:17]) != number[17]:
        raise ValidationError(_("身份证号校验位错误，请核对号码。"), code="id_checksum")


def normalize_phone(value):
    """Return the phone number with full-width digits, spaces and dashes folded away."""
    text = normalize_text(value).replace("-", "")
    if text.startswith("+86"):
        text = text[3:]
    return text


def validate_mobile(value):
    """Raise ValidationError unless the value is a mainland mobile number."""
    if not MOBILE_PATTERN.fullmatch(normalize_phone(value)):
        raise ValidationError(
            _("手机号码应为 11 位数字，以 13–19 开头。"), code="mobile"
        )


def validate_phone(value):
    """Raise ValidationError unless the value is a mobile or a fixed-line number."""
    phone = normalize_phone(value)
    if MOBILE_PATTERN.fullmatch(phone) or re.fullmatch(r"0[0-9]{2,3}[0-9]{7,8}", phone):
        return
    raise ValidationError(
        _("电话号码应为 11 位手机号或带区号的固定电话。"), code="phone"
    )


def mask_id_number(value):
    """Return the ID number with all but the first 6 and last 4 characters hidden."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value):
    """Return the phone number with the middle four digits hidden."""
    if not value:
        return ""
    value = str(value)
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "****" + value[-4:]


ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{6}(?:[0-9]{9}|[0-9]{11}[0-9Xx])(?![0-9])")
PHONE_IN_TEXT = re.compile(
    r"(?<![0-9])(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})(?![0-9])"
)
NUMBER_TOKEN = re.compile(r"[0-9Xx+\-]+")
# Full-width digits and X fold to ASCII; the text's other characters stay as they are.
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９ｘＸ－", "0123456789xX-")


def mask_numbers_in_text(text):
    """Return free text (a search, a filter) with every ID or phone number masked."""
    text = str(text).translate(FULL_WIDTH_DIGITS)
    text = ID_IN_TEXT.sub(lambda m: mask_id_number(m.group().upper()), text)
    return PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group().replace("-", "")), text)


def normalize_search_term(term):
    """Return a search with ID and phone numbers in their stored form.

    A number typed with full-width digits, a lower-case x, dashes or +86 still finds
    the record: ID numbers and phones are stored normalised.
    """
    whole = normalize_text(term)
    if NUMBER_TOKEN.fullmatch(whole):
        # "139 1234 5678" is one number, not three words.
        return whole.replace("-", "").removeprefix("+86").upper()
    tokens = []
    for token in term.split():
        folded = normalize_text(token)
        if NUMBER_TOKEN.fullmatch(folded):
            token = folded.replace("-", "").removeprefix("+86").upper()
        tokens.append(token)
    return " ".join(tokens)


def contains_personal_number(text):
    """Return True if the text holds a whole ID or phone number."""
    return bool(ID_IN_TEXT.search(text) or PHONE_IN_TEXT.search(text))
