"""Ledgers as offices keep them: title rows, 序号, aliases, two-row headers, footers."""

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from devzone.spreadsheets.formats import read_dataset
from projects.models import RelocationHousehold
from projects.resources import RelocationHouseholdResource
from tests.spreadsheets import confirm, csv_bytes, page_text, upload

SAMPLES = Path("fixtures/samples")
HOUSEHOLD = "projects_relocationhousehold"


def sample_rows():
    """Return the eight households of the sample file: its header, then its rows."""
    dataset = read_dataset(
        (SAMPLES / "projects_households_gbk.csv").read_bytes(), "x.csv"
    )
    return list(dataset.headers), [list(row) for row in dataset]


ALIASES = {
    "户主姓名": "户主",
    "身份证号": "公民身份号码",
    "联系电话": "手机号码",
    "所属村/社区": "村（社区）",
    "搬迁面积（平方米）": "搬迁面积(平方米)",
    "补偿金额（元）": "补偿金额 (元)",
}


def ledger_xlsx(header_rows, rows, footer, merges=()):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["丹阳经济开发区2021年度搬迁户台账"])
    sheet.append(["填报单位：练湖新城社区", None, None, "单位：元"])
    for row in header_rows:
        sheet.append(row)
    for row in rows:
        sheet.append(row)
    sheet.append([])
    for row in footer:
        sheet.append(row)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=8)
    for merge in merges:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def numbered(rows):
    return [[index, *row] for index, row in enumerate(rows, start=1)]


def test_a_ledger_with_title_number_column_aliases_and_footer_imports_its_rows(
    admin_client, tianbo
):
    # given the sample's households as an office keeps them
    header, rows = sample_rows()
    header = ["序号", *[ALIASES.get(h, h) for h in header]]
    data = ledger_xlsx(
        [header],
        numbered(rows),
        [["合计", None, None, None, None, None, None, 3500]]
        + [["填表人：张三", None, "审核人：李四"]],
    )

    # when it is imported
    preview = upload(admin_client, HOUSEHOLD, "台账.xlsx", data)
    text = page_text(preview)

    # then every household is new, and the title and footer rows are named, not read
    assert "新增 8 条" in text, text
    assert "第 1 行为标题，未导入" in text
    assert "第 2 行为标题，未导入" in text
    assert "第 13 行为合计或落款，未导入" in text
    assert "第 14 行为合计或落款，未导入" in text
    assert "不导入的列" not in text
    confirm(admin_client, HOUSEHOLD, preview)
    assert RelocationHousehold.objects.count() == 8
    assert set(RelocationHousehold.objects.values_list("head_name", flat=True)) == {
        row[1] for row in rows
    }


def test_errors_name_the_rows_of_the_file_below_a_title(admin_client, tianbo):
    header, rows = sample_rows()
    rows[2][2] = "321181199107297780"  # a wrong check character, file row 6
    data = ledger_xlsx([["序号", *header]], numbered(rows), [])
    text = page_text(upload(admin_client, HOUSEHOLD, "台账.xlsx", data))
    assert "第 6 行" in text
    assert not RelocationHousehold.objects.exists()


def test_a_two_row_header_reads_the_group_title_with_its_columns(tianbo):
    # given a header whose 联系方式 group spans 电话 and 村（社区）, merged down elsewhere
    header, rows = sample_rows()
    upper = [*header]
    lower = [None] * len(header)
    phone = header.index("联系电话")
    upper[phone], upper[phone + 1] = "联系", None
    lower[phone], lower[phone + 1] = "电话", "所属村/社区"
    data = ledger_xlsx([upper, lower], rows, [["合计"]], merges=[("A3:A4")])

    # when it is read
    resource = RelocationHouseholdResource(unmasked=True)
    result = resource.import_data(read_dataset(data, "x.xlsx"), dry_run=True)

    # then the joined names 联系电话 and 所属村/社区 were matched
    assert not result.has_errors(), [e.error for e in result.base_errors]
    assert not result.has_validation_errors()
    assert result.totals["new"] == 8
    assert "所属村/社区" in resource.preview_headers
    assert "联系电话" in resource.preview_headers


def test_unknown_columns_are_listed_and_a_missing_key_still_refuses(
    admin_client, tianbo
):
    header, rows = sample_rows()
    data = csv_bytes([[*header, "户籍类别"], *[[*row, "农业"] for row in rows]])
    text = page_text(upload(admin_client, HOUSEHOLD, "x.csv", data))
    assert "新增 8 条" in text
    assert "不导入的列：户籍类别" in text

    key = header.index("身份证号")
    data = csv_bytes(
        [[h for i, h in enumerate(header) if i != key]]
        + [[c for i, c in enumerate(row) if i != key] for row in rows]
    )
    text = page_text(upload(admin_client, HOUSEHOLD, "x.csv", data))
    assert "缺少必需的列：身份证号" in text


def test_a_total_among_the_data_without_a_blank_row_is_not_set_aside(tianbo):
    header, rows = sample_rows()
    rows.insert(3, ["小计", *[None] * (len(header) - 1)])
    data = csv_bytes([header, *rows])
    resource = RelocationHouseholdResource(unmasked=True)
    result = resource.import_data(read_dataset(data, "x.csv"), dry_run=True)
    assert result.has_validation_errors()


LEDGERS = SAMPLES / "ledgers"


@pytest.mark.parametrize(
    "name",
    [
        "households_ledger_source.xlsx",
        "households_ledger_libreoffice.xlsx",
        "households_ledger_libreoffice.xls",
        "households_ledger_libreoffice.ods",
        "households_ledger_unicode.txt",
    ],
)
def test_ledgers_saved_by_real_programs_import_exactly_their_rows(
    admin_client, tianbo, name
):
    # given the same ledger saved by openpyxl, LibreOffice (xlsx, xls, ods), as UTF-16
    preview = upload(admin_client, HOUSEHOLD, name, (LEDGERS / name).read_bytes())
    text = page_text(preview)

    # then its eight households, and nothing from its title or footer, are imported
    assert "新增 8 条" in text, text[-1500:]
    assert "第 1 行为标题，未导入" in text
    assert "第 13 行为合计或落款，未导入" in text
    assert "第 14 行为合计或落款，未导入" in text
    confirm(admin_client, HOUSEHOLD, preview)
    _, rows = sample_rows()
    assert sorted(
        RelocationHousehold.objects.values_list("id_number", "phone", "household_size")
    ) == sorted((row[2], row[3], int(row[6])) for row in rows)


def test_a_broken_xls_is_refused_in_words_that_fit_it(admin_client):
    data = (LEDGERS / "households_ledger_libreoffice.xls").read_bytes()[:3000]
    response = upload(admin_client, HOUSEHOLD, "x.xls", data)
    [message] = response.context["form"].errors["import_file"]
    assert message.startswith("无法读取该 xls（Excel 97-2003） 文件"), message
    assert not RelocationHousehold.objects.exists()


def test_semicolon_and_tab_separated_text_is_read(tianbo):
    header, rows = sample_rows()
    for separator in (";", "\t"):
        text = "\n".join(separator.join(map(str, r)) for r in [header, *rows])
        dataset = read_dataset(text.encode(), "x.csv")
        assert dataset.headers == header
        assert len(dataset) == 8
