"""The system administrator keeps accounts but takes over none that needs a second
factor: the password, the second factor and the re-enabling of an account whose
powers call for one (an unmasker, the security or the audit administrator) are the
superuser's. Who sets the password of an account with no phone yet enrols his own.
"""

import functools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from devzone import roles
from devzone.accounts.two_factor import two_factor_reset
from devzone.errors import ExplainedRefusal
from devzone.models import AuditEvent

PASSWORD = "Keep-accounts-2024"
TAKEN = "Taken-over-2024!"
SUPERUSER_ONLY = "只能由超级管理员操作"


@pytest.fixture
def staff(role_staff):
    """Return a function making a staff account holding the named roles."""
    return functools.partial(role_staff, password=PASSWORD)


@pytest.fixture
def sysadmin(staff, client):
    user = staff("wang", roles.SYSTEM_ADMIN)
    client.force_login(user)
    return user


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


def new_password(password=TAKEN):
    return {"password1": password, "password2": password}


def user_form(user, **changes):
    """Return the system administrator's change form for ``user`` as posted."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "08:00:00",
    }
    data.update(changes)
    return data


def denied_paths():
    return list(
        AuditEvent.objects.filter(action=AuditEvent.Action.DENIED)
        .order_by("pk")
        .values_list("target", flat=True)
    )


@pytest.mark.parametrize(
    "powers",
    [
        pytest.param({"role": roles.PROJECTS}, id="unmasker"),
        pytest.param({"permission": ("auth", "view_user")}, id="reads-accounts"),
        pytest.param({"permission": ("devzone", "view_auditevent")}, id="reads-log"),
    ],
)
def test_the_system_administrator_cannot_reset_the_password_of_an_account_needing_2fa(
    staff, sysadmin, client, powers
):
    # given: an account whose powers call for a second factor, not enrolled yet
    target = staff("chen", first_name="陈")
    if "role" in powers:
        target.groups.add(Group.objects.get(name=powers["role"]))
    else:
        app_label, codename = powers["permission"]
        target.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    page = url("auth_user_password_change", target.pk)

    # when: the system administrator opens its password page, and posts to it
    opened = client.get(page)
    posted = client.post(page, new_password())

    # then: both refused, saying who may do it; the password is the owner's
    for response in (opened, posted):
        assert response.status_code == 403
        text = response.content.decode()
        assert "陈（chen） 持有须双因素认证的权限" in text
        assert f"重置密码{SUPERUSER_ONLY}" in text
    target.refresh_from_db()
    assert target.check_password(PASSWORD)
    assert denied_paths() == [f"GET {page}", f"POST {page}"]


def test_the_superuser_resets_such_a_password(staff, client):
    target = staff("chen", roles.PROJECTS)
    client.force_login(get_user_model().objects.create_superuser("root", PASSWORD))

    response = client.post(
        url("auth_user_password_change", target.pk), new_password("Reset-by-root-2024!")
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password("Reset-by-root-2024!")


def test_the_system_administrator_still_resets_a_clerks_password(
    staff, sysadmin, client
):
    clerk = staff("liu", roles.LEADERS)  # reads and exports, sees nothing unmasked

    response = client.post(url("auth_user_password_change", clerk.pk), new_password())

    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password(TAKEN)


def test_the_system_administrator_changes_his_own_password(sysadmin, client):
    response = client.post(
        url("auth_user_password_change", sysadmin.pk), new_password("My-own-new-2024!")
    )

    assert response.status_code == 302
    sysadmin.refresh_from_db()
    assert sysadmin.check_password("My-own-new-2024!")


def test_such_an_account_is_disabled_by_the_system_administrator_not_re_enabled(
    staff, sysadmin, client
):
    target = staff("chen", roles.PROJECTS, first_name="陈")
    change = url("auth_user_change", target.pk)

    # the page says who keeps the password
    page = client.get(change).content.decode()
    assert "陈（chen） 持有须双因素认证的权限" in page
    assert f"其密码重置、启用和双因素认证重置{SUPERUSER_ONLY}" in page

    # disabling it is his
    response = client.post(change, user_form(target, is_active=""))
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active

    # enabling it again is not: the field is read-only, a tampered POST refused
    assert 'name="is_active"' not in client.get(change).content.decode()
    response = client.post(
        change, user_form(target, is_active="on", first_name="陈"), follow=True
    )
    target.refresh_from_db()
    assert not target.is_active
    assert f"启用账号{SUPERUSER_ONLY}" in response.content.decode()
    assert "启用用户 chen" in denied_paths()


def test_the_superuser_re_enables_such_an_account(staff, client):
    target = staff("chen", roles.PROJECTS, is_active=False)
    client.force_login(get_user_model().objects.create_superuser("root", PASSWORD))

    response = client.post(
        url("auth_user_change", target.pk),
        {
            **user_form(target, is_active="on"),
            "groups": list(target.groups.values_list("pk", flat=True)),
        },
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_active


def test_an_account_holding_a_duty_under_another_groups_name_is_the_superusers(
    staff, sysadmin, client
):
    reader = staff("qian")
    readers = Group.objects.create(name="日志查看")
    readers.permissions.add(
        Permission.objects.get(
            content_type__app_label="devzone", codename="view_auditevent"
        )
    )
    readers.user_set.add(reader)

    response = client.post(
        url("auth_user_change", reader.pk), user_form(reader, is_active="")
    )

    assert response.status_code == 403
    reader.refresh_from_db()
    assert reader.is_active


def test_only_the_superuser_resets_a_second_factor(staff, sysadmin, client):
    target = staff("chen", roles.PROJECTS)
    TOTPDevice.objects.create(user=target, name="手机验证器", confirmed=True)
    users = get_user_model().objects.filter(pk=target.pk)

    # the service refuses anyone else
    with pytest.raises(ExplainedRefusal) as error:
        two_factor_reset(users=users, by=sysadmin)
    assert "只能由超级管理员重置" in str(error.value)
    # and the action, posted by hand, does nothing
    client.post(
        url("auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [target.pk]},
    )
    assert TOTPDevice.objects.filter(user=target).exists()


def test_a_role_needing_2fa_waits_until_the_owner_has_changed_the_set_password(
    staff, client
):
    # given: the system administrator makes an account, with a password he knows
    client.force_login(staff("wang", roles.SYSTEM_ADMIN))
    response = client.post(
        url("auth_user_add"),
        {
            "username": "chen",
            "usable_password": "true",
            "password1": "Set-by-wang-2024!",
            "password2": "Set-by-wang-2024!",
        },
    )
    assert response.status_code == 302
    chen = get_user_model().objects.get(username="chen")
    chen.is_staff = True  # 职员状态, ticked on the next page
    chen.save(update_fields=["is_staff"])

    # when: the security administrator gives it a role that unmasks, at once
    client.force_login(staff("zhao", roles.SECURITY_ADMIN))
    projects = Group.objects.get(name=roles.PROJECTS)
    role_page = url("auth_group_change", projects.pk)
    rights = list(projects.permissions.values_list("pk", flat=True))
    response = client.post(
        role_page, {"name": projects.name, "permissions": rights, "members": [chen.pk]}
    )

    # then: refused, saying why; wang cannot log in first and enrol his own phone
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["members"] == [
        "chen 仍在使用管理员设置的密码，且未绑定手机验证器：须本人先登录修改密码，"
        "才能加入须双因素认证的角色（否则设置密码的人可以抢先登录、绑定自己的手机）。"
    ]
    assert not projects.user_set.exists()
    assert f"组 {roles.PROJECTS}" in denied_paths()

    # once chen has changed it himself, the role is given
    owner = client.__class__()
    owner.force_login(chen)
    changed = owner.post(
        reverse("admin:password_change"),
        {
            "old_password": "Set-by-wang-2024!",
            "new_password1": "Only-chen-knows-2024",
            "new_password2": "Only-chen-knows-2024",
        },
    )
    assert changed.status_code == 302
    response = client.post(
        role_page, {"name": projects.name, "permissions": rights, "members": [chen.pk]}
    )
    assert response.status_code == 302
    assert list(projects.user_set.all()) == [chen]


def test_a_group_gaining_an_unmasking_right_refuses_members_not_yet_claimed(
    staff, client
):
    from devzone.accounts.passwords import password_set_by_other

    newcomer = staff("chen")
    password_set_by_other(user=newcomer)
    helpers = Group.objects.create(name="协管员")
    helpers.user_set.add(newcomer)
    client.force_login(staff("zhao", roles.SECURITY_ADMIN))
    unmask = Permission.objects.get(
        content_type__app_label="welfare", codename="view_personal_data"
    )

    response = client.post(
        url("auth_group_change", helpers.pk),
        {"name": "协管员", "permissions": [unmask.pk], "members": [newcomer.pk]},
    )

    assert response.status_code == 200
    assert "chen 仍在使用管理员设置的密码" in response.content.decode()
    assert not helpers.permissions.exists()
