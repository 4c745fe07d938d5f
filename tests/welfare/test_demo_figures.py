"""The 2021 review's welfare figures, read from the demo data by queries."""

import datetime
from urllib.parse import parse_qsl, urlsplit

import pytest

from devzone.models import Community
from devzone.registry import report_contributions
from welfare import reports
from welfare.models import AssistanceRecord, WelfareRecipient

pytestmark = pytest.mark.django_db

Category = WelfareRecipient.Category


def test_second_batch_of_2021_holds_110_households_in_difficulty(demo_data):
    second_batch = WelfareRecipient.objects.households_in_difficulty().in_batch(
        2021, WelfareRecipient.Batch.SECOND
    )

    assert second_batch.count() == 110


def test_most_second_batch_households_are_in_difficulty_because_of_illness(demo_data):
    second_batch = WelfareRecipient.objects.households_in_difficulty().in_batch(
        2021, WelfareRecipient.Batch.SECOND
    )

    illness = second_batch.by_cause(WelfareRecipient.Cause.ILLNESS).count()

    assert illness > second_batch.count() / 2


def test_every_child_has_a_guardian_a_file_and_was_under_18_when_identified(demo_data):
    children = WelfareRecipient.objects.of_category(*WelfareRecipient.CHILD_CATEGORIES)

    assert children.filter(category=Category.LEFT_BEHIND_CHILD).exists()
    assert children.filter(category=Category.DISTRESSED_CHILD).exists()
    for child in children:
        assert child.guardian_name and child.guardian_phone
        assert child.measures.startswith("一人一档")
        assert child.age_on(child.identified_on) < 18
    assert children.count() == children.children(on=datetime.date(2021, 12, 31)).count()


def test_elderly_living_alone_are_60_or_older(demo_data):
    elderly = WelfareRecipient.objects.of_category(Category.ELDERLY_ALONE)

    assert elderly.count() > 0
    assert elderly.seniors(on=datetime.date(2021, 1, 1)).count() == elderly.count()


def test_assistance_records_run_through_2021(demo_data):
    months = {
        day.month
        for day in AssistanceRecord.objects.in_year(2021).values_list("date", flat=True)
    }

    assert months == set(range(1, 13))


def test_demo_people_are_invented_with_danyang_ids(demo_data):
    ids = WelfareRecipient.objects.values_list("id_number", flat=True)

    assert all(number.startswith("321181") for number in ids)
    for recipient in WelfareRecipient.objects.all():
        recipient.full_clean()


def test_home_care_centres_cover_at_least_90_percent_of_communities(demo_data):
    share = (
        Community.objects.with_home_care_center().count() / Community.objects.count()
    )

    assert share >= 0.9


def test_report_figures_match_the_review_and_link_to_their_rows(
    demo_data, admin_client
):
    figures = {figure.key: figure for figure in reports.figures(2021)}

    difficulty = figures["welfare.difficulty_second_batch"]
    illness = figures["welfare.difficulty_second_batch_illness"]
    assert difficulty.value == difficulty.rows == 110
    assert 55 < illness.value == illness.rows < 110
    for figure in figures.values():
        response = admin_client.get(figure.url)
        assert response.status_code == 200
        assert response.context["cl"].result_count == figure.rows
    query = dict(parse_qsl(urlsplit(difficulty.url).query))
    assert query == {
        "category__exact": "hardship",
        "batch_year": "2021",
        "batch__exact": "second",
        "stats_year": "2021",  # the list's yearly column counts the report's year
    }


def test_report_chart_counts_recipients_by_category(demo_data):
    (chart,) = reports.charts(2021)
    data = dict(chart.data)

    assert chart.key == "welfare.recipients_by_category"
    assert set(data) == {str(label) for label in Category.labels}
    on_register = WelfareRecipient.objects.on_register_at(datetime.date(2021, 12, 31))
    assert sum(data.values()) == on_register.count()
    assert data["困难户"] == on_register.households_in_difficulty().count()


def test_welfare_contributes_to_the_welfare_section(demo_data):
    sections = [c.section for c in report_contributions if c.figures is reports.figures]

    assert sections == ["welfare"]


def test_seeding_twice_changes_nothing(demo_data):
    from welfare import demo

    counts = demo.load()

    assert counts["帮扶对象"]["new"] == counts["帮扶对象"]["update"] == 0
    assert counts["帮扶记录"]["new"] == counts["帮扶记录"]["update"] == 0
