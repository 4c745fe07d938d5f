"""Backups are proven: the demo data backed up, restored elsewhere, found row by row."""

import io
import json

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from devzone import backups
from tests.governance.factories import EnvironmentalCaseFactory
from tests.projects.factories import RelocationHouseholdFactory
from tests.welfare.factories import AssistanceRecordFactory

# pg_dump and SQLite's backup API read what is committed, from connections of their
# own: the tests commit their rows (and the database is emptied after each).
pytestmark = pytest.mark.django_db(transaction=True)

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump and pg_restore need PostgreSQL"
)
on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite copy is tested on SQLite"
)


@pytest.fixture
def records():
    """Return a few committed records of every app, with their history."""
    RelocationHouseholdFactory.create_batch(3)
    AssistanceRecordFactory.create_batch(2)
    EnvironmentalCaseFactory(title="占道经营（东门）")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "photos").mkdir(parents=True)
    (settings.MEDIA_ROOT / "photos" / "高楼社区.jpg").write_bytes(b"\xff\xd8 a photo")
    return settings.MEDIA_ROOT


def backup(folder, *options):
    call_command("backup", "--dir", str(folder), *options, stdout=io.StringIO())
    (manifest,) = sorted(folder.glob("devzone-*.json"))[-1:]
    return folder / json.loads(manifest.read_text(encoding="utf-8"))["dump"]


def restore_check(dump, capsys):
    call_command("restore_check", str(dump))
    return capsys.readouterr().out


def model_tables():
    return {
        model._meta.db_table: model.objects.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def test_a_backup_of_the_demo_data_restores_whole(tmp_path, media, capsys):
    # given the demo data and one uploaded photo
    call_command("seed_demo", verbosity=0)
    dump = backup(tmp_path / "backups")

    manifest = json.loads(dump.with_suffix(".json").read_text(encoding="utf-8"))
    # then the manifest counts every table as the database does
    for table, count in model_tables().items():
        assert manifest["tables"][table]["rows"] == count, table
    assert manifest["tables"]["projects_relocationhousehold"]["rows"] == 162
    assert manifest["media"]["files"].keys() == {"photos/高楼社区.jpg"}
    assert manifest["migrations"]["devzone"]

    # when restored elsewhere, every table holds the same rows
    out = restore_check(dump, capsys)
    assert "恢复检查通过" in out
    assert f"{sum(t['rows'] for t in manifest['tables'].values())} 行与清单一致" in out
    assert "1 个上传文件完好" in out


@on_postgres
def test_postgres_backup_is_a_custom_format_dump(records, tmp_path):
    dump = backup(tmp_path)

    assert dump.suffix == ".dump"
    assert dump.read_bytes()[:5] == b"PGDMP"


@on_sqlite
def test_sqlite_backup_is_a_sqlite_database(records, tmp_path):
    dump = backup(tmp_path)

    assert dump.suffix == ".sqlite3"
    assert dump.read_bytes()[:15] == b"SQLite format 3"


def test_a_changed_byte_is_refused_as_corrupt(records, tmp_path):
    dump = backup(tmp_path)
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    with pytest.raises(CommandError, match="已损坏.*is corrupt"):
        call_command("restore_check", str(dump))


def test_a_file_that_is_no_backup_is_refused_even_with_a_matching_manifest(
    records, tmp_path
):
    dump = backup(tmp_path)
    dump.write_bytes(b"not a database at all" * 100)
    manifest_path = dump.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["sha256"] = backups.sha256(dump)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("restore_check", str(dump))
    assert "失败" in str(error.value) or "不是完好的" in str(error.value)


def test_a_restore_missing_rows_names_the_table(records, tmp_path):
    # given a manifest that says one more household was backed up than the dump holds
    dump = backup(tmp_path)
    manifest_path = dump.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["tables"]["projects_relocationhousehold"]["rows"] += 1
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("restore_check", str(dump))

    assert "projects_relocationhousehold: 清单 4 行，恢复后 3 行" in str(error.value)


def test_a_missing_manifest_or_file_is_refused_clearly(tmp_path):
    lonely = tmp_path / "devzone-20260101-000000.dump"
    lonely.write_bytes(b"PGDMP")

    with pytest.raises(CommandError, match="找不到清单.*manifest"):
        call_command("restore_check", str(lonely))
    with pytest.raises(CommandError, match="找不到备份文件.*not found"):
        call_command("restore_check", str(tmp_path / "nothing.dump"))


def test_a_damaged_media_archive_is_refused(records, tmp_path, media):
    dump = backup(tmp_path)
    archive = next(tmp_path.glob("*.media.tar.gz"))
    archive.write_bytes(archive.read_bytes()[:-10])

    with pytest.raises(CommandError, match="媒体文件包.*media archive"):
        call_command("restore_check", str(dump))


def test_keep_prunes_all_but_the_newest_backups(tmp_path):
    # given four old backups
    for day in range(1, 5):
        for suffix in (".dump", ".json", ".media.tar.gz"):
            (tmp_path / f"devzone-2026010{day}-020000{suffix}").write_text("old")

    removed = backups.prune(tmp_path, keep=2)

    assert len(removed) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "devzone-20260103-020000.dump",
        "devzone-20260103-020000.json",
        "devzone-20260103-020000.media.tar.gz",
        "devzone-20260104-020000.dump",
        "devzone-20260104-020000.json",
        "devzone-20260104-020000.media.tar.gz",
    ]
    with pytest.raises(backups.BackupError, match="至少保留"):
        backups.prune(tmp_path, keep=0)


def test_a_backup_of_one_engine_is_not_checked_against_the_other(records, tmp_path):
    dump = backup(tmp_path)
    manifest_path = dump.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    manifest["engine"] = other
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    with pytest.raises(CommandError, match=f"这是 {other} 的备份"):
        call_command("restore_check", str(dump))


def test_backup_check_keep_proves_the_new_backup_then_prunes(records, tmp_path):
    for day in range(1, 4):
        for suffix in (".dump", ".json"):
            (tmp_path / f"devzone-2026010{day}-020000{suffix}").write_text("old")
    out = io.StringIO()

    call_command("backup", "--dir", str(tmp_path), "--check", "--keep", "2", stdout=out)

    assert "恢复检查通过" in out.getvalue()
    assert "已删除旧备份 devzone-20260101-020000.json" in out.getvalue()
    manifests = sorted(p.name for p in tmp_path.glob("*.json"))
    assert manifests[0] == "devzone-20260103-020000.json"
    assert len(manifests) == 2
