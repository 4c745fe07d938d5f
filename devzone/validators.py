"""Validators every app shares: plain text, resident ID numbers (GB 11643-1999), phones,
masking."""

import datetime
import operator
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How a yes/no value is written everywhere staff read it: cells, filters, history.
YES, NO = "是", "否"


def yes_no(value: object) -> str:
    """Return 是 for a true value, 否 for a false one."""
    return YES if value else NO


# C0 and C1 control characters, DEL included. Tab, CR and LF are allowed in multi-line
# text (a TextField): a browser's textarea sends CR LF.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MULTILINE_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Invisible characters that change how the text around them is shown: the
# bidirectional marks, embeddings, overrides and isolates (U+200E, U+200F, U+061C,
# U+202A–U+202E, U+2066–U+2069), with which "张三\u202e" can show a name or a number
# backwards, and the line and paragraph separators (U+2028, U+2029), which break a
# line where no one sees a line break. Refused in every text, one line or many.
LAYOUT_CHARACTERS = re.compile(
    "[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"
ID_WEIGHTED_ZEROS = ord("0") * sum(ID_WEIGHTS)
ID_PATTERN = re.compile(r"[0-9]{17}[0-9X]")
MOBILE_PATTERN = re.compile(r"1[3-9][0-9]{9}")
# Province-level region codes (the first two digits of a resident ID). 81, 82 and 83 are
# the residence permits of Hong Kong, Macao and Taiwan residents (港澳台居民居住证),
# whose region code is the whole province: 810000, 820000, 830000.
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
RESIDENCE_PERMIT_REGIONS = frozenset(["810000", "820000", "830000"])


def control_character_name(character: str) -> str:
    """Return a control character as a person can look it up: U+000B."""
    return f"U+{ord(character):04X}"


def validate_plain_text(value: object, *, multiline: bool = False) -> None:
    """Raise ValidationError if the text holds a control or layout character.

    A control character is invisible on screen, cannot be written to an XLSX file, and a
    NUL is refused by PostgreSQL: it is always a copying accident.
    """
    if not isinstance(value, str) or value.isprintable():
        # Printable text holds neither: every control character is Cc, every
        # layout character Cf, Zl or Zp, and none of those is printable.
        return
    layout = LAYOUT_CHARACTERS.search(value)
    if layout is not None:
        raise ValidationError(
            _(
                "含有不可见的排版控制字符（%(character)s，第 %(position)s 个字符）："
                "它会颠倒文字的显示顺序或暗中换行，请删除后重新填写。"
            ),
            code="layout_character",
            params={
                "character": control_character_name(layout.group()),
                "position": layout.start() + 1,
            },
        )
    pattern = MULTILINE_CONTROL_CHARACTERS if multiline else CONTROL_CHARACTERS
    found = pattern.search(value)
    if found is None:
        return
    if multiline:
        message = _(
            "含有不可见的控制字符（%(character)s，第 %(position)s 个字符）："
            "除换行和制表符外不能有控制字符，请删除后重新填写。"
        )
    else:
        message = _(
            "含有不可见的控制字符（%(character)s，第 %(position)s 个字符）："
            "不能有换行、制表符等控制字符，请删除后重新填写。"
        )
    raise ValidationError(
        message,
        code="control_character",
        params={
            "character": control_character_name(found.group()),
            "position": found.start() + 1,
        },
    )


SPACES = re.compile(r"\s+")


def normalize_text(value: object) -> str:
    """Return the value NFKC-normalised (full-width to ASCII) with spaces removed."""
    if value is None:
        return ""
    text = str(value)
    if not text.isascii():  # NFKC leaves ASCII as it is: most cells are
        text = unicodedata.normalize("NFKC", text)
    elif text.isalnum():  # ASCII letters and digits only (an ID, a phone): no space
        return text
    return SPACES.sub("", text)


def id_check_character(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits."""
    if len(first17) != len(ID_WEIGHTS) or not (first17.isascii() and first17.isdigit()):
        raise ValueError(f"an ID number's first 17 digits, not {first17!r}")
    # The digits' character codes, weighted, less the weighted code of "0"
    # (ID_WEIGHTED_ZEROS): a large file checks every number, and int() of each
    # digit cost more than the rest of the sum.
    total = sum(map(operator.mul, first17.encode(), ID_WEIGHTS)) - ID_WEIGHTED_ZEROS
    return ID_CHECK_CHARACTERS[total % 11]


def normalize_id_number(value: object) -> str:
    """Return the ID number in its stored form: ASCII, upper-case, no spaces."""
    return normalize_text(value).upper()


def id_birth_date(id_number: str) -> datetime.date | None:
    """Return the birth date encoded in a well-formed ID number, or None."""
    try:
        return datetime.date(
            int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])
        )
    except (ValueError, TypeError, IndexError):
        return None


ONE_DAY = datetime.timedelta(days=1)

# The 17th character, the end of the sequence number: odd for men, even for women.
MALE_DIGITS = ("1", "3", "5", "7", "9")


def id_is_male(id_number: str) -> bool:
    """Return True for an odd sequence digit (male), False for even (female)."""
    digit = id_number[16]
    if digit not in "0123456789":
        raise ValueError(f"not a digit: {digit!r}")
    return digit in MALE_DIGITS


def validate_id_number(value: object) -> None:
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
    if number[:2] not in PROVINCE_CODES or (
        number[2:6] == "0000" and number[:6] not in RESIDENCE_PERMIT_REGIONS
    ):
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
    # The UTC date is at most a day off the zone's: most births are decided without
    # converting the clock to the zone's time, which costs a large file dearly.
    utc_today = datetime.datetime.now(datetime.UTC).date()
    recent = birth >= utc_today - ONE_DAY
    if recent and birth > timezone.localdate():
        raise ValidationError(
            _("身份证号中的出生日期 %(date)s 晚于今天。"),
            code="id_future_birth_date",
            params={"date": birth.isoformat()},
        )
    if id_check_character(number[:17]) != number[17]:
        raise ValidationError(_("身份证号校验位错误，请核对号码。"), code="id_checksum")


PHONE_PUNCTUATION = re.compile(r"[-()（）.]")
# The country code, written as +86, 0086 or (+86); a mainland number never starts so.
COUNTRY_CODE = re.compile(r"^(?:\+86|0086)")


def normalize_phone(value: object) -> str:
    """Return a phone number in its one stored form: ASCII digits only.

    Full-width digits, spaces, dashes, brackets and the country code (+86, 0086) are
    folded away, so "+86 139-1234-5678" and "13912345678" are the same number.
    """
    text = normalize_text(value)
    if text.isdigit() and text.isascii() and not text.startswith("0086"):
        return text  # as most numbers are written: nothing to fold
    return COUNTRY_CODE.sub("", PHONE_PUNCTUATION.sub("", text))


def validate_mobile(value: object) -> None:
    """Raise ValidationError unless the value is a mainland mobile number."""
    if not MOBILE_PATTERN.fullmatch(normalize_phone(value)):
        raise ValidationError(
            _("手机号码应为 11 位数字，以 13–19 开头。"), code="mobile"
        )


def validate_phone(value: object) -> None:
    """Raise ValidationError unless the value is a mobile or a fixed-line number."""
    phone = normalize_phone(value)
    if MOBILE_PATTERN.fullmatch(phone) or re.fullmatch(r"0[0-9]{2,3}[0-9]{7,8}", phone):
        return
    raise ValidationError(
        _("电话号码应为 11 位手机号或带区号的固定电话。"), code="phone"
    )


def mask_id_number(value: object) -> str:
    """Return the ID number with all but the first 6 and last 4 characters hidden."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: object) -> str:
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


def mask_numbers_in_text(text: object) -> str:
    """Return free text (a search, a filter) with every ID or phone number masked."""
    text = str(text).translate(FULL_WIDTH_DIGITS)
    text = ID_IN_TEXT.sub(lambda m: mask_id_number(m.group().upper()), text)
    return PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group().replace("-", "")), text)


def normalize_search_term(term: object) -> str:
    """Return a search with ID and phone numbers in their stored form.

    A number typed with full-width digits, a lower-case x, dashes or +86 still finds
    the record: ID numbers and phones are stored normalised.
    """
    # No stored text holds a control character, and PostgreSQL refuses a NUL even
    # in a query: they are dropped from a search.
    term = CONTROL_CHARACTERS.sub("", str(term))
    whole = normalize_text(term)
    if NUMBER_TOKEN.fullmatch(whole):
        # "139 1234 5678" is one number, not three words.
        return normalize_phone(whole).upper()
    tokens = []
    for token in term.split():
        folded = normalize_text(token)
        if NUMBER_TOKEN.fullmatch(folded):
            token = normalize_phone(folded).upper()
        tokens.append(token)
    return " ".join(tokens)


def contains_personal_number(text: str) -> bool:
    """Return True if the text holds a whole ID or phone number."""
    return bool(ID_IN_TEXT.search(text) or PHONE_IN_TEXT.search(text))
