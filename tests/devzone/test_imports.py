import datetime
import os
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from devzone.models import AnnualIndicator, Area, Community, ImportBatch
from devzone.resources import (
    AnnualIndicatorResource,
    AreaResource,
    CommunityResource,
)
from devzone.spreadsheets.formats import decode_csv, header_key, read_dataset
from devzone.spreadsheets.results import error_lines
from devzone.spreadsheets.uploads import purge_abandoned, upload_dir
from devzone.spreadsheets.widgets import (
    DecimalWidget,
    IdNumberWidget,
    IntegerWidget,
    PhoneWidget,
    parse_date,
)
from tests.spreadsheets import (
    confirm,
    csv_bytes,
    error_items,
    page_text,
    upload,
    xlsx_bytes,
)

SAMPLES = Path("fixtures/samples")
COMMUNITY = "devzone_community"
INDICATOR = "devzone_annualindicator"
AREA = "devzone_area"
HEADER = [
    "名称",
    "类型",
    "所属街道",
    "统计用区划代码",
    "建成居家养老服务中心",
    "党群服务中心标准化建设",
]


def community_rows():
    return sorted(
        Community.objects.values_list(
            "name",
            "kind",
            "subdistrict",
            "statistical_code",
            "has_home_care_center",
            "has_party_service_center",
        )
    )


def import_sample(client, name):
    preview = upload(client, COMMUNITY, name, (SAMPLES / name).read_bytes())
    assert preview.status_code == 200
    assert "confirm_form" in preview.context, error_items(preview)
    done = confirm(client, COMMUNITY, preview)
    assert done.status_code == 302
    return preview


@pytest.mark.parametrize(
    "sample", ["communities_gbk.csv", "communities_utf8_bom.csv", "communities.xlsx"]
)
def test_each_encoding_imports_the_same_rows(admin_client, sample):
    # given the same four communities saved as GBK CSV, UTF-8 CSV with BOM and XLSX
    # when the file is previewed and confirmed
    preview = import_sample(admin_client, sample)

    # then the preview shows the decoded Chinese, and the saved rows are the same
    assert "练湖新城社区" in page_text(preview)
    assert "新增 4 条" in page_text(preview)
    assert community_rows() == [
        ("普善村", "village", "曲阿街道", "", False, True),
        ("练湖新城社区", "community", "曲阿街道", "321181400900", True, True),
        ("联观村", "village", "曲阿街道", "321181400220", True, False),
        ("高楼社区", "community", "曲阿街道", "321181400100", True, True),
    ]


def test_plain_utf8_csv_without_bom_imports(admin_client):
    data = csv_bytes(
        [HEADER, ["高楼社区", "社区", "曲阿街道", "", "是", "是"]], "utf-8"
    )
    assert not data.startswith(b"\xef\xbb\xbf")
    preview = upload(admin_client, COMMUNITY, "c.csv", data)
    confirm(admin_client, COMMUNITY, preview)
    assert Community.objects.get().name == "高楼社区"


def test_reimporting_the_same_file_changes_nothing(admin_client):
    import_sample(admin_client, "communities_gbk.csv")
    before = list(Community.objects.order_by("pk").values_list("pk", "updated_at"))

    preview = import_sample(admin_client, "communities.xlsx")

    assert "未变 4 条" in page_text(preview)
    assert (
        list(Community.objects.order_by("pk").values_list("pk", "updated_at")) == before
    )


def test_reimport_updates_instead_of_duplicating(admin_client):
    import_sample(admin_client, "communities_gbk.csv")
    data = csv_bytes([HEADER, ["普善村", "村", "曲阿街道", "", "是", "是"]])

    preview = upload(admin_client, COMMUNITY, "c.csv", data)
    assert "更新 1 条" in page_text(preview)
    confirm(admin_client, COMMUNITY, preview)

    assert Community.objects.filter(name="普善村").count() == 1
    assert Community.objects.get(name="普善村").has_home_care_center is True


def test_file_with_bad_rows_saves_nothing_and_names_each_row(admin_client):
    # given a file whose rows 2, 3 and 4 are bad and row 5 is good
    preview = upload(
        admin_client,
        COMMUNITY,
        "bad.csv",
        (SAMPLES / "communities_errors.csv").read_bytes(),
    )

    # then every error is listed with its row, column and reason, and nothing is saved
    assert error_items(preview) == [
        "第 2 行 · 统计用区划代码：统计用区划代码应为 12 位数字。",
        "第 3 行 · 类型：「镇」不是有效选项，可选：村、社区。",
        "第 3 行 · 建成居家养老服务中心：「也许」应填“是”或“否”。",
        "第 4 行 · 名称：此字段不能为空。",
    ]
    assert "没有保存任何数据" in page_text(preview)
    assert "confirm_form" not in preview.context
    assert Community.objects.count() == 0


def test_one_bad_row_among_many_saves_none(admin_client):
    rows = [HEADER] + [
        [f"测试村{i}", "村", "曲阿街道", "", "是", "是"] for i in range(30)
    ]
    rows[17][3] = "12345"
    preview = upload(admin_client, COMMUNITY, "many.csv", csv_bytes(rows))
    assert error_items(preview) == [
        "第 18 行 · 统计用区划代码：统计用区划代码应为 12 位数字。"
    ]
    assert Community.objects.count() == 0


def test_database_constraint_errors_are_reported_per_row(admin_client):
    # given an approved plan without its approval date (a CheckConstraint)
    data = csv_bytes([["名称", "控规状态", "批复日期"], ["黄荻片区", "已批复", ""]])
    preview = upload(admin_client, AREA, "areas.csv", data)
    assert error_items(preview) == [
        "第 2 行 · 批复日期：已批复的控规必须填写批复日期，未批复的不能填写。"
    ]
    assert Area.objects.count() == 0


def test_same_key_twice_in_one_file_refuses_the_later_row(admin_client):
    rows = [
        HEADER,
        ["高楼社区", "社区", "", "", "是", "是"],
        ["联观村", "村", "", "", "是", "是"],
        ["高楼社区", "社区", "", "", "否", "否"],
    ]
    preview = upload(admin_client, COMMUNITY, "dup.csv", csv_bytes(rows))
    text = page_text(preview)
    assert "第 4 行 · 名称：与第 2 行的“名称”相同：同一记录在文件中只能出现一次" in text
    assert Community.objects.count() == 0


def test_unknown_columns_are_listed_and_not_imported(admin_client):
    data = csv_bytes(
        [["序号", "名称", "类型", "备注栏"], ["1", "高楼社区", "社区", "张三"]]
    )
    preview = upload(admin_client, COMMUNITY, "c.csv", data)
    text = page_text(preview)
    assert "不导入的列：备注栏" in text
    assert "序号" not in text
    confirm(admin_client, COMMUNITY, preview)
    assert Community.objects.get().name == "高楼社区"


def test_missing_key_column_refuses_the_file(admin_client):
    data = csv_bytes([["类型"], ["社区"]])
    preview = upload(admin_client, COMMUNITY, "c.csv", data)
    assert "缺少必需的列：名称" in page_text(preview)


def test_english_field_names_are_accepted_as_headers(admin_client):
    data = csv_bytes([["name", "kind", "has_home_care_center"], ["胡桥村", "村", "否"]])
    preview = upload(admin_client, COMMUNITY, "c.csv", data)
    confirm(admin_client, COMMUNITY, preview)
    assert Community.objects.get().kind == Community.Kind.VILLAGE


def test_headers_match_across_full_width_brackets_spaces_and_case():
    assert header_key("总投资（万元）") == header_key(" 总投资 (万元)")
    assert header_key("Name") == header_key("name")
    dataset = read_dataset(
        csv_bytes([[" 名 称 ", "控规状态"], ["黄荻片区", "未编制"]]), "a.csv"
    )
    AreaResource().normalize_headers(dataset)
    assert dataset.headers == ["名称", "控规状态"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # Read by their bytes, whatever the name says: Unicode text, then a workbook.
        (b"\xff\xfe\x41\x00\x42\x00", "文件只有表头"),
        (b"\xff\xfe\x41\x00\x42", "无法读取该 Unicode 文本文件"),
        (b"PK\x03\x04not really a workbook", "无法读取该 xlsx 文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1broken", "无法读取该 xls（Excel 97-2003）"),
        (bytes(range(128, 256)) * 4, "无法识别文件编码"),
    ],
)
def test_unreadable_csv_gets_a_chinese_error_not_a_500(admin_client, data, message):
    response = upload(admin_client, COMMUNITY, "c.csv", data, fmt=0)
    assert response.status_code == 200
    assert message in page_text(response)
    assert Community.objects.count() == 0


def test_corrupt_xlsx_gets_a_chinese_error(admin_client):
    response = upload(admin_client, COMMUNITY, "c.xlsx", b"PK\x03\x04broken", fmt=1)
    assert response.status_code == 200
    assert "无法读取该 xlsx 文件" in page_text(response)


def test_empty_file_is_refused(admin_client):
    response = upload(admin_client, COMMUNITY, "c.csv", b"", fmt=0)
    assert "所提交的是空文件" in page_text(response)


def test_oversized_file_is_refused_before_reading(admin_client, settings):
    settings.DEVZONE_IMPORT_MAX_BYTES = 1024
    data = csv_bytes([HEADER] + [["村", "村", "", "", "是", "是"]] * 100)
    response = upload(admin_client, COMMUNITY, "big.csv", data)
    assert "文件过大" in page_text(response)


def test_confirming_after_the_upload_expired_saves_nothing(admin_client):
    preview = upload(
        admin_client, COMMUNITY, "c.csv", (SAMPLES / "communities_gbk.csv").read_bytes()
    )
    # an hour later, the abandoned upload was purged when another one arrived
    purge_abandoned(now=time.time() + settings.DEVZONE_UPLOAD_LIFETIME + 1)
    response = confirm(admin_client, COMMUNITY, preview, follow=True)
    assert "找不到这次上传的文件" in page_text(response)
    assert Community.objects.count() == 0


def test_confirm_refuses_when_data_changed_since_the_preview(admin_client):
    # given a preview of a new community whose code is free
    data = csv_bytes([HEADER, ["胡桥村", "村", "", "321181401220", "否", "是"]])
    preview = upload(admin_client, COMMUNITY, "c.csv", data)
    # when someone else takes that code before the confirmation
    Community.objects.create(
        name="别村", kind="village", statistical_code="321181401220"
    )
    response = confirm(admin_client, COMMUNITY, preview)
    # then nothing from the file is saved
    assert response.status_code == 302
    assert not Community.objects.filter(name="胡桥村").exists()
    assert ImportBatch.objects.count() == 0


def test_confirmed_import_is_logged_with_its_counts(admin_client):
    import_sample(admin_client, "communities_gbk.csv")
    log = ImportBatch.objects.get()
    assert (log.file_name, log.new_count, log.model) == (
        "communities_gbk.csv",
        4,
        "devzone.community",
    )


def test_composite_key_and_spreadsheet_numbers(admin_client):
    # given Excel's float year and full-width digits in the value
    rows = [
        ["年度", "指标名称", "数值", "单位"],
        [2021.0, "专利授权", "１,４２０", "件"],
        ["2021.0", "实际利用外资", 6042.5, "万美元"],
    ]
    preview = upload(admin_client, INDICATOR, "i.xlsx", xlsx_bytes(rows))
    confirm(admin_client, INDICATOR, preview)
    assert sorted(AnnualIndicator.objects.values_list("year", "name", "value")) == [
        (2021, "专利授权", Decimal("1420.0000")),
        (2021, "实际利用外资", Decimal("6042.5000")),
    ]


def test_integer_column_refuses_fractions_and_words(admin_client):
    rows = [
        ["年度", "指标名称", "数值", "单位"],
        ["2021.5", "专利授权", "1", "件"],
        ["二〇二一", "专利", "1", "件"],
    ]
    preview = upload(admin_client, INDICATOR, "i.csv", csv_bytes(rows))
    assert error_items(preview) == [
        "第 2 行 · 年度：「2021.5」不是整数。",
        "第 3 行 · 年度：「二〇二一」不是整数。",
    ]


@pytest.mark.parametrize(
    "cell",
    [
        "2021-03-05",
        "2021/3/5",
        "2021.3.5",
        "2021年3月5日",
        "20210305",
        "44260",
        44260,
        datetime.datetime(2021, 3, 5, 0, 0),  # noqa: DTZ001 - a naive cell from openpyxl
        "2021-03-05 00:00:00",
        "２０２１-０３-０５",
    ],
)
def test_dates_parse_in_the_forms_staff_type(cell):
    assert parse_date(cell) == datetime.date(2021, 3, 5)


@pytest.mark.parametrize("cell", ["2021-02-30", "明天", "3/5/2021", "0"])
def test_bad_dates_are_refused_in_chinese(cell):
    with pytest.raises(ValueError, match="不是有效日期"):
        parse_date(cell)


def test_dates_import_from_xlsx_cells_and_text(admin_client):
    rows = [
        ["名称", "控规状态", "批复日期"],
        ["黄荻片区", "已批复", datetime.date(2021, 6, 1)],
        ["大泊片区", "已批复", "2021年7月8日"],
        ["沃得片区", "approved", 44385],
    ]
    preview = upload(admin_client, AREA, "a.xlsx", xlsx_bytes(rows))
    confirm(admin_client, AREA, preview)
    assert dict(Area.objects.values_list("name", "approved_on")) == {
        "黄荻片区": datetime.date(2021, 6, 1),
        "大泊片区": datetime.date(2021, 7, 8),
        "沃得片区": datetime.date(2021, 7, 8),
    }


@pytest.mark.parametrize(
    "cell", [321181199001011234.0, "321181199001011234.0", "3.21181E+17", 3.21181e17]
)
def test_id_number_mangled_by_excel_is_refused_with_a_hint(cell):
    with pytest.raises(ValueError, match="设为“文本”格式"):
        IdNumberWidget().clean(cell)


def test_id_number_text_is_normalised():
    assert (
        IdNumberWidget().clean(" １１０１０５１９４９１２３１００２x ")
        == "11010519491231002X"
    )


def test_phone_from_a_number_cell_loses_its_float_tail():
    assert PhoneWidget().clean(13812345678.0) == "13812345678"
    assert PhoneWidget().clean("138-1234-5678") == "13812345678"


def test_number_widgets_strip_excel_artefacts():
    assert IntegerWidget().clean(12.0) == 12
    assert IntegerWidget().clean("１２") == 12
    assert DecimalWidget().clean("1,008,100") == Decimal("1008100")
    with pytest.raises(ValueError, match="不是数字"):
        DecimalWidget().clean("NaN")


def test_decode_csv_prefers_utf8_and_falls_back_to_gbk():
    assert decode_csv("高楼社区".encode("gbk")) == "高楼社区"
    assert decode_csv("\ufeff高楼社区".encode()) == "高楼社区"
    assert decode_csv("高楼社区".encode()) == "高楼社区"


def test_indicator_resource_imports_outside_the_admin(db):
    dataset = read_dataset(
        csv_bytes(
            [["年度", "指标名称", "数值", "单位"], ["2021", "专利授权", "1420", "件"]]
        ),
        "i.csv",
    )
    result = AnnualIndicatorResource().import_data(dataset, dry_run=False)
    assert not result.has_validation_errors()
    assert AnnualIndicator.objects.get().value == Decimal("1420")


def test_expired_uploads_are_purged_when_a_new_one_arrives(admin_client):
    # given an upload abandoned two hours ago
    old = upload_dir() / ("0" * 32)
    old.write_bytes(b"personal data")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    # when a new file is uploaded
    upload(
        admin_client, COMMUNITY, "c.csv", (SAMPLES / "communities_gbk.csv").read_bytes()
    )
    # then the old one is gone, and the new one waits in the upload folder, not in
    # the database cache
    assert not old.exists()
    assert [p for p in upload_dir().iterdir() if p.suffix == ""]
    assert not cache.get("devzone-import-old")


def test_a_long_file_previews_its_first_rows_and_counts_them_all(admin_client):
    rows = [HEADER] + [
        [f"测试村{i:03d}", "村", "曲阿街道", "", "是", "是"] for i in range(150)
    ]
    preview = upload(admin_client, COMMUNITY, "long.csv", csv_bytes(rows))
    text = page_text(preview)
    assert "共 150 行：新增 150 条" in text
    assert "以下只显示前 100 行" in text
    assert "测试村099" in text and "测试村100" not in text
    confirm(admin_client, COMMUNITY, preview)
    assert Community.objects.count() == 150

    rows[120][4] = "否"
    again = upload(admin_client, COMMUNITY, "long.csv", csv_bytes(rows))
    assert "新增 0 条，更新 1 条，未变 149 条" in page_text(again)


def test_a_database_refusal_is_explained_in_chinese(db, monkeypatch):
    from django.db import IntegrityError

    from devzone.spreadsheets.engine import ImportEngine

    def refuse(*args, **kwargs):
        raise IntegrityError('duplicate key value violates unique constraint "x"')

    # A write refused after every check passed (another user's row, say).
    monkeypatch.setattr(ImportEngine, "write", refuse)
    rows = [HEADER, ["高楼社区", "社区", "曲阿街道", "", "是", "是"]]
    result = CommunityResource().import_data(read_dataset(csv_bytes(rows), "c.csv"))

    assert result.has_errors()
    assert error_lines(result) == [
        "数据库拒绝保存这些数据，没有保存任何数据。请把以下信息发给系统管理员："
        'duplicate key value violates unique constraint "x"'
    ]
    assert Community.objects.count() == 0
