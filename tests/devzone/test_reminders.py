"""send_reminders: in-app notices, email only where configured, never twice."""

import datetime
import subprocess
import sys

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from benchmarks.browser import ROOT, database_url, server_environment
from devzone.desk.reminders import notice_create, reminders_send
from devzone.models import Notice
from tests.governance.factories import EnvironmentalCaseFactory

PERMS = ("governance.view_environmentalcase",)


@pytest.fixture
def overdue_case(db):
    today = timezone.localdate()
    return EnvironmentalCaseFactory(
        opened_on=today - datetime.timedelta(days=20),
        deadline=today - datetime.timedelta(days=5),
    )


def test_reminders_write_one_notice_per_user_with_something_due(
    overdue_case, make_staff
):
    # given: one user who can see the case, one who cannot
    clerk = make_staff(*PERMS, username="clerk")
    make_staff("welfare.view_welfarerecipient", username="nothing-due")
    # when
    counts = reminders_send()
    # then
    notice = Notice.objects.get()
    assert notice.user == clerk
    assert notice.title == "我的待办：1 项需要处理"
    assert "逾期未办结的案件：1" in notice.body
    assert notice.url == "/admin/"
    assert counts.created == 1


def test_running_twice_creates_no_duplicate(overdue_case, make_staff, capsys):
    make_staff(*PERMS)
    call_command("send_reminders")
    call_command("send_reminders")
    assert Notice.objects.count() == 1
    output = capsys.readouterr().out
    assert "新通知 1 条" in output and "已有 1 条" in output


def test_a_second_insert_of_the_same_notice_reads_the_first(db, make_staff):
    user = make_staff()
    first, created = notice_create(user=user, key="todo:2026-12-06", title="a")
    again, created_again = notice_create(user=user, key="todo:2026-12-06", title="b")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.title == "a"


def test_no_email_without_a_mail_server(overdue_case, make_staff):
    user = make_staff(*PERMS)
    user.email = "clerk@example.gov.cn"
    user.save()
    reminders_send()
    assert mail.outbox == []
    assert Notice.objects.get().emailed_at is None


@override_settings(DEVZONE_EMAIL_ENABLED=True)
def test_email_once_where_a_mail_server_is_configured(overdue_case, make_staff):
    user = make_staff(*PERMS)
    user.email = "clerk@example.gov.cn"
    user.save()
    make_staff(*PERMS, username="no-address")
    reminders_send()
    reminders_send()
    assert [message.to for message in mail.outbox] == [["clerk@example.gov.cn"]]
    assert mail.outbox[0].subject == "我的待办：1 项需要处理"
    assert Notice.objects.get(user=user).emailed_at is not None


def test_a_new_day_is_a_new_notice(overdue_case, make_staff):
    make_staff(*PERMS)
    today = timezone.localdate()
    reminders_send(on=today)
    reminders_send(on=today + datetime.timedelta(days=1))
    assert Notice.objects.count() == 2


def test_the_notice_list_shows_unread_and_marks_read(client, overdue_case, make_staff):
    user = make_staff(*PERMS)
    reminders_send()
    client.force_login(user)
    index = client.get("/admin/").content.decode()
    assert 'aria-label="1 条未读"' in index
    page = client.get("/desk/notices/")
    assert page.context["unread"] == 1
    assert "我的待办：1 项需要处理" in page.content.decode()
    client.post("/desk/notices/read/", {"pk": Notice.objects.get().pk})
    assert Notice.objects.unread().count() == 0
    assert '条未读"' not in client.get("/admin/").content.decode()


def test_a_user_cannot_mark_anothers_notice(client, overdue_case, make_staff):
    make_staff(*PERMS, username="owner")
    reminders_send()
    client.force_login(make_staff(username="other"))
    client.post("/desk/notices/read/", {"pk": Notice.objects.get().pk})
    assert Notice.objects.unread().count() == 1
    assert client.get("/desk/notices/").context["unread"] == 0


def test_two_servers_at_once_create_one_notice(transactional_db, make_staff):
    if connection.vendor != "postgresql":
        pytest.skip("Another process cannot open SQLite's in-memory test database.")
    today = timezone.localdate()
    EnvironmentalCaseFactory(
        opened_on=today - datetime.timedelta(days=20),
        deadline=today - datetime.timedelta(days=5),
    )
    for n in range(5):
        make_staff(*PERMS, username=f"clerk{n}")
    env = server_environment(DATABASE_URL=database_url(connection.settings_dict))
    command = [sys.executable, "manage.py", "send_reminders"]
    runs = [subprocess.Popen(command, cwd=ROOT, env=env) for _ in range(2)]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    assert Notice.objects.count() == 5


@pytest.mark.parametrize("pk", ["abc", "9" * 40, "١", ""])
def test_a_junk_notice_key_marks_nothing(client, overdue_case, make_staff, pk):
    user = make_staff(*PERMS)
    reminders_send()
    client.force_login(user)
    response = client.post("/desk/notices/read/", {"pk": pk})
    assert response.status_code == 302
    assert Notice.objects.unread().count() == 1


def test_all_notices_are_marked_read_at_once(client, overdue_case, make_staff):
    user = make_staff(*PERMS)
    reminders_send()
    reminders_send(on=timezone.localdate() + datetime.timedelta(days=1))
    client.force_login(user)
    client.post("/desk/notices/read/")
    assert Notice.objects.unread().count() == 0
