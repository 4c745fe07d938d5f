"""The welfare section of the annual report, computed live from the records."""

import datetime

import pytest

from tests.welfare.factories import ChildRecipientFactory, WelfareRecipientFactory
from welfare import reports

pytestmark = pytest.mark.django_db


def test_second_batch_figure_counts_only_that_batch_and_year(admin_client):
    WelfareRecipientFactory()
    WelfareRecipientFactory(cause="disability")
    WelfareRecipientFactory(batch="first")
    WelfareRecipientFactory(batch_year=2020, identified_on=datetime.date(2020, 7, 1))
    WelfareRecipientFactory(category="subsistence")
    WelfareRecipientFactory(status="exited", exited_on=datetime.date(2021, 12, 1))

    figures = {f.key: f for f in reports.figures(2021)}

    difficulty = figures["welfare.difficulty_second_batch"]
    illness = figures["welfare.difficulty_second_batch_illness"]
    assert (difficulty.value, difficulty.rows, difficulty.unit) == (3, 3, "户")
    assert (illness.value, illness.rows) == (2, 2)
    assert difficulty.label == "2021年第二批困难户"
    for figure in figures.values():
        changelist = admin_client.get(figure.url).context["cl"]
        assert changelist.result_count == figure.rows


def test_figures_follow_the_year():
    WelfareRecipientFactory(batch_year=2022, identified_on=datetime.date(2022, 7, 1))

    figures = {f.key: f.value for f in reports.figures(2022)}

    assert figures["welfare.difficulty_second_batch"] == 1
    assert {f.key: f.value for f in reports.figures(2021)}[
        "welfare.difficulty_second_batch"
    ] == 0


def test_chart_counts_who_was_on_the_register_at_year_end():
    WelfareRecipientFactory()
    ChildRecipientFactory()
    WelfareRecipientFactory(status="exited", exited_on=datetime.date(2021, 12, 1))
    WelfareRecipientFactory(status="exited", exited_on=datetime.date(2022, 3, 1))
    WelfareRecipientFactory(batch_year=2022, identified_on=datetime.date(2022, 7, 1))

    (chart,) = reports.charts(2021)

    data = dict(chart.data)
    assert data["困难户"] == 2
    assert data["留守儿童"] == 1
    assert data["退役军人"] == 0
    assert list(data)[0] == "困难户"
