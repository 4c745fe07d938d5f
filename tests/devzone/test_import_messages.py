"""Every broken file gets one clear answer in Chinese, naming the problem and the fix."""

import datetime
import io
import time
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from devzone.models import Community
from devzone.resources import CommunityResource
from devzone.spreadsheets.formats import read_dataset
from devzone.spreadsheets.results import ImportFileError, error_lines, row_ranges
from tests.spreadsheets import csv_bytes, error_items, page_text, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

COMMUNITY = "devzone_community"
HEADER = ["名称", "类型", "所属街道"]


def form_errors(response):
    return response.context["form"].errors.get("import_file", [])


def run_import(data, name="c.csv", dry_run=False):
    return CommunityResource(unmasked=True).import_data(
        read_dataset(data, name), dry_run=dry_run
    )


def test_a_row_with_too_many_cells_names_its_line_and_the_reason(admin_client):
    data = "名称,类型,所属街道\n甲村,村,曲阿街道\n乙村,村,曲阿街道,多余\n".encode()
    response = upload(admin_client, COMMUNITY, "c.csv", data)
    [message] = form_errors(response)
    assert message.startswith("第 3 行有 4 个单元格，而表头只有 3 列")
    assert "逗号" in message


def test_trailing_empty_cells_are_not_too_many(admin_client):
    data = "名称,类型,所属街道\n甲村,村,曲阿街道,,\n".encode()
    assert "新增 1 条" in page_text(upload(admin_client, COMMUNITY, "c.csv", data))


def test_an_unbalanced_quote_names_the_line_once(admin_client):
    data = '名称,类型,所属街道\n甲村,村,曲阿街道\n"乙村,村,曲阿街道\n丙村,村,曲阿街道\n'
    response = upload(admin_client, COMMUNITY, "c.csv", data.encode())
    [message] = form_errors(response)
    assert message.startswith("CSV 文件第 3 行格式有误：引号没有闭合")
    assert "此字段不能为空" not in page_text(response)


def test_a_header_only_file_is_refused_in_chinese(admin_client):
    for name, data in [
        ("c.csv", csv_bytes([HEADER])),
        ("c.xlsx", xlsx_bytes([HEADER, [None, None, None]])),
    ]:
        [message] = form_errors(upload(admin_client, COMMUNITY, name, data))
        assert message.startswith("文件只有表头，没有数据行")


def test_a_file_for_another_table_stops_at_the_header(admin_client):
    # given a welfare recipients' file uploaded as communities
    rows = [["姓名", "身份证号", "村/社区"]] + [["张三", "x", "高楼社区"]] * 30
    response = upload(admin_client, COMMUNITY, "c.csv", csv_bytes(rows))

    # then one message names what is missing and what is unknown, and no row errors
    assert error_items(response) == [
        "表头与“村/社区”的表格不符（缺少必需的列：名称；无法识别的列：姓名、身份证号、村/社区）。"
        "请确认上传的是“村/社区”的表格，并按可用的列修改表头；"
        "可用的列：名称、类型、所属街道、统计用区划代码、建成居家养老服务中心、"
        "党群服务中心标准化建设。"
    ]
    assert "null" not in page_text(response)


def test_the_same_error_on_many_rows_is_one_line():
    rows = [HEADER] + [[f"村{n}", "镇", "曲阿街道"] for n in range(40)]
    rows[20][1] = "乡"
    lines = error_lines(run_import(csv_bytes(rows)))
    assert lines == [
        "第 2–20、22–41 行 · 类型：「镇」不是有效选项，可选：村、社区。",
        "第 21 行 · 类型：「乡」不是有效选项，可选：村、社区。",
    ]
    assert not Community.objects.exists()


def test_row_ranges_read_like_a_person_writes_them():
    assert row_ranges([5, 3, 4, 9, 11, 12]) == "3–5、9、11–12"


def test_blank_rows_are_skipped_and_later_rows_keep_their_numbers(admin_client):
    rows = [HEADER, ["甲村", "村", "曲阿街道"], ["", "", ""], ["", "", ""]]
    rows += [["乙村", "镇", "曲阿街道"]]
    response = upload(admin_client, COMMUNITY, "c.csv", csv_bytes(rows))
    assert error_items(response) == [
        "第 5 行 · 类型：「镇」不是有效选项，可选：村、社区。"
    ]
    rows[4][1] = "村"
    response = upload(admin_client, COMMUNITY, "c.xlsx", xlsx_bytes(rows))
    assert "共 2 行：新增 2 条，更新 0 条，未变 0 条" in page_text(response)


def test_an_empty_star_rating_says_the_cell_is_required():
    from governance.models import PartyBranch
    from governance.resources import BranchRatingResource

    PartyBranch.objects.create(name="高楼社区党委", kind="community")
    data = csv_bytes([["党支部", "年度", "星级"], ["高楼社区党委", "2021", ""]])
    result = BranchRatingResource().import_data(read_dataset(data, "r.csv"))
    assert error_lines(result) == ["第 2 行 · 星级：此字段不能为空。"]


def test_a_long_cell_is_refused_with_a_short_message():
    data = csv_bytes([HEADER, ["村" * 5000, "镇" * 5000, "曲阿街道"]])
    lines = error_lines(run_import(data))
    assert all(len(line) < 200 for line in lines)
    assert any("类型" in line and "共 5000 个字符" in line for line in lines)


def xlsx_with_sheet(sheet_xml):
    """Return an XLSX whose only sheet is the given XML."""
    buffer = io.BytesIO(xlsx_bytes([HEADER, ["甲村", "村", "曲阿街道"]]))
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            target.writestr(info.filename, data)
    return out.getvalue()


def sheet(dimension, rows_xml):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>'
    ).encode()


HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>类型</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>甲村</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t>村</t></is></c></row>'
)


def timed_refusal(data, name="c.xlsx"):
    start = time.monotonic()
    with pytest.raises(ImportFileError) as excinfo:
        read_dataset(data, name)
    assert time.monotonic() - start < 1
    return str(excinfo.value)


def test_a_sheet_declaring_too_many_rows_is_refused_at_once():
    data = xlsx_with_sheet(sheet("A1:B1048576", HEADER_ROW))
    assert len(data) < 10_000
    assert "声明了 1048576 行，超过了每次最多导入 200000 行" in timed_refusal(data)


def test_a_sheet_declaring_too_many_columns_is_refused_at_once():
    data = xlsx_with_sheet(sheet("A1:XFD2", HEADER_ROW))
    assert "声明了 16384 列" in timed_refusal(data)


def test_a_workbook_that_unpacks_too_large_is_refused(settings):
    settings.DEVZONE_IMPORT_MAX_UNPACKED_BYTES = 2**20
    cell = "村" * 400_000
    data = xlsx_with_sheet(sheet("A1:B2", HEADER_ROW.replace("甲村", cell)))
    assert len(data) < 100_000
    assert "解压后有" in timed_refusal(data)


def test_a_huge_cell_is_refused_naming_its_place():
    data = xlsx_with_sheet(sheet("A1:B2", HEADER_ROW.replace("甲村", "村" * 40_000)))
    message = timed_refusal(data)
    assert message.startswith("第 2 行第 1 列的单元格有 40000 个字符")


def test_a_csv_cell_one_over_the_limit_is_refused_and_one_at_it_is_not(settings):
    # given the cell limit lowered to 50 characters
    settings.DEVZONE_IMPORT_MAX_CELL_CHARS = 50

    # a row of text with a cell of exactly 50 characters is read as it is
    at_limit = [HEADER, ["甲村", "村", "街" * 50]]
    assert read_dataset(csv_bytes(at_limit), "c.csv")[0][2] == "街" * 50

    # one of 51 is refused, naming its row and column, whatever the other cells
    over = [HEADER, ["甲村", "村", "街"], ["乙村", "村", "街" * 51]]
    assert timed_refusal(csv_bytes(over), "c.csv").startswith(
        "第 3 行第 3 列的单元格有 51 个字符"
    )


def test_a_long_cell_beside_numbers_and_dates_is_refused(settings):
    # given a workbook row holding a number and a date before a text cell too long
    settings.DEVZONE_IMPORT_MAX_CELL_CHARS = 50
    header = [*HEADER, "人数", "日期"]
    row = ["甲村", "村", "街" * 51, 12, datetime.date(2021, 3, 1)]

    # then the text cell is still measured and refused
    assert timed_refusal(xlsx_bytes([header, row])).startswith(
        "第 2 行第 3 列的单元格有 51 个字符"
    )


def test_many_declared_blank_rows_are_read_quickly_and_not_counted(admin_client):
    blank = "".join(f'<row r="{n}"/>' for n in range(3, 50_000))
    data = xlsx_with_sheet(sheet("A1:B50000", HEADER_ROW + blank))
    start = time.monotonic()
    response = upload(admin_client, COMMUNITY, "c.xlsx", data)
    assert time.monotonic() - start < 3
    assert "共 1 行：新增 1 条，更新 0 条，未变 0 条" in page_text(response)


def test_a_file_over_the_row_limit_is_refused(settings):
    settings.DEVZONE_IMPORT_MAX_ROWS = 10
    rows = [HEADER] + [[f"村{n}", "村", "曲阿街道"] for n in range(11)]
    assert "最多导入 10 行" in timed_refusal(csv_bytes(rows), "c.csv")


def test_a_broken_zip_is_refused():
    data = xlsx_bytes([HEADER, ["甲村", "村", "曲阿街道"]])
    assert "已损坏" in timed_refusal(data[: len(data) // 2])


# Tampered confirm forms ----------------------------------------------------------------


def confirm_with(client, **changes):
    response = upload(
        client, COMMUNITY, "c.csv", csv_bytes([HEADER, ["甲村", "村", ""]])
    )
    data = {**response.context["confirm_form"].initial, **changes}
    return client.post(reverse(f"admin:{COMMUNITY}_process_import"), data)


@pytest.mark.parametrize(
    "changes",
    [{"format": "abc"}, {"format": "7"}, {"format": "-1"}, {"resource": "9"}],
)
def test_a_tampered_confirm_form_is_refused_in_chinese(admin_client, changes):
    response = confirm_with(admin_client, **changes)
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("确认导入的表单已被改动")
    assert not Community.objects.exists()


def test_a_tampered_upload_name_is_not_called_expired(admin_client):
    response = confirm_with(admin_client, import_file_name="../../etc/passwd")
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "上传文件的标识无效" in message
    assert not Community.objects.exists()


def test_a_refusal_at_confirm_names_the_row_not_a_change(admin_client):
    # given a previewed file, and meanwhile another community given the same code
    rows = [HEADER + ["统计用区划代码"], ["甲村", "村", "", "321181000001"]]
    response = upload(admin_client, COMMUNITY, "c.csv", csv_bytes(rows))
    Community.objects.create(
        name="乙村", kind="village", statistical_code="321181000001"
    )

    # when the import is confirmed
    response = admin_client.post(
        reverse(f"admin:{COMMUNITY}_process_import"),
        response.context["confirm_form"].initial,
    )

    # then the message names the row, the column and the rule; nothing is saved
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == (
        "导入未执行，没有保存任何数据："
        "第 2 行 · 统计用区划代码：统计用区划代码已被其他村/社区使用。"
    )
    assert not Community.objects.filter(name="甲村").exists()
