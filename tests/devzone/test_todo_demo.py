"""The demo's community worker of 高楼社区: a believable to-do, every count a list."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from devzone.demo import DEMO_WORKER
from devzone.desk.todo import todo_items
from devzone.roles import COMMUNITY_STAFF, LEADERS, ROLES


def with_role(user, role):
    for perm in ROLES[role]:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return get_user_model().objects.get(pk=user.pk)  # no cached permissions


@pytest.fixture
def worker(demo_data, db):
    return with_role(
        get_user_model().objects.get(username=DEMO_WORKER), COMMUNITY_STAFF
    )


@pytest.fixture
def leader(demo_data, db):
    user = get_user_model().objects.create_user("leader", is_staff=True)
    return with_role(user, LEADERS)


def test_the_demo_worker_has_a_few_overdue_cases_children_due_and_a_household(
    worker,
):
    items = {item.source.key: item for item in todo_items(worker)}
    assert 2 <= items["governance.overdue_cases"].count <= 6
    due = items["welfare.due_visit"]
    assert 2 <= due.count <= 8
    assert any("留守儿童" in link.label for link in due.records)
    assert any("困境儿童" in link.label for link in due.records)
    late = items["projects.past_vacate_deadline"]
    assert [link.label for link in late.records] == ["汤桂（丹桂路南侧地块）"]


@pytest.mark.parametrize("who", ["worker", "leader"])
def test_every_count_of_the_demo_to_do_is_the_count_of_its_list(client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    links = []
    for item in todo_items(user):
        links.append((item.url, item.count))
        links += [(link.url, link.count) for link in item.by_community]
    assert links
    for url, count in links:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.context["cl"].result_count == count, url


def test_the_demo_person_opens_one_page_with_every_record(client, worker):
    from welfare.demo import PERSON

    client.force_login(worker)
    response = client.post("/desk/people/", {"number": PERSON["id_number"]})
    page = client.get(response.url)
    assert [card.title for card in page.context["person"].cards] == [
        "搬迁户：丹桂路南侧地块",
        "帮扶对象：困难户",
        "帮扶对象：残疾人",
    ]
    assert PERSON["id_number"] not in page.content.decode() + response.url
