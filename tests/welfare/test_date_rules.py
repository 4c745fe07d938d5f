"""Dates are checked against each other and against today, in forms and imports."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from devzone.demo import load_zone
from devzone.spreadsheets.formats import read_dataset
from devzone.spreadsheets.results import error_lines
from tests.spreadsheets import csv_bytes
from tests.welfare.factories import WelfareRecipientFactory
from tests.welfare.test_imports import recipient_row, recipients_csv
from welfare.models import WelfareRecipient
from welfare.resources import WelfareRecipientResource

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def communities(db):
    load_zone()


def run_import(data):
    return WelfareRecipientResource(unmasked=True).import_data(
        read_dataset(data, "r.csv"), dry_run=False
    )


def test_a_determination_date_in_the_future_and_outside_its_year_is_refused():
    # given the testers' row: determined on 2099-01-01 in the 2022 batch
    data = recipients_csv(recipient_row(认定日期="2099-01-01", 认定年度="2022"))

    # when it is imported, then both rules are named on the date's column
    lines = error_lines(run_import(data))
    today = timezone.localdate().isoformat()
    assert lines == [f"第 2 行 · 认定日期：认定日期不能晚于今天（{today}）。"]
    assert not WelfareRecipient.objects.exists()


def test_a_determination_date_outside_its_year_is_refused():
    data = recipients_csv(recipient_row(认定日期="2021-07-15", 认定年度="2022"))
    assert error_lines(run_import(data)) == [
        "第 2 行 · 认定日期：认定日期应在认定年度之内。"
    ]
    assert not WelfareRecipient.objects.exists()


def test_the_database_holds_the_year_rule_too():
    with pytest.raises(IntegrityError), transaction.atomic():
        WelfareRecipientFactory(
            batch_year=2022, identified_on=datetime.date(2021, 7, 1)
        )


def test_the_admin_form_refuses_a_future_determination_date(admin_client):
    from django.urls import reverse

    recipient = WelfareRecipientFactory()
    url = reverse("admin:welfare_welfarerecipient_change", args=[recipient.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        community=recipient.community_id,
        identified_on="2099-01-01",
        batch_year="2099",
        exited_on="",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "不能晚于今天" in errors["identified_on"][0]
    recipient.refresh_from_db()
    assert recipient.identified_on == datetime.date(2021, 7, 15)


@pytest.mark.parametrize(
    "resource_path,header,row,column",
    [
        (
            "governance.resources.VolunteerTeamResource",
            ["名称", "成立日期"],
            ["测试服务队", "2999-01-01"],
            "成立日期",
        ),
    ],
)
def test_other_days_that_happened_cannot_lie_after_today(
    resource_path, header, row, column
):
    from django.utils.module_loading import import_string

    resource = import_string(resource_path)()
    result = resource.import_data(read_dataset(csv_bytes([header, row]), "x.csv"))
    lines = error_lines(result)
    assert len(lines) == 1 and f"{column}：{column}不能晚于今天" in lines[0], lines
