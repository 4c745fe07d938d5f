"""Invented people for demo and benchmark data: valid, unique and reproducible."""

import datetime

import pytest

from devzone.demo.files import write_csv
from devzone.demo.people import People
from devzone.resources import AreaResource
from devzone.validators import validate_id_number


def test_the_same_seed_gives_the_same_people():
    first, second = People(7), People(7)

    draws = [(first.name(), first.id_number(), first.phone()) for _ in range(50)]

    assert draws == [
        (second.name(), second.id_number(), second.phone()) for _ in range(50)
    ]


def test_id_numbers_are_valid_unique_and_of_danyang():
    people = People(2021)

    numbers = [people.id_number() for _ in range(2000)]

    assert len(set(numbers)) == 2000
    for number in numbers:
        assert number.startswith("321181")
        validate_id_number(number)


def test_id_number_follows_the_birth_date_and_gender_asked_for():
    people = People(1)
    birth = datetime.date(2012, 2, 29)

    girl = people.id_number(birth, male=False)
    boy = people.id_number(birth, male=True)

    assert girl[6:14] == boy[6:14] == "20120229"
    assert int(girl[16]) % 2 == 0 and int(boy[16]) % 2 == 1


def test_names_and_phones_look_real():
    people = People(3)

    for _ in range(200):
        assert 2 <= len(people.name()) <= 3
        phone = people.phone()
        assert len(phone) == 11 and phone.isdigit() and phone.startswith("1")


def test_a_row_with_a_missing_cell_is_refused(tmp_path):
    with pytest.raises(ValueError, match="3 cells for 4 columns"):
        write_csv(tmp_path / "areas.csv", AreaResource, [["大泊片区", "已批复", ""]])
