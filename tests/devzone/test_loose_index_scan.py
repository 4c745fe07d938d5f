"""The loose index scans behind big lists' sidebar values and the report's years."""

import datetime

import pytest
from django.db import connection

from devzone.changelist import distinct_values, distinct_years
from devzone.models import Area, Community
from tests.factories import AreaFactory, CommunityFactory

pytestmark = pytest.mark.django_db


def test_distinct_values_lists_each_value_once_in_order_without_nulls():
    if connection.vendor != "postgresql":
        pytest.skip("the big lists scan their index on PostgreSQL only")
    for name, subdistrict in [("甲", "云阳"), ("乙", "开发区"), ("丙", "云阳")]:
        CommunityFactory(name=name, subdistrict=subdistrict)
    CommunityFactory(name="丁", subdistrict="")

    values = distinct_values(Community.objects.all(), "subdistrict")

    assert values == ["", "云阳", "开发区"]
    assert values == sorted(
        set(Community.objects.values_list("subdistrict", flat=True))
    )


def test_distinct_years_are_the_years_that_hold_rows():
    approved = Area.PlanStatus.APPROVED
    for i, day in enumerate(
        [(2019, 12, 31), (2021, 1, 1), (2021, 7, 8), (2023, 3, 5), (2019, 1, 1)]
    ):
        AreaFactory(
            plan_status=approved, approved_on=datetime.date(*day), name=f"片{i}"
        )
    AreaFactory(name="未批")

    assert distinct_years(Area, "approved_on") == [2019, 2021, 2023]


def test_no_rows_no_years():
    assert distinct_years(Area, "approved_on") == []
