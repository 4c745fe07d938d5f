import datetime

import factory

from governance.models import (
    BranchRating,
    EnvironmentalCase,
    PartyBranch,
    VolunteerActivity,
    VolunteerTeam,
)
from tests.factories import CommunityFactory

__all__ = ["CommunityFactory"]


class PartyBranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyBranch

    name = factory.Sequence(lambda n: f"测试党支部{n}")
    kind = PartyBranch.Kind.NEW_ORGANISATION
    community = factory.SubFactory(CommunityFactory)
    secretary = "张志强"
    member_count = 12


class BranchRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BranchRating

    branch = factory.SubFactory(PartyBranchFactory)
    year = 2021
    stars = 4


class VolunteerTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerTeam

    name = factory.Sequence(lambda n: f"测试志愿服务队{n}")
    parent_unit = "党建办"
    leader = "王丽娟"
    member_count = 20


class VolunteerActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerActivity

    team = factory.SubFactory(VolunteerTeamFactory)
    date = datetime.date(2021, 5, 1)
    title = factory.Sequence(lambda n: f"志愿活动{n}")
    category = VolunteerActivity.Category.ENVIRONMENT
    community = factory.SubFactory(CommunityFactory)
    volunteers = 5
    people_served = 20


class EnvironmentalCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnvironmentalCase

    case_number = factory.Sequence(lambda n: f"HJ-2021-{n:04d}")
    category = EnvironmentalCase.Category.STREET_VENDING
    title = factory.Sequence(lambda n: f"占道经营{n}")
    community = factory.SubFactory(CommunityFactory)
    opened_on = datetime.date(2021, 3, 1)
    deadline = factory.LazyAttribute(
        lambda o: o.opened_on + datetime.timedelta(days=14)
    )
    status = EnvironmentalCase.Status.FILED
