"""The 2021 figures of the annual review, counted on the demo data by queries."""

import pytest
from django.db import transaction
from django.urls import reverse

from governance import demo, reports
from governance.models import (
    BranchRating,
    EnvironmentalCase,
    PartyBranch,
    VolunteerActivity,
    VolunteerTeam,
)
from tests.spreadsheets import page_text

pytestmark = pytest.mark.django_db

Category = EnvironmentalCase.Category
BRANDS = {
    '高楼"和谐"党建',
    '普善"五色"党建',
    '马陵"生态"党建',
    '同力日升"先锋"党建',
    '大亚"六融"党建',
    '大力神"三亮三结三带头"党建',
    '眼镜城"商圈"诚信党建',
}


def test_named_brands_are_on_their_branches(demo_data):
    brands = dict(PartyBranch.objects.with_brand().values_list("brand", "name"))
    assert set(brands) == BRANDS
    assert brands['高楼"和谐"党建'] == "高楼社区党委"
    assert brands['大亚"六融"党建'] == "大亚集团党委"


def test_2021_star_ratings(demo_data):
    ratings = BranchRating.objects.for_year(2021)
    assert ratings.with_stars(5).count() == 4
    assert ratings.with_stars(4).count() == 130
    assert ratings.filter(stars__lt=4).exists()
    assert PartyBranch.objects.count() > 134


def test_2021_volunteer_figures(demo_data):
    activities = VolunteerActivity.objects.in_year(2021)
    assert VolunteerTeam.objects.count() == 42
    assert 800 <= activities.count() <= 899
    assert 19_000 <= activities.people_served() <= 19_999
    categories = set(activities.values_list("category", flat=True).distinct())
    assert categories == set(VolunteerActivity.Category.values)


def test_2021_case_figures(demo_data):
    counts = EnvironmentalCase.objects.opened_in(2021).count_by("category")
    assert 40 <= counts[Category.CITYSCAPE] <= 49
    assert 300 <= counts[Category.STREET_VENDING] <= 399
    assert counts[Category.MUCK_TRANSPORT] == 21
    assert counts[Category.CONSTRUCTION_SITE] == 6


def test_2021_water_cases_cover_ten_rivers(demo_data):
    rivers = EnvironmentalCase.objects.opened_in(2021).water().river_names()
    assert len(rivers) == 10
    assert {"大运河", "九曲河"} <= set(rivers)
    # Rivers of other years do not count towards 2021.
    all_rivers = EnvironmentalCase.objects.water().river_names()
    assert len(all_rivers) > len(rivers)


def test_report_figures_match_the_review(demo_data):
    figures = {
        figure.key: figure
        for figure in reports.party_figures(2021) + reports.environment_figures(2021)
    }
    assert figures["governance.five_star"].value == 4
    assert figures["governance.four_star"].value == 130
    assert figures["governance.volunteer_teams"].value == 42
    assert 800 <= figures["governance.volunteer_activities"].value <= 899
    assert 19_000 <= figures["governance.people_served"].value <= 19_999
    assert 40 <= figures["governance.cityscape"].value <= 49
    assert 300 <= figures["governance.street_vending"].value <= 399
    assert figures["governance.muck_transport"].value == 21
    assert figures["governance.construction_site"].value == 6
    assert figures["governance.rivers"].value == 10


def test_each_figure_url_shows_exactly_its_rows(demo_data, admin_client):
    figures = reports.party_figures(2021) + reports.environment_figures(2021)
    for figure in figures:
        response = admin_client.get(figure.url)
        assert response.status_code == 200, figure.key
        assert response.context["cl"].result_count == figure.rows, figure.key


def test_people_served_counts_the_activities_of_the_year(demo_data):
    figure = {f.key: f for f in reports.party_figures(2021)}["governance.people_served"]
    assert figure.rows == VolunteerActivity.objects.in_year(2021).count()
    assert figure.unit == "人次"
    assert "?date__year=2021" in figure.url


def test_case_charts_add_up_to_the_cases_of_the_year(demo_data):
    by_category, by_status = reports.environment_charts(2021)
    total = EnvironmentalCase.objects.opened_in(2021).count()
    assert sum(value for _, value in by_category.data) == total
    assert sum(value for _, value in by_status.data) == total
    assert ("渣土运输审批", 21) in by_category.data


def test_loading_the_demo_twice_changes_nothing(demo_data):
    # Rolled back, so the module's data stays as loaded.
    with transaction.atomic():
        counts = demo.load()
        transaction.set_rollback(True)
    for label, total in counts.items():
        assert total["new"] == 0, label
        assert total["update"] == 0, label


def test_annual_report_page_shows_the_governance_figures(demo_data, admin_client):
    response = admin_client.get(reverse("reports:annual"), {"year": 2021})

    assert response.status_code == 200
    rows = {
        row.figure.key: row.figure
        for section in response.context["sections"]
        for row in section.rows
    }
    assert rows["governance.five_star"].value == 4
    assert rows["governance.four_star"].value == 130
    assert rows["governance.rivers"].value == 10
    text = page_text(response)
    for label in ["五星级党支部", "服务群众", "占道经营", "河道覆盖"]:
        assert label in text
