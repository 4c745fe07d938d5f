"""A household file with one row of each kind of error shows them all in one preview."""

import datetime

from django.utils import timezone

from devzone.spreadsheets.formats import read_dataset
from devzone.spreadsheets.resources import ImportRun
from devzone.spreadsheets.results import error_lines, preview_counts
from projects.models import RelocationHousehold
from projects.resources import RelocationHouseholdResource
from tests.projects.factories import id_number, id_number_from
from tests.spreadsheets import csv_bytes, error_items, upload

HEADER = ["搬迁项目", "户主姓名", "身份证号", "所属村/社区", "搬迁面积（平方米）"]


def seven_error_rows():
    good = id_number(1)
    wrong_check = id_number(2)[:-1] + ("0" if id_number(2)[-1] != "0" else "1")
    tomorrow = timezone.localdate() + datetime.timedelta(days=400)
    return [
        HEADER,
        ["天波城北侧", "张一", good, "练湖新城社区", 100],  # 2: fine
        ["天波城北侧", "张二", wrong_check, "练湖新城社区", 100],  # 3
        ["天波城北侧", "张三", "3.21181E+17", "练湖新城社区", 100],  # 4
        ["天波城北侧", "张四", id_number(4), "练湖新城社区", -5],  # 5
        ["天波城北侧", "张五", id_number(5), "不存在的社区", 100],  # 6
        ["天波城北侧", "张一", good, "练湖新城社区", 90],  # 7: row 2's key again
        ["天波城北侧", "张七", id_number_from(tomorrow, 7), "练湖新城社区", 100],  # 8
        # 9: two errors on one row, both named
        ["天波城北侧", "张九", wrong_check, "练湖新城社区", -1],
    ]


def test_the_seven_error_household_file_names_every_error_in_one_preview(tianbo):
    dataset = read_dataset(csv_bytes(seven_error_rows()), "h.csv")

    result = RelocationHouseholdResource(run=ImportRun()).import_data(
        dataset, dry_run=True
    )

    lines = error_lines(result)
    text = "\n".join(lines)
    assert not result.base_errors
    assert "第 3、9 行 · 身份证号" in text
    assert "第 4 行 · 身份证号" in text and "Excel" in text
    assert "第 5、9 行 · 搬迁面积（平方米）" in text
    assert "第 6 行 · 所属村/社区" in text
    assert "第 7 行" in text and "与第 2 行" in text
    assert "第 8 行 · 身份证号" in text
    assert preview_counts(result)["invalid"] == 7
    assert len(lines) == 6


def test_the_admin_preview_counts_every_bad_row(admin_client, tianbo):
    response = upload(
        admin_client,
        "projects_relocationhousehold",
        "h.csv",
        csv_bytes(seven_error_rows()),
    )

    assert len(error_items(response)) == 6
    assert "7 行数据有误" in response.content.decode()
    assert not RelocationHousehold.objects.exists()
