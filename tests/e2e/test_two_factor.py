"""An administrator enrols an authenticator and logs in with its code."""

import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import NEWCOMER, PASSWORD


@pytest.fixture
def newcomer(site):
    """A superuser with no second factor yet (made with the site, committed)."""
    return NEWCOMER


def test_an_administrator_enrols_an_authenticator_and_logs_in_with_its_code(
    page, newcomer
):
    # given a password-only login: the admin is closed, only enrolment opens
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill(newcomer)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/account/two-factor/")
    expect(page.locator("#qr-code")).to_be_visible()
    page.goto("/admin/welfare/welfarerecipient/")
    page.wait_for_url("**/account/two-factor/")

    # when the secret goes into an authenticator and its code is typed
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    authenticator = pyotp.TOTP(secret)
    page.get_by_label("验证器显示的 6 位数字").fill("000000")
    page.get_by_role("button", name="绑定").click()
    expect(page.locator(".errorlist")).to_contain_text("验证码不正确")
    # django-otp makes each wrong code cost a wait (1 s, 2 s, 4 s …)
    page.wait_for_timeout(1100)
    page.get_by_label("验证器显示的 6 位数字").fill(authenticator.now())
    page.get_by_role("button", name="绑定").click()

    # then ten backup codes are shown, once, and the admin opens
    expect(page.locator("#backup-codes li")).to_have_count(10)
    page.get_by_role("link", name="已保存，进入工作台").click()
    expect(page.locator("h1")).to_contain_text("工作台")

    # and the next login needs the authenticator's code (the next one: each
    # code is accepted once)
    page.locator("#logout-form button").click()
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill(newcomer)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".errornote")).to_contain_text("用户名、密码或动态口令不正确")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("动态口令").fill(authenticator.at(time.time() + 30))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")
    expect(page.locator("h1")).to_contain_text("工作台")
