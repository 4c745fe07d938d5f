import datetime
import json
import socket

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from devzone.append_only import install_triggers, uninstall_triggers
from devzone.audit_seal import seal_pending
from devzone.models import AuditEvent
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def logs_of_yesterday():
    CommunityFactory(name="某村")
    AuditEvent.objects.create(username="clerk", action="login", client_ip="10.0.0.1")
    seal_pending()
    # Dated back by the owner, past the triggers, as only a test would.
    noon = timezone.make_aware(
        datetime.datetime.combine(yesterday(), datetime.time(12))
    )
    uninstall_triggers()
    with connection.cursor() as cursor:
        for table, column in [
            ("devzone_auditevent", "created_at"),
            ("devzone_auditseal", "created_at"),
            ("devzone_historicalcommunity", "history_date"),
        ]:
            cursor.execute(
                f"UPDATE {table} SET {column} = %s",
                [connection.ops.adapt_datetimefield_value(noon)],
            )
    install_triggers()


def test_a_day_is_exported_once_as_json_lines(logs_of_yesterday, tmp_path):
    # when
    call_command("export_audit", "--to", str(tmp_path))
    # then
    path = tmp_path / f"devzone-audit-{yesterday().isoformat()}.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    tables = {line["table"] for line in lines}
    assert {"devzone_auditevent", "devzone_historicalcommunity"} <= tables
    assert "devzone_auditseal" in tables
    event = next(line for line in lines if line["table"] == "devzone_auditevent")
    assert (event["row"]["username"], event["row"]["client_ip"]) == (
        "clerk",
        "10.0.0.1",
    )
    assert path.stat().st_mode & 0o777 == 0o440
    # and a second run refuses to write over it
    with pytest.raises(CommandError, match="已存在，不覆盖"):
        call_command("export_audit", "--to", str(tmp_path))
    assert len(path.read_text().splitlines()) == len(lines)


def test_today_is_not_exported_before_it_ends(tmp_path):
    with pytest.raises(CommandError, match="已经过完"):
        call_command(
            "export_audit",
            "--since",
            timezone.localdate().isoformat(),
            "--until",
            timezone.localdate().isoformat(),
            "--to",
            str(tmp_path),
        )


def test_a_day_can_go_to_syslog(logs_of_yesterday, tmp_path):
    # given: a datagram socket standing in for /dev/log
    address = str(tmp_path / "log")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(address)
    server.settimeout(2)
    # when
    call_command("export_audit", "--syslog", address)
    # then
    first = server.recv(65536).decode()
    assert first.startswith("<") and '"table": ' in first
    server.close()
