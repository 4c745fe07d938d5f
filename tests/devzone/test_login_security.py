import datetime
import logging

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from devzone.client_ip import client_ip

PASSWORD = "correct-horse-battery"


@pytest.fixture
def staff(db):
    def make(username):
        return get_user_model().objects.create_user(
            username=username, password=PASSWORD, is_staff=True
        )

    return make


def log_in(client, username, password, address="10.1.2.3"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def fail_five_times(client, username, address="10.1.2.3"):
    responses = [log_in(client, username, "wrong-password", address) for _ in range(5)]
    return responses[-1]


# Login throttling


def test_a_wrong_password_shows_the_login_form_again(client, staff):
    staff("alice")

    response = log_in(client, "alice", "wrong-password")

    assert response.status_code == 200
    assert (
        "用户名、密码或动态口令不正确（区分大小写）。再错 4 次，该账号将在本机锁定 30 分钟。"
        in response.content.decode()
    )


def test_the_answer_does_not_tell_a_right_password_of_a_non_staff_account(client, db):
    """An account outside the admin (no is_staff) gets the same refusal for its
    right password as for a wrong one, counted alike: nothing tells them apart."""
    get_user_model().objects.create_user("outsider", password=PASSWORD)

    right = log_in(client, "outsider", PASSWORD).content.decode()
    wrong = log_in(client, "outsider", "wrong-password").content.decode()

    assert "再错 4 次" in right
    assert "再错 3 次" in wrong


def test_the_tries_left_count_down_per_username_and_address(client, staff):
    staff("alice")
    log_in(client, "alice", "wrong-password")

    second = log_in(client, "alice", "wrong-password").content.decode()
    elsewhere = log_in(client, "alice", "wrong-password", "10.9.9.9").content.decode()
    other_name = log_in(client, "nobody", "wrong-password").content.decode()

    assert "再错 3 次" in second
    assert "再错 4 次" in elsewhere
    assert "再错 4 次" in other_name
    assert "请输入一个正确的" not in second


def test_five_failures_lock_the_username_even_with_the_right_password(
    client, staff, caplog
):
    staff("alice")

    with caplog.at_level(logging.WARNING, logger="axes"):
        locked = fail_five_times(client, "alice")

    assert locked.status_code == 429
    page = locked.content.decode()
    assert "账号已锁定" in page
    assert "连续 5 次登录失败" in page
    assert "请联系系统管理员解除锁定" in page
    assert "30 分钟后自动解除" in page
    lockouts = [
        r.getMessage() for r in caplog.records if "Locking out" in r.getMessage()
    ]
    assert lockouts and 'username: "alice"' in lockouts[0]
    assert "10.1.2.3" in lockouts[0] and PASSWORD not in lockouts[0]

    again = log_in(client, "alice", PASSWORD)
    assert again.status_code == 429
    assert "账号已锁定" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_colleague_on_the_same_address_can_still_log_in(client, staff):
    staff("alice")
    staff("bob")
    fail_five_times(client, "alice")

    response = log_in(client, "bob", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_same_user_from_another_address_is_not_locked(client, staff):
    staff("alice")
    fail_five_times(client, "alice", address="10.1.2.3")

    response = log_in(client, "alice", PASSWORD, address="10.9.9.9")

    assert response.status_code == 302


def test_the_administrator_unlocks_a_user_with_the_command(client, staff, capsys):
    staff("alice")
    fail_five_times(client, "alice")

    call_command("axes_reset_username", "alice")

    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert not AccessAttempt.objects.filter(username="alice").exists()


def test_the_lockout_is_listed_in_the_admin(client, admin_client, staff):
    staff("alice")
    fail_five_times(client, "alice")

    page = admin_client.get(reverse("admin:axes_accessattempt_changelist"))

    assert page.status_code == 200
    content = page.content.decode()
    assert "alice" in content and "10.1.2.3" in content
    attempt = AccessAttempt.objects.get(username="alice")
    assert attempt.failures_since_start == 5
    assert AccessFailureLog.objects.filter(username="alice", locked_out=True).exists()


def test_the_lockout_ends_after_the_cool_off(client, staff):
    staff("alice")
    fail_five_times(client, "alice")
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - datetime.timedelta(minutes=31)
    )

    response = log_in(client, "alice", PASSWORD)

    assert response.status_code == 302


def test_forwarded_addresses_count_only_behind_trusted_proxies(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )

    settings.DEVZONE_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"
    settings.DEVZONE_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"
    settings.DEVZONE_TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.1"
    request.META["HTTP_X_FORWARDED_FOR"] = "not-an-address"
    settings.DEVZONE_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "10.0.0.1"


# Passwords


def test_passwords_shorter_than_twelve_characters_are_refused(client, staff):
    alice = staff("alice")
    client.force_login(alice)
    url = reverse("admin:password_change")

    short = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Kx9#mQ2!vL4",
            "new_password2": "Kx9#mQ2!vL4",
        },
    )

    assert short.status_code == 200
    assert "密码长度太短。密码必须包含至少 12 个字符。" in short.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    changed = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Kx9#mQ2!vL4z",
            "new_password2": "Kx9#mQ2!vL4z",
        },
    )
    assert changed.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("Kx9#mQ2!vL4z")


def test_ensure_admin_generates_a_password_that_passes_the_rules(
    db, monkeypatch, tmp_path, capsys, settings
):
    settings.DEBUG = True
    from devzone.management.commands import ensure_admin

    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    monkeypatch.setattr(ensure_admin, "PASSWORD_FILE", tmp_path / ".admin-password")

    call_command("ensure_admin")

    password = (tmp_path / ".admin-password").read_text().strip()
    assert len(password) >= 12
    admin = get_user_model().objects.get(username="admin")
    # As for a new account: the admin now holds it, so it counts as used.
    validate_password(password, get_user_model()(username=admin.username))
    assert f"密码：{password}" in capsys.readouterr().out


def test_ensure_admin_refuses_a_short_password(db, monkeypatch, settings):
    settings.DEBUG = True
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "short-pw")

    with pytest.raises(CommandError) as error:
        call_command("ensure_admin")

    assert "管理员密码不符合要求" in str(error.value)
    assert "12" in str(error.value)
    assert not get_user_model().objects.filter(username="admin").exists()


# Sessions


@pytest.fixture
def clock(monkeypatch):
    """Return a function moving django.utils.timezone.now forward by some minutes."""
    start = timezone.now()

    def advance(minutes):
        moment = start + datetime.timedelta(minutes=minutes)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return advance


def test_a_session_left_idle_for_half_an_hour_ends(client, staff, clock):
    clock(0)
    client.force_login(staff("alice"))
    assert client.get("/admin/").status_code == 200
    clock(29)
    assert client.get("/admin/").status_code == 200

    clock(29 + 30)
    response = client.get("/admin/devzone/community/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/devzone/community/"
    login_page = client.get(response["Location"]).content.decode()
    assert "已有 30 分钟未操作，为保护数据已自动退出，请重新登录。" in login_page
    assert "_auth_user_id" not in client.session


def test_a_session_ends_eight_hours_after_login_however_busy(client, staff, clock):
    clock(0)
    client.force_login(staff("alice"))
    for minutes in range(0, 8 * 60, 20):
        clock(minutes)
        assert client.get("/admin/").status_code == 200

    clock(8 * 60)
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    login_page = client.get(response["Location"]).content.decode()
    assert "登录已超过 8 小时，请重新登录。" in login_page


def test_logging_in_again_starts_a_new_working_day(client, staff, clock):
    staff("alice")
    clock(0)
    assert log_in(client, "alice", PASSWORD).status_code == 302
    clock(8 * 60 + 1)
    client.get("/admin/")  # logged out

    clock(8 * 60 + 2)
    assert log_in(client, "alice", PASSWORD).status_code == 302
    clock(8 * 60 + 25)  # within the idle limit, past the first day
    page = client.get("/admin/")

    assert page.status_code == 200
    assert "工作台" in page.content.decode()


def test_session_and_csrf_cookies_are_secure_without_debug(settings):
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.CSRF_COOKIE_SECURE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_AGE == 8 * 3600


def test_ensure_admin_seeds_no_admin_in_production(db, monkeypatch, settings):
    settings.DEBUG = False
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Long-enough-Passw0rd")

    with pytest.raises(CommandError) as error:
        call_command("ensure_admin")

    assert "createsuperuser" in str(error.value)
    assert not get_user_model().objects.filter(username="admin").exists()


def test_an_overlong_code_does_not_tell_a_right_password(client, staff):
    """A code field too long for its form must not answer differently for a right
    password than for a wrong one."""
    staff("clerk")

    def answer(password):
        response = client.post(
            reverse("admin:login"),
            {"username": "clerk", "password": password, "otp_token": "1" * 40},
            REMOTE_ADDR="10.1.2.3",
        )
        return response

    wrong = answer("wrong-password").content.decode()
    assert "用户名、密码或动态口令不正确" in wrong
    right = answer(PASSWORD)
    # an account without an authenticator logs in (the code is not asked for) ...
    assert right.status_code == 302
    # ... never to a page that tells only "too long"
    assert client.get(reverse("admin:index")).status_code == 200
