"""The recipe's proof: a record type plugged in through the public API alone.

``tests/recipe_app`` edits no file under ``devzone/`` (``test_core_knows_no_app``
checks that ``devzone/`` names it nowhere); here it is imported, exported, scoped,
counted in the annual report, listed in the export centre and given to the roles.
"""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from devzone import registry, roles
from devzone.models import StaffProfile
from devzone.scope import Scope
from tests.factories import CommunityFactory
from tests.recipe_app import reports
from tests.recipe_app.models import MealPoint
from tests.spreadsheets import confirm, csv_bytes, read_csv_download, upload

pytestmark = pytest.mark.django_db

ADMIN = "recipe_app_mealpoint"
DATASET = reverse("reports:export_dataset", args=["recipe_app.mealpoint"])
CLERK = (
    "recipe_app.view_mealpoint",
    "recipe_app.add_mealpoint",
    "recipe_app.change_mealpoint",
    "recipe_app.import_mealpoint",
    "recipe_app.export_mealpoint",
)


@pytest.fixture
def communities():
    return CommunityFactory(name="高楼社区"), CommunityFactory(name="普善村")


def meal_point(name, community, seats=30, opened_on=datetime.date(2021, 3, 1)):
    return MealPoint.objects.create(
        name=name, community=community, seats=seats, opened_on=opened_on
    )


def worker_of(community):
    user = get_user_model().objects.create_user(
        username="worker", password="pw-for-tests-long", is_staff=True
    )
    StaffProfile.objects.create(
        user=user, department=StaffProfile.Department.COMMUNITY
    ).communities.add(community)
    return user


def test_an_import_through_the_admin_saves_rows_with_their_history(
    staff_client, communities
):
    client = staff_client(*CLERK)
    data = csv_bytes(
        [
            ["助餐点名称", "村/社区", "座位数", "开办日期"],
            ["高楼社区老年助餐点", "高楼社区", "40", "2020/5/1"],
            ["普善村老年助餐点", "普善村", "24", "2021年9月15日"],
        ]
    )

    preview = upload(client, ADMIN, "助餐点.csv", data)
    confirm(client, ADMIN, preview)

    point = MealPoint.objects.get(name="普善村老年助餐点")
    assert (point.community.name, point.seats) == ("普善村", 24)
    assert point.opened_on == datetime.date(2021, 9, 15)
    assert point.history.get().history_user.username == "clerk"


def test_an_import_breaking_a_rule_is_refused_whole(staff_client, communities):
    client = staff_client(*CLERK)
    data = csv_bytes(
        [
            ["助餐点名称", "村/社区", "座位数", "开办日期"],
            ["高楼社区老年助餐点", "高楼社区", "40", "2020-05-01"],
            ["普善村老年助餐点", "普善村", "800", "2021-09-15"],
        ]
    )

    preview = upload(client, ADMIN, "助餐点.csv", data)

    assert "座位数不能超过 500。" in preview.content.decode()
    assert not MealPoint.objects.exists()


def test_the_export_centre_lists_and_downloads_the_dataset(staff_client, communities):
    gaolou, pushan = communities
    meal_point("高楼社区老年助餐点", gaolou, seats=40)
    meal_point("普善村老年助餐点", pushan, seats=24)
    client = staff_client(*CLERK)

    centre = client.get(reverse("reports:export_index")).content.decode()
    response = client.get(DATASET, {"community": pushan.pk, "format": "csv"})

    assert "老年助餐点" in centre
    assert read_csv_download(response) == [
        ["助餐点名称", "村/社区", "座位数", "开办日期"],
        ["普善村老年助餐点", "普善村", "24", "2021-03-01"],
    ]


def test_a_community_worker_sees_and_exports_only_their_own_meal_points(
    client, communities
):
    gaolou, pushan = communities
    meal_point("高楼社区老年助餐点", gaolou)
    meal_point("普善村老年助餐点", pushan)
    call_command("setup_roles", stdout=io.StringIO())
    worker = worker_of(pushan)
    worker.groups.add(Group.objects.get(name=roles.COMMUNITY_STAFF))
    client.force_login(worker)

    changelist = client.get(reverse(f"admin:{ADMIN}_changelist")).content.decode()
    exported = read_csv_download(client.get(DATASET, {"format": "csv"}))

    assert "普善村老年助餐点" in changelist
    assert "高楼社区老年助餐点" not in changelist
    assert [row[0] for row in exported[1:]] == ["普善村老年助餐点"]
    assert not worker.has_perm("recipe_app.delete_mealpoint")


def test_the_report_counts_the_meal_points_opened_in_the_year_in_scope(communities):
    gaolou, pushan = communities
    meal_point("高楼社区老年助餐点", gaolou, opened_on=datetime.date(2021, 5, 1))
    meal_point("普善村老年助餐点", pushan, opened_on=datetime.date(2021, 9, 15))
    meal_point("普善村第二助餐点", pushan, opened_on=datetime.date(2020, 1, 6))

    (whole,) = reports.figures(2021)
    (earlier,) = reports.figures(2020)
    (own,) = reports.figures(2021, Scope(community_ids=frozenset({pushan.pk})))

    assert (whole.value, earlier.value, own.value) == (2, 1, 1)


def test_the_report_page_shows_the_figure_linked_to_its_rows(admin_client, communities):
    gaolou, _ = communities
    meal_point("高楼社区老年助餐点", gaolou, opened_on=datetime.date(2021, 5, 1))
    meal_point("高楼社区第二助餐点", gaolou, opened_on=datetime.date(2020, 5, 1))

    page = admin_client.get(reverse("reports:annual"), {"year": 2021})

    assert "新开办老年助餐点" in page.content.decode()
    (figure,) = [
        row.figure
        for section in page.context["sections"]
        for row in section.rows
        if row.figure.key == "recipe_app.meal_points"
    ]
    listed = admin_client.get(figure.url)
    assert listed.context["cl"].result_count == figure.value == 1


def test_the_demo_loader_loads_the_meal_points_after_the_communities(communities):
    (loader,) = [d for d in registry.demo_loaders if d.name == "助餐服务"]

    loader.load()
    loader.load()

    assert MealPoint.objects.count() == 2


def test_the_roles_hold_what_the_app_declared():
    assert "recipe_app.delete_mealpoint" in roles.ROLES[roles.SOCIAL]
    assert "recipe_app.export_mealpoint" in roles.ROLES[roles.LEADERS]
    assert "recipe_app.delete_mealpoint" not in roles.ROLES[roles.COMMUNITY_STAFF]
