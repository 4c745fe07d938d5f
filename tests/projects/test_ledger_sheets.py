"""A ledger of many sheets: one sheet per community, beside 说明 and 汇总 sheets."""

import io
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from projects.models import RelocationHousehold
from tests.projects.test_ledgers import sample_rows
from tests.spreadsheets import (
    CSV_FORMAT,
    confirm,
    error_items,
    page_text,
    preview_cells,
    upload,
)

LEDGERS = Path("fixtures/samples/ledgers")
HOUSEHOLD = "projects_relocationhousehold"


def workbook_bytes(sheets):
    """Return an XLSX of {sheet name: rows}, in order."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def community_sheets():
    """Return the sample's households as two community sheets with a title row."""
    header, rows = sample_rows()
    return {
        "练湖新城社区": [["练湖新城社区搬迁户台账"], header, *rows[:5]],
        "高楼社区": [["高楼社区搬迁户台账"], header, *rows[5:]],
    }


@pytest.mark.parametrize("extension", ["xlsx", "xls", "ods"])
def test_a_libreoffice_ledger_of_many_sheets_imports_exactly_its_rows(
    admin_client, tianbo, extension
):
    # given the ledger of one sheet per community, between 说明 and 汇总
    data = (LEDGERS / f"households_sheets_libreoffice.{extension}").read_bytes()

    # when it is previewed
    preview = upload(admin_client, HOUSEHOLD, f"台账.{extension}", data, CSV_FORMAT)
    text = page_text(preview)

    # then both community sheets are read, named by sheet, and the others left out
    assert "新增 8 条" in text, text
    assert "未导入的工作表" in text and "“说明”" in text and "“汇总”" in text
    assert "“练湖新城社区”表第 1 行为标题，未导入" in text
    assert "“高楼社区”表第 7 行为合计或落款，未导入" in text
    lines = [row[0] for row in preview_cells(preview)]
    assert lines[0] == "“练湖新城社区”表第 3 行"
    assert lines[5] == "“高楼社区”表第 3 行"
    confirm(admin_client, HOUSEHOLD, preview)
    assert RelocationHousehold.objects.count() == 8
    assert RelocationHousehold.objects.filter(community__name="高楼社区").count() == 3


def test_sheets_with_their_columns_in_another_order_are_joined(admin_client, tianbo):
    sheets = community_sheets()
    header, *rows = sheets["高楼社区"][1:]
    order = list(reversed(range(len(header))))
    sheets["高楼社区"][1:] = [[row[i] for i in order] for row in [header, *rows]]

    preview = upload(admin_client, HOUSEHOLD, "台账.xlsx", workbook_bytes(sheets))

    assert "新增 8 条" in page_text(preview)
    confirm(admin_client, HOUSEHOLD, preview)
    assert RelocationHousehold.objects.count() == 8


def test_bad_rows_are_named_by_sheet_and_row_and_nothing_is_saved(admin_client, tianbo):
    # given a wrong ID number on the second sheet's third data row (file row 5)
    sheets = community_sheets()
    header = sheets["高楼社区"][1]
    sheets["高楼社区"][4][header.index("身份证号")] = "321181199107297780"
    sheets["练湖新城社区"][3][header.index("搬迁面积（平方米）")] = "很大"

    # when it is previewed
    preview = upload(admin_client, HOUSEHOLD, "台账.xlsx", workbook_bytes(sheets))

    # then each error names its sheet and row, and nothing can be confirmed
    errors = " ".join(error_items(preview)) or page_text(preview)
    assert "“高楼社区”表第 5 行" in errors, errors
    assert "“练湖新城社区”表第 4 行" in errors, errors
    assert preview.context.get("confirm_form") is None
    assert not RelocationHousehold.objects.exists()


def test_the_same_household_on_two_sheets_is_refused_naming_both(admin_client, tianbo):
    sheets = community_sheets()
    sheets["高楼社区"].append(sheets["练湖新城社区"][2])

    preview = upload(admin_client, HOUSEHOLD, "台账.xlsx", workbook_bytes(sheets))

    text = page_text(preview)
    assert "“高楼社区”表第 6 行" in text
    assert "与“练湖新城社区”表第 3 行的" in text
    assert not RelocationHousehold.objects.exists()


def test_a_sheet_with_the_key_columns_but_other_columns_refuses_the_file(
    admin_client, tianbo
):
    sheets = community_sheets()
    header = sheets["高楼社区"][1]
    drop = header.index("联系电话")
    sheets["高楼社区"][1:] = [r[:drop] + r[drop + 1 :] for r in sheets["高楼社区"][1:]]

    text = page_text(
        upload(admin_client, HOUSEHOLD, "台账.xlsx", workbook_bytes(sheets))
    )

    assert "“高楼社区”表的表头与“练湖新城社区”表不同" in text
    assert "缺少“练湖新城社区”表中的列：联系电话" in text
    assert not RelocationHousehold.objects.exists()


def test_an_empty_extra_sheet_is_named_and_left_out(admin_client, tianbo):
    sheets = {**community_sheets(), "Sheet3": [], "备用": [[None], [""]]}

    preview = upload(admin_client, HOUSEHOLD, "台账.xlsx", workbook_bytes(sheets))

    text = page_text(preview)
    assert "新增 8 条" in text
    assert "空的工作表，未导入：“Sheet3”、“备用”" in text


def test_a_workbook_of_only_other_sheets_is_refused_for_its_header(
    admin_client, tianbo
):
    sheets = {"说明": [["按社区填写"]], "汇总": [["社区", "户数"], ["高楼社区", 3]]}

    text = page_text(
        upload(admin_client, HOUSEHOLD, "台账.xlsx", workbook_bytes(sheets))
    )

    assert "表头与“搬迁户”的表格不符" in text
    assert not RelocationHousehold.objects.exists()


def test_a_huge_number_of_sheets_is_refused_before_reading_them(
    admin_client, tianbo, settings
):
    settings.DEVZONE_IMPORT_MAX_SHEETS = 20
    header, rows = sample_rows()
    sheets = {f"第{i}组": [header, rows[0]] for i in range(21)}

    text = page_text(
        upload(admin_client, HOUSEHOLD, "台账.xlsx", workbook_bytes(sheets))
    )

    assert "工作簿有 21 个工作表，超过了每个文件最多 20 个工作表的限制" in text
    assert not RelocationHousehold.objects.exists()


def test_the_row_limit_counts_the_rows_of_all_sheets(admin_client, tianbo, settings):
    # given two sheets of four rows each, under a limit of six rows a file
    header, rows = sample_rows()
    settings.DEVZONE_IMPORT_MAX_ROWS = 6
    one = {"练湖新城社区": [header, *rows[:4]]}
    two = {**one, "高楼社区": [header, *rows[4:]]}

    # then one sheet is read, and the two together are refused
    ok = page_text(upload(admin_client, HOUSEHOLD, "台账.xlsx", workbook_bytes(one)))
    assert "新增 4 条" in ok
    text = page_text(upload(admin_client, HOUSEHOLD, "台账.xlsx", workbook_bytes(two)))
    assert "超过了每次最多导入 6 行数据的限制" in text, text
    assert not RelocationHousehold.objects.exists()


def test_import_file_reads_every_community_sheet(admin_user, tianbo):
    out = io.StringIO()
    call_command(
        "import_file",
        "projects.relocationhousehold",
        str(LEDGERS / "households_sheets_libreoffice.xls"),
        user="admin",
        stdout=out,
        stderr=io.StringIO(),
    )

    assert "导入完成：新增 8 条" in out.getvalue()
    assert "未导入的工作表" in out.getvalue()
    assert RelocationHousehold.objects.count() == 8


def test_import_file_names_a_bad_row_by_its_sheet(admin_user, tianbo):
    sheets = community_sheets()
    header = sheets["高楼社区"][1]
    sheets["高楼社区"][2][header.index("身份证号")] = "321181199107297780"
    path = Path(tempfile.mkdtemp()) / "台账.xlsx"
    path.write_bytes(workbook_bytes(sheets))

    with pytest.raises(CommandError, match="“高楼社区”表第 3 行"):
        call_command(
            "import_file",
            "projects.relocationhousehold",
            str(path),
            user="admin",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not RelocationHousehold.objects.exists()


def test_a_summary_sheet_of_formulas_is_left_out_and_the_sheets_imported(
    admin_client, tianbo
):
    # given a 汇总 sheet counting each community's rows with formulas no program
    # computed (the workbook is then read by openpyxl, formula by formula)
    sheets = {
        **community_sheets(),
        "汇总": [["社区", "户数"], ["练湖新城社区", "=COUNTA(练湖新城社区!B3:B7)"]],
    }

    preview = upload(admin_client, HOUSEHOLD, "台账.xlsx", workbook_bytes(sheets))

    text = page_text(preview)
    assert "新增 8 条" in text, text
    assert "“汇总”" in text
    confirm(admin_client, HOUSEHOLD, preview)
    assert RelocationHousehold.objects.count() == 8


def test_a_formula_without_its_result_on_a_community_sheet_is_named_by_sheet(
    admin_client, tianbo
):
    sheets = community_sheets()
    header = sheets["高楼社区"][1]
    sheets["高楼社区"][3][header.index("家庭人口（人）")] = "=1+2"

    text = page_text(
        upload(admin_client, HOUSEHOLD, "台账.xlsx", workbook_bytes(sheets))
    )

    assert "“高楼社区”表第 4 行" in text, text
    assert "=1+2" in text
    assert not RelocationHousehold.objects.exists()
