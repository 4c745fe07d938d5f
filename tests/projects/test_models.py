"""The rules hold in the database itself, and full_clean names the column to fix."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.models import (
    InvestmentDeal,
    KeyProject,
    RelocationHousehold,
    RelocationProject,
)
from tests.projects.factories import (
    CommunityFactory,
    InvestmentDealFactory,
    KeyProjectFactory,
    RelocationHouseholdFactory,
    RelocationProjectFactory,
)

pytestmark = pytest.mark.django_db


def refused_by_database(factory, **fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**fields)


def clean_errors(instance):
    with pytest.raises(ValidationError) as error:
        instance.full_clean()
    return error.value.message_dict


@pytest.mark.parametrize(
    "fields",
    [
        {"total_investment": Decimal(-1), "investment_this_year": Decimal(0)},
        {"investment_this_year": Decimal(-5)},
        {"total_investment": Decimal(100), "investment_this_year": Decimal(101)},
        {
            "started_on": datetime.date(2021, 5, 1),
            "completed_on": datetime.date(2021, 4, 30),
        },
        {
            "started_on": datetime.date(2021, 5, 1),
            "planned_completion": datetime.date(2020, 1, 1),
        },
        {"year": 1999},
    ],
)
def test_key_project_rules_hold_in_the_database(fields):
    refused_by_database(KeyProjectFactory, **fields)


def test_key_project_name_is_unique_within_a_year_only():
    KeyProjectFactory(name="精密制造产业园厂房建设工程", year=2020)
    KeyProjectFactory(name="精密制造产业园厂房建设工程", year=2021)
    refused_by_database(KeyProjectFactory, name="精密制造产业园厂房建设工程", year=2021)


def test_key_project_errors_name_their_column():
    project = KeyProjectFactory.build(
        total_investment=Decimal(100),
        investment_this_year=Decimal(200),
        started_on=datetime.date(2021, 5, 1),
        completed_on=datetime.date(2021, 1, 1),
        area=None,
    )
    errors = clean_errors(project)
    assert errors["investment_this_year"] == ["本年完成投资不能超过总投资。"]
    assert errors["completed_on"] == ["竣工日期不能早于开工日期。"]


def test_negative_money_is_refused_on_its_column_once():
    project = KeyProjectFactory.build(total_investment=Decimal(-1), area=None)
    errors = clean_errors(project)
    assert errors["total_investment"] == ["总投资不能为负数。"]


@pytest.mark.parametrize(
    "fields",
    [
        {"total_investment": Decimal(-1)},
        {"is_foreign": False, "foreign_capital": Decimal(100)},
        {"is_foreign": True, "foreign_capital": Decimal(-1)},
        {"stage": InvestmentDeal.Stage.SIGNED, "signed_on": None},
        {
            "stage": InvestmentDeal.Stage.MATURE,
            "signed_on": datetime.date(2021, 1, 1),
        },
    ],
)
def test_deal_rules_hold_in_the_database(fields):
    refused_by_database(InvestmentDealFactory, **fields)


def test_foreign_capital_only_on_a_foreign_funded_deal():
    deal = InvestmentDealFactory.build(is_foreign=False, foreign_capital=Decimal(800))
    assert clean_errors(deal)["foreign_capital"] == ["只有外资项目才能填写外资金额。"]
    deal.is_foreign = True
    deal.full_clean()


def test_a_signed_deal_counts_in_its_signing_year():
    deal = InvestmentDealFactory.build(year=2020, signed_on=datetime.date(2021, 3, 1))
    assert clean_errors(deal)["year"] == ["已签约项目的统计年度应为签约年度 2021。"]


def test_relocation_project_needs_a_community_or_an_area():
    refused_by_database(RelocationProjectFactory, community=None, area=None)
    project = RelocationProjectFactory.build(community=None, area=None)
    assert clean_errors(project)["community"] == [
        "请填写所在村/社区或所在片区（至少一项）。"
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"floor_area": Decimal("-0.01")},
        {"compensation": Decimal(-1)},
        {"household_size": 0},
        {
            "signed_on": datetime.date(2021, 5, 1),
            "status": RelocationHousehold.Status.VACATED,
            "vacated_on": datetime.date(2021, 4, 30),
        },
        {"status": RelocationHousehold.Status.SIGNED, "signed_on": None},
        {"status": RelocationHousehold.Status.DEMOLISHED, "vacated_on": None},
        {
            "status": RelocationHousehold.Status.PENDING,
            "signed_on": None,
            "vacated_on": datetime.date(2021, 5, 1),
        },
    ],
)
def test_household_rules_hold_in_the_database(fields):
    refused_by_database(RelocationHouseholdFactory, **fields)


def test_id_number_is_unique_within_a_project_not_across_projects():
    first = RelocationHouseholdFactory()
    other_project = RelocationProjectFactory()
    RelocationHouseholdFactory(id_number=first.id_number, project=other_project)
    refused_by_database(
        RelocationHouseholdFactory, id_number=first.id_number, project=first.project
    )
    twin = RelocationHouseholdFactory.build(
        id_number=first.id_number, project=first.project, community=first.community
    )
    assert clean_errors(twin)["id_number"] == ["该搬迁项目中已有相同身份证号的搬迁户。"]


def test_id_number_is_stored_normalised_and_validated():
    household = RelocationHouseholdFactory(id_number="32118119700101019x")
    household.refresh_from_db()
    assert household.id_number == "32118119700101019X"
    bad = RelocationHouseholdFactory.build(
        id_number="321181197001010190",
        project=household.project,
        community=household.community,
    )
    assert "身份证号校验位错误，请核对号码。" in clean_errors(bad)["id_number"]


def test_vacated_before_signed_is_named_on_the_vacated_column():
    household = RelocationHouseholdFactory.build(
        project=RelocationProjectFactory(),
        community=CommunityFactory(),
        status=RelocationHousehold.Status.VACATED,
        signed_on=datetime.date(2021, 5, 1),
        vacated_on=datetime.date(2021, 4, 1),
    )
    assert clean_errors(household)["vacated_on"] == [
        "腾空日期不能早于签约日期（须先签约）。"
    ]


def test_querysets_answer_which_rows():
    KeyProjectFactory(build_type=KeyProject.BuildType.CONTINUED)
    KeyProjectFactory(category=KeyProject.Category.SOCIAL)
    KeyProjectFactory(year=2020)
    assert KeyProject.objects.for_year(2021).industrial().count() == 1
    assert KeyProject.objects.for_year(2021).industrial().continued().count() == 1
    big = InvestmentDealFactory(total_investment=Decimal(500000))
    mid = InvestmentDealFactory(total_investment=Decimal(300000))
    edge = InvestmentDealFactory(total_investment=Decimal("499999.99"))
    small = InvestmentDealFactory(total_investment=Decimal("99999.99"))
    ten = InvestmentDealFactory(total_investment=Decimal(100000))
    deals = InvestmentDeal.objects
    assert list(deals.in_band("50_plus")) == [big]
    assert set(deals.in_band("30_50")) == {mid, edge}
    assert list(deals.in_band("10_30")) == [ten]
    assert list(deals.in_band("under_10")) == [small]
    household = RelocationHouseholdFactory(floor_area=Decimal("100.5"))
    RelocationHouseholdFactory(
        project=household.project,
        floor_area=Decimal("99.5"),
        status=RelocationHousehold.Status.PENDING,
        signed_on=None,
    )
    assert RelocationHousehold.objects.for_year(2021).total_area() == Decimal(200)
    assert RelocationHousehold.objects.signed().count() == 1
    project = RelocationProject.objects.with_totals().get()
    assert (project.household_total, project.signed_total) == (2, 1)
    assert project.area_total == Decimal(200)
