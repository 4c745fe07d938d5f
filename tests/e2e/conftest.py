"""Browser tests: the demo data behind a live server, driven by the system's Chromium.

Run with ``make e2e`` (``pytest -m e2e``), which installs Chromium and the CJK fonts
when they are missing. The server and the demo data live for the whole session —
loading the demo takes seconds — so each test adds only rows no other test counts.
"""

import os
import shutil

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import override_settings
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from pytest_django.live_server_helper import LiveServer

from devzone.accounts.two_factor import backup_code_digest, needs_two_factor
from devzone.models import Community, StaffProfile
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS, OFFICE

# Playwright's sync API keeps an event loop in the test's thread; the tests' own
# database reads happen beside it, never inside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "e2e-Password-for-tests"
NEWCOMER = "anquan"
# The browser tests run as production does: the second factor enforced. A user who
# needs one logs in with one of its backup codes, a fresh one each time (a TOTP code
# is accepted once per 30 seconds, and the tests log in more often than that);
# test_two_factor.py enrols an authenticator and logs in with its code.
BACKUP_CODES: dict[str, list[str]] = {}


def give_second_factor(user):
    """Give ``user`` a set of backup codes if it needs a second factor."""
    if not needs_two_factor(user) or user.username in BACKUP_CODES:
        return
    device = StaticDevice.objects.create(user=user, name="e2e", confirmed=True)
    codes = [f"{user.username[:4]}{n:04d}" for n in range(500)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=backup_code_digest(c)) for c in codes
    )
    BACKUP_CODES[user.username] = codes


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            # Asks pytest-django for the test database; the server's own writes
            # are committed by its thread, outside the test's transaction.
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="session")
def site(django_db_setup, django_db_blocker):
    """Return the live server's URL, the demo data and the users loaded."""
    with django_db_blocker.unblock():
        call_command("setup_roles", verbosity=0)
        call_command("seed_demo", verbosity=0)
        User = get_user_model()
        give_second_factor(User.objects.create_superuser("admin", password=PASSWORD))
        # A superuser with no second factor yet (test_two_factor.py enrols one).
        # Made here, committed: a test's own writes stay in its transaction, which
        # the live server's connection does not see on PostgreSQL.
        User.objects.create_superuser(NEWCOMER, password=PASSWORD)
        # The demo's community worker of 高楼社区 (seed_demo), with a password.
        worker, _created = User.objects.get_or_create(username="gaolou")
        worker.set_password(PASSWORD)
        worker.is_staff = True
        worker.save()
        worker.groups.add(Group.objects.get(name="社区工作人员"))
        profile, _created = StaffProfile.objects.get_or_create(
            user=worker, defaults={"department": StaffProfile.Department.COMMUNITY}
        )
        profile.communities.add(Community.objects.get(name="高楼社区"))
    enforced = override_settings(DEVZONE_ENFORCE_2FA=True)
    enforced.enable()
    server = LiveServer("localhost")
    yield server.url
    server.stop()
    enforced.disable()
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make e2e`, which installs it.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, site):
    """Return a fresh tab at office size, in Chinese, that knows the site's URL."""
    context = browser.new_context(
        viewport=OFFICE,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        accept_downloads=True,
        base_url=site,
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def log_in(page, username="admin", password=PASSWORD):
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    if BACKUP_CODES.get(username):
        page.get_by_label("动态口令").fill(BACKUP_CODES[username].pop())
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")
