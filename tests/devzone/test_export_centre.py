"""The export centre (数据导出): filters from the URL, previews, downloads, the log."""

import datetime
import re
from decimal import Decimal
from urllib.parse import quote, urlsplit

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation
from django_filters.fields import BaseRangeField
from django_filters.filters import DateRangeFilter

from devzone import registry
from devzone.models import (
    AnnualIndicator,
    Area,
    Community,
    ExportLog,
    PersonalDataAccess,
)
from devzone.spreadsheets.export import sanitise_filename
from devzone.validators import mask_id_number, mask_numbers_in_text
from tests.projects.factories import RelocationHouseholdFactory
from tests.spreadsheets import page_text, read_csv_download, read_xlsx_download

INDEX = reverse("reports:export_index")
HISTORY = reverse("reports:export_history")
AREAS = reverse("reports:export_dataset", args=["devzone.area"])
COMMUNITIES = reverse("reports:export_dataset", args=["devzone.community"])
INDICATORS = reverse("reports:export_dataset", args=["devzone.annualindicator"])
AREA_PERMS = ("devzone.view_area", "devzone.export_area")
AREA_HEADERS = ["名称", "控规状态", "批复日期", "备注"]
YEAR_2021 = {"approved_on_after": "2021-01-01", "approved_on_before": "2021-12-31"}


def today():
    return timezone.localdate().strftime("%Y%m%d")


@pytest.fixture
def areas(db):
    rows = [
        ("精密制造产业园", "approved", datetime.date(2021, 1, 1), "=1+1"),
        ("大亚木业园", "approved", datetime.date(2021, 6, 30), ""),
        ("黄荻片区", "approved", datetime.date(2021, 12, 31), "年末批复"),
        ("老城片区", "approved", datetime.date(2020, 12, 31), ""),
        ("新城片区", "drafting", None, ""),
    ]
    for name, status, approved_on, note in rows:
        Area.objects.create(
            name=name, plan_status=status, approved_on=approved_on, note=note
        )


def filename_of(response):
    match = re.search(r"filename\*=UTF-8''(\S+)", response["Content-Disposition"])
    return match.group(1)


# Who sees what -------------------------------------------------------------------


@pytest.mark.parametrize("url", [INDEX, HISTORY, AREAS, AREAS + "?format=csv"])
def test_anonymous_is_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("admin:login")


def test_index_lists_only_datasets_the_user_may_view_and_export(staff_client):
    client = staff_client(*AREA_PERMS, "devzone.view_community")

    response = client.get(INDEX)

    listed = re.findall(r'data-dataset="([^"]+)"', response.content.decode())
    assert listed == ["devzone.area"]
    assert f'href="{AREAS}"' in response.content.decode()


def test_index_without_permissions_says_how_to_get_them(staff_client):
    response = staff_client().get(INDEX)

    assert re.findall(r'data-dataset="([^"]+)"', response.content.decode()) == []
    assert "请联系管理员开通查看和导出权限" in page_text(response)


@pytest.mark.parametrize(
    "perms",
    [(), ("devzone.view_area",), ("devzone.export_area",), ("devzone.view_community",)],
)
def test_a_dataset_without_both_permissions_is_forbidden(staff_client, areas, perms):
    client = staff_client(*perms)

    assert client.get(AREAS).status_code == 403
    assert client.get(AREAS, {"format": "csv"}).status_code == 403
    assert not ExportLog.objects.exists()


def test_an_unknown_dataset_is_not_found(staff_client):
    response = staff_client(*AREA_PERMS).get(
        reverse("reports:export_dataset", args=["devzone.nothing"])
    )

    assert response.status_code == 404


def test_a_superuser_sees_every_registered_dataset(admin_client):
    response = admin_client.get(INDEX)

    listed = re.findall(r'data-dataset="([^"]+)"', response.content.decode())
    assert set(listed) == set(registry.datasets)
    app_labels = [key.split(".")[0] for key in listed]
    installed = [config.label for config in apps.get_app_configs()]
    assert app_labels == sorted(app_labels, key=installed.index)  # grouped by app
    assert "<caption>全区基础信息</caption>" in response.content.decode()
    assert listed[:4] == [
        "devzone.community",
        "devzone.area",
        "devzone.annualindicator",
        "devzone.staffprofile",
    ]


# The filter form and the preview ---------------------------------------------------


def test_filter_shows_the_matching_count_and_a_preview(staff_client, areas):
    response = staff_client(*AREA_PERMS).get(
        AREAS, {"plan_status": "approved", **YEAR_2021}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'class="match-count">3<', html)
    assert response.context["headers"] == AREA_HEADERS
    names = [row[0] for row in response.context["rows"]]
    assert names == ["大亚木业园", "精密制造产业园", "黄荻片区"]
    assert "控规状态：已批复；批复日期：2021-01-01 至 2021-12-31" in page_text(response)
    # The preview shows cells as the file will: escaped formula, ISO dates.
    assert "<td>&#x27;=1+1</td>" in html
    assert "<td>2021-12-31</td>" in html


def test_the_end_date_is_inclusive(staff_client, areas):
    client = staff_client(*AREA_PERMS)

    response = client.get(AREAS, {"approved_on_before": "2021-12-31"})
    assert "黄荻片区" in [row[0] for row in response.context["rows"]]

    response = client.get(AREAS, {"approved_on_before": "2021-12-30"})
    assert "黄荻片区" not in [row[0] for row in response.context["rows"]]

    response = client.get(AREAS, {"approved_on_after": "2021-12-31"})
    assert [row[0] for row in response.context["rows"]] == ["黄荻片区"]


def test_the_preview_is_paged(staff_client, db):
    for number in range(60):
        AnnualIndicator.objects.create(
            year=2021, name=f"指标{number:02d}", value=number, unit="个"
        )
    client = staff_client(
        "devzone.view_annualindicator", "devzone.export_annualindicator"
    )

    first = client.get(INDICATORS, {"year": "2021"})
    last = client.get(INDICATORS, {"year": "2021", "page": "3"})

    assert re.search(r'class="match-count">60<', first.content.decode())
    assert len(first.context["rows"]) == 25
    assert len(last.context["rows"]) == 10
    assert "预览（第 3 / 3 页）" in page_text(last)
    assert 'href="?year=2021&amp;page=2"' in last.content.decode()
    assert 'href="?year=2021&amp;format=csv"' in last.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"approved_on_after": "2021-13-45"},
        {"approved_on_before": "yesterday"},
        {"plan_status": "demolished"},
    ],
)
def test_invalid_values_are_refused_with_the_forms_errors(staff_client, areas, query):
    client = staff_client(*AREA_PERMS)

    page = client.get(AREAS, query)
    download = client.get(AREAS, {**query, "format": "csv"})

    assert page.status_code == 400
    assert "筛选条件有误，请按提示修改。" in page_text(page)
    assert page.context["filterset"].form.errors
    assert 'class="errorlist' in page.content.decode()
    assert "rows" not in page.context  # never an unfiltered preview
    assert download.status_code == 400
    assert "Content-Disposition" not in download
    assert not ExportLog.objects.exists()


def test_an_invalid_number_range_is_refused(staff_client, db):
    client = staff_client(
        "devzone.view_annualindicator", "devzone.export_annualindicator"
    )

    response = client.get(INDICATORS, {"value_min": "很多", "format": "xlsx"})

    assert response.status_code == 400
    assert "value" in response.context["filterset"].form.errors
    assert not ExportLog.objects.exists()


@pytest.mark.parametrize("extra", [{"colour": "red"}, {"approved_on": "2021-01-01"}])
def test_unknown_parameters_are_reported_not_ignored(staff_client, areas, extra):
    client = staff_client(*AREA_PERMS)

    page = client.get(AREAS, {"plan_status": "approved", **extra})
    download = client.get(AREAS, {**extra, "format": "csv"})

    name = next(iter(extra))
    assert page.status_code == 400
    assert f"无法识别的参数：{name}" in page_text(page)
    assert "rows" not in page.context
    assert download.status_code == 400
    assert "Content-Disposition" not in download
    assert not ExportLog.objects.exists()


def test_an_unknown_format_is_refused(staff_client, areas):
    response = staff_client(*AREA_PERMS).get(AREAS, {"format": "pdf"})

    assert response.status_code == 400
    assert "不支持的导出格式：pdf" in page_text(response)
    assert not ExportLog.objects.exists()


def test_django_filter_strings_render_in_chinese(staff_client, db):
    client = staff_client("devzone.view_community", "devzone.export_community")

    response = client.get(COMMUNITIES)

    text = page_text(response)
    assert "名称（降序）" in text
    assert "(descending)" not in text
    assert "排序" in text
    assert "Ordering" not in text


def test_django_filter_catalogue_is_loaded_for_zh_hans():
    with translation.override("zh-hans"):
        message = BaseRangeField.default_error_messages["invalid_values"]
        choices = dict(DateRangeFilter.choices)
        assert str(message) == "范围查询需要两个值。"
        assert str(choices["week"]) == "过去 7 日"


# Downloads -----------------------------------------------------------------------


def test_csv_download_matches_the_filtered_queryset(staff_client, areas):
    client = staff_client(*AREA_PERMS)

    response = client.get(
        AREAS, {"plan_status": "approved", **YEAR_2021, "format": "csv"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv_download(response)
    expected = Area.objects.filter(
        plan_status="approved", approved_on__year=2021
    ).order_by("name")
    assert rows[0] == AREA_HEADERS
    assert [row[0] for row in rows[1:]] == [area.name for area in expected]
    assert rows[1:] == [
        [
            area.name,
            "已批复",
            area.approved_on.isoformat(),
            "'=1+1" if area.note == "=1+1" else area.note,
        ]
        for area in expected
    ]
    assert filename_of(response) == quote(f"片区_已批复_2021_{today()}.csv")


def test_xlsx_download_has_the_same_columns_and_rows(staff_client, areas):
    client = staff_client(*AREA_PERMS)

    response = client.get(AREAS, {**YEAR_2021, "format": "xlsx"})

    assert response.status_code == 200
    rows = read_xlsx_download(response)
    assert rows[0] == AREA_HEADERS
    assert [row[0] for row in rows[1:]] == ["大亚木业园", "精密制造产业园", "黄荻片区"]
    assert rows[2][2].date() == datetime.date(2021, 1, 1)
    assert rows[2][3] == "'=1+1"
    assert filename_of(response) == quote(f"片区_2021_{today()}.xlsx")


def test_an_unfiltered_download_is_the_whole_dataset(staff_client, areas):
    response = staff_client(*AREA_PERMS).get(AREAS, {"format": "csv"})

    rows = read_csv_download(response)
    assert len(rows) - 1 == Area.objects.count() == 5
    assert filename_of(response) == quote(f"片区_{today()}.csv")
    assert ExportLog.objects.get().filters == "全部"


def test_a_partial_date_range_names_the_file_by_its_dates(staff_client, areas):
    response = staff_client(*AREA_PERMS).get(
        AREAS, {"approved_on_after": "2021-03-01", "format": "csv"}
    )

    assert len(read_csv_download(response)) == 1 + 2
    assert filename_of(response) == quote(f"片区_20210301起_{today()}.csv")
    assert ExportLog.objects.get().filters == "批复日期：2021-03-01 起"


def test_a_download_is_logged_with_readable_filters(staff_client, areas):
    client = staff_client(*AREA_PERMS)

    response = client.get(
        AREAS, {"plan_status": "approved", **YEAR_2021, "format": "csv"}
    )
    read_csv_download(response)
    client.get(AREAS, {"plan_status": "drafting", "format": "xlsx"})

    csv_log, xlsx_log = ExportLog.objects.order_by("pk")
    assert csv_log.user.username == "clerk"
    assert csv_log.dataset == "片区"
    assert csv_log.model == "devzone.area"
    assert csv_log.filters == "控规状态：已批复；批复日期：2021-01-01 至 2021-12-31"
    assert csv_log.row_count == 3
    assert csv_log.file_format == "csv"
    assert csv_log.personal_data is False
    assert xlsx_log.filters == "控规状态：编制中"
    assert xlsx_log.row_count == 1
    assert xlsx_log.file_format == "xlsx"


def test_a_foreign_key_filter_is_described_by_name(admin_client, db):
    from django.contrib.auth import get_user_model

    from devzone.models import StaffProfile

    village = Community.objects.create(name="联观村", kind="village")
    other = Community.objects.create(name="胡桥村", kind="village")
    for username, community in [("a", village), ("b", other)]:
        user = get_user_model().objects.create_user(username)
        profile = StaffProfile.objects.create(user=user, department="community")
        profile.communities.add(community)

    response = admin_client.get(
        reverse("reports:export_dataset", args=["devzone.staffprofile"]),
        {"communities": [village.pk], "department": ["community"], "format": "csv"},
    )

    rows = read_csv_download(response)
    assert [row[0] for row in rows[1:]] == ["a"]
    assert ExportLog.objects.get().filters == "部门：村/社区；负责村/社区：联观村"
    assert filename_of(response) == quote(f"工作人员_村-社区_联观村_{today()}.csv")


def test_boolean_filter_names_the_file_and_the_log(admin_client, db):
    Community.objects.create(
        name="高楼社区", kind="community", has_home_care_center=True
    )
    Community.objects.create(name="胡桥村", kind="village", has_home_care_center=False)

    response = admin_client.get(
        COMMUNITIES, {"has_home_care_center": "false", "format": "csv"}
    )

    assert [row[0] for row in read_csv_download(response)[1:]] == ["胡桥村"]
    assert ExportLog.objects.get().filters == "建成居家养老服务中心：否"
    assert filename_of(response) == quote(
        f"村-社区_建成居家养老服务中心否_{today()}.csv"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("村/社区", "村-社区"),
        ('a:b*c?"d<e>f|g\\h', "a-b-c-d-e-f-g-h"),
        ("换行\n和\t制表", "换行-和-制表"),
        ("../../etc/passwd", "etc-passwd"),
        ("", "export"),
    ],
)
def test_file_names_are_sanitised(text, expected):
    assert sanitise_filename(text) == expected


# Personal data -------------------------------------------------------------------


HOUSEHOLDS_URL = "/reports/exports/projects.relocationhousehold/"


@pytest.fixture
def household(db):
    return RelocationHouseholdFactory(phone="13912345678")


def test_personal_data_is_masked_without_the_permission(staff_client, household):
    client = staff_client(
        "projects.view_relocationhousehold", "projects.export_relocationhousehold"
    )

    page = client.get(HOUSEHOLDS_URL)
    download = client.get(HOUSEHOLDS_URL, {"format": "csv"})

    masked = mask_id_number(household.id_number)
    rows = read_csv_download(download)
    column = rows[0].index("身份证号")
    assert rows[1][column] == masked
    assert household.id_number not in page.content.decode()
    assert masked in page.content.decode()
    assert "13912345678" not in page.content.decode()
    log = ExportLog.objects.get()
    assert log.personal_data is False
    assert "身份证号" in log.columns
    assert not PersonalDataAccess.objects.filter(kind="preview").exists()


def test_personal_data_is_shown_to_holders_of_the_permission(staff_client, household):
    client = staff_client(
        "projects.view_relocationhousehold",
        "projects.export_relocationhousehold",
        "projects.view_personal_data",
    )

    page = client.get(HOUSEHOLDS_URL)
    download = client.get(HOUSEHOLDS_URL, {"format": "xlsx"})

    assert household.id_number in page.content.decode()
    rows = read_xlsx_download(download)
    assert rows[1][rows[0].index("身份证号")] == household.id_number
    log = ExportLog.objects.get()
    assert log.personal_data is True
    assert log.dataset == "搬迁户"
    # The preview showed full numbers: who, what, how many rows, which columns.
    view = PersonalDataAccess.objects.get(kind="preview")
    assert view.row_count == 1
    assert view.columns == "身份证号、联系电话"
    assert view.model == "projects.relocationhousehold"


# The export history --------------------------------------------------------------


def test_history_lists_only_the_users_own_downloads(staff_client, make_staff, areas):
    other = make_staff(*AREA_PERMS, username="other")
    ExportLog.objects.create(
        user=other,
        dataset="片区",
        model="devzone.area",
        filters="别人的导出",
        row_count=9,
        file_format="csv",
    )
    client = staff_client(*AREA_PERMS)
    client.get(AREAS, {"plan_status": "drafting", "format": "xlsx"})

    response = client.get(HISTORY)

    text = page_text(response)
    assert "控规状态：编制中" in text
    assert "别人的导出" not in text
    assert len(response.context["page"].object_list) == 1


def test_history_without_downloads_says_so(staff_client):
    response = staff_client().get(HISTORY)

    assert "还没有导出记录。" in page_text(response)


def test_indicator_value_range_filter(staff_client, db):
    for name, value in [("甲", "5"), ("乙", "10.5"), ("丙", "20")]:
        AnnualIndicator.objects.create(
            year=2021, name=name, value=Decimal(value), unit="亿元"
        )
    client = staff_client(
        "devzone.view_annualindicator", "devzone.export_annualindicator"
    )

    response = client.get(
        INDICATORS, {"value_min": "10", "value_max": "20", "format": "csv"}
    )

    assert sorted(row[1] for row in read_csv_download(response)[1:]) == ["丙", "乙"]
    assert ExportLog.objects.get().filters == "数值：10 至 20"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证号：321181198503205733", "身份证号：321181********5733"),
        ("身份证号：32118119850320573x", "身份证号：321181********573X"),
        ("电话：13912345678", "电话：139****5678"),
        (
            "统计用区划代码：321181400100；年度：2021",
            "统计用区划代码：321181400100；年度：2021",
        ),
    ],
)
def test_id_and_mobile_numbers_never_reach_a_log_in_full(text, expected):
    assert mask_numbers_in_text(text) == expected


def make_profiles(count, communities, prefix):
    from django.contrib.auth import get_user_model

    from devzone.models import StaffProfile

    for number in range(count):
        user = get_user_model().objects.create_user(f"{prefix}{number:03d}")
        profile = StaffProfile.objects.create(user=user, department="community")
        profile.communities.set(communities)


def test_preview_queries_do_not_grow_with_the_rows(admin_client, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    communities = [
        Community.objects.create(name=f"村{n}", kind="village") for n in range(3)
    ]
    profiles = reverse("reports:export_dataset", args=["devzone.staffprofile"])
    make_profiles(3, communities, prefix="a")
    with CaptureQueriesContext(connection) as few:
        small = admin_client.get(profiles)
    make_profiles(20, communities[:1], prefix="b")
    with CaptureQueriesContext(connection) as many:
        large = admin_client.get(profiles)

    assert len(small.context["rows"]) == 3
    assert len(large.context["rows"]) == 23
    assert len(many) == len(few)


def test_a_csv_download_is_logged_before_its_first_byte(staff_client, areas):
    response = staff_client(*AREA_PERMS).get(
        AREAS, {"plan_status": "approved", "format": "csv"}
    )

    # The client never reads the stream: the download is logged all the same.
    assert response.streaming
    log = ExportLog.objects.get()
    assert log.row_count == 4
    assert log.file_format == "csv"


def test_submitting_the_blank_form_exports_everything(admin_client, db):
    Community.objects.create(name="高楼社区", kind="community")
    Community.objects.create(name="胡桥村", kind="village")
    blank = {
        "name": "",
        "subdistrict": "",
        "has_home_care_center": "unknown",
        "has_party_service_center": "unknown",
        "ordering": "",
    }

    page = admin_client.get(COMMUNITIES, blank)
    download = admin_client.get(COMMUNITIES, {**blank, "format": "csv"})

    assert page.status_code == 200
    assert page.context["description"] == "全部"
    assert len(read_csv_download(download)) == 1 + 2
    assert filename_of(download) == quote(f"村-社区_{today()}.csv")


def test_chinese_dates_are_accepted_and_pickers_offered(staff_client):
    client = staff_client("devzone.view_area", "devzone.export_area")
    url = reverse("reports:export_dataset", args=["devzone.area"])

    written = client.get(url, {"approved_on_after": "2021年1月1日"})
    wrong = client.get(url, {"approved_on_after": "2021年13月1日"})

    assert written.status_code == 200
    assert "批复日期：2021-01-01 起" in written.content.decode()
    assert wrong.status_code == 400
    html = written.content.decode()
    assert 'type="date"' in html and 'aria-label="批复日期（止）"' in html
    assert 'type="checkbox"' in html  # 控规状态: ticks, not a multi-select
