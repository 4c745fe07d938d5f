"""我的待办: the worker's to-do, its counts equal to the lists it links to."""

import datetime

import pytest
from django.utils import timezone

from devzone.desk.todo import todo_items, todo_total
from devzone.models import Community, StaffProfile
from governance.models import EnvironmentalCase
from projects.models import RelocationHousehold
from tests.factories import CommunityFactory
from tests.governance.factories import EnvironmentalCaseFactory
from tests.projects.factories import (
    RelocationHouseholdFactory,
    RelocationProjectFactory,
)
from tests.welfare.factories import AssistanceRecordFactory, ChildRecipientFactory
from welfare.models import AssistanceRecord, WelfareRecipient, add_months

PERMS = (
    "governance.view_environmentalcase",
    "welfare.view_welfarerecipient",
    "projects.view_relocationhousehold",
)


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def case(community, *, deadline, status=EnvironmentalCase.Status.FILED):
    opened = min(deadline, timezone.localdate()) - datetime.timedelta(days=10)
    closed = timezone.localdate() if status == EnvironmentalCase.Status.CLOSED else None
    return EnvironmentalCaseFactory(
        community=community,
        opened_on=opened,
        deadline=deadline,
        status=status,
        closed_on=closed,
    )


def child(community, *, last_visit):
    recipient = ChildRecipientFactory(community=community)
    AssistanceRecordFactory(
        recipient=recipient,
        date=last_visit,
        kind=AssistanceRecord.Kind.VISIT,
        amount=0,
    )
    return recipient


@pytest.fixture
def zone(db):
    gaolou = CommunityFactory(name="高楼社区", kind=Community.Kind.COMMUNITY)
    lianguan = CommunityFactory(name="联观村")
    for community, overdue in ((gaolou, 2), (lianguan, 1)):
        for _ in range(overdue):
            case(community, deadline=days(-5))
        case(community, deadline=days(-5), status=EnvironmentalCase.Status.CLOSED)
        case(community, deadline=days(2))
        case(community, deadline=days(6))
        child(community, last_visit=add_months(timezone.localdate(), -2))
        child(community, last_visit=timezone.localdate())
    # A case with no community belongs to the whole zone only.
    case(None, deadline=days(-1))
    project = RelocationProjectFactory(
        community=gaolou, vacate_deadline=days(-30), year=2021
    )
    on_time = RelocationProjectFactory(community=gaolou, vacate_deadline=days(30))
    for community in (gaolou, lianguan):
        RelocationHouseholdFactory(project=project, community=community)
        RelocationHouseholdFactory(project=on_time, community=community)
    RelocationHouseholdFactory(
        project=project,
        community=gaolou,
        status=RelocationHousehold.Status.VACATED,
        vacated_on=datetime.date(2021, 5, 1),
    )
    return {"gaolou": gaolou, "lianguan": lianguan}


@pytest.fixture
def gaolou_worker(zone, make_staff):
    user = make_staff(*PERMS, username="gaolou")
    profile = StaffProfile.objects.create(
        user=user, department=StaffProfile.Department.COMMUNITY
    )
    profile.communities.add(zone["gaolou"])
    return user


@pytest.fixture
def leader(zone, make_staff):
    return make_staff(*PERMS, username="leader")


def counts(user):
    return {item.source.key: item.count for item in todo_items(user)}


def test_a_worker_sees_the_due_items_of_their_community(gaolou_worker):
    assert counts(gaolou_worker) == {
        "governance.overdue_cases": 2,
        "governance.cases_due_soon": 1,
        "welfare.due_visit": 1,
        "projects.past_vacate_deadline": 1,
    }


def test_the_zone_sees_every_community_and_the_cases_with_none(leader):
    assert counts(leader) == {
        "governance.overdue_cases": 4,
        "governance.cases_due_soon": 2,
        "welfare.due_visit": 2,
        "projects.past_vacate_deadline": 2,
    }


@pytest.mark.parametrize("username", ["gaolou", "leader"])
def test_every_link_opens_a_list_of_as_many_rows_as_it_counts(
    client, gaolou_worker, leader, username
):
    # given
    user = {"gaolou": gaolou_worker, "leader": leader}[username]
    client.force_login(user)
    links = []
    for item in todo_items(user):
        links.append((item.url, item.count))
        links += [(link.url, link.count) for link in item.by_community]
    # then: each list the to-do links to shows exactly the rows it counted
    assert len(links) >= 4
    for url, count in links:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "?e=1" not in response.get("Location", ""), url
        assert response.context["cl"].result_count == count, url


def test_leaders_see_the_totals_per_community_adding_up(leader):
    for item in todo_items(leader):
        assert sum(link.count for link in item.by_community) == item.count
    overdue = next(
        item for item in todo_items(leader) if item.source.key.endswith("overdue_cases")
    )
    assert [(link.label, link.count) for link in overdue.by_community] == [
        ("联观村", 1),
        ("高楼社区", 2),
        ("（未填村/社区）", 1),
    ]


def test_a_worker_gets_no_totals_per_community(gaolou_worker):
    assert all(item.by_community == [] for item in todo_items(gaolou_worker))


def test_each_record_of_an_item_links_to_its_page(client, gaolou_worker):
    client.force_login(gaolou_worker)
    for item in todo_items(gaolou_worker):
        assert item.records
        for link in item.records:
            assert client.get(link.url).status_code == 200, link.url


def test_the_workbench_shows_the_to_do_with_its_badge(client, gaolou_worker):
    client.force_login(gaolou_worker)
    text = client.get("/admin/").content.decode()
    assert "我的待办" in text
    assert "data-todo-total>5<" in text
    assert "逾期未办结的案件" in text and "应走访的帮扶对象" in text


def test_a_visit_takes_the_recipient_off_the_to_do(gaolou_worker):
    due = next(
        item
        for item in todo_items(gaolou_worker)
        if item.source.key == "welfare.due_visit"
    )
    assert due.count == 1
    pending = WelfareRecipient.objects.due_visit().get(community__name="高楼社区")
    AssistanceRecord.objects.create(
        recipient=pending,
        date=timezone.localdate(),
        kind=AssistanceRecord.Kind.VISIT,
    )
    assert "welfare.due_visit" not in counts(gaolou_worker)
    assert todo_total(todo_items(gaolou_worker)) == 4


def test_without_the_permission_an_item_is_not_shown(zone, make_staff):
    user = make_staff("governance.view_environmentalcase", username="cases")
    assert set(counts(user)) == {
        "governance.overdue_cases",
        "governance.cases_due_soon",
    }


def test_a_user_with_nothing_due_reads_so(client, db, make_staff):
    user = make_staff(*PERMS)
    assert todo_items(user) == []
    client.force_login(user)
    text = client.get("/admin/").content.decode()
    assert "今天没有到期或逾期的事项" in text
