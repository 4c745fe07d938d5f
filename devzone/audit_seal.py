"""The logs' hash chain: each batch of new log rows sealed with HMAC-SM3.

A seal (``AuditSeal``) covers the rows of one log table written since the last seal
of that table, ``first_id``..``last_id``; its digest is an HMAC over the previous
seal's digest, the table, the range and the content of every row. One seal a batch,
not one a row: an import's ten thousand history rows cost one seal and one pass
over them, and nothing in the import itself. The key lives outside the database
(``DEVZONE_AUDIT_KEY`` or ``DEVZONE_AUDIT_KEY_FILE``), so whoever can rewrite the
tables cannot rewrite the chain to match.

A row's content is the columns its seal names (``AuditSeal.columns``, the table's
in their stored order when it was sealed), so a column added later changes no
seal, and one dropped is reported by name. A sealed column (an ID number, a phone:
``devzone.fields.SealedCharField``) counts by its clear value, so encrypting the
history in place and re-encrypting it under a new key (``rotate_data_keys``)
change no seal either. The columns derived from it (digest, masked copy, birth:
``SealedSibling``) are not content, since a new blind-index key rewrites them;
``verify_audit`` checks instead that each row's equal what its clear value gives
(so it reports them while a rotation to a new blind-index key is under way).
Seals made before seals named their columns were given theirs by a migration
(``fill_legacy_columns``): the list over which their digest still holds.

Sealing (``manage.py seal_audit``, every minute from a systemd timer) runs as the
tables' owner: on PostgreSQL it takes each table in SHARE mode, which waits for the
transactions still inserting into it, so no row can commit later below a range
already sealed; the chain itself is locked, and a unique ``prev`` refuses a fork.
"""

import datetime
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.db.models import Max, Model
from django.utils import timezone

from devzone import sealing
from devzone.append_only import LogTable, install_sql, log_tables, quote, uninstall_sql
from devzone.fields import SealedCharField, SealedSibling
from devzone.models import AuditSeal

GENESIS = "0" * 64
CHUNK = 2000


def audit_key() -> bytes:
    """Return the chain's key: the environment's, else a file's, else a dev key."""
    key = getattr(settings, "DEVZONE_AUDIT_KEY", "")
    if key:
        return key.encode()
    path = getattr(settings, "DEVZONE_AUDIT_KEY_FILE", "")
    if path:
        with open(path, "rb") as file:
            return file.read().strip()
    if settings.DEBUG:
        return hashlib.sha256(
            b"devzone-audit-dev:" + settings.SECRET_KEY.encode()
        ).digest()
    raise ImproperlyConfigured(
        "DEVZONE_AUDIT_KEY or DEVZONE_AUDIT_KEY_FILE must be set to seal the logs."
    )


def new_mac(algorithm: str) -> hmac.HMAC:
    digest = {"HMAC-SM3": hashes.SM3, "HMAC-SHA256": hashes.SHA256}[algorithm]()
    return hmac.HMAC(audit_key(), digest)


def best_algorithm() -> str:
    """Return HMAC-SM3, or HMAC-SHA256 where this OpenSSL lacks SM3."""
    try:
        hmac.HMAC(b"probe", hashes.SM3())
    except UnsupportedAlgorithm:
        return "HMAC-SHA256"
    return "HMAC-SM3"


def encode(value) -> bytes:
    if isinstance(value, str):
        return value.encode()
    if value is None:
        return b"\x00"
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return str(value).encode()


RECORD_QUOTED = re.compile(r'[",\\() \t\n\r\v\f]')


def record_field(value: str | None) -> str:
    """Return a value as PostgreSQL writes it inside a row's text (``record_out``)."""
    if value is None:
        return ""
    if value and not RECORD_QUOTED.search(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '""') + '"'


def physical_columns(cursor, table: str) -> list[str]:
    """Return a table's columns in the order they are stored (``t::text``'s order)."""
    if cursor.db.vendor == "postgresql":
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [quote(table)],
        )
    else:
        cursor.execute("SELECT name FROM pragma_table_info(%s)", [table])
    return [name for (name,) in cursor.fetchall()]


def sealed_columns(model: type[Model] | None) -> dict[str, Any]:
    """Return {column: field} of a model's sealed fields (ID numbers, phones)."""
    if model is None:
        return {}
    return {
        f.column: f
        for f in model._meta.concrete_fields
        if isinstance(f, SealedCharField)
    }


def sibling_columns(model: type[Model] | None) -> dict[str, Any]:
    """Return {column: field} of the values a model derives from its sealed ones."""
    if model is None:
        return {}
    return {
        f.column: f for f in model._meta.concrete_fields if isinstance(f, SealedSibling)
    }


def columns_to_seal(model: type[Model] | None, physical: list[str]) -> list[str]:
    """Return the columns a new seal covers: the table's, but the derived ones."""
    siblings = sibling_columns(model)
    return [column for column in physical if column not in siblings]


def clear(field: Any, value: Any) -> Any:
    """Return a sealed column's value in clear (a value stored in clear as it is)."""
    try:
        return sealing.unseal(value)
    except ValueError as exc:  # SealingError, or a token cut short
        raise Unreadable(field.column, str(exc)) from exc


class Unreadable(Exception):
    """A sealed value that does not open: changed by hand, or its key is gone."""

    def __init__(self, column: str, reason: str):
        super().__init__(column, reason)
        self.column, self.reason = column, reason


def column_names(covered: list) -> list[str]:
    """Return the names of the columns a seal covers.

    A seal names a column, or ``{"column": …, "as": "stored"}`` for a sealed one
    it covers as stored, not in clear: seals made while the rows held ciphertext
    and before seals named their columns, which a new data key breaks again.
    """
    return [entry if isinstance(entry, str) else entry["column"] for entry in covered]


class Reader:
    """Read the content of a log table's rows as a seal covers them.

    The content is the seal's columns in its order, each sealed column (ID
    numbers, phones) by its clear value, so re-encrypting a row (the sealing
    migration, a new data key) leaves its content as it was. The derived columns
    (digest, masked copy, birth) are not content, since a new blind-index key
    changes them: ``check_siblings`` compares each row's with what its clear value
    gives instead, and keeps the first that differs in ``mismatch``.

    On PostgreSQL a row is text as ``t::text`` writes it: plain columns are
    written by PostgreSQL itself, a run of them at a time (``ROW(…)::text``, a
    tenth of the time of converting every value in Python), and a sealed
    column's clear value is put in its place with the same quoting; a row with
    no sealed column reads exactly as its ``t::text`` over those columns did.
    SQLite hands the values over as they are stored.
    """

    def __init__(
        self,
        model: type[Model] | None,
        table: str,
        covered: list,
        *,
        vendor: str,
        physical: list[str],
        check_siblings: bool = False,
    ):
        self.table, self.vendor = table, vendor
        self.pk = (
            model._meta.pk.column if model is not None and model._meta.pk else "id"
        )
        columns = column_names(covered)
        sealed = {
            column: field
            for column, field in sealed_columns(model).items()
            if {"column": column, "as": "stored"} not in covered
        }
        # (SQL, the sealed field it reads or None): one a column, or on PostgreSQL
        # one a sealed column and one a run of plain ones.
        self.parts: list[tuple[str, Any]] = []
        if vendor != "postgresql":
            self.parts = [(f"t.{quote(c)}", sealed.get(c)) for c in columns]
        elif columns == physical and not set(columns) & set(sealed):
            self.parts = [("t::text", None)]
        else:
            run: list[str] = []
            for column in [*columns, None]:
                if column is not None and column not in sealed:
                    run.append(f"t.{quote(column)}")
                    continue
                if run:
                    self.parts.append((f"ROW({', '.join(run)})::text", None))
                    run = []
                if column is not None:
                    self.parts.append((f"t.{quote(column)}", sealed[column]))
        # (sibling column, kind, the part reading its source)
        self.siblings: list[tuple[str, str, int]] = []
        if check_siblings:
            at = {f: n for n, (_, f) in enumerate(self.parts) if f is not None}
            for column, sibling in sibling_columns(model).items():
                source = model._meta.get_field(sibling.source)  # type: ignore[union-attr]
                if column in physical and source in at:
                    self.siblings.append((column, sibling.kind, at[source]))
        self.mismatch: tuple[str, Any] | None = None  # the first: column, row id
        self.width = len(self.parts)
        self.sealed = [(n, f) for n, (_, f) in enumerate(self.parts) if f is not None]
        self.is_sealed = [f is not None for _, f in self.parts]

    def sql(self, last: int | None) -> str:
        pk = f"t.{quote(self.pk)}"
        select = [pk, *(part for part, _ in self.parts)]
        select += [f"t.{quote(column)}" for column, _, _ in self.siblings]
        sql = f"SELECT {', '.join(select)} FROM {quote(self.table)} t WHERE {pk} >= %s"
        if last is not None:
            sql += f" AND {pk} <= %s"
        return sql + f" ORDER BY {pk}"

    def rows(self, cursor, first: int, last: int | None) -> Iterator[tuple]:
        """Yield (id, content…) of the rows first..last (last None: to the end)."""
        cursor.execute(self.sql(last), [first] if last is None else [first, last])
        as_read = not self.siblings and not self.sealed
        while chunk := cursor.fetchmany(CHUNK):
            if as_read:
                yield from chunk
            else:
                yield from map(self.content, chunk)

    def content(self, row: tuple) -> tuple:
        values = list(row[1 : self.width + 1])
        for at, field in self.sealed:
            if values[at]:
                values[at] = clear(field, values[at])
        if self.siblings and self.mismatch is None:
            for n, (column, kind, at) in enumerate(self.siblings, self.width + 1):
                if row[n] != self.parts[at][1].derive(kind, values[at]):
                    self.mismatch = (column, row[0])
                    break
        if self.vendor != "postgresql":
            return (row[0], *values)
        pieces = [
            record_field(value) if sealed else value[1:-1]
            for value, sealed in zip(values, self.is_sealed, strict=True)
        ]
        return (row[0], "(" + ",".join(pieces) + ")")


@dataclass
class Digest:
    count: int = 0
    first: int | None = None
    last: int | None = None
    digest: str = ""


def digest_rows(
    mac: hmac.HMAC, table: str, prev: str, found: Iterator[tuple]
) -> Digest:
    """Return the HMAC over the previous link, the table and the rows' content."""
    mac.update(f"{prev}\x1e{table}\x1e".encode())
    result = Digest()
    for row in found:
        result.count += 1
        if result.first is None:
            result.first = row[0]
        result.last = row[0]
        mac.update(b"\x1f".join([encode(value) for value in row]) + b"\x1e")
    mac.update(f"{result.first}\x1e{result.last}\x1e{result.count}".encode())
    result.digest = mac.finalize().hex()
    return result


def recomputed(seal: AuditSeal, reader: Reader, cursor: Any) -> Digest:
    """Return a seal's digest recomputed over its rows, as the reader reads them."""
    return digest_rows(
        new_mac(seal.algorithm),
        seal.table,
        seal.prev,
        reader.rows(cursor, seal.first_id, seal.last_id),
    )


def last_link(cursor, vendor: str) -> str:
    if vendor == "postgresql":
        cursor.execute(
            f"LOCK TABLE {quote(AuditSeal._meta.db_table)} IN EXCLUSIVE MODE"
        )
    last = AuditSeal.objects.order_by("-id").values_list("digest", flat=True).first()
    return last or GENESIS


def seal_pending(using: str = "default") -> list[AuditSeal]:
    """Seal the rows of every log written since its last seal; return the seals."""
    connection = connections[using]
    algorithm = best_algorithm()
    seals = []
    for log in log_tables():
        if log.model is AuditSeal:
            continue
        with (
            transaction.atomic(using=using),
            connection.cursor() as cursor,
            connection.chunked_cursor() as cursor_for_rows,
        ):
            prev = last_link(cursor, connection.vendor)
            if connection.vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {quote(log.table)} IN SHARE MODE")
            sealed = AuditSeal.objects.filter(table=log.table).aggregate(
                last=Max("last_id")
            )["last"]
            physical = physical_columns(cursor, log.table)
            columns = columns_to_seal(log.model, physical)
            reader = Reader(
                log.model,
                log.table,
                columns,
                vendor=connection.vendor,
                physical=physical,
            )
            found = digest_rows(
                new_mac(algorithm),
                log.table,
                prev,
                reader.rows(cursor_for_rows, (sealed or 0) + 1, None),
            )
            if found.first is not None and found.last is not None:
                seals.append(
                    AuditSeal.objects.create(
                        table=log.table,
                        first_id=found.first,
                        last_id=found.last,
                        row_count=found.count,
                        algorithm=algorithm,
                        prev=prev,
                        digest=found.digest,
                        columns=columns,
                    )
                )
    return seals


PURGED = "purged"


def check_seal(
    seal: AuditSeal, log: LogTable, physical: list[str], cursor, cursor_for_rows
) -> str:
    """Return what is wrong with a seal's rows ("" if nothing, PURGED if none left)."""
    pk = quote(log.model._meta.pk.column)
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {quote(seal.table)} "
        f"WHERE {pk} BETWEEN %s AND %s)",
        [seal.first_id, seal.last_id],
    )
    if not cursor.fetchone()[0]:
        return PURGED
    if seal.columns is None:
        return (
            "封签未记录所覆盖的列：这个旧封签与现有的行在任何列组合下都对不上，"
            "有行被改动"
        )
    for column in column_names(seal.columns):
        if column not in physical:
            return f"列 {column} 已不存在，无法核对"
    reader = Reader(
        log.model,
        seal.table,
        seal.columns,
        vendor=cursor.db.vendor,
        physical=physical,
        check_siblings=True,
    )
    try:
        found = recomputed(seal, reader, cursor_for_rows)
    except Unreadable as exc:
        return f"列 {exc.column} 有值无法解密（{exc.reason}），有行被改动或缺少数据密钥"
    if found.count != seal.row_count:
        return f"应有 {seal.row_count} 行，现有 {found.count} 行，有行被删除或插入"
    if found.digest != seal.digest:
        return "内容与封签不符，有行被改动"
    if reader.mismatch:
        column, row = reader.mismatch
        return f"派生列 {column} 与原值不符（第 {row} 行），有行被改动"
    return ""


@dataclass
class Verdict:
    seals: int
    broken: str = ""  # the first broken link, described
    purged: int = 0  # seals whose rows the retention purge removed
    unsealed: dict[str, int] | None = None  # rows written since the last seal


def verify_chain(using: str = "default") -> Verdict:
    """Recompute every seal; return where the chain first breaks, if it does."""
    connection = connections[using]
    by_table = {log.table: log for log in log_tables()}
    cutoff = timezone.now() - datetime.timedelta(
        days=settings.DEVZONE_AUDIT_RETENTION_DAYS
    )
    prev, verdict = GENESIS, Verdict(seals=0)
    physical: dict[str, list[str]] = {}
    with (
        transaction.atomic(using=using),
        connection.cursor() as cursor,
        connection.chunked_cursor() as cursor_for_rows,
    ):
        for seal in AuditSeal.objects.order_by("id").iterator():
            verdict.seals += 1
            where = (
                f"封签 #{seal.pk}（{seal.table} 第 {seal.first_id}–{seal.last_id} 行）"
            )
            if seal.prev != prev:
                verdict.broken = f"{where}：前一链接不符，封签被删除或改动"
                return verdict
            log = by_table.get(seal.table)
            if log is None:
                verdict.broken = f"{where}：不认识的日志表"
                return verdict
            if seal.table not in physical:
                physical[seal.table] = physical_columns(cursor, seal.table)
            broken = check_seal(
                seal, log, physical[seal.table], cursor, cursor_for_rows
            )
            if broken == PURGED and seal.created_at < cutoff:
                verdict.purged += 1
            elif broken == PURGED:
                verdict.broken = (
                    f"{where}：应有 {seal.row_count} 行，现有 0 行，有行被删除或插入"
                )
                return verdict
            elif broken:
                verdict.broken = f"{where}：{broken}"
                return verdict
            prev = seal.digest
        verdict.unsealed = {}
        for log in by_table.values():
            if log.model is AuditSeal:
                continue
            sealed = AuditSeal.objects.filter(table=log.table).aggregate(
                last=Max("last_id")
            )["last"]
            count = (
                log.model._base_manager.using(using).filter(pk__gt=sealed or 0).count()
            )
            if count:
                verdict.unsealed[log.table] = count
    return verdict


def legacy_candidates(model: type[Model] | None, physical: list[str]) -> list[list]:
    """Return the column lists a seal made before seals named theirs may cover.

    On PostgreSQL it covered the whole row as it was stored then: today's columns
    without the derived ones if it predates them, or with them. On SQLite it
    covered the model's columns, in the model's order. The sealed columns in
    clear first (rows sealed since were in clear then), else as stored (the
    seal was made after the sealing migration).
    """
    model_order = (
        [f.column for f in model._meta.concrete_fields] if model is not None else []
    )
    sealed = sealed_columns(model)
    candidates: list[list] = []
    for as_stored in (False, True):
        for columns in (physical, model_order):
            for names in (columns_to_seal(model, columns), columns):
                chosen: list = list(names)
                if as_stored:
                    chosen = [
                        {"column": c, "as": "stored"} if c in sealed else c
                        for c in names
                    ]
                if chosen and chosen not in candidates:
                    candidates.append(chosen)
    return candidates


def fill_legacy_columns(
    *,
    using: str = "default",
    seal_model: Any = AuditSeal,
    models: dict[str, type[Model]] | None = None,
) -> tuple[int, int]:
    """Name the columns of each seal made before seals named them; return (named, not).

    Each is given the first candidate (``legacy_candidates``) over which its rows'
    content, sealed columns in clear, gives its digest again. A seal none fits
    covers rows changed since: it keeps no columns, and ``verify_audit`` reports
    it. A migration passes its own models (``seal_model``; ``models``, by table).
    """
    connection = connections[using]
    if models is None:
        models = {log.table: log.model for log in log_tables()}
    seals = seal_model._default_manager.using(using)
    named = left = 0
    log = LogTable(seal_model, "created_at")
    with (
        transaction.atomic(using=using),
        connection.cursor() as cursor,
        connection.chunked_cursor() as cursor_for_rows,
    ):
        existing = set(connection.introspection.table_names(cursor))
        for statement in uninstall_sql(connection.vendor, [log]):
            cursor.execute(statement)
        for seal in seals.filter(columns__isnull=True).order_by("id"):
            columns = None
            if seal.table in existing:
                model = models.get(seal.table)
                physical = physical_columns(cursor, seal.table)
                for candidate in legacy_candidates(model, physical):
                    reader = Reader(
                        model,
                        seal.table,
                        candidate,
                        vendor=connection.vendor,
                        physical=physical,
                    )
                    try:
                        found = recomputed(seal, reader, cursor_for_rows)
                    except Unreadable:
                        continue
                    if found.digest == seal.digest:
                        columns = candidate
                        break
            if columns is None:
                left += 1
            else:
                seals.filter(pk=seal.pk).update(columns=columns)
                named += 1
        for statement in install_sql(connection.vendor, [log]):
            cursor.execute(statement)
    return named, left
