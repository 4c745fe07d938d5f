import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.urls import reverse

from devzone.models import AnnualIndicator, Community, ExportLog
from devzone.spreadsheets.cells import escape_formula, unescape_formula
from tests.spreadsheets import read_csv_download, read_xlsx_download

HOSTILE = [
    "=1+1",
    "+SUM(A1)",
    "-2+3",
    "@cmd",
    "\tTAB",
    "\rCR",
    "==1+1",
    '=HYPERLINK("x")',
]


def export(client, admin_name, fields, fmt=0, query=""):
    data = {"format": fmt, "resource": 0}
    data.update({f"{fields[0]}_{name}": True for name in fields[1:]})
    return client.post(reverse(f"admin:{admin_name}_export") + query, data)


INDICATOR_FIELDS = [
    "annualindicatorresource",
    "year",
    "name",
    "value",
    "unit",
    "source",
]
COMMUNITY_FIELDS = ["communityresource", "name", "kind", "statistical_code"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_prefixes_are_neutralised(text):
    escaped = escape_formula(text)
    assert escaped.startswith("'")
    assert unescape_formula(escaped) == text


def test_plain_text_and_numbers_are_left_alone():
    assert escape_formula("高楼社区") == "高楼社区"
    assert escape_formula(-5) == -5
    assert escape_formula(Decimal("-1.5")) == Decimal("-1.5")


@pytest.fixture
def hostile_indicators(db):
    for number, text in enumerate(HOSTILE):
        AnnualIndicator.objects.create(
            year=2021, name=text, value=Decimal(-number - 0.5), unit="亿元"
        )


def test_csv_export_escapes_formulae_and_has_a_bom(admin_client, hostile_indicators):
    response = export(admin_client, "devzone_annualindicator", INDICATOR_FIELDS)
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv_download(response)
    assert rows[0] == ["年度", "指标名称", "数值", "单位", "来源"]
    names = sorted(row[1] for row in rows[1:])
    assert names == sorted("'" + text for text in HOSTILE)
    assert all(
        not row[1].startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows[1:]
    )


def test_xlsx_export_keeps_numbers_numeric_and_text_inert(
    admin_client, hostile_indicators
):
    response = export(admin_client, "devzone_annualindicator", INDICATOR_FIELDS, fmt=1)
    rows = read_xlsx_download(response)
    assert rows[0] == ["年度", "指标名称", "数值", "单位", "来源"]
    for year, name, value, *_ in rows[1:]:
        assert isinstance(year, int)
        assert isinstance(value, (int, float)) and value < 0
        assert name.startswith("'")


def test_xlsx_export_keeps_long_codes_as_text(admin_client, db):
    Community.objects.create(
        name="高楼社区", kind="community", statistical_code="321181400100"
    )
    rows = read_xlsx_download(
        export(admin_client, "devzone_community", COMMUNITY_FIELDS, fmt=1)
    )
    assert rows[1] == ["高楼社区", "社区", "321181400100"]


def test_export_follows_the_changelist_filter_and_search(admin_client, db):
    for name, kind in [
        ("高楼社区", "community"),
        ("联观村", "village"),
        ("普善村", "village"),
    ]:
        Community.objects.create(name=name, kind=kind)

    filtered = export(
        admin_client,
        "devzone_community",
        COMMUNITY_FIELDS,
        query="?kind__exact=village",
    )
    searched = export(
        admin_client, "devzone_community", COMMUNITY_FIELDS, query="?q=普善"
    )

    assert [row[0] for row in read_csv_download(filtered)[1:]] == ["普善村", "联观村"]
    assert [row[0] for row in read_csv_download(searched)[1:]] == ["普善村"]


def test_export_file_name_is_chinese_and_safe(admin_client, db):
    response = export(admin_client, "devzone_community", COMMUNITY_FIELDS, fmt=1)
    disposition = response["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition
    # Named as the export centre names it: the "/" of 村/社区 becomes "-".
    assert quote("村-社区_") in disposition
    assert disposition.endswith(".xlsx")


def test_every_export_is_logged(admin_client, db, admin_user):
    Community.objects.create(name="高楼社区", kind="community")
    read_csv_download(
        export(
            admin_client,
            "devzone_community",
            COMMUNITY_FIELDS,
            query="?kind__exact=community",
        )
    )
    log = ExportLog.objects.get()
    assert (log.user, log.dataset, log.row_count, log.file_format) == (
        admin_user,
        "村/社区",
        1,
        "csv",
    )
    assert log.filters == "类型：社区"


def test_export_log_describes_filter_and_search_in_chinese(admin_client, db):
    Community.objects.create(name="普善村", kind="village", has_home_care_center=True)
    query = "?kind__exact=village&has_home_care_center__exact=1&q=普善"
    read_csv_download(
        export(admin_client, "devzone_community", COMMUNITY_FIELDS, query=query)
    )
    assert (
        ExportLog.objects.get().filters
        == "类型：村；建成居家养老服务中心：是；搜索：普善"
    )


def test_unfiltered_export_is_logged_as_everything(admin_client, db):
    read_csv_download(export(admin_client, "devzone_community", COMMUNITY_FIELDS))
    assert ExportLog.objects.get().filters == "全部"


def test_view_only_user_can_neither_import_nor_export(staff_client):
    client = staff_client("devzone.view_community")
    assert client.get(reverse("admin:devzone_community_changelist")).status_code == 200
    assert client.get(reverse("admin:devzone_community_import")).status_code == 403
    assert client.get(reverse("admin:devzone_community_export")).status_code == 403
    assert (
        client.post(reverse("admin:devzone_community_process_import"), {}).status_code
        == 403
    )


def test_import_and_export_need_their_own_permissions(staff_client):
    client = staff_client(
        "devzone.view_community",
        "devzone.add_community",
        "devzone.change_community",
        "devzone.import_community",
    )
    assert client.get(reverse("admin:devzone_community_import")).status_code == 200
    assert client.get(reverse("admin:devzone_community_export")).status_code == 403
    page = client.get(reverse("admin:devzone_community_changelist")).content.decode()
    assert "/import/" in page and "/export/" not in page


def test_export_log_names_lookups_typed_into_the_address(admin_client, db):
    AnnualIndicator.objects.create(year=2021, name="专利授权", value=1420, unit="件")
    read_csv_download(
        export(
            admin_client,
            "devzone_annualindicator",
            INDICATOR_FIELDS,
            query="?year__gte=2021&unit=件",
        )
    )
    assert ExportLog.objects.get().filters == "单位：件；年度≥：2021"


def test_export_screen_is_chinese_with_the_filter_and_the_row_count(admin_client, db):
    Community.objects.create(name="高楼社区", kind="community")
    Community.objects.create(name="联观村", kind="village")
    url = reverse("admin:devzone_community_export") + "?kind__exact=village"

    html = admin_client.get(url).content.decode()

    assert "筛选条件：<strong data-export-filters>类型：村</strong>" in html
    assert "将导出 <strong data-export-count>1</strong> 条记录" in html
    assert "Select all" not in html and "全选" in html
    assert ">---<" not in html
    assert re.search(r"<label[^>]*>统计用区划代码</label>", html)


def test_export_file_name_names_the_filter(admin_client, db):
    Community.objects.create(name="联观村", kind="village")

    response = export(
        admin_client,
        "devzone_community",
        COMMUNITY_FIELDS,
        query="?kind__exact=village",
        fmt=1,
    )

    assert quote("村-社区_村_") in response["Content-Disposition"]


def test_xlsx_exports_freeze_the_header_and_size_the_columns(admin_client, db):
    import io

    from openpyxl import load_workbook

    Community.objects.create(name="高楼社区", kind="community")
    response = export(admin_client, "devzone_community", COMMUNITY_FIELDS, fmt=1)

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width >= 16  # 统计用区划代码
