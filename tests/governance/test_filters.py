"""FilterSets of the governance datasets, directly and through the export centre."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from devzone import registry
from governance.filters import (
    BranchRatingFilterSet,
    EnvironmentalCaseFilterSet,
    PartyBranchFilterSet,
    VolunteerActivityFilterSet,
    VolunteerTeamFilterSet,
)
from governance.models import (
    BranchRating,
    EnvironmentalCase,
    PartyBranch,
    VolunteerActivity,
    VolunteerTeam,
)
from tests.governance.factories import (
    BranchRatingFactory,
    CommunityFactory,
    EnvironmentalCaseFactory,
    PartyBranchFactory,
    VolunteerActivityFactory,
    VolunteerTeamFactory,
)
from tests.spreadsheets import read_csv_download

pytestmark = pytest.mark.django_db

Category = EnvironmentalCase.Category
Status = EnvironmentalCase.Status


def rows(filterset_class, data, queryset):
    filterset = filterset_class(data, queryset=queryset)
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


def test_every_dataset_is_registered_with_its_filterset():
    expected = {
        "governance.partybranch": (PartyBranch, PartyBranchFilterSet),
        "governance.branchrating": (BranchRating, BranchRatingFilterSet),
        "governance.volunteerteam": (VolunteerTeam, VolunteerTeamFilterSet),
        "governance.volunteeractivity": (VolunteerActivity, VolunteerActivityFilterSet),
        "governance.environmentalcase": (EnvironmentalCase, EnvironmentalCaseFilterSet),
    }
    for key, (model, filterset) in expected.items():
        dataset = registry.datasets[key]
        assert (dataset.model, dataset.filterset) == (model, filterset)
        assert dataset.resource._meta.model is model
        assert dataset.label == str(model._meta.verbose_name)


@pytest.mark.parametrize(
    "filterset",
    [
        PartyBranchFilterSet,
        BranchRatingFilterSet,
        VolunteerTeamFilterSet,
        VolunteerActivityFilterSet,
        EnvironmentalCaseFilterSet,
    ],
)
def test_every_filter_has_a_chinese_label(filterset):
    for name, field in filterset().form.fields.items():
        label = str(field.label)
        assert label and not label.isascii(), (filterset.__name__, name, label)


def test_branch_filters_brand_kind_community_and_stars_of_a_year():
    gaolou = CommunityFactory(name="高楼社区")
    branded = PartyBranchFactory(
        kind=PartyBranch.Kind.COMMUNITY, community=gaolou, brand='高楼"和谐"党建'
    )
    plain = PartyBranchFactory()
    BranchRatingFactory(branch=branded, year=2021, stars=5)
    BranchRatingFactory(branch=plain, year=2021, stars=4)
    BranchRatingFactory(branch=plain, year=timezone.localdate().year, stars=5)
    branches = PartyBranch.objects.all()

    assert rows(PartyBranchFilterSet, {"has_brand": "true"}, branches) == [branded]
    assert rows(PartyBranchFilterSet, {"has_brand": "false"}, branches) == [plain]
    assert rows(PartyBranchFilterSet, {"kind": ["community"]}, branches) == [branded]
    assert rows(PartyBranchFilterSet, {"community": [gaolou.pk]}, branches) == [branded]
    data = {"rating_year": "2021", "rating_stars": ["5"]}
    assert rows(PartyBranchFilterSet, data, branches) == [branded]
    data = {"rating_year": "2021", "rating_stars": ["4", "5"]}
    assert len(rows(PartyBranchFilterSet, data, branches)) == 2
    # Without a year the current year's stars are meant.
    assert rows(PartyBranchFilterSet, {"rating_stars": ["5"]}, branches) == [plain]


def test_rating_filters_year_range_and_stars():
    five = BranchRatingFactory(year=2021, stars=5)
    BranchRatingFactory(year=2021, stars=3)
    BranchRatingFactory(year=2019, stars=5)
    ratings = BranchRating.objects.all()

    data = {"year_min": "2020", "year_max": "2021", "stars": ["5"]}
    assert rows(BranchRatingFilterSet, data, ratings) == [five]


def test_activity_date_range_includes_its_last_day():
    last_day = VolunteerActivityFactory(date=datetime.date(2021, 12, 31))
    VolunteerActivityFactory(date=datetime.date(2022, 1, 1))
    activities = VolunteerActivity.objects.all()

    data = {"date_after": "2021-01-01", "date_before": "2021-12-31"}
    assert rows(VolunteerActivityFilterSet, data, activities) == [last_day]


def test_activity_filters_category_team_and_people_served():
    team = VolunteerTeamFactory()
    wanted = VolunteerActivityFactory(
        team=team, category=VolunteerActivity.Category.HEALTH, people_served=50
    )
    VolunteerActivityFactory(team=team, people_served=50)
    VolunteerActivityFactory(category=VolunteerActivity.Category.HEALTH)
    activities = VolunteerActivity.objects.all()

    data = {"category": ["health"], "team": [team.pk], "people_served_min": "40"}
    assert rows(VolunteerActivityFilterSet, data, activities) == [wanted]


def test_case_filters_search_river_status_and_overdue():
    river = EnvironmentalCaseFactory(
        case_number="HJ-2021-0011",
        category=Category.RIVER,
        river="大运河",
        party_concerned="丹阳瑞丰木业有限公司",
        deadline=datetime.date(2021, 4, 1),
    )
    closed = EnvironmentalCaseFactory(
        category=Category.CITYSCAPE,
        status=Status.CLOSED,
        closed_on=datetime.date(2021, 3, 2),
    )
    cases = EnvironmentalCase.objects.all()

    assert rows(EnvironmentalCaseFilterSet, {"q": "瑞丰"}, cases) == [river]
    assert rows(EnvironmentalCaseFilterSet, {"q": "hj-2021-0011"}, cases) == [river]
    assert rows(EnvironmentalCaseFilterSet, {"river": ["大运河"]}, cases) == [river]
    assert rows(EnvironmentalCaseFilterSet, {"status": ["closed"]}, cases) == [closed]
    assert rows(EnvironmentalCaseFilterSet, {"overdue": "true"}, cases) == [river]
    assert rows(EnvironmentalCaseFilterSet, {"overdue": "false"}, cases) == [closed]
    data = {"category": ["river", "water_enterprise"], "opened_on_after": "2021-01-01"}
    assert rows(EnvironmentalCaseFilterSet, data, cases) == [river]


@pytest.mark.parametrize(
    "data",
    [
        {"opened_on_after": "2021-02-30"},
        {"category": ["nonsense"]},
        {"status": ["已办结"]},
        {"fine_min": "很多"},
    ],
)
def test_invalid_case_filters_are_refused(data):
    EnvironmentalCaseFactory()
    filterset = EnvironmentalCaseFilterSet(
        data, queryset=EnvironmentalCase.objects.all()
    )
    assert not filterset.is_valid()


CASE_PERMS = (
    "governance.view_environmentalcase",
    "governance.export_environmentalcase",
)


def test_export_centre_downloads_the_filtered_cases(staff_client):
    EnvironmentalCaseFactory(case_number="HJ-2021-0001", category=Category.CITYSCAPE)
    EnvironmentalCaseFactory(
        case_number="HJ-2021-0002", category=Category.STREET_VENDING
    )
    client = staff_client(*CASE_PERMS)
    url = reverse("reports:export_dataset", args=["governance.environmentalcase"])

    response = client.get(url, {"category": "cityscape", "format": "csv"})

    downloaded = read_csv_download(response)
    assert downloaded[0][:3] == ["案件编号", "类别", "案件名称"]
    assert [row[0] for row in downloaded[1:]] == ["HJ-2021-0001"]


def test_export_centre_refuses_a_bad_date(staff_client):
    EnvironmentalCaseFactory()
    client = staff_client(*CASE_PERMS)
    url = reverse("reports:export_dataset", args=["governance.environmentalcase"])

    response = client.get(url, {"opened_on_after": "2021-13-01", "format": "csv"})

    assert not response.get("Content-Disposition", "").startswith("attachment")
