"""Control characters are refused at the door and never break an export."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from devzone.models import Community
from devzone.resources import CommunityResource
from devzone.spreadsheets.formats import read_dataset
from devzone.spreadsheets.results import error_lines, import_counts
from tests.spreadsheets import csv_bytes, read_csv_download, read_xlsx_download

pytestmark = pytest.mark.django_db

HEADER = ["名称", "类型", "所属街道"]


def run_import(rows, padding=0):
    # Padding rows push a NUL past the start of the file, where it is not taken for
    # a sign of a binary file.
    filler = [[f"填充村{n}", "村", "曲阿街道"] for n in range(padding)]
    data = csv_bytes([HEADER, *filler, *rows])
    return CommunityResource(unmasked=True).import_data(
        read_dataset(data, "communities.csv"), dry_run=False
    )


@pytest.mark.parametrize("character", ["\x0b", "\x1b", "\x00", "\x85", "\x7f"])
def test_import_refuses_a_control_character_naming_row_and_column(character):
    # given a file whose third row has an invisible character inside a name
    rows = [["甲村", "村", "曲阿街道"], [f"乙{character}村", "村", "曲阿街道"]]

    # when it is imported
    result = run_import(rows, padding=200)

    # then the file is refused with the row and the column named, nothing saved
    lines = error_lines(result)
    assert len(lines) == 1
    assert lines[0].startswith("第 203 行 · 名称：含有不可见的控制字符")
    assert f"U+{ord(character):04X}" in lines[0]
    assert not Community.objects.exists()


def test_admin_form_refuses_a_control_character(admin_client):
    # when a name with a vertical tab is typed into the admin form
    response = admin_client.post(
        reverse("admin:devzone_community_add"),
        {"name": "高楼\x0b社区", "kind": "community", "subdistrict": "曲阿街道"},
    )

    # then the form says what is wrong with the name, and nothing is saved
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["name"]
    assert "含有不可见的控制字符（U+000B，第 3 个字符）" in errors[0]
    assert not Community.objects.exists()


def test_multiline_text_keeps_its_line_breaks(admin_client):
    # given a key project's progress note written on two lines (as a textarea sends)
    from projects.models import KeyProject

    field = KeyProject._meta.get_field("progress")
    project = KeyProject(progress="主体完工\r\n\t装修中")

    # then it passes the plain-text rule, and a bell character does not
    project.clean_fields(
        exclude={f.name for f in KeyProject._meta.fields} - {"progress"}
    )
    project.progress = "主体完工\x07"
    with pytest.raises(Exception) as excinfo:
        project.clean_fields(
            exclude={f.name for f in KeyProject._meta.fields} - {field.name}
        )
    assert "控制字符" in str(excinfo.value)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_stored_control_character_does_not_break_exports(admin_client, fmt):
    # given a name stored with control characters by an older path (no validation)
    Community.objects.create(name="正常村", kind="village", subdistrict="曲阿街道")
    bad = Community.objects.create(name="坏村", kind="village", subdistrict="曲阿街道")
    Community.objects.filter(pk=bad.pk).update(name="坏\x0b\x1b村")

    # when the admin and the export centre export the table
    admin_export = admin_client.post(
        reverse("admin:devzone_community_export"),
        {
            "format": 0 if fmt == "csv" else 1,
            "resource": 0,
            "communityresource_name": True,
        },
    )
    centre_export = admin_client.get(
        reverse("reports:export_dataset", args=["devzone.community"]),
        {"format": fmt},
    )

    # then both files are written, every row in them; XLSX leaves out the characters
    # it cannot hold
    read = read_csv_download if fmt == "csv" else read_xlsx_download
    expected = ["坏\x0b\x1b村", "正常村"] if fmt == "csv" else ["坏村", "正常村"]
    for response in (admin_export, centre_export):
        assert response.status_code == 200
        rows = read(response)
        assert sorted(row[0] for row in rows[1:]) == expected


def test_a_clean_file_still_imports():
    result = run_import([["甲村", "村", "曲阿街道"]])
    assert import_counts(result)["new"] == 1


LAYOUT = [
    "\u202e",
    "\u202a",
    "\u2066",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u2028",
    "\u2029",
]


@pytest.mark.parametrize("character", LAYOUT)
def test_import_refuses_a_layout_character_naming_row_and_column(character):
    # given a name that would show reversed, or break a line no one sees
    rows = [["甲村", "村", "曲阿街道"], [f"乙{character}村", "村", "曲阿街道"]]

    result = run_import(rows)

    lines = error_lines(result)
    assert len(lines) == 1
    assert lines[0].startswith("第 3 行 · 名称：含有不可见的排版控制字符")
    assert f"U+{ord(character):04X}" in lines[0]
    assert not Community.objects.exists()


@pytest.mark.parametrize("character", ["\u202e", "\u2028"])
def test_admin_form_refuses_a_layout_character_in_one_line_and_multiline_text(
    admin_client, character
):
    from projects.models import KeyProject

    name = admin_client.post(
        reverse("admin:devzone_community_add"),
        {
            "name": f"高楼{character}社区",
            "kind": "community",
            "subdistrict": "曲阿街道",
        },
    )

    assert name.status_code == 200
    errors = name.context["adminform"].form.errors["name"]
    assert (
        f"含有不可见的排版控制字符（U+{ord(character):04X}，第 3 个字符）" in errors[0]
    )
    assert "请删除后重新填写" in errors[0]
    assert not Community.objects.exists()
    field = KeyProject._meta.get_field("progress")
    assert KeyProject.cell_errors(field, "第一行\r\n第二行") == []
    refused = KeyProject.cell_errors(field, f"第一行\r\n第二{character}行")
    assert "含有不可见的排版控制字符" in refused[0].messages[0]


def test_every_character_refused_in_text_is_one_that_is_not_printable():
    # validate_plain_text passes printable text without searching it: no
    # character its patterns refuse may be printable, in all of Unicode
    from devzone.validators import (
        CONTROL_CHARACTERS,
        LAYOUT_CHARACTERS,
        MULTILINE_CONTROL_CHARACTERS,
        validate_plain_text,
    )

    patterns = [CONTROL_CHARACTERS, LAYOUT_CHARACTERS, MULTILINE_CONTROL_CHARACTERS]
    refused = [
        chr(code)
        for code in range(0x110000)
        if any(pattern.match(chr(code)) for pattern in patterns)
    ]
    assert len(refused) > 60  # the C0 and C1 controls, DEL and the layout marks
    assert not [c for c in refused if c.isprintable()]
    for character in ["\x0b", "\u200e", "\u2028", "\x85"]:
        with pytest.raises(ValidationError):
            validate_plain_text(f"张{character}三")
    validate_plain_text("张三 321181195001010000 (+86) 139-1234-5678 ｜全角　空格")
