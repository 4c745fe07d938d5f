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
from pytest_django.live_server_helper import LiveServer

from devzone.models import Community, StaffProfile
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS, OFFICE

# Playwright's sync API keeps an event loop in the test's thread; the tests' own
# database reads happen beside it, never inside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "e2e-password-for-tests"


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
        User.objects.create_superuser("admin", password=PASSWORD)
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
    server = LiveServer("localhost")
    yield server.url
    server.stop()
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
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")
