"""The FilterSets behind the export centre: same vocabulary as the admin, Chinese labels."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from devzone.registry import datasets
from tests.welfare.factories import (
    AssistanceRecordFactory,
    ChildRecipientFactory,
    CommunityFactory,
    WelfareRecipientFactory,
)
from welfare.filters import AssistanceRecordFilterSet, WelfareRecipientFilterSet
from welfare.models import AssistanceRecord, WelfareRecipient
from welfare.resources import AssistanceRecordResource, WelfareRecipientResource

pytestmark = pytest.mark.django_db


def recipients(**data):
    filterset = WelfareRecipientFilterSet(data, queryset=WelfareRecipient.objects.all())
    assert filterset.is_valid(), filterset.errors
    return sorted(r.name for r in filterset.qs)


def records(**data):
    filterset = AssistanceRecordFilterSet(data, queryset=AssistanceRecord.objects.all())
    assert filterset.is_valid(), filterset.errors
    return sorted(r.note for r in filterset.qs)


def test_both_datasets_are_registered_for_the_export_centre():
    recipient_set = datasets["welfare.welfarerecipient"]
    record_set = datasets["welfare.assistancerecord"]

    assert (recipient_set.label, recipient_set.resource, recipient_set.filterset) == (
        "帮扶对象",
        WelfareRecipientResource,
        WelfareRecipientFilterSet,
    )
    assert (record_set.label, record_set.resource, record_set.filterset) == (
        "帮扶记录",
        AssistanceRecordResource,
        AssistanceRecordFilterSet,
    )
    assert recipient_set.view_permission == "welfare.view_welfarerecipient"


def test_every_filter_label_is_chinese():
    for filterset_class in (WelfareRecipientFilterSet, AssistanceRecordFilterSet):
        for name, field in filterset_class.base_filters.items():
            label = str(field.label)
            assert label and not label.isascii(), name


def test_recipients_by_category_cause_batch_and_community():
    other = CommunityFactory(name="胡桥村", kind="village")
    WelfareRecipientFactory(name="甲")
    WelfareRecipientFactory(name="乙", cause="disability", community=other)
    WelfareRecipientFactory(name="丙", batch="first", category="subsistence")
    ChildRecipientFactory(name="丁")

    assert recipients(category=["hardship", "subsistence"]) == ["丙", "乙", "甲"]
    assert recipients(cause=["illness"], batch=["second"], batch_year="2021") == ["甲"]
    assert recipients(community=[other.pk]) == ["乙"]
    assert recipients(category=["left_behind_child"]) == ["丁"]


def test_recipients_by_gender_age_band_and_exact_id():
    today = timezone.localdate()
    boy = WelfareRecipientFactory(
        name="男童", male=True, birth=today.replace(year=today.year - 8)
    )
    WelfareRecipientFactory(name="老年女", male=False, birth=datetime.date(1940, 1, 1))

    assert recipients(gender="male") == ["男童"]
    assert recipients(gender="female", age_band="senior") == ["老年女"]
    assert recipients(age_band="adult") == []
    assert recipients(id_number=boy.id_number.lower()) == ["男童"]
    assert recipients(id_number=boy.id_number[:10]) == []


def test_identified_on_range_includes_its_last_day():
    WelfareRecipientFactory(name="甲", identified_on=datetime.date(2021, 7, 31))
    WelfareRecipientFactory(name="乙", identified_on=datetime.date(2021, 8, 1))

    assert recipients(
        identified_on_after="2021-07-01", identified_on_before="2021-07-31"
    ) == ["甲"]


@pytest.mark.parametrize(
    "data",
    [
        {"gender": "x"},
        {"age_band": "teen"},
        {"category": ["nope"]},
        {"identified_on_after": "2021-13-01"},
    ],
)
def test_invalid_values_are_reported_not_dropped(data):
    filterset = WelfareRecipientFilterSet(data, queryset=WelfareRecipient.objects.all())

    assert not filterset.is_valid()


def test_records_by_date_kind_amount_category_and_community():
    other = CommunityFactory(name="胡桥村", kind="village")
    child = ChildRecipientFactory(community=other)
    AssistanceRecordFactory(
        note="八月救助", date=datetime.date(2021, 8, 31), amount=500
    )
    AssistanceRecordFactory(
        note="九月物资",
        date=datetime.date(2021, 9, 1),
        kind="goods",
        amount=Decimal("80"),
    )
    AssistanceRecordFactory(
        recipient=child,
        note="助学",
        kind="education",
        amount=2000,
        date=datetime.date(2021, 10, 1),
    )

    assert records(date_after="2021-08-01", date_before="2021-08-31") == ["八月救助"]
    assert records(kind=["goods", "education"]) == ["九月物资", "助学"]
    assert records(amount_min="100", amount_max="1000") == ["八月救助"]
    assert records(recipient_category=["left_behind_child"]) == ["助学"]
    assert records(community=[other.pk]) == ["助学"]
    assert records(recipient_id_number=child.id_number) == ["助学"]
