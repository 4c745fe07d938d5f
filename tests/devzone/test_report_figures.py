"""The pieces every app's report figures are made of (devzone.reports.figures)."""

import pytest
from django.urls import reverse

from devzone.models import Community
from devzone.reports.figures import changelist_url, choice_bars, count_figure
from tests.factories import CommunityFactory

LIST = reverse("admin:devzone_community_changelist")


def test_a_link_without_filters_opens_the_whole_list():
    assert changelist_url(Community) == LIST


def test_a_link_writes_an_in_lookup_comma_joined_as_the_admin_reads_it():
    url = changelist_url(Community, kind__in="village,community", name="普善村")

    assert url == f"{LIST}?kind__in=village,community&name=%E6%99%AE%E5%96%84%E6%9D%91"


@pytest.mark.django_db
def test_a_count_figure_shows_as_many_rows_as_it_counts():
    CommunityFactory(has_home_care_center=True)
    CommunityFactory(has_home_care_center=True)
    CommunityFactory(has_home_care_center=False)

    figure = count_figure(
        "welfare.centres",
        "养老服务中心",
        Community.objects.with_home_care_center(),
        "/list/",
        "个",
        headline=True,
    )

    assert (figure.value, figure.rows, figure.unit) == (2, 2, "个")
    assert figure.headline and figure.url == "/list/"


def test_bars_follow_the_choices_and_show_zero_for_an_uncounted_one():
    bars = choice_bars({"community": 3, "gone": 9}, Community.Kind.choices)

    assert bars == [("村", 0), ("社区", 3)]
    assert all(type(label) is str for label, _count in bars)
