import datetime
import re
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from devzone.validators import (
    id_birth_date,
    id_check_character,
    id_is_male,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
    normalize_text,
    validate_id_number,
    validate_mobile,
    validate_phone,
)


def make_id(body17):
    return body17 + id_check_character(body17)


VALID_ID = make_id("32118119900101123")


def error_code(value, validator=validate_id_number):
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return excinfo.value.code


def test_check_character_follows_gb11643():
    # given the published example of GB 11643-1999
    # then its check character is X
    assert id_check_character("11010519491231002") == "X"


@pytest.mark.parametrize("seed", range(0, 10**17, 10**15 + 7919))
def test_check_character_is_the_weighted_sum_of_the_digits_mod_11(seed):
    # GB 11643 as the standard writes it: sum of digit × 2^(18-i) mod 11, mapped
    first17 = f"{seed:017d}"
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    assert id_check_character(first17) == "10X98765432"[total % 11]


@pytest.mark.parametrize(
    "first17",
    ["1101051949123100", "1101051949123100X", "１１０１０５１９４９１２３１００２"],
)
def test_check_character_wants_seventeen_ascii_digits(first17):
    with pytest.raises(ValueError):
        id_check_character(first17)


def test_valid_id_number_passes():
    validate_id_number(VALID_ID)


def test_bad_check_character_is_refused_in_chinese():
    wrong = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    with pytest.raises(ValidationError, match="校验位错误"):
        validate_id_number(wrong)


@pytest.mark.parametrize("birth", ["19900230", "19901301", "18991231", "19900000"])
def test_impossible_birth_date_is_refused(birth):
    number = make_id("321181" + birth + "123")
    assert error_code(number) == "id_birth_date"


def test_birth_date_in_the_future_is_refused():
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    number = make_id("321181" + tomorrow.strftime("%Y%m%d") + "123")
    assert error_code(number) == "id_future_birth_date"


def test_full_width_digits_and_spaces_are_normalised():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in VALID_ID)
    assert normalize_id_number(f"  {full_width} ") == VALID_ID
    validate_id_number(f" {full_width}")


def test_lower_case_x_is_accepted_and_stored_upper_case():
    number = make_id("11010519491231002")
    assert number.endswith("X")
    validate_id_number(number.lower())
    assert normalize_id_number(number.lower()) == number


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("3211811990010112", "id_length"),
        ("3211811990010112345", "id_length"),
        ("32118119900101A23X", "id_characters"),
        ("", "id_length"),
    ],
)
def test_malformed_id_numbers_are_refused(value, code):
    assert error_code(value) == code


def test_unknown_region_code_is_refused():
    assert error_code(make_id("99118119900101123")) == "id_region"


def test_birth_date_and_gender_follow_from_the_number():
    assert id_birth_date(VALID_ID) == datetime.date(1990, 1, 1)
    assert id_is_male(VALID_ID)  # sequence 123: odd
    assert not id_is_male(make_id("32118119900101124"))


@pytest.mark.parametrize("phone", ["13812345678", "138 1234 5678", "+86 13812345678"])
def test_mobile_numbers_pass(phone):
    validate_mobile(phone)


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "138123456789", "abc"])
def test_bad_mobile_numbers_are_refused(phone):
    assert error_code(phone, validate_mobile) == "mobile"


def test_fixed_line_numbers_pass_as_phones():
    validate_phone("0511-86881234")
    assert error_code("86881234", validate_phone) == "phone"


def test_masking_keeps_first_six_and_last_four():
    assert mask_id_number("321181199001011234") == "321181********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("") == ""
    assert mask_phone(None) == ""


@pytest.mark.parametrize("region", ["810000", "820000", "830000"])
def test_residence_permits_of_hong_kong_macao_and_taiwan_residents_pass(region):
    # given the ID number of a 港澳台居民居住证, whose region is the whole province
    number = make_id(f"{region}19900101123")

    # then it is accepted; with a wrong check character it is still refused
    validate_id_number(number)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert error_code(wrong) == "id_checksum"


@pytest.mark.parametrize("region", ["320000", "110000", "840000"])
def test_a_whole_province_is_no_region_outside_the_residence_permits(region):
    assert error_code(make_id(f"{region}19900101123")) == "id_region"


@pytest.mark.parametrize(
    "written",
    [
        "13912345678",
        "139 1234 5678",
        "139-1234-5678",
        "+86 139 1234 5678",
        "+86-13912345678",
        "0086 13912345678",
        "(+86)13912345678",
        "１３９１２３４５６７８",
    ],
)
def test_every_written_form_of_a_mobile_is_one_stored_number(written):
    assert normalize_phone(written) == "13912345678"
    validate_phone(written)


@pytest.mark.parametrize(
    "written", ["0511-8688 1234", "(0511)86881234", "051186881234"]
)
def test_fixed_lines_are_stored_with_their_area_code(written):
    assert normalize_phone(written) == "051186881234"
    validate_phone(written)


def test_a_search_loses_its_control_characters():
    from devzone.validators import normalize_search_term

    assert normalize_search_term("高楼\x00社区\x1b") == "高楼社区"


@pytest.mark.parametrize(
    "text",
    [
        "13912345678",
        "008613912345678",
        "+86 139-1234-5678",
        "０５１１－８７６５４３２１",
        "32118119900101123x",
        "3211 8119 9001 0112 3X",
        "AB\x1cC",  # an ASCII separator: a space to \s, not to isalnum
        "a\tb",
        "高楼 社区",
        "",
    ],
)
def test_the_fast_paths_fold_text_as_the_full_rules_do(text):
    # given: the rules spelled out without the shortcuts for plain ASCII
    def folded(value):
        value = unicodedata.normalize("NFKC", value)
        return re.sub(r"\s+", "", value)

    def phone(value):
        value = re.sub(r"[-()（）.]", "", folded(value))
        return re.sub(r"^(?:\+86|0086)", "", value)

    # then
    assert normalize_text(text) == folded(text)
    assert normalize_phone(text) == phone(text)
