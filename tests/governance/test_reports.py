"""The governance figures of the annual report, computed live from the records."""

import datetime

import pytest
from django.urls import reverse

from devzone import registry
from governance import reports
from governance.models import EnvironmentalCase
from tests.governance.factories import (
    BranchRatingFactory,
    EnvironmentalCaseFactory,
    VolunteerActivityFactory,
    VolunteerTeamFactory,
)

pytestmark = pytest.mark.django_db

Category = EnvironmentalCase.Category


def by_key(figures):
    return {figure.key: figure for figure in figures}


def test_contributions_are_registered_once_per_section():
    governance = [
        c
        for c in registry.report_contributions
        if c.figures in (reports.party_figures, reports.environment_figures)
    ]
    assert sorted(c.section for c in governance) == ["environment", "party"]


def test_star_figures_count_the_year_and_link_to_its_ratings(admin_client):
    BranchRatingFactory.create_batch(2, year=2021, stars=5)
    BranchRatingFactory(year=2021, stars=4)
    BranchRatingFactory(year=2020, stars=5)

    figures = by_key(reports.party_figures(2021))

    five = figures["governance.five_star"]
    assert (five.label, five.value, five.rows) == ("五星级党支部", 2, 2)
    assert five.url == (
        reverse("admin:governance_branchrating_changelist")
        + "?year=2021&stars__exact=5"
    )
    assert figures["governance.four_star"].value == 1
    response = admin_client.get(five.url)
    assert response.context["cl"].result_count == 2


def test_people_served_sums_the_year_and_counts_its_activities():
    team = VolunteerTeamFactory()
    VolunteerActivityFactory(
        team=team, date=datetime.date(2021, 2, 1), people_served=30
    )
    VolunteerActivityFactory(
        team=team, date=datetime.date(2021, 8, 1), people_served=25
    )
    VolunteerActivityFactory(
        team=team, date=datetime.date(2020, 8, 1), people_served=99
    )
    VolunteerTeamFactory()

    figures = by_key(reports.party_figures(2021))

    assert figures["governance.volunteer_teams"].value == 2
    activities = figures["governance.volunteer_activities"]
    assert (activities.value, activities.rows, activities.unit) == (2, 2, "场次")
    served = figures["governance.people_served"]
    assert (served.value, served.rows, served.unit) == (55, 2, "人次")


def test_a_year_without_records_gives_zeros():
    figures = by_key(reports.party_figures(2030) + reports.environment_figures(2030))
    assert {figure.value for figure in figures.values()} == {0}


def test_river_coverage_counts_distinct_rivers_of_the_years_water_cases(admin_client):
    for river in ["大运河", "大运河", "九曲河"]:
        EnvironmentalCaseFactory(category=Category.WATER_ENTERPRISE, river=river)
    EnvironmentalCaseFactory(category=Category.RIVER, river="香草河")
    EnvironmentalCaseFactory(
        category=Category.RIVER, river="鹤溪河", opened_on=datetime.date(2020, 5, 1)
    )
    EnvironmentalCaseFactory(category=Category.CITYSCAPE, river="简渎河")

    rivers = by_key(reports.environment_figures(2021))["governance.rivers"]

    assert (rivers.value, rivers.rows, rivers.unit) == (3, 4, "条")
    response = admin_client.get(rivers.url)
    assert response.context["cl"].result_count == 4


def test_case_figures_count_cases_opened_in_the_year(admin_client):
    EnvironmentalCaseFactory.create_batch(3, category=Category.MUCK_TRANSPORT)
    EnvironmentalCaseFactory(
        category=Category.MUCK_TRANSPORT, opened_on=datetime.date(2022, 1, 1)
    )

    figure = by_key(reports.environment_figures(2021))["governance.muck_transport"]

    assert (figure.label, figure.value, figure.rows) == ("渣土运输审批", 3, 3)
    assert admin_client.get(figure.url).context["cl"].result_count == 3


def test_charts_show_every_category_and_status():
    EnvironmentalCaseFactory(category=Category.CITYSCAPE)
    by_category, by_status = reports.environment_charts(2021)
    assert len(by_category.data) == len(Category.choices)
    assert ("市容整治", 1) in by_category.data
    assert by_status.data == [("已立案", 1), ("整改中", 0), ("已办结", 0)]


def test_report_years_are_the_years_with_records():
    BranchRatingFactory(year=2020)
    VolunteerActivityFactory(date=datetime.date(2021, 3, 3))
    EnvironmentalCaseFactory(opened_on=datetime.date(2019, 3, 3), deadline=None)
    assert reports.party_years() == [2020, 2021]
    assert reports.environment_years() == [2019]
