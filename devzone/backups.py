"""Backups that are proven: a dump, its manifest, and a check that a restore is whole.

``manage.py backup`` writes three files side by side in the backup folder:

- ``devzone-<time>.dump``: ``pg_dump -Fc`` of the database (on SQLite,
  ``devzone-<time>.sqlite3``: a consistent copy through SQLite's backup API);
- ``devzone-<time>.media.tar.gz``: the uploaded files (``MEDIA_ROOT``), when any;
- ``devzone-<time>.json``: the manifest — the dump's SHA-256, each table's row count
  and checksum, the applied migrations, and each media file's SHA-256.

``manage.py restore_check <file>`` restores the dump into a scratch database, finds
every table with the manifest's count and checksum, runs ``migrate --check`` against
it, and drops it. The pending imports in ``DEVZONE_UPLOAD_DIR`` are not backed up:
they expire within the hour and hold personal data.

Decision: on PostgreSQL the manifest is counted inside the very snapshot ``pg_dump``
reads (``pg_export_snapshot`` / ``--snapshot``), so staff saving records during the
backup cannot make a good dump look incomplete. A table's checksum is the MD5 of its
rows' MD5s in sorted order: independent of the physical order a restore writes.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT = "devzone-backup/1"
PREFIX = "devzone-"


class BackupError(Exception):
    """A backup or its check failed; the message says why, in Chinese and English."""


def backup_dir() -> Path:
    """Return the folder backups go to (``DEVZONE_BACKUP_DIR``)."""
    return Path(settings.DEVZONE_BACKUP_DIR)


def engine(alias: str = "default") -> str:
    """Return ``postgresql`` or ``sqlite`` for the database, else refuse it."""
    vendor = connections[alias].vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(
            f"不支持备份 {vendor} 数据库。Backups support PostgreSQL and SQLite only."
        )
    return vendor


def sha256(path: Path) -> str:
    """Return the SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- PostgreSQL --------------------------------------------------------------------


def libpq_env(settings_dict: dict, name: str | None = None) -> dict[str, str]:
    """Return the environment that points pg_dump/pg_restore at the database.

    libpq's documented variables, so no password appears on a command line.
    """
    env = dict(os.environ)
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": name or settings_dict.get("NAME"),
        "PGSSLMODE": settings_dict.get("OPTIONS", {}).get("sslmode"),
    }
    env.update({key: str(value) for key, value in values.items() if value})
    return env


def pg_tool(name: str) -> str:
    """Return the path of a PostgreSQL client program, or refuse clearly."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"找不到 {name}：请安装与服务器同一大版本的 PostgreSQL 客户端。"
            f" {name} not found: install the PostgreSQL client of the server's version."
        )
    return path


def run(command: list[str], env: dict[str, str], what: str) -> None:
    """Run a client program; refuse with its own error output when it fails."""
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"{what}失败 / {what} failed:\n{done.stderr.strip()}")


def pg_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'public' "
        "ORDER BY tablename"
    )
    return [row[0] for row in cursor.fetchall()]


def pg_table_sums(cursor) -> dict[str, dict]:
    """Return each table's row count and checksum, as this transaction sees them."""
    sums = {}
    for table in pg_tables(cursor):
        cursor.execute(
            "SELECT count(*), "
            "coalesce(md5(string_agg(h, '' ORDER BY h COLLATE \"C\")), '') "
            f"FROM (SELECT md5(t::text) AS h FROM {quote(table)} AS t) AS rows"
        )
        count, checksum = cursor.fetchone()
        sums[table] = {"rows": count, "checksum": checksum}
    return sums


def pg_dump(connection, path: Path) -> dict[str, dict]:
    """Dump the database to path; return the tables' sums from the same snapshot."""
    dump = pg_tool("pg_dump")
    # A connection of its own: the snapshot's transaction must be the first thing
    # it runs, whatever transaction the caller is in.
    own = new_connection(connection)
    try:
        with own.cursor() as cursor:
            own.set_autocommit(False)
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            run(
                [dump, "-Fc", f"--snapshot={snapshot}", "-f", str(path)],
                libpq_env(own.settings_dict),
                "pg_dump",
            )
            sums = pg_table_sums(cursor)
            own.rollback()
    finally:
        own.close()
    return sums


def new_connection(connection, name: str | None = None):
    """Return a connection of its own to the database ``name`` on the same server.

    Built from the backend's own class, as Django's test database creation does.
    """
    settings_dict = {**connection.settings_dict}
    if name is not None:
        settings_dict["NAME"] = name
    return type(connection)(settings_dict, alias=f"{connection.alias}_backups")


# -- SQLite ------------------------------------------------------------------------


def sqlite_table_sums(database: sqlite3.Connection) -> dict[str, dict]:
    """Return each table's row count and checksum."""
    tables = [
        row[0]
        for row in database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    sums = {}
    for table in tables:
        hashes = sorted(
            hashlib.md5(repr(row).encode(), usedforsecurity=False).hexdigest()
            for row in database.execute(f"SELECT * FROM {quote(table)}")
        )
        checksum = (
            hashlib.md5("".join(hashes).encode(), usedforsecurity=False).hexdigest()
            if hashes
            else ""
        )
        sums[table] = {"rows": len(hashes), "checksum": checksum}
    return sums


def sqlite_copy(connection, path: Path) -> dict[str, dict]:
    """Copy the database to path through SQLite's backup API; return its sums."""
    name = str(connection.settings_dict["NAME"])
    # The test suite's in-memory database is named by a shared-cache URI.
    source = sqlite3.connect(name, uri=name.startswith("file:"))
    target = sqlite3.connect(path)
    try:
        source.backup(target)
        return sqlite_table_sums(target)
    finally:
        target.close()
        source.close()


# -- both --------------------------------------------------------------------------


def applied_migrations(connection) -> dict[str, str]:
    """Return the latest applied migration of each app."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return dict(cursor.fetchall())


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def archive_media(path: Path) -> dict | None:
    """Write MEDIA_ROOT's files to a tar.gz; return their manifest, or None if none."""
    files = media_files()
    if not files:
        return None
    root = Path(settings.MEDIA_ROOT)
    with tarfile.open(path, "w:gz") as archive:
        for file in files:
            archive.add(file, arcname=file.relative_to(root).as_posix())
    return {
        "file": path.name,
        "sha256": sha256(path),
        "files": {f.relative_to(root).as_posix(): sha256(f) for f in files},
    }


@dataclass(frozen=True)
class Backup:
    dump: Path
    manifest: Path
    media: Path | None


def create_backup(folder: Path | None = None, alias: str = "default") -> Backup:
    """Back up the database and the media files into folder; return the paths."""
    connection = connections[alias]
    vendor = engine(alias)
    folder = Path(folder or backup_dir())
    folder.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    base = folder / f"{PREFIX}{stamp}"
    dump = base.with_suffix(".dump" if vendor == "postgresql" else ".sqlite3")
    if dump.exists():
        raise BackupError(f"{dump.name} 已存在。{dump.name} already exists.")
    try:
        if vendor == "postgresql":
            sums = pg_dump(connection, dump)
        else:
            sums = sqlite_copy(connection, dump)
        media_path = Path(f"{base}.media.tar.gz")
        media = archive_media(media_path)
        manifest = {
            "format": FORMAT,
            "created": timezone.now().isoformat(),
            "engine": vendor,
            "dump": dump.name,
            "sha256": sha256(dump),
            "tables": sums,
            "migrations": applied_migrations(connection),
            "media": media,
        }
        manifest_path = base.with_suffix(".json")
        manifest_path.write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    except BaseException:
        for leftover in folder.glob(f"{base.name}.*"):
            leftover.unlink()
        raise
    return Backup(dump, manifest_path, media_path if media else None)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in folder; return what went."""
    if keep < 1:
        raise BackupError("至少保留 1 份备份。--keep must be at least 1.")
    manifests = sorted(folder.glob(f"{PREFIX}*.json"), reverse=True)
    removed = []
    for manifest in manifests[keep:]:
        for path in folder.glob(f"{manifest.stem}.*"):
            path.unlink()
            removed.append(path)
    return removed


def read_manifest(dump: Path) -> dict:
    """Return the manifest beside a dump, or refuse clearly."""
    if not dump.is_file():
        raise BackupError(f"找不到备份文件 {dump}。Backup file {dump} not found.")
    path = dump.with_suffix(".json")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(
            f"找不到清单 {path.name}。The manifest {path.name} is missing."
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise BackupError(
            f"清单 {path.name} 已损坏。The manifest {path.name} is corrupt."
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            f"{path.name} 不是 devzone 备份清单。{path.name} is not a devzone manifest."
        )
    if sha256(dump) != manifest.get("sha256"):
        raise BackupError(
            f"备份文件 {dump.name} 已损坏：校验和与清单不符。"
            f" {dump.name} is corrupt: its SHA-256 differs from the manifest's."
        )
    return manifest


def check_media(dump: Path, manifest: dict) -> int:
    """Check every media file in the archive against the manifest; return the count."""
    media = manifest.get("media")
    if not media:
        return 0
    path = dump.parent / media["file"]
    if not path.is_file() or sha256(path) != media["sha256"]:
        raise BackupError(
            f"媒体文件包 {media['file']} 缺失或已损坏。"
            f" The media archive {media['file']} is missing or corrupt."
        )
    found = {}
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            if member.isfile():
                data = archive.extractfile(member)
                assert data is not None
                found[member.name] = hashlib.sha256(data.read()).hexdigest()
    if found != media["files"]:
        raise BackupError(
            "媒体文件与清单不符。The media files differ from the manifest."
        )
    return len(found)


def compare(expected: dict[str, dict], found: dict[str, dict]) -> list[str]:
    """Return one line per table whose rows differ from the manifest."""
    problems = []
    for table in sorted(expected.keys() | found.keys()):
        want, got = expected.get(table), found.get(table)
        if want is None or got is None:
            problems.append(f"{table}: 表{'多出' if want is None else '缺失'}")
        elif want != got:
            problems.append(
                f"{table}: 清单 {want['rows']} 行，恢复后 {got['rows']} 行"
                + ("" if want["rows"] != got["rows"] else "，内容不同")
            )
    return problems


def migrate_check(database_url: str) -> None:
    """Run ``migrate --check`` against another database; refuse if it is behind."""
    env = {**os.environ, "DATABASE_URL": database_url}
    module = getattr(settings, "SETTINGS_MODULE", None)
    if module:
        env["DJANGO_SETTINGS_MODULE"] = module
    done = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--check", "--noinput"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise BackupError(
            "恢复后的数据库缺少迁移（migrate --check 未通过）。"
            " The restored database has unapplied migrations:\n"
            + (done.stdout + done.stderr).strip()
        )


def postgres_url(settings_dict: dict, name: str) -> str:
    from urllib.parse import quote as url_quote

    user = url_quote(settings_dict.get("USER") or "", safe="")
    password = url_quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    url = f"postgres://{credentials}{host}{port}/{url_quote(name, safe='')}"
    sslmode = settings_dict.get("OPTIONS", {}).get("sslmode")
    return f"{url}?sslmode={sslmode}" if sslmode else url


@dataclass(frozen=True)
class CheckResult:
    tables: int
    rows: int
    media_files: int


def check_backup(dump: Path, alias: str = "default") -> CheckResult:
    """Restore a backup into a scratch database and prove it whole; refuse if not."""
    dump = Path(dump)
    manifest = read_manifest(dump)
    vendor = engine(alias)
    if manifest["engine"] != vendor:
        raise BackupError(
            f"这是 {manifest['engine']} 的备份，当前数据库是 {vendor}："
            f"请在同类数据库上检查。This is a {manifest['engine']} backup; check it "
            f"against a {vendor} database of that kind."
        )
    media_count = check_media(dump, manifest)
    if vendor == "postgresql":
        found = restore_postgres(connections[alias], dump)
    else:
        found = restore_sqlite(dump)
    problems = compare(manifest["tables"], found)
    if problems:
        raise BackupError(
            "恢复后的数据与清单不符 / the restored data differs from the manifest:\n"
            + "\n".join(problems)
        )
    return CheckResult(
        tables=len(found),
        rows=sum(table["rows"] for table in found.values()),
        media_files=media_count,
    )


def restore_postgres(connection, dump: Path) -> dict[str, dict]:
    """Restore into a scratch database, sum it, run migrate --check, drop it."""
    restore = pg_tool("pg_restore")
    settings_dict = connection.settings_dict
    run([restore, "--list", str(dump)], libpq_env(settings_dict), "读取备份文件")
    name = f"{settings_dict['NAME']}_check_{uuid.uuid4().hex[:8]}"
    admin = new_connection(connection)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE template0")
        try:
            run(
                [restore, "--no-owner", "--exit-on-error", "-d", name, str(dump)],
                libpq_env(settings_dict, name),
                "pg_restore",
            )
            scratch = new_connection(connection, name)
            try:
                with scratch.cursor() as cursor:
                    found = pg_table_sums(cursor)
            finally:
                scratch.close()
            migrate_check(postgres_url(settings_dict, name))
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")
    finally:
        admin.close()
    return found


def restore_sqlite(dump: Path) -> dict[str, dict]:
    """Copy the backup to a scratch file, sum it, run migrate --check on it."""
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder) / "restore_check.sqlite3"
        try:
            source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
            target = sqlite3.connect(scratch)
            try:
                source.backup(target)
                # The file's structure; its constraints and expression indexes
                # call functions only Django's connections define, and its rows
                # are proven by the sums below.
                target.execute("PRAGMA ignore_check_constraints = ON")
                (ok,) = target.execute("PRAGMA quick_check").fetchone()
                if ok != "ok":
                    raise sqlite3.DatabaseError(ok)
                found = sqlite_table_sums(target)
            finally:
                target.close()
                source.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(
                f"备份文件 {dump.name} 不是完好的 SQLite 数据库。"
                f" {dump.name} is not a sound SQLite database: {error}"
            ) from None
        migrate_check(f"sqlite:///{scratch}")
    return found
