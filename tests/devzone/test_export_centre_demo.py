"""The export centre over every registered dataset, with the demo data loaded."""

import re
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from devzone import registry
from devzone.models import ExportLog
from devzone.reports.views import PREVIEW_ROWS
from tests.spreadsheets import read_csv_download, read_xlsx_download

pytestmark = pytest.mark.usefixtures("demo_data")

DATASET_KEYS = sorted(registry.datasets)


def url(key):
    return reverse("reports:export_dataset", args=[key])


@pytest.mark.parametrize("key", DATASET_KEYS)
def test_every_dataset_previews_and_downloads_all_its_rows(admin_client, key):
    dataset = registry.datasets[key]
    total = dataset.model._default_manager.count()

    page = admin_client.get(url(key))
    csv_rows = read_csv_download(admin_client.get(url(key), {"format": "csv"}))
    xlsx_rows = read_xlsx_download(admin_client.get(url(key), {"format": "xlsx"}))

    assert page.status_code == 200
    assert re.search(rf'class="match-count">{total}<', page.content.decode())
    assert len(page.context["rows"]) == min(total, PREVIEW_ROWS)
    headers = dataset.resource().get_export_headers()
    assert page.context["headers"] == headers
    assert csv_rows[0] == headers
    assert list(xlsx_rows[0]) == headers
    assert len(csv_rows) - 1 == len(xlsx_rows) - 1 == total
    assert [row.row_count for row in ExportLog.objects.order_by("pk")] == [total] * 2


def test_households_2021_signed_is_named_and_logged_as_the_issue_says(admin_client):
    households = registry.datasets["projects.relocationhousehold"]
    expected = households.model._default_manager.filter(
        project__year=2021, status="signed"
    )

    response = admin_client.get(
        url(households.key),
        {"project_year": "2021", "status": "signed", "format": "xlsx"},
    )

    today = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"].endswith(
        quote(f"搬迁户_2021_已签约_{today}.xlsx")
    )
    rows = read_xlsx_download(response)
    assert len(rows) - 1 == expected.count()
    log = ExportLog.objects.get()
    assert log.filters == "搬迁项目年度：2021；搬迁状态：已签约"
    assert log.row_count == expected.count()


def test_an_id_number_typed_into_a_filter_is_masked_in_the_log_and_file_name(
    admin_client,
):
    recipients = registry.datasets["welfare.welfarerecipient"]
    recipient = recipients.model._default_manager.order_by("pk").first()

    response = admin_client.get(
        url(recipients.key), {"id_number": recipient.id_number, "format": "csv"}
    )

    rows = read_csv_download(response)
    assert len(rows) == 2
    log = ExportLog.objects.get()
    assert recipient.id_number not in log.filters
    assert recipient.id_number[:6] in log.filters
    assert quote(recipient.id_number) not in response["Content-Disposition"]
    page = admin_client.get(url(recipients.key), {"id_number": recipient.id_number})
    assert page.context["description"] == log.filters


def test_a_clerk_sees_only_the_datasets_of_his_permissions(staff_client):
    client = staff_client(
        "governance.view_branchrating",
        "governance.export_branchrating",
        "welfare.view_welfarerecipient",
    )

    index = client.get(reverse("reports:export_index"))

    listed = re.findall(r'data-dataset="([^"]+)"', index.content.decode())
    assert listed == ["governance.branchrating"]
    assert client.get(url("welfare.welfarerecipient")).status_code == 403
    assert client.get(url("governance.branchrating")).status_code == 200
