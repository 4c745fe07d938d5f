"""A streamed download is logged before its first byte, with its rows and its data."""

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.urls import reverse

from devzone.models import ExportLog
from projects.models import RelocationHousehold
from projects.resources import RelocationHouseholdResource
from tests.projects.factories import RelocationHouseholdFactory
from tests.spreadsheets import read_csv_download


def broken_off(response):
    """Read the first chunk of a streamed download, then hang up as a browser would."""
    assert response.streaming
    first = next(iter(response.streaming_content))
    # What a WSGI server does when the client goes away; the test client's own
    # wrapper keeps the test's connection open the same way.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    return first


@pytest.fixture
def households(transactional_db):
    RelocationHouseholdFactory.create_batch(30, note='逗号,引号"\n' * 400)
    return RelocationHousehold.objects.all()


COLUMNS = {
    f"relocationhouseholdresource_{name}": True
    for name in RelocationHouseholdResource._meta.fields
}
EXPORTER = (
    "projects.view_relocationhousehold",
    "projects.export_relocationhousehold",
)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("unmasked", [False, True], ids=["masked", "unmasked"])
def test_a_broken_off_export_centre_download_is_logged(
    staff_client, households, file_format, unmasked
):
    perms = EXPORTER + (("projects.view_personal_data",) if unmasked else ())
    client = staff_client(*perms)
    url = reverse("reports:export_dataset", args=["projects.relocationhousehold"])

    first = broken_off(client.get(url, {"format": file_format}))

    assert first
    log = ExportLog.objects.get()
    assert (log.row_count, log.personal_data, log.file_format) == (
        30,
        unmasked,
        file_format,
    )
    # The connection the COPY ran on is clean for the next request.
    assert RelocationHousehold.objects.count() == 30


@pytest.mark.parametrize("file_format", [0, 1], ids=["csv", "xlsx"])
@pytest.mark.parametrize("unmasked", [False, True], ids=["masked", "unmasked"])
def test_a_broken_off_admin_export_is_logged(
    staff_client, households, file_format, unmasked
):
    perms = EXPORTER + (("projects.view_personal_data",) if unmasked else ())
    client = staff_client(*perms)
    url = reverse("admin:projects_relocationhousehold_export")

    first = broken_off(
        client.post(url + "?status__exact=signed", {"format": file_format, **COLUMNS})
    )

    assert first
    log = ExportLog.objects.get()
    assert (log.row_count, log.personal_data, log.file_format) == (
        30,
        unmasked,
        ["csv", "xlsx"][file_format],
    )
    assert log.filters == "搬迁状态：已签约"
    assert RelocationHousehold.objects.count() == 30


def test_an_admin_export_of_picked_records_is_streamed_and_logged(
    staff_client, households
):
    client = staff_client(*EXPORTER)
    picked = households.order_by("pk")[:2]
    url = reverse("admin:projects_relocationhousehold_export")

    response = client.post(
        url, {"format": 0, **COLUMNS, "export_items": [h.pk for h in picked]}
    )

    assert response.streaming
    header, *rows = read_csv_download(response)
    assert sorted(row[header.index("户主姓名")] for row in rows) == sorted(
        h.head_name for h in picked
    )
    assert ExportLog.objects.get().row_count == 2
