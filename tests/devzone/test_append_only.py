import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from devzone.append_only import RETENTION_FLOOR_DAYS, grant_sql, log_tables, quote
from devzone.models import (
    AuditEvent,
    AuditSeal,
    Community,
    ExportLog,
    ImportBatch,
    PersonalDataAccess,
)
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db

APP_ROLE = "devzone_wt26b_test_app"


def refused(sql, params=()):
    """Return whether the database refuses the statement (and roll it back)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


@pytest.fixture
def one_row_each():
    """Return {table: a row id} for a log table of each kind."""
    user = get_user_model().objects.create_user("clerk")
    community = CommunityFactory()
    community.name = "改名"
    community.save()
    rows = [
        community.history.first(),
        PersonalDataAccess.objects.create(user=user, kind="record", model="m"),
        ExportLog.objects.create(
            user=user, dataset="d", model="m", row_count=1, file_format="xlsx"
        ),
        AuditEvent.objects.create(user=user, username="clerk", action="login"),
        AuditSeal.objects.create(
            table="t", first_id=1, last_id=1, row_count=1, algorithm="a", prev="p"
        ),
        AccessLog.objects.create(username="clerk", ip_address="10.0.0.1"),
        AccessFailureLog.objects.create(
            username="clerk", ip_address="10.0.0.1", locked_out=False
        ),
    ]
    return {type(row)._meta.db_table: (type(row), row.pk) for row in rows}


def test_every_log_table_refuses_update_and_delete(one_row_each):
    for table, (model, pk) in one_row_each.items():
        pk_column = quote(model._meta.pk.column)
        where = f"WHERE {pk_column} = %s"
        assert refused(
            f"UPDATE {quote(table)} SET {pk_column} = {pk_column} {where}", [pk]
        ), table
        assert refused(f"DELETE FROM {quote(table)} {where}", [pk]), table
        assert model._base_manager.filter(pk=pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE: PostgreSQL")
def test_log_tables_refuse_truncate(one_row_each):
    for table in one_row_each:
        assert refused(f"TRUNCATE {quote(table)} CASCADE"), table


def test_every_log_table_has_its_triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgrelid::regclass::text, count(*) FROM pg_trigger "
                "WHERE tgname LIKE '%%_no_%%' GROUP BY 1"
            )
            expected = 3
        else:
            cursor.execute(
                "SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE '%_no_%' GROUP BY 1"
            )
            expected = 2
        found = {table.strip('"'): count for table, count in cursor.fetchall()}
    tables = {log.table for log in log_tables()}
    assert {"devzone_historicalcommunity", "axes_accesslog"} < tables
    assert {table: found.get(table) for table in tables} == dict.fromkeys(
        tables, expected
    )


def test_state_tables_stay_writable():
    # given: axes' lockout counter and an import batch are state, not logs
    user = get_user_model().objects.create_user("clerk")
    attempt = AccessAttempt.objects.create(
        username="clerk", ip_address="10.0.0.1", failures_since_start=1
    )
    batch = ImportBatch.objects.create(user=user, dataset="d", model="m", file_name="f")
    # when
    batch.status = ImportBatch.Status.UNDONE
    batch.save()
    attempt.delete()
    # then
    assert ImportBatch.objects.get().status == ImportBatch.Status.UNDONE
    assert not AccessAttempt.objects.exists()


def test_records_change_and_delete_with_history_intact():
    community = CommunityFactory()
    community.name = "新名"
    community.save()
    community.delete()
    assert [row.history_type for row in Community.history.order_by("history_id")] == [
        "+",
        "~",
        "-",
    ]


def old_event(days):
    event = AuditEvent.objects.create(username="old", action="login")
    moved = timezone.now() - datetime.timedelta(days=days)
    with connection.cursor() as cursor:
        # The owner lifts the trigger to date a row back, as only a test would.
        from devzone.append_only import install_triggers, uninstall_triggers

        uninstall_triggers()
        cursor.execute(
            "UPDATE devzone_auditevent SET created_at = %s WHERE id = %s",
            [connection.ops.adapt_datetimefield_value(moved), event.pk],
        )
        install_triggers()
    return event


def test_rows_past_the_floor_can_be_purged_younger_ones_cannot(settings):
    # given
    settings.DEVZONE_AUDIT_RETENTION_DAYS = 200
    ancient = old_event(RETENTION_FLOOR_DAYS + 30)
    kept = old_event(RETENTION_FLOOR_DAYS + 10)  # past the floor, not the setting
    recent = AuditEvent.objects.create(username="new", action="login")
    # then: a raw delete of a young row is refused, also for the owner
    assert refused("DELETE FROM devzone_auditevent WHERE id = %s", [recent.pk])
    # when
    call_command("purge_audit")
    # then
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {
        kept.pk,
        recent.pk,
    }
    assert ancient.pk not in AuditEvent.objects.values_list("pk", flat=True)


@pytest.fixture
def app_role():
    """Run the test's statements as a role granted what deploy/ grants the app."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {APP_ROLE}; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        cursor.execute(f"GRANT ALL ON SCHEMA public TO {APP_ROLE}")
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
        cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
        for statement in grant_sql(APP_ROLE):
            cursor.execute(statement)
        cursor.execute(f"SET ROLE {APP_ROLE}")
    yield APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="roles: PostgreSQL")
def test_the_app_role_may_only_insert_and_read_logs(one_row_each, app_role):
    # then: it saves records, whose history it writes
    community = CommunityFactory()
    community.name = "又改"
    community.save()
    assert community.history.count() == 2
    event = AuditEvent.objects.create(username="clerk", action="login")
    for table, (model, pk) in {
        **one_row_each,
        "devzone_auditevent": (AuditEvent, event.pk),
    }.items():
        if model is AuditSeal:
            assert refused(
                'INSERT INTO devzone_auditseal ("table", first_id, last_id, '
                "row_count, algorithm, prev, digest, created_at) "
                "VALUES ('t', 1, 1, 1, 'a', 'forged', 'd', now())"
            )
        pk_column = quote(model._meta.pk.column)
        assert refused(
            f"UPDATE {quote(table)} SET {pk_column} = {pk_column} "
            f"WHERE {pk_column} = %s",
            [pk],
        ), table
        assert refused(f"DELETE FROM {quote(table)} WHERE {pk_column} = %s", [pk])
        assert refused(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER"), table


@pytest.mark.skipif(connection.vendor != "postgresql", reason="roles: PostgreSQL")
def test_the_app_role_cannot_purge_even_if_granted_delete(app_role):
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    ancient = old_event(RETENTION_FLOOR_DAYS + 30)
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT DELETE ON devzone_auditevent TO {app_role}")
        cursor.execute(f"SET ROLE {app_role}")
    assert refused("DELETE FROM devzone_auditevent WHERE id = %s", [ancient.pk])


def test_a_historical_row_names_its_user_and_batch_without_a_constraint():
    """A log keeps the ids it names; no constraint is checked per row at commit."""
    histories = [log.table for log in log_tables() if log.time_field == "history_date"]
    assert len(histories) > 10
    with connection.cursor() as cursor:
        for table in histories:
            constraints = connection.introspection.get_constraints(cursor, table)
            referenced = {
                constraint["foreign_key"][0]
                for constraint in constraints.values()
                if constraint["foreign_key"]
            }
            assert not referenced & {"auth_user", ImportBatch._meta.db_table}, table
