"""The log tables, and the triggers that keep them append-only.

A log is written once and read; no statement of the application changes or removes
a row of it. Each log table carries a BEFORE UPDATE OR DELETE trigger that raises
(and, on PostgreSQL, a BEFORE TRUNCATE one). The one deletion allowed is the
retention purge (``manage.py purge_audit``): on PostgreSQL only a role that owns the
table may delete, and only rows older than ``RETENTION_FLOOR_DAYS``; the application's
role owns nothing and is granted only SELECT and INSERT (``deploy/audit_grants.sql``).
SQLite has no roles: there the trigger allows deleting a row past the floor to
whoever can open the file.

State is not a log: axes' AccessAttempt (the failures counting towards a lockout,
reset on success) and ImportBatch (its status turns to undone) stay writable.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from simple_history.models import HistoricalChanges

# The least number of days a log row is kept, whatever the settings say: the
# triggers let no row younger than this go.
RETENTION_FLOOR_DAYS = 180

PG_FUNCTION = "devzone_append_only"


@dataclass(frozen=True)
class LogTable:
    model: type[models.Model]
    time_field: str

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def time_column(self) -> str:
        field = self.model._meta.get_field(self.time_field)
        assert isinstance(field, models.Field)
        return field.column


def log_tables() -> list[LogTable]:
    """Return every append-only table, each with the column that dates its rows."""
    named = {
        "devzone.PersonalDataAccess": "created_at",
        "devzone.ExportLog": "created_at",
        "devzone.AuditEvent": "created_at",
        "devzone.AuditSeal": "created_at",
        "axes.AccessLog": "attempt_time",
        "axes.AccessFailureLog": "attempt_time",
    }
    tables = [
        LogTable(apps.get_model(label), field)
        for label, field in named.items()
        if apps.is_installed(label.partition(".")[0]) or label.startswith("devzone.")
    ]
    tables += [
        LogTable(model, "history_date")
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges)
    ]
    return sorted(tables, key=lambda log: log.table)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def trigger_names(table: str) -> tuple[str, str, str]:
    return (f"{table}_no_update", f"{table}_no_delete", f"{table}_no_truncate")


def postgres_function() -> str:
    # TG_ARGV: the time column and the floor in days. to_jsonb(OLD) reads the
    # column whatever the table. pg_has_role is true for the owner, its members
    # and superusers: the roles that run migrations and the purge, not the app.
    return f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND pg_has_role(
       current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE')
     AND (to_jsonb(OLD) ->> TG_ARGV[0])::timestamptz
         < now() - make_interval(days => TG_ARGV[1]::int) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'devzone: % on the log table % is refused: logs are append-only',
    TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def install_sql(vendor: str, logs: Iterable[LogTable]) -> list[str]:
    """Return the statements that (re)install the triggers on every log table."""
    statements = [postgres_function()] if vendor == "postgresql" else []
    for log in logs:
        table, column = quote(log.table), quote(log.time_column)
        update, delete, truncate = map(quote, trigger_names(log.table))
        statements += uninstall_sql(vendor, [log])
        if vendor == "postgresql":
            statements += [
                f"CREATE TRIGGER {update} BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
                f"CREATE TRIGGER {delete} BEFORE DELETE ON {table} FOR EACH ROW "
                f"EXECUTE FUNCTION {PG_FUNCTION}"
                f"('{log.time_column}', '{RETENTION_FLOOR_DAYS}')",
                f"CREATE TRIGGER {truncate} BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()",
            ]
        else:
            message = f"devzone: the log table {log.table} is append-only"
            statements += [
                f"CREATE TRIGGER {update} BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
                # Django stores SQLite's datetimes as UTC text, which sorts as time.
                f"CREATE TRIGGER {delete} BEFORE DELETE ON {table} "
                f"WHEN OLD.{column} IS NULL OR OLD.{column} >= strftime("
                f"'%Y-%m-%d %H:%M:%f', 'now', '-{RETENTION_FLOOR_DAYS} days') "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            ]
    return statements


def uninstall_sql(vendor: str, logs: Iterable[LogTable]) -> list[str]:
    """Return the statements that remove the triggers (tests' flush, the owner)."""
    statements = []
    for log in logs:
        for name in trigger_names(log.table):
            if vendor == "postgresql":
                statements.append(
                    f"DROP TRIGGER IF EXISTS {quote(name)} ON {quote(log.table)}"
                )
            elif not name.endswith("_no_truncate"):
                statements.append(f"DROP TRIGGER IF EXISTS {quote(name)}")
    return statements


def install_triggers(using: str = "default", **kwargs) -> None:
    """Install the triggers on every log table (after each migrate)."""
    run_on_log_tables(install_sql, using)


def uninstall_triggers(using: str = "default") -> None:
    """Lift the triggers (the tables' owner, e.g. the tests' flush)."""
    run_on_log_tables(uninstall_sql, using)


def run_on_log_tables(statements_for, using: str) -> None:
    """Run the statements ``statements_for(vendor, logs)`` on the existing log tables."""
    from django.db import connections, transaction

    connection = connections[using]
    existing = set(connection.introspection.table_names())
    logs = [log for log in log_tables() if log.table in existing]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in statements_for(connection.vendor, logs):
            cursor.execute(statement)


def grant_sql(role: str) -> list[str]:
    """Return the statements making ``role`` SELECT/INSERT-only on every log table.

    The seals are read-only to it: only the sealer, the tables' owner, adds them.
    """
    role = quote(role)
    statements = []
    for log in log_tables():
        table = quote(log.table)
        rights = "SELECT" if log.table == "devzone_auditseal" else "SELECT, INSERT"
        statements += [
            f"REVOKE ALL ON TABLE {table} FROM {role}",
            f"GRANT {rights} ON TABLE {table} TO {role}",
        ]
    return statements
