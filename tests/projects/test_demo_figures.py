"""The demo data reproduces the 2021 annual review, and the report shows it.

Every figure here is counted by a query over the loaded demo data, never read from the
report code's own constants.
"""

from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db.models import Sum

from devzone import registry
from devzone.validators import validate_id_number
from projects.models import (
    InvestmentDeal,
    KeyProject,
    RelocationHousehold,
    RelocationProject,
)
from projects.reports import (
    development_charts,
    development_figures,
    project_charts,
    project_figures,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def loaded(demo_data):
    """Load the whole demo data once for this module (read only)."""


def test_fifty_industrial_key_projects_on_the_2021_list():
    industrial = KeyProject.objects.filter(year=2021, category="industrial")
    assert industrial.count() == 50
    assert industrial.filter(build_type="continued").count() == 20
    assert industrial.filter(build_type="new").count() == 30
    assert industrial.filter(list_level="province").count() == 3
    assert industrial.filter(list_level="zhenjiang").count() == 26
    assert industrial.filter(list_level="danyang").count() == 21
    for name in ["国药企服空间", "肯帝亚黑科技", "杭州热联盘扣式脚手架"]:
        assert industrial.filter(name=name).exists()


@pytest.mark.parametrize(
    ("name", "category", "total", "status"),
    [
        ("精密制造产业园厂房建设工程", "infrastructure", 16000, "completed"),
        ("沃特污水处理厂三期扩建工程", "infrastructure", 13000, "completed"),
        ("新区实小分校", "social", 13000, "operating"),
        ("迁建马相伯中学(含幼儿园)", "social", 32000, "building"),
        ("河阳中心幼儿园", "social", None, None),
        ("八中操场改造", "social", None, None),
        ("原六中道路改造", "social", None, None),
    ],
)
def test_named_projects_are_outside_the_industrial_fifty(name, category, total, status):
    project = KeyProject.objects.get(name=name, year=2021)
    assert project.category == category
    if total is not None:
        assert project.total_investment == total
        assert project.status == status


def test_deals_of_2021():
    signed = InvestmentDeal.objects.filter(signed_on__year=2021)
    assert signed.count() == 22
    assert signed.aggregate(total=Sum("total_investment"))["total"] == 1795000
    assert list(
        signed.filter(total_investment__gte=500000).values_list(
            "name", "total_investment"
        )
    ) == [("恒美光电偏光片制造项目", 700000)]
    assert (
        signed.filter(total_investment__gte=300000, total_investment__lt=500000).count()
        == 1
    )
    assert signed.filter(is_foreign=True).count() == 4
    assert not signed.filter(is_foreign=False, foreign_capital__isnull=False).exists()
    mature = InvestmentDeal.objects.filter(year=2021, stage="mature")
    assert mature.count() == 15
    assert mature.aggregate(total=Sum("total_investment"))["total"] == 1008100


def test_relocation_of_2021():
    projects = RelocationProject.objects.filter(year=2021)
    assert projects.count() == 5
    assert {"天波城北侧", "眼镜小镇"} <= set(projects.values_list("name", flat=True))
    households = RelocationHousehold.objects.filter(project__year=2021)
    assert households.count() == 162
    assert households.aggregate(total=Sum("floor_area"))["total"] == 204600


def test_people_are_invented_with_valid_danyang_id_numbers():
    numbers = list(RelocationHousehold.objects.values_list("id_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 162
    for number in numbers:
        assert number.startswith("321181")
        validate_id_number(number)


def figures_by_key(figures):
    return {figure.key: figure for figure in figures}


def test_report_figures_for_2021_equal_the_review():
    figures = figures_by_key(project_figures(2021) + development_figures(2021))
    expected = {
        "projects.key_industrial": 50,
        "projects.key_continued": 20,
        "projects.key_new": 30,
        "projects.key_province": 3,
        "projects.key_zhenjiang": 26,
        "projects.relocation_projects": 5,
        "projects.relocation_households": 162,
        "projects.relocation_area": Decimal("20.46"),
        "development.deals_signed": 22,
        "development.deals_signed_total": Decimal("179.50"),
        "development.deals_50_plus": 1,
        "development.deals_30_50": 1,
        "development.deals_foreign": 4,
        "development.deals_mature": 15,
        "development.deals_mature_total": Decimal("100.81"),
    }
    assert {key: figure.value for key, figure in figures.items()} == expected
    assert figures["projects.relocation_area"].unit == "万平方米"
    assert figures["development.deals_signed_total"].unit == "亿元"
    assert figures["development.deals_signed_total"].decimals == 2


def test_each_figure_opens_a_changelist_with_exactly_its_rows(admin_client):
    for figure in project_figures(2021) + development_figures(2021):
        response = admin_client.get(figure.url)
        assert response.status_code == 200, figure.url
        changelist = response.context["cl"]
        assert changelist.result_count == figure.rows, figure.key
        # every parameter was understood by the changelist, none silently dropped
        params = dict(parse_qsl(urlsplit(figure.url).query))
        assert set(params) <= set(changelist.params)


def test_charts_add_up_to_the_year():
    by_status, by_level = project_charts(2021)
    total = KeyProject.objects.filter(year=2021).count()
    assert sum(value for _label, value in by_status.data) == total
    assert (
        dict(by_level.data)["省级"]
        == 3
        + KeyProject.objects.filter(year=2021, list_level="province")
        .exclude(category="industrial")
        .count()
    )
    (by_industry,) = development_charts(2021)
    assert sum(value for _label, value in by_industry.data) == Decimal("179.50")
    assert by_industry.unit == "亿元"


def test_contributions_are_registered_in_their_sections():
    mine = [
        c
        for c in registry.report_contributions
        if c.figures in (project_figures, development_figures)
    ]
    assert {c.section for c in mine} == {"projects", "development"}
    assert 2021 in list(mine[0].years())


def test_datasets_are_registered_for_the_export_centre():
    keys = {
        "projects.keyproject",
        "projects.investmentdeal",
        "projects.relocationproject",
        "projects.relocationhousehold",
    }
    assert keys <= set(registry.datasets)
    assert registry.datasets["projects.relocationhousehold"].label == "搬迁户"


def test_annual_report_page_shows_the_projects_figures(admin_client):
    from django.urls import reverse

    from tests.spreadsheets import page_text

    text = page_text(admin_client.get(reverse("reports:annual"), {"year": 2021}))
    for snippet in [
        "重点产业项目",
        "搬迁面积",
        "20.46",
        "签约总额",
        "179.50",
        "100.81",
    ]:
        assert snippet in text
