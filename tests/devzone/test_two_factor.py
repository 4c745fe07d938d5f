"""The second factor: who needs one, enrolling, logging in with a code or a backup
code, and what a password alone reaches (devzone.accounts.two_factor)."""

import contextlib
import re

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from devzone.accounts.two_factor import (
    backup_codes_renew,
    needs_two_factor,
    two_factor_reset,
)

PASSWORD = "Correct-horse-battery-9"


@pytest.fixture(autouse=True)
def enforced(settings):
    settings.DEVZONE_ENFORCE_2FA = True
    settings.DEVZONE_REQUIRE_2FA = False


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", password=PASSWORD)


def code_of(device, offset=0):
    return str(
        totp(
            device.bin_key,
            step=device.step,
            t0=device.t0 - offset * device.step,
            digits=device.digits,
        )
    ).zfill(device.digits)


def enrolled(user):
    device = TOTPDevice.objects.create(user=user, name="手机", confirmed=True)
    return device, backup_codes_renew(user=user)


def log_in(client, username, code="", password=PASSWORD):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "otp_token": code},
        REMOTE_ADDR="10.1.2.3",
    )


def admin_urls():
    """Return the index, every list and add page, the reports and the desk."""
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model in admin.site._registry:
        for view in ("changelist", "add"):
            with contextlib.suppress(NoReverseMatch):
                urls.append(
                    reverse(
                        f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
                    )
                )
    urls += [
        reverse("reports:export_index"),
        reverse("reports:annual"),
        reverse("desk:notices"),
    ]
    return urls


# Who needs a second factor


def test_administrators_and_unmaskers_need_a_second_factor_and_clerks_do_not(
    make_staff, superuser, settings
):
    clerk = make_staff("welfare.view_welfarerecipient", username="clerk")
    unmasker = make_staff("welfare.view_personal_data", username="unmasker")
    accounts = make_staff("auth.change_user", username="accounts")
    roles = make_staff("auth.change_group", username="roles")

    assert not needs_two_factor(clerk)
    assert needs_two_factor(unmasker)
    assert needs_two_factor(accounts)
    assert needs_two_factor(roles)
    assert needs_two_factor(superuser)

    settings.DEVZONE_REQUIRE_2FA = True
    assert needs_two_factor(get_user_model().objects.get(pk=clerk.pk))


def test_the_audit_administrator_needs_a_second_factor(make_staff):
    # who reads every login, address and refusal administers too
    auditor = make_staff("devzone.view_auditevent", username="auditor")

    assert needs_two_factor(auditor)


# A password alone


def test_a_password_alone_reaches_no_admin_page_only_the_enrolment(client, superuser):
    response = log_in(client, "root")
    assert response.status_code == 302

    for url in admin_urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("two_factor_setup"), url
    # nor by POST
    response = client.post(reverse("admin:auth_user_add"), {"username": "x"})
    assert response["Location"] == reverse("two_factor_setup")
    assert get_user_model().objects.filter(username="x").count() == 0


def test_a_clerk_who_needs_no_second_factor_logs_in_with_a_password(client, make_staff):
    make_staff("welfare.view_welfarerecipient", username="clerk")
    clerk = get_user_model().objects.get(username="clerk")
    clerk.set_password(PASSWORD)
    clerk.save()

    log_in(client, "clerk")

    assert client.get(reverse("admin:index")).status_code == 200


def test_without_enforcement_a_password_is_enough(client, superuser, settings):
    settings.DEVZONE_ENFORCE_2FA = False
    log_in(client, "root")

    assert client.get(reverse("admin:index")).status_code == 200


# Enrolling


def test_enrolment_shows_a_qr_code_and_the_secret_then_backup_codes_once(
    client, superuser
):
    log_in(client, "root")

    page = client.get(reverse("two_factor_setup")).content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    assert "必须启用双因素认证" in page
    device = TOTPDevice.objects.get(user=superuser, confirmed=False)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    assert len(secret.replace(" ", "")) == 32
    # no external service draws the code
    assert "http" not in page.split('id="qr-code"')[1].split(">")[0].split("base64,")[0]

    response = client.post(reverse("two_factor_setup"), {"code": code_of(device)})

    page = response.content.decode()
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", page)
    assert len(codes) == 10
    assert "只显示这一次" in page
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("admin:index")).status_code == 200
    # shown once: the page now offers new ones and shows none of these
    again = client.get(reverse("two_factor_setup")).content.decode()
    assert not any(code in again for code in codes)
    assert "重新生成备用码" in again


def test_the_enrolment_instructions_read_in_chinese(client, superuser):
    # the page a clerk-turned-administrator meets first names no product in English
    log_in(client, "root")

    page = client.get(reverse("two_factor_setup")).content.decode()
    content = page.split('id="content-main"')[1].split(">", 1)[1].split("密钥")[0]
    text = re.sub(r"<[^>]+>", " ", content)
    assert "身份验证器" in text
    assert re.findall(r"[A-Za-z]{2,}", text) == []


def test_a_wrong_enrolment_code_is_refused_in_chinese_and_enrols_nothing(
    client, superuser
):
    log_in(client, "root")
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=superuser)

    first = client.post(reverse("two_factor_setup"), {"code": "000000"})
    assert "验证码不正确" in first.content.decode()
    for wrong in ["000000", "", "1" * 40, "abc", code_of(device)]:
        response = client.post(reverse("two_factor_setup"), {"code": wrong})
        assert response.status_code == 200
        page = response.content.decode()
        assert 'class="errorlist' in page or 'class="errornote"' in page, wrong

    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=superuser).exists()
    assert client.get(reverse("admin:index"))["Location"] == reverse("two_factor_setup")


def test_a_password_only_session_cannot_replace_an_enrolled_device(client, superuser):
    device, _codes = enrolled(superuser)
    # a session that skipped the code (one from before enforcement)
    client.force_login(superuser)

    assert client.get(reverse("two_factor_setup")).status_code in (302, 403)
    response = client.post(reverse("two_factor_setup"), {"code": "123456"})
    assert response.status_code in (302, 403)
    assert list(TOTPDevice.objects.filter(user=superuser)) == [device]
    # and reaches no admin page: it is logged out
    assert client.get(reverse("admin:index")).status_code == 302
    assert "_auth_user_id" not in client.session


# Logging in with a device


def test_a_device_holder_needs_the_code_and_the_answer_hides_which_part_was_wrong(
    client, superuser
):
    device, _codes = enrolled(superuser)

    no_code = log_in(client, "root").content.decode()
    wrong_code = log_in(client, "root", "000000").content.decode()
    wrong_password = log_in(
        client, "root", code_of(device), password="nope"
    ).content.decode()

    for page in (no_code, wrong_code, wrong_password):
        assert "用户名、密码或动态口令不正确" in page
    assert "再错 2 次" in wrong_password  # each counted by django-axes
    assert client.get(reverse("admin:index")).status_code == 302


def test_five_wrong_codes_lock_the_username_like_wrong_passwords(client, superuser):
    device, _codes = enrolled(superuser)
    for _i in range(5):
        response = log_in(client, "root", "000000")

    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert AccessAttempt.objects.get(username="root").failures_since_start == 5
    # now even the right code is refused until the lock ends
    assert log_in(client, "root", code_of(device)).status_code == 429


def test_the_right_code_logs_in_and_reaches_the_admin(client, superuser):
    device, _codes = enrolled(superuser)

    response = log_in(client, "root", code_of(device))

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_a_code_is_accepted_once(client, superuser):
    device, _codes = enrolled(superuser)
    code = code_of(device)
    log_in(client, "root", code)
    client.post(reverse("admin:logout"))

    response = log_in(client, "root", code)

    assert "用户名、密码或动态口令不正确" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_backup_code_logs_in_once_and_is_then_gone(client, superuser):
    _device, codes = enrolled(superuser)

    log_in(client, "root", codes[0])
    assert client.get(reverse("admin:index")).status_code == 200
    client.post(reverse("admin:logout"))

    replayed = log_in(client, "root", codes[0])
    assert "用户名、密码或动态口令不正确" in replayed.content.decode()
    assert StaticToken.objects.filter(device__user=superuser).count() == 9


def test_someone_elses_backup_code_does_not_open_an_account(client, superuser):
    enrolled(superuser)
    other = get_user_model().objects.create_superuser("other", password=PASSWORD)
    _device, other_codes = enrolled(other)

    response = log_in(client, "root", other_codes[0])

    assert "用户名、密码或动态口令不正确" in response.content.decode()


def test_renewing_backup_codes_voids_the_old_ones(client, superuser):
    device, old = enrolled(superuser)
    log_in(client, "root", code_of(device))

    page = client.post(
        reverse("two_factor_setup"), {"action": "renew"}
    ).content.decode()

    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    client.post(reverse("admin:logout"))
    assert "动态口令不正确" in log_in(client, "root", old[1]).content.decode()


def test_the_login_form_asks_for_the_code_in_chinese(client, db):
    page = client.get(reverse("admin:login")).content.decode()

    assert "动态口令" in page
    assert 'autocomplete="one-time-code"' in page


def test_permission_given_later_sends_a_logged_in_clerk_to_enrol(client, make_staff):
    clerk = make_staff("welfare.view_welfarerecipient", username="clerk")
    clerk.set_password(PASSWORD)
    clerk.save()
    log_in(client, "clerk")
    assert client.get(reverse("admin:index")).status_code == 200

    clerk.user_permissions.add(
        Permission.objects.get(
            codename="view_personal_data", content_type__app_label="welfare"
        )
    )

    assert client.get(reverse("admin:index"))["Location"] == reverse("two_factor_setup")


def test_quick_retries_after_a_wrong_enrolment_code_are_told_to_wait(client, superuser):
    log_in(client, "root")
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=superuser)
    client.post(reverse("two_factor_setup"), {"code": "000000"})

    response = client.post(reverse("two_factor_setup"), {"code": code_of(device)})

    assert "错误次数过多，请 1 秒后再试。" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_only_a_superuser_resets_a_lost_phone(client, superuser, make_staff):
    victim = get_user_model().objects.create_superuser("victim", password=PASSWORD)
    enrolled(victim)
    accounts = make_staff("auth.change_user", "auth.view_user", username="accounts")
    accounts.set_password(PASSWORD)
    accounts.save()
    _device, accounts_codes = enrolled(accounts)
    changelist = reverse("admin:auth_user_changelist")
    action = {"action": "reset_two_factor", "_selected_action": [victim.pk]}

    log_in(client, "accounts", accounts_codes[0])
    assert "重置双因素认证" not in client.get(changelist).content.decode()
    client.post(changelist, action)
    assert TOTPDevice.objects.filter(user=victim).exists()

    device, _codes = enrolled(superuser)
    log_in(client, "root", code_of(device))
    assert "重置双因素认证" in client.get(changelist).content.decode()
    client.post(changelist, action)
    assert not TOTPDevice.objects.filter(user=victim).exists()
    assert not StaticDevice.objects.filter(user=victim).exists()


def test_a_reset_ends_the_sessions_the_lost_phone_verified(superuser):
    # given: the victim logged in with the phone, on two browsers
    victim = get_user_model().objects.create_superuser("victim", password=PASSWORD)
    device, codes = enrolled(victim)
    phones = [Client(), Client()]
    for browser, code in zip(phones, [code_of(device), codes[0]], strict=True):
        log_in(browser, "victim", code)
        assert browser.get(reverse("admin:index")).status_code == 200
    bystander = Client()
    bystander_device, _codes = enrolled(superuser)
    log_in(bystander, "root", code_of(bystander_device))

    # when: the superuser resets the victim's second factor
    two_factor_reset(users=get_user_model().objects.filter(pk=victim.pk), by=superuser)

    # then: both of the victim's sessions are over; nobody else's is
    for browser in phones:
        response = browser.get(reverse("admin:index"))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
    assert bystander.get(reverse("admin:index")).status_code == 200


def test_an_unenrolled_session_may_still_log_in_as_someone_else(client, superuser):
    log_in(client, "root")
    other = get_user_model().objects.create_superuser("other", password=PASSWORD)
    _device, codes = enrolled(other)

    log_in(client, "other", codes[0])

    assert client.get(reverse("admin:index")).status_code == 200


def test_backup_codes_are_not_stored_in_clear(client, superuser):
    """A copy of the database must not hand out working backup codes."""
    _device, codes = enrolled(superuser)

    stored = set(
        StaticToken.objects.filter(device__user=superuser).values_list(
            "token", flat=True
        )
    )

    assert len(stored) == 10
    assert not stored & set(codes)
    assert not stored & {code.upper() for code in codes}
    # the code still opens the account once, typed in either case
    log_in(client, "root", codes[3].upper())
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_secret_shown_to_another_session_is_not_the_one_enrolled(superuser):
    """Someone who had the password and opened the enrolment page first must not
    learn the secret of the authenticator the user then enrols."""
    from django.test import Client

    snooper, owner = Client(), Client()
    log_in(snooper, "root")
    seen = re.search(
        r'id="totp-secret">([A-Z2-7 ]+)<',
        snooper.get(reverse("two_factor_setup")).content.decode(),
    ).group(1)

    log_in(owner, "root")
    page = owner.get(reverse("two_factor_setup")).content.decode()
    shown = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    assert shown != seen
    device = TOTPDevice.objects.get(user=superuser, confirmed=False)
    owner.post(reverse("two_factor_setup"), {"code": code_of(device)})

    device.refresh_from_db()
    assert device.confirmed
    assert TOTPDevice.objects.filter(user=superuser).count() == 1
    assert snooper.get(reverse("admin:index")).status_code == 302


def test_a_password_alone_reaches_no_data_endpoint(client, superuser):
    """Besides the pages: the person page, photos, import progress and mapping, the
    export centre's files and the admin's autocomplete answer with the enrolment."""
    log_in(client, "root")
    key = "00000000-0000-0000-0000-000000000000"
    for method, path in [
        ("get", reverse("desk:person", args=["x"])),
        ("get", reverse("desk:person_find") + "?q=110101199003071234"),
        ("get", f"/photos/welfare.welfarerecipient/{key}/full.jpg"),
        (
            "get",
            reverse("admin:welfare_welfarerecipient_import_progress", args=["x"]),
        ),
        ("get", reverse("admin:autocomplete") + "?app_label=auth&model_name=user"),
        ("get", reverse("reports:export_history")),
        ("post", reverse("import_mapping")),
        ("post", reverse("import_cancel")),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("two_factor_setup"), path
