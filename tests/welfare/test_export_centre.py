"""The welfare datasets in the export centre: filtered, masked and logged."""

import datetime

import pytest
from django.urls import reverse

from devzone.models import ExportLog, PersonalDataAccess
from devzone.validators import mask_id_number, mask_phone
from tests.spreadsheets import read_csv_download
from tests.welfare.factories import (
    AssistanceRecordFactory,
    ChildRecipientFactory,
    WelfareRecipientFactory,
)

pytestmark = pytest.mark.django_db

EXPORTER = (
    "welfare.view_welfarerecipient",
    "welfare.export_welfarerecipient",
    "welfare.view_assistancerecord",
    "welfare.export_assistancerecord",
)
RECIPIENTS = reverse("reports:export_dataset", args=["welfare.welfarerecipient"])
RECORDS = reverse("reports:export_dataset", args=["welfare.assistancerecord"])


def rows_of(response):
    header, *body = read_csv_download(response)
    return [dict(zip(header, row, strict=True)) for row in body]


def test_clerk_download_is_masked_and_its_filter_logged_masked(staff_client):
    child = ChildRecipientFactory(guardian_phone="13800001111")
    WelfareRecipientFactory()
    client = staff_client(*EXPORTER)

    response = client.get(
        RECIPIENTS,
        {
            "id_number": child.id_number,
            "category": "left_behind_child",
            "format": "csv",
        },
    )

    (row,) = rows_of(response)
    assert row["身份证号"] == mask_id_number(child.id_number)
    assert row["监护人电话"] == mask_phone("13800001111")
    log = ExportLog.objects.get()
    assert (log.row_count, log.personal_data) == (1, False)
    assert child.id_number not in log.filters
    assert "留守儿童" in log.filters


def test_officer_download_is_full_and_logged_as_personal_data(staff_client):
    child = ChildRecipientFactory()
    client = staff_client(*EXPORTER, "welfare.view_personal_data")

    (row,) = rows_of(client.get(RECIPIENTS, {"age_band": "child", "format": "csv"}))

    assert row["身份证号"] == child.id_number
    assert ExportLog.objects.get().personal_data is True


def test_record_dataset_filters_by_year_and_masks_the_id(staff_client):
    record = AssistanceRecordFactory(date=datetime.date(2021, 8, 1))
    AssistanceRecordFactory(date=datetime.date(2022, 8, 1))
    client = staff_client(*EXPORTER)

    (row,) = rows_of(
        client.get(
            RECORDS,
            {"date_after": "2021-01-01", "date_before": "2021-12-31", "format": "csv"},
        )
    )

    assert row["身份证号"] == mask_id_number(record.recipient.id_number)
    assert row["帮扶对象类别"] == "困难户"


def test_a_bad_filter_value_is_refused_not_widened(staff_client):
    WelfareRecipientFactory()
    client = staff_client(*EXPORTER)

    response = client.get(RECIPIENTS, {"age_band": "teen", "format": "csv"})

    assert response.status_code == 400
    assert not ExportLog.objects.exists()


def test_filtering_by_full_numbers_counts_against_the_daily_quota(
    staff_client, settings
):
    # given a clerk who sees numbers masked and may look up one number a day
    settings.DEVZONE_PERSONAL_LOOKUPS_PER_DAY = 1
    target = WelfareRecipientFactory()
    client = staff_client(*EXPORTER)
    # when they filter the export centre by a full ID number twice
    first = client.get(RECIPIENTS, {"id_number": target.id_number})
    second = client.get(RECIPIENTS, {"id_number": target.id_number, "format": "csv"})
    # then the first finds the recipient, the second is refused without a file
    assert first.status_code == 200 and first.context["page"].paginator.count == 1
    assert second.status_code == 400
    assert "查找的次数已用完" in second.content.decode()
    assert list(
        PersonalDataAccess.objects.order_by("pk").values_list("kind", flat=True)
    ) == ["lookup", "refused"]
