import pytest
from axes.models import AccessFailureLog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from devzone.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
Action = AuditEvent.Action


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def clerk():
    return get_user_model().objects.create_user(
        "clerk", password=PASSWORD, is_staff=True
    )


@pytest.fixture
def auditor(client):
    user = get_user_model().objects.create_superuser("auditor", password=PASSWORD)
    client.force_login(user)
    return user


def log_in(client, password):
    return client.post(
        reverse("admin:login"),
        {"username": "clerk", "password": password, "next": "/admin/"},
        REMOTE_ADDR="10.1.2.3",
    )


def test_logins_failures_and_logouts_are_logged_with_the_address(client, clerk):
    # when
    log_in(client, "wrong-password")
    log_in(client, PASSWORD)
    client.post(reverse("admin:logout"), REMOTE_ADDR="10.1.2.3")
    # then
    (failed,) = events(Action.LOGIN_FAILED)
    assert (failed.username, failed.user, failed.client_ip) == (
        "clerk",
        None,
        "10.1.2.3",
    )
    (login,) = events(Action.LOGIN)
    (logout,) = events(Action.LOGOUT)
    for event in (login, logout):
        assert (event.user, event.client_ip, event.result) == (
            clerk,
            "10.1.2.3",
            "成功",
        )
    # and axes' own failure log is kept, not pruned
    assert AccessFailureLog.objects.filter(username="clerk").count() == 1


def test_a_number_typed_as_the_user_name_is_masked_in_the_log(client, db):
    # when: a clerk types a resident's ID number into the user name field
    client.post(
        reverse("admin:login"),
        {"username": "321181199001011234", "password": "x", "next": "/admin/"},
        REMOTE_ADDR="10.1.2.3",
    )
    # then: the failure is logged, the number never in clear
    (failed,) = events(Action.LOGIN_FAILED)
    assert "321181199001011234" not in failed.username + failed.target
    assert failed.username.startswith("3211") and "*" in failed.username


def test_control_characters_in_a_logged_address_are_escaped(auditor, client):
    # when: a log list is asked for with a NUL and a line break in its query
    response = client.get(
        reverse("admin:devzone_auditevent_changelist") + "?q=a%00b%0Ac"
    )
    # then: the page answers and the read is logged on one line, escaped
    assert response.status_code == 200
    (read,) = events(Action.LOG_READ)
    assert "a\\x00b\\x0ac" in read.target
    assert "\x00" not in read.target and "\n" not in read.target


def test_a_refused_request_is_logged(client, clerk):
    client.force_login(clerk)
    response = client.get(
        reverse("admin:devzone_exportlog_changelist"), REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 403
    (denied,) = events(Action.DENIED)
    assert denied.user == clerk
    assert denied.target == "GET /admin/devzone/exportlog/"
    assert denied.client_ip == "10.9.9.9"
    assert "403" in denied.result


def test_changes_to_users_groups_and_permissions_are_logged(auditor, client):
    group = Group.objects.create(name="社区工作人员")
    permission = Permission.objects.get(codename="view_exportlog")
    group.permissions.add(permission)
    clerk = get_user_model().objects.create_user("clerk2")
    clerk.groups.add(group)
    clerk.user_permissions.remove(permission)
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    targets = [event.target for event in events(Action.USER_CHANGE)]
    assert "新增组 社区工作人员" in targets
    assert any(t.startswith("社区工作人员：加入") and "导出记录" in t for t in targets)
    assert "新增用户 clerk2" in targets
    assert "clerk2：加入 社区工作人员" in targets
    assert "修改用户 clerk2（is_active）" in targets


def test_a_user_changed_in_the_admin_names_who_and_where(auditor, client, clerk):
    url = reverse("admin:auth_user_change", args=[clerk.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        username="clerk",
        is_staff="",
        is_active="on",
        date_joined_0="2026-01-01",
        date_joined_1="08:00:00",
        last_login_0="",
        last_login_1="",
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    client.post(url, data, REMOTE_ADDR="10.7.7.7")
    change = AuditEvent.objects.filter(
        action=Action.USER_CHANGE, target__startswith="修改用户 clerk"
    ).get()
    assert (change.user, change.client_ip) == (auditor, "10.7.7.7")


def test_every_read_of_a_log_is_logged(auditor, client):
    for name in [
        "devzone_exportlog",
        "devzone_personaldataaccess",
        "devzone_importbatch",
        "devzone_auditevent",
        "axes_accessfailurelog",
        "axes_accesslog",
        "axes_accessattempt",
    ]:
        response = client.get(
            reverse(f"admin:{name}_changelist") + "?o=1", REMOTE_ADDR="10.5.5.5"
        )
        assert response.status_code == 200, name
    reads = events(Action.LOG_READ)
    assert len(reads) == 7
    assert reads[0].target == "导出记录列表 o=1"
    assert {read.client_ip for read in reads} == {"10.5.5.5"}
    assert all(read.user == auditor for read in reads)


def test_axes_logs_are_read_only_in_the_admin(auditor, client):
    failure = AccessFailureLog.objects.create(
        username="x", ip_address="10.0.0.1", locked_out=False
    )
    url = reverse("admin:axes_accessfailurelog_change", args=[failure.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "保存" not in page.content.decode()
    assert (
        client.post(reverse("admin:axes_accessfailurelog_delete", args=[failure.pk]))
    ).status_code == 403
    assert AccessFailureLog.objects.filter(pk=failure.pk).exists()
    assert events(Action.LOG_READ)[0].target.endswith(f"#{failure.pk}")


ID_NUMBER = "110101199003071234"
PHONE = "13912345678"


def test_a_searched_number_is_masked_in_every_logged_address(client, clerk):
    """A search for an ID or phone number goes into the security log masked: the
    log read, the refusal and the superuser's trail alike."""
    changelist = reverse("admin:devzone_exportlog_changelist")
    plain = f"{changelist}?q={ID_NUMBER}+{PHONE}"
    full_width = f"{changelist}?q=%EF%BC%91{ID_NUMBER[1:]}"
    client.force_login(clerk)
    assert client.get(plain).status_code == 403
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    assert client.get(plain).status_code == 200
    assert client.get(full_width).status_code == 200

    targets = [event.target for event in AuditEvent.objects.all()]
    kinds = {event.action for event in AuditEvent.objects.all()}
    assert {Action.DENIED, Action.LOG_READ, Action.SUPERUSER} <= kinds
    for target in targets:
        assert ID_NUMBER not in target, target
        assert ID_NUMBER[1:] not in target, target
        assert PHONE not in target, target
    assert any("110101********1234" in target for target in targets)
