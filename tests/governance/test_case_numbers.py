"""Case numbers: drawn when left empty, per category and year; duplicates named."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from governance import services
from governance.models import EnvironmentalCase
from tests.governance.factories import CommunityFactory, EnvironmentalCaseFactory
from tests.spreadsheets import page_text

pytestmark = pytest.mark.django_db

ADD = "admin:governance_environmentalcase_add"


def case_data(community, **changes):
    return {
        "case_number": "",
        "category": "scattered",
        "title": "散乱污作坊取缔",
        "location": "",
        "community": community.pk,
        "river": "",
        "party_concerned": "",
        "opened_on": "2021-05-10",
        "deadline": "",
        "status": "filed",
        "closed_on": "",
        "measures": "",
        "fine": "0",
        "note": "",
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
        **changes,
    }


def test_a_case_saved_without_a_number_is_numbered(admin_client):
    community = CommunityFactory(name="胡桥村")
    EnvironmentalCaseFactory(case_number="HJ-2021-0041", category="scattered")
    EnvironmentalCaseFactory(case_number="HJ-2020-0090", category="scattered")

    first = admin_client.post(reverse(ADD), case_data(community), follow=True)
    admin_client.post(reverse(ADD), case_data(community, title="第二起"))
    vending = case_data(community, category="street_vending", title="占道")
    admin_client.post(reverse(ADD), vending)

    numbers = set(EnvironmentalCase.objects.values_list("case_number", flat=True))
    assert {"HJ-2021-0042", "HJ-2021-0043", "ZD-2021-0001"} <= numbers
    assert "HJ-2021-0042" in page_text(first)


def test_the_form_says_the_number_may_be_left_empty(admin_client):
    text = page_text(admin_client.get(reverse(ADD)))

    assert "可留空：保存时按类别和立案年份自动编号" in text


def test_a_duplicate_number_is_refused_naming_it(admin_client):
    community = CommunityFactory(name="胡桥村")
    EnvironmentalCaseFactory(case_number="HJ-2021-0503")

    response = admin_client.post(
        reverse(ADD), case_data(community, case_number="HJ-2021-0503")
    )

    assert "案件编号 HJ-2021-0503 已被使用。" in page_text(response)
    assert EnvironmentalCase.objects.count() == 1


def test_a_number_taken_meanwhile_is_drawn_again(monkeypatch):
    # given another clerk took the number this save drew first
    EnvironmentalCaseFactory(case_number="HJ-2021-0001", category="scattered")
    drawn = iter(["HJ-2021-0001", "HJ-2021-0002"])
    monkeypatch.setattr(
        services, "environmental_case_next_number", lambda **kw: next(drawn)
    )
    case = EnvironmentalCaseFactory.build(
        case_number="", category="scattered", community=CommunityFactory()
    )

    services.environmental_case_save_numbered(case=case, save=case.save)

    assert case.case_number == "HJ-2021-0002"
    assert EnvironmentalCase.objects.filter(pk=case.pk).exists()


def test_another_integrity_error_is_not_retried():
    case = EnvironmentalCaseFactory.build(
        case_number="", category="scattered", community=CommunityFactory()
    )

    def fail():
        raise IntegrityError("other")

    with pytest.raises(IntegrityError):
        services.environmental_case_save_numbered(case=case, save=fail)
