import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from devzone.append_only import install_triggers, uninstall_triggers
from devzone.audit_seal import GENESIS, seal_pending, verify_chain
from devzone.models import AuditEvent, AuditSeal, Community
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def by_hand(sql, params=()):
    """Run a statement as the tables' owner would, past the triggers."""
    uninstall_triggers()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        install_triggers()


def verify():
    call_command("verify_audit", stdout=(out := io.StringIO()))
    return out.getvalue()


@pytest.fixture
def sealed_logs():
    communities = CommunityFactory.create_batch(3)
    for community in communities:
        community.name += "（改）"
        community.save()
    for number in range(3):
        AuditEvent.objects.create(username=f"u{number}", action="login")
    seal_pending()
    return communities


def test_a_sealed_log_verifies(sealed_logs):
    # given: one seal a table, not one a row
    seals = AuditSeal.objects.order_by("id")
    assert {seal.table for seal in seals} >= {
        "devzone_historicalcommunity",
        "devzone_auditevent",
    }
    assert seals.get(table="devzone_historicalcommunity").row_count == 6
    assert {seal.algorithm for seal in seals} == {"HMAC-SM3"}
    assert seals.first().prev == GENESIS
    # then
    assert "日志哈希链完好" in verify()


def test_new_rows_are_reported_unsealed_then_sealed_in_a_new_link(sealed_logs):
    AuditEvent.objects.create(username="late", action="logout")
    assert "尚未加封签：devzone_auditevent 1 行" in verify()
    first = AuditSeal.objects.filter(table="devzone_auditevent").get()
    (seal,) = seal_pending()
    assert (seal.first_id, seal.row_count) == (first.last_id + 1, 1)
    assert "尚未加封签" not in verify()


def test_verify_names_a_row_changed_by_hand(sealed_logs):
    # when: someone who owns the tables edits a history row past the trigger
    row = Community.history.order_by("history_id").first()
    by_hand(
        "UPDATE devzone_historicalcommunity SET name = %s WHERE history_id = %s",
        ["伪造", row.history_id],
    )
    # then
    seal = AuditSeal.objects.get(table="devzone_historicalcommunity")
    with pytest.raises(CommandError, match=f"封签 #{seal.pk}.*有行被改动"):
        verify()


def test_verify_finds_a_row_deleted_by_hand(sealed_logs):
    event = AuditEvent.objects.order_by("id")[1]
    by_hand("DELETE FROM devzone_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(CommandError, match="应有 3 行，现有 2 行"):
        verify()


def test_verify_finds_a_seal_removed_from_the_chain(sealed_logs):
    first = AuditSeal.objects.order_by("id").first()
    by_hand("DELETE FROM devzone_auditseal WHERE id = %s", [first.pk])
    with pytest.raises(CommandError, match="前一链接不符"):
        verify()


def test_the_chain_breaks_under_another_key(sealed_logs, settings):
    settings.DEVZONE_AUDIT_KEY = "another key"
    assert "有行被改动" in verify_chain().broken


def test_two_seals_cannot_follow_the_same_link(sealed_logs):
    last = AuditSeal.objects.order_by("id").last()
    fields = {"first_id": 1, "last_id": 1, "row_count": 1, "algorithm": "HMAC-SM3"}
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditSeal.objects.create(table="t", prev=last.prev, digest="x", **fields)


def test_rows_purged_after_their_retention_leave_the_chain_whole(sealed_logs):
    # given: seals older than the retention, whose rows the purge removed
    long_ago = connection.ops.adapt_datetimefield_value(
        timezone.now() - datetime.timedelta(days=400)
    )
    by_hand("UPDATE devzone_auditseal SET created_at = %s", [long_ago])
    by_hand(
        "UPDATE devzone_auditevent SET created_at = %s", [long_ago]
    )  # rows as old as their seal
    call_command("purge_audit", stdout=io.StringIO())
    # then
    assert not AuditEvent.objects.exists()
    assert "个的行已过保留期清除" in verify()
    assert verify_chain().purged == 1
