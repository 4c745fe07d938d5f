"""三员分立 held apart: one person holds one of the three administrators' duties at
most, one group carries one at most, and the superuser holds none — on the admin's
forms (a Chinese error, nothing saved, a security event) and on every other path."""

import functools
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from devzone import roles
from devzone.accounts.separation import DUTIES
from devzone.models import AuditEvent

PASSWORD = "Separate-duties-2024"
SEPARATE = "系统管理员、安全管理员和审计管理员须由不同的人担任"
MERGED = "一个组只能承担系统管理员、安全管理员和审计管理员中的一种职责"


@pytest.fixture
def staff(role_staff):
    """Return a function making a staff account holding the named roles."""
    return functools.partial(role_staff, password=PASSWORD)


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


def permission(name):
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def role(name):
    return Group.objects.get(name=name)


def names(user):
    return sorted(user.groups.values_list("name", flat=True))


def refusals():
    return list(
        AuditEvent.objects.filter(action=AuditEvent.Action.DENIED)
        .order_by("pk")
        .values_list("target", "result")
    )


def user_form(user, **changes):
    """Return the superuser's change form for ``user`` as the page would post it."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on",
        "groups": list(user.groups.values_list("pk", flat=True)),
        "user_permissions": list(user.user_permissions.values_list("pk", flat=True)),
        "date_joined_0": "2024-01-01",
        "date_joined_1": "08:00:00",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def group_form(group, **changes):
    data = {
        "name": group.name,
        "permissions": list(group.permissions.values_list("pk", flat=True)),
        "members": list(group.user_set.values_list("pk", flat=True)),
    }
    data.update(changes)
    return data


def test_the_declared_roles_carry_one_duty_each_and_only_the_three_carry_any():
    for name, permissions in roles.ROLES.items():
        carried = [duty for duty, held in DUTIES.items() if permissions & held]
        expected = [name] if name in DUTIES else []
        assert carried == expected, name


# The user form (the superuser's: nobody else's carries groups)


def test_the_user_form_refuses_two_of_the_three_roles_for_one_person(staff, client):
    # given: the system administrator, and the superuser at the user form
    sysadmin = staff("wang", roles.SYSTEM_ADMIN, first_name="王")
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)

    # when: the superuser also makes him the audit administrator
    response = client.post(
        url("auth_user_change", sysadmin.pk),
        user_form(
            sysadmin,
            groups=[role(roles.SYSTEM_ADMIN).pk, role(roles.AUDIT_ADMIN).pk],
        ),
    )

    # then: the form says why, on the 组 field, and nothing was saved
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["groups"] == [
        f"{SEPARATE}：王（wang） 将同时担任系统管理员和审计管理员。"
    ]
    assert SEPARATE in response.content.decode()
    assert names(sysadmin) == [roles.SYSTEM_ADMIN]
    assert [result for _target, result in refusals()] == [errors["groups"][0]]


def test_a_duty_given_as_a_permission_of_the_user_counts_too(staff, client):
    sysadmin = staff("wang", roles.SYSTEM_ADMIN)
    client.force_login(get_user_model().objects.create_superuser("root", PASSWORD))

    response = client.post(
        url("auth_user_change", sysadmin.pk),
        user_form(
            sysadmin, user_permissions=[permission("devzone.view_auditevent").pk]
        ),
    )

    assert response.status_code == 200
    assert SEPARATE in response.context["adminform"].form.errors["groups"][0]
    assert not sysadmin.user_permissions.exists()


def test_the_superuser_holds_none_of_the_three_roles(staff, client):
    security = staff("zhao", roles.SECURITY_ADMIN)
    client.force_login(get_user_model().objects.create_superuser("root", PASSWORD))

    # making a role holder a superuser
    response = client.post(
        url("auth_user_change", security.pk), user_form(security, is_superuser="on")
    )
    assert response.status_code == 200
    assert (
        "超级管理员是应急账号" in response.context["adminform"].form.errors["groups"][0]
    )
    security.refresh_from_db()
    assert not security.is_superuser
    # and from the shell
    root = get_user_model().objects.get(username="root")
    with pytest.raises(ValidationError), transaction.atomic():
        root.groups.add(role(roles.AUDIT_ADMIN))
    assert not root.groups.exists()


def test_trading_one_role_for_another_in_one_save_is_allowed(staff, client):
    """The old role goes before the new one comes: no step holds both."""
    moved = staff("li", roles.SYSTEM_ADMIN)
    client.force_login(get_user_model().objects.create_superuser("root", PASSWORD))

    response = client.post(
        url("auth_user_change", moved.pk),
        user_form(moved, groups=[role(roles.AUDIT_ADMIN).pk]),
    )

    assert response.status_code == 302
    assert names(moved) == [roles.AUDIT_ADMIN]


# The role's page (the security administrator's)


def test_the_role_page_refuses_a_member_who_holds_another_of_the_three(staff, client):
    # given: the system administrator, and the security administrator at the
    # audit administrator's role
    sysadmin = staff("wang", roles.SYSTEM_ADMIN, first_name="王")
    auditor = staff("sun", roles.AUDIT_ADMIN)
    client.force_login(staff("zhao", roles.SECURITY_ADMIN))
    audit = role(roles.AUDIT_ADMIN)

    # when: he adds the system administrator to it (the picker offers everyone)
    response = client.post(
        url("auth_group_change", audit.pk),
        group_form(audit, members=[auditor.pk, sysadmin.pk]),
    )

    # then: refused on the members, in Chinese; the role is as it was
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["members"] == [
        f"{SEPARATE}：王（wang） 将同时担任系统管理员和审计管理员。"
    ]
    assert list(audit.user_set.all()) == [auditor]
    assert names(sysadmin) == [roles.SYSTEM_ADMIN]
    assert refusals() == [(f"组 {audit.name}", errors["members"][0])]


def test_the_security_administrator_cannot_join_a_second_role_either(staff, client):
    me = staff("zhao", roles.SECURITY_ADMIN)
    client.force_login(me)
    audit = role(roles.AUDIT_ADMIN)

    response = client.post(
        url("auth_group_change", audit.pk), group_form(audit, members=[me.pk])
    )

    assert response.status_code == 200
    assert SEPARATE in response.context["adminform"].form.errors["members"][0]
    assert names(me) == [roles.SECURITY_ADMIN]


def test_no_group_merges_the_powers_of_two_of_the_three(staff, client):
    """The security administrator cannot hand the system administrator's role the
    security log, nor make a new role out of accounts and logs."""
    sysadmin = staff("wang", roles.SYSTEM_ADMIN)
    client.force_login(staff("zhao", roles.SECURITY_ADMIN))
    system = role(roles.SYSTEM_ADMIN)
    before = set(system.permissions.all())
    log = permission("devzone.view_auditevent")

    response = client.post(
        url("auth_group_change", system.pk),
        group_form(system, permissions=[*[p.pk for p in before], log.pk]),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["permissions"] == [
        f"{MERGED}：这些权限会使“系统管理员”同时承担系统管理员和审计管理员的职责。"
    ]
    assert set(system.permissions.all()) == before
    sysadmin = get_user_model().objects.get(pk=sysadmin.pk)
    assert not sysadmin.has_perm("devzone.view_auditevent")

    response = client.post(
        url("auth_group_add"),
        {
            "name": "账号和日志",
            "permissions": [permission("auth.change_user").pk, log.pk],
            "members": [],
        },
    )
    assert response.status_code == 200
    assert MERGED in response.content.decode()
    assert not Group.objects.filter(name="账号和日志").exists()


def test_a_group_of_another_name_carrying_a_duty_counts(staff, client):
    sysadmin = staff("wang", roles.SYSTEM_ADMIN)
    client.force_login(staff("zhao", roles.SECURITY_ADMIN))

    response = client.post(
        url("auth_group_add"),
        {
            "name": "日志查看",
            "permissions": [permission("devzone.view_auditevent").pk],
            "members": [sysadmin.pk],
        },
    )

    assert response.status_code == 200
    assert SEPARATE in response.context["adminform"].form.errors["members"][0]
    assert not Group.objects.filter(name="日志查看").exists()


def test_moving_a_duty_off_a_member_in_one_save_is_allowed(staff, client):
    """Who leaves goes before the new rights come: no step holds two."""
    sysadmin = staff("wang", roles.SYSTEM_ADMIN)
    reader = staff("qian")
    readers = Group.objects.create(name="日志查看")
    readers.user_set.add(sysadmin, reader)
    client.force_login(staff("zhao", roles.SECURITY_ADMIN))

    response = client.post(
        url("auth_group_change", readers.pk),
        group_form(
            readers,
            permissions=[permission("devzone.view_auditevent").pk],
            members=[reader.pk],
        ),
    )

    assert response.status_code == 302
    assert list(readers.user_set.all()) == [reader]
    assert list(readers.permissions.all()) == [permission("devzone.view_auditevent")]


# Every other path: the shell, commands, demo data


def test_the_database_refuses_two_duties_whichever_side_adds_them(staff):
    sysadmin = staff("wang", roles.SYSTEM_ADMIN)
    log = permission("devzone.view_auditevent")
    readers = Group.objects.create(name="日志查看")
    readers.user_set.add(sysadmin)
    attempts = [
        lambda: sysadmin.groups.add(role(roles.AUDIT_ADMIN)),
        lambda: role(roles.SECURITY_ADMIN).user_set.add(sysadmin),
        lambda: sysadmin.user_permissions.add(log),
        lambda: log.user_set.add(sysadmin),
        lambda: readers.permissions.add(log),
        lambda: log.group_set.add(readers),
        lambda: role(roles.SYSTEM_ADMIN).permissions.add(log),
    ]

    for attempt in attempts:
        with pytest.raises(ValidationError) as error, transaction.atomic():
            attempt()
        assert "须由不同的人担任" in str(error.value) or MERGED in str(error.value)

    sysadmin = get_user_model().objects.get(pk=sysadmin.pk)
    assert names(sysadmin) == sorted([roles.SYSTEM_ADMIN, "日志查看"])
    assert not sysadmin.has_perm("devzone.view_auditevent")
    assert not sysadmin.has_perm("auth.change_group")


def test_setup_roles_refuses_to_give_a_member_a_second_duty(staff):
    # given: an audit group made by hand, empty, holding the system administrator
    audit = role(roles.AUDIT_ADMIN)
    audit.permissions.clear()
    sysadmin = staff("wang", roles.SYSTEM_ADMIN, roles.AUDIT_ADMIN)

    # when / then: restoring the declared rights would give him two duties
    with pytest.raises(CommandError) as error:
        call_command("setup_roles", stdout=io.StringIO())
    assert SEPARATE in str(error.value)
    assert not audit.permissions.exists()
    assert (
        not get_user_model()
        .objects.get(pk=sysadmin.pk)
        .has_perm("devzone.view_auditevent")
    )


def test_ensure_admin_does_not_make_a_role_holder_the_superuser(
    staff, monkeypatch, settings
):
    settings.DEBUG = True
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Break-glass-2024!")
    holder = staff("admin", roles.AUDIT_ADMIN)

    with pytest.raises(CommandError) as error:
        call_command("ensure_admin", stdout=io.StringIO())

    assert "超级管理员是应急账号" in str(error.value)
    holder.refresh_from_db()
    assert not holder.is_superuser
