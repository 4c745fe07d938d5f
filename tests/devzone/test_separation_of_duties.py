"""三员分立: the system, security and audit administrators cannot do each other's
work, none sees personal data in full, and the superuser leaves a trail."""

import io
import json

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from devzone import roles
from devzone.models import (
    AuditEvent,
    PersonalDataAccess,
    StaffProfile,
)
from devzone.personal import may_unmask, personal_paths
from tests.factories import CommunityFactory
from tests.welfare.factories import WelfareRecipientFactory

PASSWORD = "Separate-duties-2024"


@pytest.fixture
def role_client(db, client):
    call_command("setup_roles", stdout=io.StringIO())

    def login(role, username=None):
        user = get_user_model().objects.create_user(
            username or role, password=PASSWORD, is_staff=True
        )
        user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        return user

    return login


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


def log_pages():
    return [
        url("devzone_personaldataaccess_changelist"),
        url("devzone_exportlog_changelist"),
        url("devzone_importbatch_changelist"),
        url("devzone_auditevent_changelist"),
        url("axes_accessattempt_changelist"),
        url("axes_accesslog_changelist"),
        url("axes_accessfailurelog_changelist"),
    ]


def refused(response):
    """Return True for a refusal: forbidden, not found, or sent to the index or the
    login page (how the admin answers a record out of reach)."""
    return response.status_code in (403, 404) or (
        response.status_code == 302
        and (response["Location"] == "/admin/" or "/login/" in response["Location"])
    )


def test_none_of_the_three_holds_a_personal_data_permission():
    for role in (roles.SYSTEM_ADMIN, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN):
        held = roles.ROLES[role]
        assert not any(p.endswith(".view_personal_data") for p in held), role


@pytest.mark.parametrize(
    "role", [roles.SYSTEM_ADMIN, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN]
)
def test_none_of_the_three_unmasks_any_record(role_client, role):
    user = role_client(role)
    user = get_user_model().objects.get(pk=user.pk)

    personal = [model for model in apps.get_models() if personal_paths(model)]
    assert personal
    for model in personal:
        assert not may_unmask(user, model), (role, model)


# 系统管理员


def test_the_system_administrator_keeps_accounts(role_client, client):
    role_client(roles.SYSTEM_ADMIN, "sysadmin")
    other = get_user_model().objects.create_user("staff1", password=PASSWORD)

    assert client.get(url("auth_user_add")).status_code == 200
    assert client.get(url("auth_user_change", other.pk)).status_code == 200
    assert client.get(url("auth_user_password_change", other.pk)).status_code == 200
    response = client.post(
        url("auth_user_change", other.pk),
        {
            "username": "staff1",
            "is_active": "",
            "is_staff": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert not other.is_active  # deactivated


def test_an_account_is_disabled_never_deleted(role_client, client, db):
    # given: an account whose work the append-only history names
    role_client(roles.SYSTEM_ADMIN, "sysadmin")
    other = get_user_model().objects.create_user("staff2", password=PASSWORD)
    recipient = WelfareRecipientFactory()
    recipient._history_user = other
    recipient.save()

    # then: neither the system administrator nor the superuser is offered a delete
    for who in ("sysadmin", "root"):
        if who == "root":
            root = get_user_model().objects.create_superuser("root", password=PASSWORD)
            client.force_login(root)
        page = client.get(url("auth_user_change", other.pk)).content.decode()
        assert url("auth_user_delete", other.pk) not in page
        assert (
            "delete_selected"
            not in client.get(url("auth_user_changelist")).content.decode()
        )
        response = client.post(url("auth_user_delete", other.pk), {"post": "yes"})
        assert response.status_code == 403
    assert get_user_model().objects.filter(pk=other.pk).exists()
    assert recipient.history.latest().history_user == other


def test_the_system_administrator_touches_no_role_and_no_log(role_client, client):
    role_client(roles.SYSTEM_ADMIN, "sysadmin")
    group = Group.objects.get(name=roles.LEADERS)

    for page in [
        url("auth_group_changelist"),
        url("auth_group_add"),
        url("auth_group_change", group.pk),
        url("devzone_staffprofile_changelist"),
        *log_pages(),
    ]:
        assert refused(client.get(page)), page
    assert refused(client.post(url("auth_group_add"), {"name": "后门"}))
    assert not Group.objects.filter(name="后门").exists()
    # the user form offers no role
    page = client.get(url("auth_user_add")).content.decode()
    assert 'name="groups"' not in page and 'name="is_superuser"' not in page


def test_the_system_administrator_cannot_grant_himself_a_role_or_a_permission(
    role_client, client
):
    me = role_client(roles.SYSTEM_ADMIN, "sysadmin")
    powerful = Group.objects.get(name=roles.SECURITY_ADMIN)
    personal = Permission.objects.get(
        codename="view_personal_data", content_type__app_label="welfare"
    )

    form = client.get(url("auth_user_change", me.pk)).content.decode()
    assert 'name="groups"' not in form
    assert 'name="user_permissions"' not in form
    response = client.post(
        url("auth_user_change", me.pk),
        {
            "username": "sysadmin",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [powerful.pk],
            "user_permissions": [personal.pk],
            "date_joined_0": "2024-01-01",
            "date_joined_1": "08:00:00",
        },
    )

    assert response.status_code == 302
    me = get_user_model().objects.get(pk=me.pk)
    assert not me.is_superuser
    assert list(me.groups.values_list("name", flat=True)) == [roles.SYSTEM_ADMIN]
    assert not me.user_permissions.exists()
    assert not may_unmask(me, apps.get_model("welfare.welfarerecipient"))


def test_the_system_administrator_cannot_see_or_reset_the_superuser(
    role_client, client
):
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    role_client(roles.SYSTEM_ADMIN, "sysadmin")

    assert "root" not in client.get(url("auth_user_changelist")).content.decode()
    assert refused(client.get(url("auth_user_change", root.pk)))
    response = client.post(
        url("auth_user_password_change", root.pk),
        {"password1": "Taken-over-2024!", "password2": "Taken-over-2024!"},
    )
    assert refused(response)
    root.refresh_from_db()
    assert root.check_password(PASSWORD)


# 安全管理员


def test_the_security_administrator_keeps_roles_and_communities(role_client, client):
    me = role_client(roles.SECURITY_ADMIN, "security")
    clerk = get_user_model().objects.create_user("clerk1", is_staff=True)
    group = Group.objects.get(name=roles.SOCIAL)
    community = CommunityFactory()
    profile = StaffProfile.objects.create(
        user=clerk, department=StaffProfile.Department.COMMUNITY
    )

    response = client.post(
        url("auth_group_change", group.pk),
        {
            "name": group.name,
            "permissions": list(group.permissions.values_list("pk", flat=True)),
            "members": [clerk.pk, me.pk],
        },
    )
    assert response.status_code == 302
    assert list(group.user_set.all()) == [clerk]  # not the editor himself
    form = client.get(url("devzone_staffprofile_change", profile.pk))
    response = client.post(
        url("devzone_staffprofile_change", profile.pk),
        {
            "_version": form.context["record_version"],
            "user": clerk.pk,
            "department": "community",
            "communities": [community.pk],
            "title": "",
        },
    )
    assert response.status_code == 302
    assert list(profile.communities.all()) == [community]


def test_the_group_page_names_rights_in_chinese(role_client, client):
    # given: the security administrator opens a role to give it rights
    role_client(roles.SECURITY_ADMIN, "anquan")
    group = Group.objects.get(name=roles.AUDIT_ADMIN)

    page = client.get(url("auth_group_change", group.pk)).content.decode()
    script = client.get(reverse("admin:jsi18n")).content.decode()

    # then: every right reads 应用｜记录｜操作, none in Django's English
    assert "Can add" not in page and "Can view" not in page
    assert "民生福祉｜帮扶对象｜查看" in page
    # and the two-list picker's help is in Chinese
    # (the catalogue is JavaScript: its text \u-escaped as JSON writes it)
    for message in ("选中要添加的", "全部移除"):
        assert json.dumps(message)[1:-1] in script


def test_the_security_administrator_touches_no_account_and_no_log(role_client, client):
    me = role_client(roles.SECURITY_ADMIN, "security")
    other = get_user_model().objects.create_user("staff1", password=PASSWORD)

    for page in [
        url("auth_user_changelist"),
        url("auth_user_add"),
        url("auth_user_change", other.pk),
        url("auth_user_password_change", other.pk),
        *log_pages(),
    ]:
        assert refused(client.get(page)), page
    assert refused(
        client.post(
            url("auth_user_password_change", other.pk),
            {"password1": "Taken-over-2024!", "password2": "Taken-over-2024!"},
        )
    )
    other.refresh_from_db()
    assert other.check_password(PASSWORD)
    # nor his own role, from the role's page
    own = Group.objects.get(name=roles.SECURITY_ADMIN)
    client.post(
        url("auth_group_change", own.pk),
        {"name": own.name, "permissions": [], "members": []},
    )
    assert own.user_set.filter(pk=me.pk).exists()


# 审计管理员


def test_the_audit_administrator_reads_every_log(role_client, client):
    auditor = role_client(roles.AUDIT_ADMIN, "auditor")
    PersonalDataAccess.objects.create(
        user=auditor, kind="lookup", channel="lookup", model="welfare.x"
    )
    recipient = WelfareRecipientFactory()

    for page in log_pages():
        assert client.get(page).status_code == 200, page
    # a record's history, masked
    history = client.get(
        url("welfare_welfarerecipient_history", recipient.pk)
    ).content.decode()
    assert recipient.id_number not in history


def test_the_audit_administrator_changes_nothing(role_client, client):
    role_client(roles.AUDIT_ADMIN, "auditor")
    recipient = WelfareRecipientFactory()
    group = Group.objects.get(name=roles.LEADERS)
    other = get_user_model().objects.create_user("staff1", password=PASSWORD)

    for page in [
        url("auth_user_changelist"),
        url("auth_group_changelist"),
        url("auth_group_change", group.pk),
        url("auth_user_change", other.pk),
        url("welfare_welfarerecipient_add"),
        url("welfare_welfarerecipient_delete", recipient.pk),
    ]:
        assert refused(client.get(page)), page
    response = client.post(
        url("welfare_welfarerecipient_change", recipient.pk), {"name": "改名"}
    )
    assert refused(response)
    recipient.refresh_from_db()
    assert recipient.name != "改名"
    # the lists offer no delete
    page = client.get(url("devzone_personaldataaccess_changelist")).content.decode()
    assert "delete_selected" not in page


# The break-glass account


def test_every_request_of_a_superuser_is_logged(client, db):
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)

    client.get(url("index"))
    client.post(url("auth_group_add"), {"name": "临时"}, REMOTE_ADDR="10.9.8.7")

    rows = list(
        AuditEvent.objects.filter(action=AuditEvent.Action.SUPERUSER).order_by("id")
    )
    assert [row.target for row in rows] == [
        "GET /admin/",
        f"POST {url('auth_group_add')}",
    ]
    assert rows[1].client_ip == "10.9.8.7"
    assert rows[1].result == "302"
    assert rows[0].user == root


def test_other_users_requests_are_not_in_the_superuser_log(role_client, client):
    role_client(roles.SYSTEM_ADMIN, "sysadmin")

    client.get(url("index"))

    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SUPERUSER).exists()


def test_the_security_administrator_cannot_widen_his_own_role(role_client, client):
    """The role's permissions are his role too: adding one to a group he is in
    would grant it to himself (e.g. personal data, or the accounts' keeping)."""
    me = role_client(roles.SECURITY_ADMIN, "security")
    own = Group.objects.get(name=roles.SECURITY_ADMIN)
    before = set(own.permissions.values_list("pk", flat=True))
    extra = Permission.objects.get(
        content_type__app_label="auth", codename="change_user"
    )

    response = client.post(
        url("auth_group_change", own.pk),
        {"name": own.name, "permissions": [*before, extra.pk], "members": []},
    )

    assert refused(response)
    assert set(own.permissions.values_list("pk", flat=True)) == before
    me = get_user_model().objects.get(pk=me.pk)
    assert not me.has_perm("auth.change_user")
    assert refused(client.post(url("auth_group_delete", own.pk), {"post": "yes"}))
    assert Group.objects.filter(pk=own.pk).exists()


def test_the_audit_administrator_runs_no_action_on_the_lockouts(role_client, client):
    """django-axes' 清理已过期的登录尝试 deletes rows: it is not a reader's."""
    import datetime

    from axes.models import AccessAttempt
    from django.utils import timezone

    role_client(roles.AUDIT_ADMIN, "auditor")
    attempt = AccessAttempt.objects.create(
        username="someone", ip_address="10.0.0.1", failures_since_start=3
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(
        attempt_time=timezone.now() - datetime.timedelta(days=30)
    )
    changelist = url("axes_accessattempt_changelist")

    assert "cleanup_expired_attempts" not in client.get(changelist).content.decode()
    client.post(
        changelist,
        {"action": "cleanup_expired_attempts", "_selected_action": [attempt.pk]},
    )
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


@pytest.mark.parametrize("role", [roles.SECURITY_ADMIN, roles.AUDIT_ADMIN])
def test_the_system_administrator_cannot_take_over_the_other_two(
    role_client, client, role
):
    """Resetting the security or audit administrator's password would let the
    accounts' keeper log in as them: their accounts are the superuser's."""
    keeper = get_user_model().objects.create_user(
        "keeper", password=PASSWORD, is_staff=True
    )
    keeper.groups.add(Group.objects.get(name=role))
    role_client(roles.SYSTEM_ADMIN, "sysadmin")

    assert refused(
        client.post(
            url("auth_user_password_change", keeper.pk),
            {"password1": "Taken-over-2024!", "password2": "Taken-over-2024!"},
        )
    )
    client.post(
        url("auth_user_change", keeper.pk),
        {
            "username": "keeper",
            "is_active": "",
            "is_staff": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "08:00:00",
        },
    )
    keeper.refresh_from_db()
    assert keeper.check_password(PASSWORD)
    assert keeper.is_active
