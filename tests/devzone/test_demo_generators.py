"""The committed demo and sample files are exactly what their generators write."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from devzone.demo.generators import FIXTURES_DIR, differences, generate_all
from devzone.management.commands import generate_demo

# The zone's own files are the source the generators read, kept by hand.
HAND_KEPT = {
    "demo/devzone/areas.csv",
    "demo/devzone/communities.csv",
    "demo/devzone/indicators.csv",
    "samples/communities.xlsx",
    "samples/communities_errors.csv",
    "samples/communities_gbk.csv",
    "samples/communities_utf8_bom.csv",
    # Written once by samples/ledgers/make_ledgers.py with LibreOffice (issue 20).
    "samples/ledgers/households_ledger_libreoffice.xlsx",
    "samples/ledgers/households_ledger_source.xlsx",
    "samples/ledgers/households_sheets_libreoffice.xlsx",
    "samples/ledgers/households_sheets_source.xlsx",
}


def committed_files():
    return {
        path.relative_to(FIXTURES_DIR).as_posix()
        for path in FIXTURES_DIR.rglob("*")
        if path.suffix in (".csv", ".xlsx")
    }


def test_regenerated_files_equal_the_committed_ones(tmp_path):
    # CSV byte for byte; XLSX cell by cell (openpyxl stamps the time of saving).
    assert differences(tmp_path, FIXTURES_DIR) == []


def test_every_committed_file_has_a_generator_or_is_kept_by_hand(tmp_path):
    generated = {path.as_posix() for path in generate_all(tmp_path)}

    assert generated | HAND_KEPT == committed_files()
    assert not generated & HAND_KEPT


def test_check_lists_the_files_that_differ(tmp_path, monkeypatch):
    committed = tmp_path / "fixtures"
    shutil.copytree(FIXTURES_DIR, committed)
    changed = committed / "demo" / "welfare" / "recipients.csv"
    changed.write_bytes(changed.read_bytes().replace("因病".encode(), "因灾".encode()))
    (committed / "samples" / "welfare_recipients.xlsx").unlink()
    monkeypatch.setattr(generate_demo, "FIXTURES_DIR", committed)

    with pytest.raises(CommandError) as error:
        call_command("generate_demo", "--check")

    message = str(error.value)
    assert "fixtures/demo/welfare/recipients.csv" in message
    assert "fixtures/samples/welfare_recipients.xlsx" in message
    assert "assistance_records.csv" not in message


def test_generate_rewrites_a_changed_file(tmp_path, monkeypatch, capsys):
    committed = tmp_path / "fixtures"
    shutil.copytree(FIXTURES_DIR, committed)
    changed = committed / "demo" / "welfare" / "recipients.csv"
    original = changed.read_bytes()
    changed.write_bytes(b"")
    workbook = committed / "samples" / "welfare_recipients.xlsx"
    workbook_bytes = workbook.read_bytes()
    monkeypatch.setattr(generate_demo, "FIXTURES_DIR", committed)

    call_command("generate_demo")
    call_command("generate_demo", "--check")

    assert changed.read_bytes() == original
    # A file whose data did not change is left alone, timestamps and all.
    assert workbook.read_bytes() == workbook_bytes
    out = capsys.readouterr().out
    assert "fixtures/demo/welfare/recipients.csv" in out
    assert "welfare_recipients.xlsx" not in out
