"""Every download of records tells browsers and proxies not to keep a copy."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from governance.resources import EnvironmentalCaseResource
from tests.governance.factories import EnvironmentalCaseFactory
from tests.spreadsheets import read_csv_download, read_xlsx_download

CASE_EXPORT = "admin:governance_environmentalcase_export"


@pytest.fixture
def case(db):
    return EnvironmentalCaseFactory(case_number="HJ-2021-0042")


def assert_not_stored(response, extension):
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert f".{extension}" in response["Content-Disposition"]
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control


def admin_export_data(file_format):
    fields = EnvironmentalCaseResource().get_export_fields()
    return {
        "format": file_format,
        **{f"environmentalcaseresource_{f.attribute}": "on" for f in fields},
    }


def test_an_admin_csv_export_is_not_stored(admin_client, case):
    response = admin_client.post(reverse(CASE_EXPORT), admin_export_data(0))

    assert_not_stored(response, "csv")
    assert read_csv_download(response)[1][0] == "HJ-2021-0042"


def test_an_admin_xlsx_export_is_not_stored(admin_client, case):
    response = admin_client.post(reverse(CASE_EXPORT), admin_export_data(1))

    assert_not_stored(response, "xlsx")
    assert read_xlsx_download(response)[1][0] == "HJ-2021-0042"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_centre_download_is_not_stored(admin_client, case, file_format):
    url = reverse("reports:export_dataset", args=["governance.environmentalcase"])

    response = admin_client.get(url, {"format": file_format})

    assert_not_stored(response, file_format)
    read = read_csv_download if file_format == "csv" else read_xlsx_download
    assert read(response)[1][0] == "HJ-2021-0042"


def test_the_annual_report_workbook_is_not_stored(admin_client, case):
    response = admin_client.get(
        reverse("reports:annual"), {"year": 2021, "format": "xlsx"}
    )

    assert_not_stored(response, "xlsx")
    assert quote("年度工作报告_2021") in response["Content-Disposition"]
    assert read_xlsx_download(response)


def test_the_report_page_itself_may_be_cached_normally(admin_client, case):
    page = admin_client.get(reverse("reports:annual"), {"year": 2021})

    assert page.status_code == 200
    assert "no-store" not in page.get("Cache-Control", "")
    assert "年度工作报告" in page.content.decode()
