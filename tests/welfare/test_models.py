"""The rules of recipients and records, held by the database and by full_clean()."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.welfare.factories import (
    AssistanceRecordFactory,
    ChildRecipientFactory,
    CommunityFactory,
    WelfareRecipientFactory,
    make_id_number,
)
from welfare.models import AssistanceRecord, WelfareRecipient
from welfare.services import recipients_mark_exited

pytestmark = pytest.mark.django_db
Category = WelfareRecipient.Category


def messages_of(exc_info):
    return exc_info.value.message_dict


def test_gender_and_birth_date_follow_from_the_id_number():
    man = WelfareRecipientFactory.build(birth=datetime.date(1958, 2, 28), male=True)
    woman = WelfareRecipientFactory.build(birth=datetime.date(1990, 12, 1), male=False)

    assert (man.gender, man.birth_date) == ("男", datetime.date(1958, 2, 28))
    assert (woman.gender, woman.is_male) == ("女", False)
    assert man.age_on(datetime.date(2021, 2, 27)) == 62
    assert man.age_on(datetime.date(2021, 2, 28)) == 63


def test_a_malformed_id_number_gives_no_gender_or_birth_date():
    recipient = WelfareRecipient(id_number="3211")

    assert (recipient.gender, recipient.birth_date, recipient.age) == ("", None, None)


def test_str_never_shows_the_id_number():
    recipient = WelfareRecipientFactory(name="贺明华")

    tail = recipient.id_number[-4:]
    assert str(recipient) == f"贺明华（困难户·{recipient.community.name}·尾号{tail}）"
    assert recipient.id_number not in str(recipient)
    record = AssistanceRecordFactory(recipient=recipient)
    assert recipient.id_number not in str(record)


def test_queryset_filters_by_gender_from_the_id_number():
    man = WelfareRecipientFactory(male=True)
    woman = WelfareRecipientFactory(male=False)

    assert list(WelfareRecipient.objects.males()) == [man]
    assert list(WelfareRecipient.objects.females()) == [woman]


def test_queryset_age_bands_turn_on_the_birthday():
    day = datetime.date(2021, 6, 1)
    child = WelfareRecipientFactory(birth=datetime.date(2003, 6, 2))
    just_adult = WelfareRecipientFactory(birth=datetime.date(2003, 6, 1))
    adult = WelfareRecipientFactory(birth=datetime.date(1961, 6, 2))
    just_senior = WelfareRecipientFactory(birth=datetime.date(1961, 6, 1))

    qs = WelfareRecipient.objects
    assert set(qs.children(on=day)) == {child}
    assert set(qs.adults(on=day)) == {just_adult, adult}
    assert set(qs.seniors(on=day)) == {just_senior}


def test_child_category_needs_a_guardian_and_guardian_phone():
    child = ChildRecipientFactory.build(
        community=CommunityFactory(), guardian_name="", guardian_phone=""
    )

    with pytest.raises(ValidationError) as exc_info:
        child.full_clean()

    errors = messages_of(exc_info)
    assert errors["guardian_name"] == ["留守儿童、困境儿童必须填写监护人。"]
    assert errors["guardian_phone"] == ["留守儿童、困境儿童必须填写监护人电话。"]
    assert "__all__" not in errors  # one message per problem, not two


def test_database_refuses_a_child_without_guardian_even_in_bulk():
    child = ChildRecipientFactory.build(community=CommunityFactory(), guardian_name="")

    with pytest.raises(IntegrityError), transaction.atomic():
        WelfareRecipient.objects.bulk_create([child])


def test_child_category_needs_an_age_under_18_on_the_identification_date():
    child = ChildRecipientFactory.build(
        community=CommunityFactory(),
        birth=datetime.date(2003, 7, 15),
        identified_on=datetime.date(2021, 7, 15),
    )

    with pytest.raises(ValidationError) as exc_info:
        child.full_clean()

    assert "在认定日期已满 18 周岁" in messages_of(exc_info)["id_number"][0]
    child.identified_on = datetime.date(2021, 7, 14)
    child.full_clean()


def test_one_recipient_per_id_number_and_category():
    first = WelfareRecipientFactory()
    same_person_other_category = WelfareRecipientFactory(
        id_number=first.id_number, category=Category.DISABLED
    )
    twin = WelfareRecipientFactory.build(
        id_number=first.id_number, community=first.community
    )

    with pytest.raises(ValidationError) as exc_info:
        twin.full_clean()

    assert messages_of(exc_info)["id_number"] == [
        "同一身份证号在同一帮扶类别中只能登记一次。"
    ]
    assert same_person_other_category.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_exited_recipient_has_an_exit_date_and_only_then():
    recipient = WelfareRecipientFactory.build(
        community=CommunityFactory(), status=WelfareRecipient.Status.EXITED
    )
    with pytest.raises(ValidationError) as exc_info:
        recipient.full_clean()
    assert "必须填写退出日期" in messages_of(exc_info)["exited_on"][0]

    recipient.status = WelfareRecipient.Status.ACTIVE
    recipient.exited_on = datetime.date(2021, 12, 1)
    with pytest.raises(ValidationError) as exc_info:
        recipient.full_clean()
    assert "在册的不能填写" in messages_of(exc_info)["exited_on"][0]

    with pytest.raises(IntegrityError), transaction.atomic():
        WelfareRecipient.objects.bulk_create([recipient])


def test_exit_date_not_before_identification():
    recipient = WelfareRecipientFactory.build(
        community=CommunityFactory(),
        status=WelfareRecipient.Status.EXITED,
        exited_on=datetime.date(2021, 1, 1),
    )

    with pytest.raises(ValidationError) as exc_info:
        recipient.full_clean()

    assert messages_of(exc_info)["exited_on"] == ["退出日期不能早于认定日期。"]


def test_an_invalid_id_number_is_refused_in_chinese():
    valid = make_id_number()
    wrong_check = "1" if valid[-1] != "1" else "2"
    recipient = WelfareRecipientFactory.build(
        community=CommunityFactory(), id_number=valid[:-1] + wrong_check
    )

    with pytest.raises(ValidationError) as exc_info:
        recipient.full_clean()

    assert messages_of(exc_info)["id_number"] == ["身份证号校验位错误，请核对号码。"]


def test_id_number_is_stored_upper_case_ascii():
    number = make_id_number()
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in number[:6]) + number[6:].lower()

    recipient = WelfareRecipientFactory(id_number=fullwidth)
    recipient.refresh_from_db()

    assert recipient.id_number == number


def test_amounts_are_never_negative():
    record = AssistanceRecordFactory.build(
        recipient=WelfareRecipientFactory(), amount=Decimal("-1")
    )

    with pytest.raises(ValidationError) as exc_info:
        record.full_clean()
    assert messages_of(exc_info)["amount"] == ["金额不能为负数。"]
    with pytest.raises(IntegrityError), transaction.atomic():
        AssistanceRecord.objects.bulk_create([record])


def test_one_record_per_recipient_date_and_kind():
    record = AssistanceRecordFactory()
    twin = AssistanceRecord(
        recipient=record.recipient, date=record.date, kind=record.kind, amount=5
    )

    with pytest.raises(ValidationError) as exc_info:
        twin.full_clean()

    assert "只能记录一次" in messages_of(exc_info)["__all__"][0]


def test_paid_in_year_sums_only_that_year():
    recipient = WelfareRecipientFactory()
    AssistanceRecordFactory(recipient=recipient, date=datetime.date(2021, 8, 1))
    AssistanceRecordFactory(
        recipient=recipient, date=datetime.date(2021, 9, 1), amount=Decimal("250.50")
    )
    AssistanceRecordFactory(recipient=recipient, date=datetime.date(2022, 1, 1))
    idle = WelfareRecipientFactory()

    totals = dict(
        WelfareRecipient.objects.with_paid_in_year(2021).values_list(
            "pk", "paid_in_year"
        )
    )

    assert totals == {recipient.pk: Decimal("1250.50"), idle.pk: 0}


def test_mark_exited_sets_status_and_date():
    recipient = WelfareRecipientFactory()

    chosen = WelfareRecipient.objects.filter(pk=recipient.pk)
    recipients_mark_exited(recipients=chosen, exited_on=datetime.date(2021, 12, 1))

    recipient.refresh_from_db()
    assert recipient.status == WelfareRecipient.Status.EXITED
    assert recipient.exited_on == datetime.date(2021, 12, 1)
    with pytest.raises(ValidationError, match="已经退出"):
        recipients_mark_exited(recipients=chosen, exited_on=datetime.date(2021, 12, 2))


def test_mark_exited_refuses_a_date_before_identification():
    recipient = WelfareRecipientFactory()

    with pytest.raises(ValidationError):
        recipients_mark_exited(
            recipients=WelfareRecipient.objects.filter(pk=recipient.pk),
            exited_on=datetime.date(2020, 1, 1),
        )

    recipient.refresh_from_db()
    assert recipient.status == WelfareRecipient.Status.ACTIVE
