"""The logs' hash chain: each batch of new log rows sealed with HMAC-SM3.

A seal (``AuditSeal``) covers the rows of one log table written since the last seal
of that table, ``first_id``..``last_id``; its digest is an HMAC over the previous
seal's digest, the table, the range and the content of every row. One seal a batch,
not one a row: an import's ten thousand history rows cost one seal and one pass
over them, and nothing in the import itself. The key lives outside the database
(``DEVZONE_AUDIT_KEY`` or ``DEVZONE_AUDIT_KEY_FILE``), so whoever can rewrite the
tables cannot rewrite the chain to match.

Sealing (``manage.py seal_audit``, every minute from a systemd timer) runs as the
tables' owner: on PostgreSQL it takes each table in SHARE mode, which waits for the
transactions still inserting into it, so no row can commit later below a range
already sealed; the chain itself is locked, and a unique ``prev`` refuses a fork.
"""

import datetime
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.db.models import Max
from django.utils import timezone

from devzone.append_only import LogTable, log_tables, quote
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


def rows(cursor, log: LogTable, first: int, last: int | None) -> Iterator[tuple]:
    """Yield (id, content…) of the rows first..last (last None: to the end), by id.

    PostgreSQL writes each row as its own text (``t::text``, in the session's UTC
    and ISO dates, as Django sets them): a tenth of the time of converting every
    value to Python and back. SQLite hands the values over as they are stored.
    """
    opts = log.model._meta
    pk = quote(opts.pk.column)
    if cursor.db.vendor == "postgresql":
        content = "t::text"
    else:
        content = ", ".join(
            f"t.{quote(field.column)}" for field in opts.concrete_fields
        )
    sql = f"SELECT t.{pk}, {content} FROM {quote(log.table)} t WHERE t.{pk} >= %s"
    params: list = [first]
    if last is not None:
        sql += f" AND t.{pk} <= %s"
        params.append(last)
    cursor.execute(sql + f" ORDER BY t.{pk}", params)
    while chunk := cursor.fetchmany(CHUNK):
        yield from chunk


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
            connection.chunked_cursor() as reader,
        ):
            prev = last_link(cursor, connection.vendor)
            if connection.vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {quote(log.table)} IN SHARE MODE")
            sealed = AuditSeal.objects.filter(table=log.table).aggregate(
                last=Max("last_id")
            )["last"]
            found = digest_rows(
                new_mac(algorithm),
                log.table,
                prev,
                rows(reader, log, (sealed or 0) + 1, None),
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
                    )
                )
    return seals


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
    with transaction.atomic(using=using), connection.chunked_cursor() as cursor:
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
            found = digest_rows(
                new_mac(seal.algorithm),
                seal.table,
                seal.prev,
                rows(cursor, log, seal.first_id, seal.last_id),
            )
            if found.count == 0 and seal.created_at < cutoff:
                verdict.purged += 1
            elif found.count != seal.row_count:
                verdict.broken = (
                    f"{where}：应有 {seal.row_count} 行，现有 {found.count} 行，"
                    "有行被删除或插入"
                )
                return verdict
            elif found.digest != seal.digest:
                verdict.broken = f"{where}：内容与封签不符，有行被改动"
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
