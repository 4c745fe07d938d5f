"""The rules of governance records, enforced by the database and by full_clean()."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms import modelform_factory

from governance.models import BranchRating, EnvironmentalCase, PartyBranch
from tests.governance.factories import (
    BranchRatingFactory,
    EnvironmentalCaseFactory,
    PartyBranchFactory,
    VolunteerActivityFactory,
    VolunteerTeamFactory,
)

pytestmark = pytest.mark.django_db

Status = EnvironmentalCase.Status
TODAY = datetime.date(2021, 6, 1)


def messages_of(instance):
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def test_second_rating_in_a_year_is_refused_by_the_database():
    rating = BranchRatingFactory(year=2021, stars=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        BranchRating.objects.create(branch=rating.branch, year=2021, stars=5)
    assert BranchRating.objects.count() == 1


def test_second_rating_in_a_year_is_explained_in_chinese():
    rating = BranchRatingFactory(year=2021)
    duplicate = BranchRating(branch=rating.branch, year=2021, stars=3)
    assert "该党支部在这一年度已有星级评定。" in str(messages_of(duplicate))


def test_ratings_in_different_years_are_allowed():
    rating = BranchRatingFactory(year=2020, stars=3)
    BranchRatingFactory(branch=rating.branch, year=2021, stars=4)
    assert rating.branch.ratings.count() == 2


@pytest.mark.parametrize("stars", [0, 6, 9])
def test_stars_outside_one_to_five_are_refused(stars):
    branch = PartyBranchFactory()
    assert "stars" in messages_of(BranchRating(branch=branch, year=2021, stars=stars))
    with pytest.raises(IntegrityError), transaction.atomic():
        BranchRating.objects.create(branch=branch, year=2021, stars=stars)


def test_negative_member_counts_are_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        PartyBranchFactory(member_count=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        VolunteerTeamFactory(member_count=-3)
    with pytest.raises(IntegrityError), transaction.atomic():
        VolunteerActivityFactory(people_served=-1)


def test_same_activity_twice_for_a_team_is_refused():
    activity = VolunteerActivityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        VolunteerActivityFactory(
            team=activity.team, date=activity.date, title=activity.title
        )


def test_case_numbers_are_unique():
    EnvironmentalCaseFactory(case_number="HJ-2021-0001")
    with pytest.raises(IntegrityError), transaction.atomic():
        EnvironmentalCaseFactory(case_number="HJ-2021-0001")


def test_closed_case_needs_a_closing_date():
    case = EnvironmentalCaseFactory.build(status=Status.CLOSED, closed_on=None)
    case.community.save()
    assert messages_of(case)["closed_on"] == [
        "已办结的案件必须填写办结日期，未办结的案件不能填写办结日期。"
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        EnvironmentalCaseFactory(status=Status.CLOSED, closed_on=None)


def test_only_a_closed_case_has_a_closing_date():
    case = EnvironmentalCaseFactory.build(
        status=Status.RECTIFYING, closed_on=datetime.date(2021, 4, 1)
    )
    case.community.save()
    assert messages_of(case)["closed_on"] == [
        "已办结的案件必须填写办结日期，未办结的案件不能填写办结日期。"
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        EnvironmentalCaseFactory(
            status=Status.FILED, closed_on=datetime.date(2021, 4, 1)
        )


def test_closing_before_opening_is_refused():
    case = EnvironmentalCaseFactory.build(
        status=Status.CLOSED,
        opened_on=datetime.date(2021, 3, 1),
        closed_on=datetime.date(2021, 2, 28),
    )
    case.community.save()
    assert messages_of(case)["closed_on"] == ["办结日期不能早于立案日期。"]
    with pytest.raises(IntegrityError), transaction.atomic():
        case.save()


def test_closing_on_the_opening_day_is_allowed():
    case = EnvironmentalCaseFactory(
        status=Status.CLOSED,
        opened_on=datetime.date(2021, 3, 1),
        closed_on=datetime.date(2021, 3, 1),
    )
    case.full_clean()


def test_negative_fine_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        EnvironmentalCaseFactory(fine=Decimal("-0.01"))


def test_water_case_must_name_its_river():
    case = EnvironmentalCaseFactory.build(
        category=EnvironmentalCase.Category.WATER_ENTERPRISE, river=""
    )
    case.community.save()
    assert "river" in messages_of(case)
    with pytest.raises(IntegrityError), transaction.atomic():
        EnvironmentalCaseFactory(category=EnvironmentalCase.Category.RIVER, river="")


def test_overdue_means_open_and_past_the_deadline():
    late = EnvironmentalCaseFactory(deadline=datetime.date(2021, 5, 31))
    EnvironmentalCaseFactory(deadline=TODAY)  # due today: not yet overdue
    EnvironmentalCaseFactory(deadline=None)
    EnvironmentalCaseFactory(
        deadline=datetime.date(2021, 4, 1),
        status=Status.CLOSED,
        closed_on=datetime.date(2021, 5, 1),
    )
    late_rectifying = EnvironmentalCaseFactory(
        deadline=datetime.date(2021, 3, 2), status=Status.RECTIFYING
    )

    overdue = EnvironmentalCase.objects.overdue(TODAY)

    assert set(overdue) == {late, late_rectifying}
    assert EnvironmentalCase.objects.not_overdue(TODAY).count() == 3


def test_latest_rating_is_the_newest_year():
    branch = PartyBranchFactory()
    BranchRatingFactory(branch=branch, year=2021, stars=5)
    BranchRatingFactory(branch=branch, year=2019, stars=2)
    BranchRatingFactory(branch=branch, year=2020, stars=3)
    unrated = PartyBranchFactory()

    rows = {b.pk: b for b in PartyBranch.objects.with_latest_rating()}

    assert (rows[branch.pk].latest_year, rows[branch.pk].latest_stars) == (2021, 5)
    assert rows[unrated.pk].latest_stars is None


def test_branches_rated_and_unrated_in_a_year():
    four = BranchRatingFactory(year=2021, stars=4).branch
    BranchRatingFactory(year=2021, stars=3)
    BranchRatingFactory(branch=four, year=2020, stars=3)
    never = PartyBranchFactory()

    assert list(PartyBranch.objects.rated(year=2021, stars=4)) == [four]
    assert list(PartyBranch.objects.unrated(year=2021)) == [never]


@pytest.mark.parametrize("year", [1999, 2101])
def test_rating_form_refuses_a_year_out_of_range_in_chinese(year):
    # given a rating form, its year checked by the constraint alone
    branch = PartyBranchFactory()
    form_class = modelform_factory(BranchRating, fields=["branch", "year", "stars"])
    # when a year outside 2000–2100 is typed
    form = form_class(data={"branch": branch.pk, "year": year, "stars": 3})
    # then the year field says so
    assert not form.is_valid()
    assert form.errors["year"] == ["年度应在 2000 到 2100 之间。"]
