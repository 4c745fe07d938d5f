"""The export centre reads boxes as staff fill them, and names the box it can't read."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from devzone.models import AnnualIndicator, Area, ExportLog
from devzone.reports.export_centre import parse_amount
from governance.models import EnvironmentalCase
from tests.spreadsheets import page_text

AREAS = reverse("reports:export_dataset", args=["devzone.area"])
CASES = reverse("reports:export_dataset", args=["governance.environmentalcase"])
COMMUNITIES = reverse("reports:export_dataset", args=["devzone.community"])
AREA_PERMS = ("devzone.view_area", "devzone.export_area")
CASE_PERMS = (
    "governance.view_environmentalcase",
    "governance.export_environmentalcase",
)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("1,000", 1, Decimal(1000)),
        ("1，000", 1, Decimal(1000)),
        ("1000元", 1, Decimal(1000)),
        ("1万", 1, Decimal(10000)),
        ("1.5万元", 1, Decimal(15000)),
        ("500", 10_000, Decimal(500)),
        ("500万", 10_000, Decimal(500)),
        ("1亿", 10_000, Decimal(10000)),
        ("1000元", 10_000, Decimal("0.1")),
        ("１２００", 1, Decimal(1200)),
        ("3万", None, Decimal(30000)),
        ("3元", None, None),
        ("很多", 1, None),
        ("1万万", 1, None),
    ],
)
def test_amounts_are_read_as_staff_write_them(text, unit, expected):
    assert parse_amount(text, unit) == expected


@pytest.fixture
def cases(db):
    for number, fine in enumerate(["500.00", "1000.00", "20000.00"]):
        EnvironmentalCase.objects.create(
            case_number=f"HJ-2021-{number:04d}",
            category=EnvironmentalCase.Category.CITYSCAPE,
            title="测试",
            opened_on=datetime.date(2021, 3, number + 1),
            fine=Decimal(fine),
        )


def test_an_amount_box_takes_separators_and_units(staff_client, cases):
    client = staff_client(*CASE_PERMS)

    page = client.get(CASES, {"fine_min": "1,000", "fine_max": "1万"})

    assert page.status_code == 200
    assert page.context["page"].paginator.count == 1
    assert "1,000.00" in page_text(page)  # the preview's money has separators


def test_an_unreadable_amount_names_its_box(staff_client, cases):
    client = staff_client(*CASE_PERMS)

    page = client.get(CASES, {"fine_min": "一千", "format": "csv"})

    assert page.status_code == 400
    assert "“罚款金额（元）（起）”应填数字" in page_text(page)
    assert not ExportLog.objects.exists()


@pytest.mark.parametrize(
    ("url", "perms", "query", "words"),
    [
        (
            AREAS,
            AREA_PERMS,
            {"approved_on_after": "2021-12-31", "approved_on_before": "2021-01-01"},
            ["2021-12-31", "2021-01-01"],
        ),
        (CASES, CASE_PERMS, {"fine_min": "5000", "fine_max": "100"}, ["5000", "100"]),
    ],
)
def test_a_reversed_range_is_refused_naming_both_ends(
    staff_client, cases, url, perms, query, words
):
    Area.objects.create(name="甲", plan_status="planning")
    client = staff_client(*perms)

    page = client.get(url, query)
    download = client.get(url, {**query, "format": "xlsx"})

    assert page.status_code == 400
    text = page_text(page)
    assert "晚于终点" in text
    assert all(word in text for word in words)
    assert "rows" not in page.context
    assert download.status_code == 400
    assert not ExportLog.objects.exists()


def test_yes_no_filters_read_any_yes_no(staff_client, db):
    client = staff_client("devzone.view_community", "devzone.export_community")

    page = client.get(COMMUNITIES)

    html = page.content.decode()
    assert ">不限</option>" in html
    assert ">未知<" not in html


def test_the_landing_page_describes_each_dataset_with_its_count(
    staff_client, django_assert_max_num_queries, db
):
    for name in ("甲", "乙"):
        Area.objects.create(name=name, plan_status="planning")
    AnnualIndicator.objects.create(year=2021, name="丙", value=1, unit="个")
    client = staff_client(
        *AREA_PERMS, "devzone.view_annualindicator", "devzone.export_annualindicator"
    )

    page = client.get(reverse("reports:export_index"))

    text = page_text(page)
    assert "2 条" in text and "1 条" in text
    assert "名称、控规状态、批复日期" in text
