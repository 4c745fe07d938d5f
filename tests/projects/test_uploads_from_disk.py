"""An upload is kept on disk as it arrives and read from there, never held whole."""

import hashlib
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import UploadedFile

from devzone.spreadsheets import formats
from devzone.spreadsheets.formats import detected_encoding, read_dataset
from devzone.spreadsheets.results import ImportFileError, file_row_numbers
from devzone.spreadsheets.uploads import UploadFileStorage, data_path, note_path
from projects.models import RelocationHousehold
from tests.spreadsheets import confirm, upload

SAMPLES = Path("fixtures/samples")
FILES = sorted(
    p
    for p in SAMPLES.rglob("*")
    if p.suffix in (".csv", ".xlsx", ".xls", ".ods", ".txt")
)
HOUSEHOLD = "projects_relocationhousehold"


def cells(dataset):
    return [list(row) for row in dataset]


def read(source, name):
    """Return what the import reads of a file: the error, or headers, rows, lines."""
    try:
        dataset = read_dataset(source, name)
    except ImportFileError as exc:
        return str(exc)
    sheets = [(n, s.headers, cells(s)) for n, s in getattr(dataset, "sheets", [])]
    return (
        dataset.headers,
        cells(dataset),
        list(file_row_numbers(dataset)),
        sheets,
        detected_encoding(source),
    )


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_file_read_from_disk_reads_as_its_bytes(path):
    # when a sample (CSV in GBK, UTF-8 or UTF-16, a workbook of one or many sheets,
    # with a title row and footers) is read from its path, as the import reads it
    from_disk = read(path, path.name)

    # then it reads exactly as the same file's bytes would, errors included
    assert from_disk == read(path.read_bytes(), path.name)
    assert not isinstance(from_disk, str) or "无法" not in from_disk


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\xff\xfe\x41", "无法读取该 Unicode 文本文件"),
        (b"\x00\x01\x02 binary", "文件不是可识别的文本 CSV"),
        (b"PK\x03\x04 not really a zip", "无法读取该 xlsx 文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 not an xls", "无法读取该 xls"),
    ],
)
def test_a_broken_file_on_disk_is_refused_in_chinese(tmp_path, data, message):
    # an upload waits on disk under a name without an extension
    path = tmp_path / "0123456789abcdef0123456789abcdef"
    path.write_bytes(data)

    with pytest.raises(ImportFileError, match=message):
        read_dataset(path, "台账.xlsx")


@pytest.mark.parametrize("held_by_django", ["memory", "temporary file"])
def test_an_upload_is_written_to_disk_chunk_by_chunk(
    admin_client, tianbo, monkeypatch, settings, held_by_django
):
    # a GBK file arriving in 100-byte chunks: a two-byte character is cut in two
    # at some chunk's end; Django holds a large upload in a temporary file
    if held_by_django == "temporary file":
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    data = (SAMPLES / "projects_households_gbk.csv").read_bytes()
    monkeypatch.setattr(UploadedFile, "DEFAULT_CHUNK_SIZE", 100)
    assert len(data) > 5 * 100

    def held_whole(storage, data):
        raise AssertionError("the upload was joined in memory before it was written")

    monkeypatch.setattr(UploadFileStorage, "save", held_whole)

    # when a clerk uploads it
    preview = upload(admin_client, HOUSEHOLD, "搬迁户.csv", data)

    # then the preview shows its eight rows, the file waits on disk byte for byte,
    # and its note holds the file's own hash
    assert preview.context["result"].totals["new"] == 8
    name = preview.context["confirm_form"].initial["import_file_name"]
    assert data_path(name).read_bytes() == data
    note = json.loads(note_path(name).read_text())
    assert note["sha256"] == hashlib.sha256(data).hexdigest()
    assert note["encoding"] == "gb18030"

    # and confirming it imports the eight households read from there
    confirm(admin_client, HOUSEHOLD, preview)
    assert RelocationHousehold.objects.count() == 8
    assert not data_path(name).exists()


def test_an_upload_gone_from_disk_before_its_confirmation_imports_nothing(
    admin_client, tianbo
):
    data = (SAMPLES / "projects_households_gbk.csv").read_bytes()
    preview = upload(admin_client, HOUSEHOLD, "搬迁户.csv", data)
    name = preview.context["confirm_form"].initial["import_file_name"]

    # when another server removed the file meanwhile
    data_path(name).unlink()
    response = confirm(admin_client, HOUSEHOLD, preview, follow=True)

    # then the clerk is told to upload it again, and nothing was saved
    assert "找不到这次上传的文件" in response.content.decode()
    assert not RelocationHousehold.objects.exists()


def test_a_file_name_given_as_text_is_not_read_as_a_csv():
    # a str is a CSV's text to the import's readers: a path must be a Path, so
    # that a file's name is never imported as a one-line CSV
    with pytest.raises(TypeError):
        read_dataset(str(SAMPLES / "projects_households_gbk.csv"), "搬迁户.csv")


def test_an_upload_removed_while_its_confirmation_reads_it_imports_nothing(
    admin_client, tianbo, monkeypatch
):
    data = (SAMPLES / "projects_households_gbk.csv").read_bytes()
    preview = upload(admin_client, HOUSEHOLD, "搬迁户.csv", data)
    name = preview.context["confirm_form"].initial["import_file_name"]

    # when another server removes the file after its encoding was read, before
    # its rows are
    found_encoding = formats.text_encoding

    def then_removed(source):
        encoding = found_encoding(source)
        data_path(name).unlink()
        return encoding

    monkeypatch.setattr(formats, "text_encoding", then_removed)
    response = confirm(admin_client, HOUSEHOLD, preview, follow=True)

    # then the clerk is told to upload it again (no server error), nothing saved
    assert response.status_code == 200
    assert "找不到这次上传的文件" in response.content.decode()
    assert not RelocationHousehold.objects.exists()
