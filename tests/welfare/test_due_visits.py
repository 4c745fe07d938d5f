import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.welfare.factories import (
    AssistanceRecordFactory,
    ChildRecipientFactory,
    WelfareRecipientFactory,
)
from welfare.models import AssistanceRecord, VisitInterval, WelfareRecipient, add_months

TODAY = datetime.date(2026, 12, 6)


def visit(recipient, day):
    return AssistanceRecordFactory(
        recipient=recipient, date=day, kind=AssistanceRecord.Kind.VISIT, amount=0
    )


def due(on=TODAY):
    return set(WelfareRecipient.objects.due_visit(on=on))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2024, 1, 31), 1, datetime.date(2024, 2, 29)),
        (datetime.date(2026, 12, 6), -1, datetime.date(2026, 11, 6)),
        (datetime.date(2026, 1, 15), -2, datetime.date(2025, 11, 15)),
        (datetime.date(2026, 11, 30), 3, datetime.date(2027, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_a_child_visited_over_a_month_ago_is_due_and_one_visited_this_month_is_not(
    db,
):
    # given: children are visited monthly (the migration's default)
    late = ChildRecipientFactory()
    visit(late, datetime.date(2026, 11, 5))
    recent = ChildRecipientFactory()
    visit(recent, datetime.date(2026, 11, 20))
    # then
    assert due() == {late}


def test_the_interval_follows_the_category(db):
    # given: the same last visit, two months and a week ago
    last = datetime.date(2026, 9, 29)
    hardship = WelfareRecipientFactory(category=WelfareRecipient.Category.HARDSHIP)
    elderly = WelfareRecipientFactory(category=WelfareRecipient.Category.ELDERLY_ALONE)
    for recipient in (hardship, elderly):
        visit(recipient, last)
    # then: 空巢老人 (every two months) is due, 困难户 (quarterly) is not
    assert due() == {elderly}


def test_only_a_visit_counts_not_money_or_goods(db):
    recipient = WelfareRecipientFactory()
    AssistanceRecordFactory(recipient=recipient, date=datetime.date(2026, 11, 1))
    assert recipient in due()


def test_never_visited_is_due_once_the_interval_after_identification_passes(db):
    new = ChildRecipientFactory(
        batch_year=2026, identified_on=datetime.date(2026, 11, 20)
    )
    old = ChildRecipientFactory(
        batch_year=2026, identified_on=datetime.date(2026, 10, 1)
    )
    assert due() == {old}
    assert new not in due(on=datetime.date(2026, 12, 19))
    assert new in due(on=datetime.date(2026, 12, 20))


def test_exited_recipients_are_never_due(db):
    WelfareRecipientFactory(
        status=WelfareRecipient.Status.EXITED, exited_on=datetime.date(2022, 1, 1)
    )
    assert due() == set()


def test_staff_change_the_interval_in_the_admin_and_the_rule_follows(db, admin_client):
    # given: a 困难户 last visited two months and a week ago (quarterly: not due)
    recipient = WelfareRecipientFactory()
    visit(recipient, datetime.date(2026, 9, 29))
    assert due() == set()
    # when: staff set 困难户 to every two months in the admin
    interval, _created = VisitInterval.objects.get_or_create(
        category=WelfareRecipient.Category.HARDSHIP, defaults={"months": 3}
    )
    response = admin_client.post(
        f"/admin/welfare/visitinterval/{interval.pk}/change/",
        {"category": interval.category, "months": 2},
    )
    assert response.status_code == 302
    # then
    assert due() == {recipient}


def test_the_intervals_default_per_category(db):
    # (the migration writes these rows; a test database flushed since has none)
    VisitInterval.objects.all().delete()
    assert VisitInterval.months_by_category() == {
        "left_behind_child": 1,
        "distressed_child": 1,
        "extreme_poverty": 2,
        "elderly_alone": 2,
        "hardship": 3,
        "subsistence": 3,
        "disabled": 3,
        "veteran": 3,
    }


@pytest.mark.parametrize("months", [0, 25])
def test_an_interval_out_of_range_is_refused(db, months):
    interval = VisitInterval(category=WelfareRecipient.Category.VETERAN, months=months)
    with pytest.raises(ValidationError, match="1 到 24 个月"):
        interval.full_clean()


def test_the_recipient_list_filter_shows_exactly_the_due_recipients(db, staff_client):
    late = ChildRecipientFactory()
    visit(late, add_months(timezone.localdate(), -2))
    fine = ChildRecipientFactory()
    visit(fine, timezone.localdate())
    client = staff_client("welfare.view_welfarerecipient")
    response = client.get("/admin/welfare/welfarerecipient/?visit=due")
    assert list(response.context["cl"].result_list) == [late]
