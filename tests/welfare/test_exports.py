"""Exports of welfare records: masked unless the user may see personal data, and logged."""

import datetime

import pytest
from django.urls import reverse

from devzone.models import ExportLog
from devzone.validators import mask_id_number, mask_phone
from tests.spreadsheets import download, read_csv_download, read_xlsx_download
from tests.welfare.factories import (
    AssistanceRecordFactory,
    ChildRecipientFactory,
    WelfareRecipientFactory,
)
from welfare.resources import AssistanceRecordResource, WelfareRecipientResource

pytestmark = pytest.mark.django_db

EXPORTER = (
    "welfare.view_welfarerecipient",
    "welfare.export_welfarerecipient",
    "welfare.view_assistancerecord",
    "welfare.export_assistancerecord",
)
OFFICER = (*EXPORTER, "welfare.view_personal_data")
CSV, XLSX = 0, 1


def export(client, resource_class, fmt=CSV, query=""):
    model = resource_class._meta.model._meta
    prefix = resource_class.__name__.lower()
    data = {"format": fmt, "resource": 0}
    data.update({f"{prefix}_{name}": True for name in resource_class._meta.fields})
    url = reverse(f"admin:welfare_{model.model_name}_export") + query
    return client.post(url, data)


def read(response, fmt):
    rows = read_csv_download(response) if fmt == CSV else read_xlsx_download(response)
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


@pytest.fixture
def child():
    return ChildRecipientFactory(
        name="殷小雪", phone="13912340000", guardian_phone="13800001111"
    )


@pytest.mark.parametrize("fmt", [CSV, XLSX], ids=["csv", "xlsx"])
def test_export_masks_personal_data_without_the_permission(staff_client, child, fmt):
    response = export(staff_client(*EXPORTER), WelfareRecipientResource, fmt)

    (row,) = read(response, fmt)
    assert row["姓名"] == "殷小雪"
    assert row["身份证号"] == mask_id_number(child.id_number)
    assert row["联系电话"] == mask_phone(child.phone)
    assert row["监护人电话"] == mask_phone(child.guardian_phone)
    raw = download(
        export(staff_client(*EXPORTER, username="b"), WelfareRecipientResource, fmt)
    )
    assert child.id_number.encode() not in raw
    log = ExportLog.objects.latest("pk")
    assert log.personal_data is False


@pytest.mark.parametrize("fmt", [CSV, XLSX], ids=["csv", "xlsx"])
def test_export_gives_full_numbers_with_the_permission_and_logs_it(
    staff_client, child, fmt
):
    WelfareRecipientFactory(category="disabled")
    client = staff_client(*OFFICER)

    rows = read(
        export(
            client,
            WelfareRecipientResource,
            fmt,
            query="?category__exact=left_behind_child",
        ),
        fmt,
    )

    assert [(r["身份证号"], r["联系电话"], r["监护人电话"]) for r in rows] == [
        (child.id_number, child.phone, child.guardian_phone)
    ]
    log = ExportLog.objects.get()
    assert log.user.username == "clerk"
    assert log.personal_data is True
    assert log.row_count == 1
    assert log.filters == "帮扶类别：留守儿童"
    assert log.file_format == ("csv" if fmt == CSV else "xlsx")
    assert log.model == "welfare.welfarerecipient"


@pytest.mark.parametrize("fmt", [CSV, XLSX], ids=["csv", "xlsx"])
def test_record_export_masks_the_recipients_id(staff_client, child, fmt):
    AssistanceRecordFactory(recipient=child, date=datetime.date(2021, 8, 1))

    (row,) = read(export(staff_client(*EXPORTER), AssistanceRecordResource, fmt), fmt)
    (full,) = read(
        export(
            staff_client(*OFFICER, username="officer"), AssistanceRecordResource, fmt
        ),
        fmt,
    )

    assert row["身份证号"] == mask_id_number(child.id_number)
    assert full["身份证号"] == child.id_number
    assert row["帮扶对象类别"] == full["帮扶对象类别"] == "留守儿童"
    assert row["姓名"] == "殷小雪"
    assert row["所属村/社区"] == full["所属村/社区"] == child.community.name
    assert [log.personal_data for log in ExportLog.objects.order_by("pk")] == [
        False,
        True,
    ]


def test_exported_file_reimports_without_changes(staff_client, child):
    """An officer's export is a valid import file: the round trip changes nothing."""
    from devzone.spreadsheets.formats import read_dataset
    from devzone.spreadsheets.results import import_counts

    AssistanceRecordFactory(recipient=child, date=datetime.date(2021, 8, 1))
    client = staff_client(*OFFICER)

    for resource_class in (WelfareRecipientResource, AssistanceRecordResource):
        data = download(export(client, resource_class))
        result = resource_class(unmasked=True).import_data(
            read_dataset(data, "export.csv"), dry_run=False
        )
        assert import_counts(result) == {"new": 0, "update": 0, "skip": 1}


def test_export_needs_the_export_permission(staff_client, child):
    client = staff_client("welfare.view_welfarerecipient", "welfare.view_personal_data")

    response = client.get(reverse("admin:welfare_welfarerecipient_export"))

    assert response.status_code == 403
    assert not ExportLog.objects.exists()


def test_export_log_masks_a_searched_id_number(staff_client, child):
    client = staff_client(*OFFICER)

    rows = read(
        export(
            client,
            WelfareRecipientResource,
            query=f"?q={child.id_number.lower()}&guardian_phone=13800001111",
        ),
        CSV,
    )

    assert len(rows) == 1
    log = ExportLog.objects.get()
    assert child.id_number not in log.filters.upper()
    assert "13800001111" not in log.filters
    assert mask_id_number(child.id_number) in log.filters
    assert "监护人电话：138****1111" in log.filters
    assert log.row_count == 1 and log.personal_data is True


def test_export_log_page_shows_no_full_numbers(staff_client, child, admin_client):
    read(
        export(admin_client, WelfareRecipientResource, query=f"?q={child.id_number}"),
        CSV,
    )

    content = admin_client.get(
        reverse("admin:devzone_exportlog_changelist")
    ).content.decode()

    assert child.id_number not in content
    assert "帮扶对象" in content


@pytest.mark.parametrize(
    "resource_class", [WelfareRecipientResource, AssistanceRecordResource]
)
def test_export_query_count_does_not_grow_with_rows(staff_client, resource_class):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = staff_client(*OFFICER)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            download(export(client, resource_class))
        return len(ctx.captured_queries)

    for _ in range(5):
        AssistanceRecordFactory()
    few = queries()
    for _ in range(30):
        AssistanceRecordFactory()

    assert queries() == few
