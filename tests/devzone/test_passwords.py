"""Passwords' lifecycle: strength, no reuse, expiry, a forced change after an
administrator set one, and inactive accounts disabled (devzone.accounts.passwords)."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from devzone.models import PasswordHistory

PASSWORD = "Own-password-2024"


@pytest.fixture
def alice(db):
    return get_user_model().objects.create_user(
        "alice", password=PASSWORD, is_staff=True
    )


def change_password(client, old, new):
    return client.post(
        reverse("admin:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


@pytest.mark.parametrize(
    "password",
    ["alllowercaseletters", "ALLUPPERCASE1234", "lower-and-symbols!", "12345678901234"],
)
def test_a_password_of_fewer_than_three_kinds_of_characters_is_refused(password, db):
    with pytest.raises(ValidationError) as error:
        validate_password(password)

    assert "至少 3 类" in " ".join(error.value.messages)


@pytest.mark.parametrize(
    "password",
    ["Lower-and-Upper", "lower-digits-123", "Upper1234567lower", "密码Strong-中文1"],
)
def test_a_password_of_three_kinds_passes(password, db):
    validate_password(password)


def test_a_short_password_is_refused_however_varied(db):
    with pytest.raises(ValidationError):
        validate_password("Ab1!Ab1!Ab1")


def test_none_of_the_last_five_passwords_may_come_back(client, alice):
    client.force_login(alice)
    passwords = [PASSWORD] + [f"Next-password-{n}" for n in range(1, 6)]
    for old, new in zip(passwords, passwords[1:], strict=False):
        assert change_password(client, old, new).status_code == 302

    # the last five are refused, the sixth back is allowed again
    for reused in passwords[2:]:
        response = change_password(client, passwords[-1], reused)
        assert "不能使用最近 5 次用过的密码" in response.content.decode(), reused
    assert change_password(client, passwords[-1], PASSWORD).status_code == 302
    assert PasswordHistory.objects.filter(user=alice).count() == 5


def test_the_history_keeps_hashes_never_the_password(alice):
    alice.set_password(PASSWORD)
    alice.save()
    row = PasswordHistory.objects.get(user=alice)

    assert PASSWORD not in row.password
    assert row.password == alice.password


@pytest.mark.parametrize("recorded", [True, False], ids=["changed", "never-changed"])
def test_an_expired_password_reaches_only_the_change_page(client, alice, recorded):
    long_ago = timezone.now() - datetime.timedelta(days=91)
    if recorded:
        alice.set_password(PASSWORD)
        alice.save()
        PasswordHistory.objects.filter(user=alice).update(created_at=long_ago)
    get_user_model().objects.filter(pk=alice.pk).update(date_joined=long_ago)
    client.force_login(get_user_model().objects.get(pk=alice.pk))

    for url in [
        "/admin/",
        reverse("admin:devzone_community_changelist"),
        reverse("reports:export_index"),
    ]:
        response = client.get(url)
        assert response["Location"] == reverse("admin:password_change"), url
    page = client.get(reverse("admin:password_change")).content.decode()
    assert "已使用超过 90 天" in page

    assert change_password(client, PASSWORD, "Fresh-password-2025").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_password_set_by_an_administrator_must_be_changed_at_first_login(client, db):
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newcomer",
            "password1": "Given-by-admin-1",
            "password2": "Given-by-admin-1",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    get_user_model().objects.filter(username="newcomer").update(is_staff=True)
    client.logout()

    client.post(
        reverse("admin:login"),
        {"username": "newcomer", "password": "Given-by-admin-1"},
    )

    response = client.get("/admin/")
    assert response["Location"] == reverse("admin:password_change")
    page = client.get(reverse("admin:password_change")).content.decode()
    assert "由管理员设置" in page
    # the same password again is no change
    same = change_password(client, "Given-by-admin-1", "Given-by-admin-1")
    assert same.status_code == 200
    assert (
        change_password(client, "Given-by-admin-1", "My-own-secret-99").status_code
        == 302
    )
    assert client.get("/admin/").status_code == 200


def test_a_reset_by_an_administrator_forces_a_change_and_ones_own_does_not(
    client, alice
):
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[alice.pk]),
        {"password1": "Reset-by-admin-7", "password2": "Reset-by-admin-7"},
    )
    assert response.status_code == 302
    own = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": "Root-own-new-77", "password2": "Root-own-new-77"},
    )
    assert own.status_code == 302

    assert PasswordHistory.objects.filter(user=alice).first().set_by_other
    assert not PasswordHistory.objects.filter(user=root).first().set_by_other
    client.force_login(get_user_model().objects.get(pk=alice.pk))
    assert client.get("/admin/")["Location"] == reverse("admin:password_change")


def test_a_tampered_change_without_the_old_password_changes_nothing(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("admin:password_change"),
        {"new_password1": "Sneaky-new-pass1", "new_password2": "Sneaky-new-pass1"},
    )

    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_accounts_unused_for_ninety_days_are_disabled(db):
    User = get_user_model()
    long_ago = timezone.now() - datetime.timedelta(days=91)
    idle = User.objects.create_user("idle", last_login=long_ago)
    never = User.objects.create_user("never")
    User.objects.filter(pk=never.pk).update(date_joined=long_ago)
    recent = User.objects.create_user("recent", last_login=timezone.now())
    root = User.objects.create_superuser("root", password=PASSWORD, last_login=long_ago)
    out = io.StringIO()

    call_command("disable_inactive_accounts", "--dry-run", stdout=out)
    assert User.objects.get(pk=idle.pk).is_active
    call_command("disable_inactive_accounts", stdout=out)

    assert not User.objects.get(pk=idle.pk).is_active
    assert not User.objects.get(pk=never.pk).is_active
    assert User.objects.get(pk=recent.pk).is_active
    assert User.objects.get(pk=root.pk).is_active  # the break-glass account stays
    text = out.getvalue()
    assert "已停用 2 个超过 90 天未登录的账号" in text
    assert "超级管理员 root" in text


@pytest.mark.parametrize(
    "unit, command",
    [
        ("devzone-disable-inactive", "disable_inactive_accounts"),
        ("devzone-clearsessions", "clearsessions"),
    ],
)
def test_the_daily_timers_run_the_commands_their_services_name(unit, command):
    from pathlib import Path

    from django.core.management import get_commands

    service = Path(f"deploy/{unit}.service").read_text()
    timer = Path(f"deploy/{unit}.timer").read_text()

    assert f"ExecStart=/srv/devzone/.venv/bin/python manage.py {command}\n" in service
    assert command in get_commands()
    assert "Type=oneshot" in service
    assert "OnCalendar=*-*-* " in timer and "Persistent=true" in timer
