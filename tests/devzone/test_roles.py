import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.urls import reverse

from devzone import roles
from devzone.models import StaffProfile
from governance import roles as GovernanceRoles
from governance.models import EnvironmentalCase
from tests.governance.factories import EnvironmentalCaseFactory

CASE = "governance_environmentalcase"


def group_permissions(name):
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=name).permissions.select_related("content_type")
    }


def member_of(role, username):
    user = get_user_model().objects.create_user(
        username=username, password="pw-for-tests-long", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def setup_roles(db):
    call_command("setup_roles", stdout=io.StringIO())


@pytest.fixture
def case(db):
    return EnvironmentalCaseFactory(title="占道经营（东门）")


def test_each_group_holds_exactly_its_declared_permissions(setup_roles):
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)
    for name, declared in roles.ROLES.items():
        assert group_permissions(name) == declared, name


def test_setup_roles_twice_changes_nothing(setup_roles, capsys):
    before = {name: group_permissions(name) for name in roles.ROLES}

    call_command("setup_roles")

    out = capsys.readouterr().out
    assert {name: group_permissions(name) for name in roles.ROLES} == before
    for name in roles.ROLES:
        assert f"{name}：未变" in out
    assert "角色已与声明一致。" in out


def test_setup_roles_restores_permissions_edited_by_hand(setup_roles, capsys):
    # given a leader group that someone let delete cases and no longer view deals
    leaders = Group.objects.get(name=roles.LEADERS)
    leaders.permissions.add(
        Permission.objects.get(
            content_type__app_label="governance", codename="delete_environmentalcase"
        )
    )
    leaders.permissions.remove(
        Permission.objects.get(
            content_type__app_label="projects", codename="view_investmentdeal"
        )
    )

    call_command("setup_roles")

    assert group_permissions(roles.LEADERS) == roles.ROLES[roles.LEADERS]
    out = capsys.readouterr().out
    assert (
        "领导：增加 projects.view_investmentdeal；"
        "撤销 governance.delete_environmentalcase"
    ) in out


def test_setup_roles_refuses_a_permission_that_does_not_exist(db, monkeypatch):
    monkeypatch.setitem(
        roles.ROLES,
        roles.PARTY,
        roles.ROLES[roles.PARTY] | {"devzone.fly_balloon", "governance.fly_kite"},
    )

    with pytest.raises(CommandError) as error:
        call_command("setup_roles")

    assert "devzone.fly_balloon" in str(error.value)
    assert "governance.fly_kite" in str(error.value)
    assert not Group.objects.filter(name=roles.PARTY).exists()


def test_a_leader_reads_the_list_but_cannot_change_a_record(setup_roles, client, case):
    client.force_login(member_of(roles.LEADERS, "leader"))

    changelist = client.get(reverse(f"admin:{CASE}_changelist"))
    assert changelist.status_code == 200
    assert "占道经营（东门）" in changelist.content.decode()
    assert reverse(f"admin:{CASE}_add") not in changelist.content.decode()

    # the change page is a read-only view without a save button
    page = client.get(reverse(f"admin:{CASE}_change", args=[case.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()

    posted = client.post(
        reverse(f"admin:{CASE}_change", args=[case.pk]),
        {"title": "改过的标题", "case_number": case.case_number},
    )
    assert posted.status_code == 403
    case.refresh_from_db()
    assert case.title == "占道经营（东门）"
    assert client.get(reverse(f"admin:{CASE}_add")).status_code == 403
    assert (
        client.post(reverse(f"admin:{CASE}_delete", args=[case.pk])).status_code == 403
    )
    assert EnvironmentalCase.objects.filter(pk=case.pk).exists()


def test_a_leader_sees_no_import_and_is_refused_the_import_pages(
    setup_roles, client, case
):
    client.force_login(member_of(roles.LEADERS, "leader"))

    changelist = client.get(reverse(f"admin:{CASE}_changelist")).content.decode()
    assert "import_link" not in changelist
    assert reverse(f"admin:{CASE}_import") not in changelist
    # exporting is allowed
    assert reverse(f"admin:{CASE}_export") in changelist

    import_url = reverse(f"admin:{CASE}_import")
    process_url = reverse(f"admin:{CASE}_process_import")
    assert client.get(import_url).status_code == 403
    assert client.post(import_url, {"format": "0"}).status_code == 403
    assert client.post(process_url, {"import_file_name": "x"}).status_code == 403
    assert EnvironmentalCase.objects.count() == 1


def test_a_leader_reads_the_annual_report(setup_roles, client):
    client.force_login(member_of(roles.LEADERS, "leader"))

    response = client.get(reverse("reports:annual"), {"year": 2021})

    assert response.status_code == 200
    assert "年度工作报告" in response.content.decode()


def test_a_community_worker_enters_records_but_never_deletes(setup_roles, client, case):
    worker = member_of(roles.COMMUNITY_STAFF, "worker")
    profile = StaffProfile.objects.create(
        user=worker, department=StaffProfile.Department.COMMUNITY
    )
    profile.communities.add(case.community)
    client.force_login(worker)

    changelist = client.get(reverse(f"admin:{CASE}_changelist")).content.decode()
    assert "占道经营（东门）" in changelist
    assert "import_link" in changelist
    assert reverse(f"admin:{CASE}_add") in changelist
    assert 'value="delete_selected"' not in changelist

    page = client.get(reverse(f"admin:{CASE}_change", args=[case.pk])).content.decode()
    assert 'name="_save"' in page
    assert reverse(f"admin:{CASE}_delete", args=[case.pk]) not in page

    refused = client.post(
        reverse(f"admin:{CASE}_delete", args=[case.pk]), {"post": "yes"}
    )
    assert refused.status_code == 403
    assert EnvironmentalCase.objects.filter(pk=case.pk).exists()
    assert not worker.has_perm("projects.view_personal_data")
    assert not worker.has_perm("welfare.view_personal_data")
    assert not any(
        worker.has_perm(f"{label.split('.')[0]}.delete_{label.split('.')[1]}")
        for label in roles.record_models()
    )


def test_only_the_departments_see_personal_data(setup_roles):
    holders = {
        name
        for name, declared in roles.ROLES.items()
        if declared & {"projects.view_personal_data", "welfare.view_personal_data"}
    }
    assert holders == {roles.PROJECTS, roles.SOCIAL}


def test_leaders_read_every_record_family_of_every_app():
    assert {label.split(".")[0] for label in roles.record_models()} >= {
        "devzone",
        "projects",
        "governance",
        "welfare",
    }
    assert "projects.relocationhousehold" in roles.record_models()


def test_an_app_declaring_its_roles_twice_changes_nothing():
    before = dict(roles.ROLES)

    roles.declare(GovernanceRoles.GRANTS)

    assert before == roles.ROLES
