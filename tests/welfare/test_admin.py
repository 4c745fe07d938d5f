"""The welfare admin as staff see it: masking, search, filters, forms and query counts."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from devzone.models import PersonalDataAccess
from devzone.validators import mask_id_number, mask_phone
from tests.spreadsheets import page_text
from tests.welfare.factories import (
    AssistanceRecordFactory,
    ChildRecipientFactory,
    CommunityFactory,
    WelfareRecipientFactory,
    make_id_number,
)
from welfare.models import WelfareRecipient

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:welfare_welfarerecipient_changelist"
RECORDS = "admin:welfare_assistancerecord_changelist"
CLERK = (
    "welfare.view_welfarerecipient",
    "welfare.change_welfarerecipient",
    "welfare.add_welfarerecipient",
    "welfare.view_assistancerecord",
    "welfare.change_assistancerecord",
    "welfare.add_assistancerecord",
    "devzone.view_community",
)
OFFICER = (*CLERK, "welfare.view_personal_data")


@pytest.fixture
def child():
    return ChildRecipientFactory(
        phone="13912340000", guardian_phone="13800001111", name="虞小红"
    )


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def secrets_of(recipient):
    return [recipient.id_number, recipient.phone, recipient.guardian_phone]


def assert_nothing_leaks(content, recipient):
    for secret in filter(None, secrets_of(recipient)):
        assert secret not in content
    # Nor the hidden middle alone (the birth date and sequence).
    assert recipient.id_number[6:14] not in content


# Masking ------------------------------------------------------------------------------


def test_changelist_masks_id_and_phone_without_the_permission(staff_client, child):
    response = staff_client(*CLERK).get(reverse(CHANGELIST))

    content = response.content.decode()
    assert_nothing_leaks(content, child)
    assert mask_id_number(child.id_number) in content
    assert mask_phone(child.phone) in content


def test_changelist_shows_full_numbers_with_the_permission(staff_client, child):
    response = staff_client(*OFFICER).get(reverse(CHANGELIST))

    content = response.content.decode()
    assert child.id_number in content and child.phone in content


def test_change_form_shows_masked_numbers_that_cannot_be_read_or_edited(
    staff_client, child
):
    client = staff_client(*CLERK)

    response = client.get(change_url(child))

    content = response.content.decode()
    assert_nothing_leaks(content, child)
    text = page_text(response)
    assert mask_id_number(child.id_number) in text
    assert mask_phone(child.guardian_phone) in text
    form = response.context["adminform"].form
    assert not {"id_number", "phone", "guardian_phone"} & set(form.fields)


def test_clerk_can_still_edit_other_fields_and_the_numbers_stay(staff_client, child):
    client = staff_client(*CLERK)
    data = form_data(client.get(change_url(child)))
    data["address"] = "马陵村3组8号"

    response = client.post(change_url(child), data)

    assert response.status_code == 302, page_text(response)
    stored = WelfareRecipient.objects.get(pk=child.pk)
    assert stored.address == "马陵村3组8号"
    assert secrets_of(stored) == secrets_of(child)


def test_clerk_cannot_overwrite_numbers_by_posting_them(staff_client, child):
    client = staff_client(*CLERK)
    data = form_data(client.get(change_url(child)))
    data.update(id_number=make_id_number(), phone="13000000000")

    client.post(change_url(child), data)

    child.refresh_from_db()
    assert child.phone == "13912340000"
    assert WelfareRecipient.objects.filter(id_number=child.id_number).exists()


def test_change_form_shows_full_numbers_to_an_officer(staff_client, child):
    response = staff_client(*OFFICER).get(change_url(child))

    form = response.context["adminform"].form
    assert form.initial["id_number"] == child.id_number
    assert child.guardian_phone in response.content.decode()


def test_history_page_never_shows_the_full_id(staff_client, client, child, make_staff):
    officer = make_staff(*OFFICER, username="officer")
    client.force_login(officer)
    data = form_data(client.get(change_url(child)))
    data["phone"] = "13711112222"
    assert client.post(change_url(child), data).status_code == 302
    assert LogEntry.objects.count() == 1

    clerk = staff_client(*CLERK)
    response = clerk.get(
        reverse("admin:welfare_welfarerecipient_history", args=[child.pk])
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "虞小红" in content
    assert_nothing_leaks(content, child)
    assert "13711112222" not in content


def test_record_pages_mask_the_recipients_id(staff_client, child):
    record = AssistanceRecordFactory(recipient=child)
    client = staff_client(*CLERK)

    listing = client.get(reverse(RECORDS)).content.decode()
    form = client.get(change_url(record)).content.decode()

    assert mask_id_number(child.id_number) in listing
    assert_nothing_leaks(listing, child)
    assert_nothing_leaks(form, child)


def test_record_list_shows_the_full_id_to_an_officer(staff_client, child):
    AssistanceRecordFactory(recipient=child)

    content = staff_client(*OFFICER).get(reverse(RECORDS)).content.decode()

    assert child.id_number in content


# Search and lookups --------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        lambda n: n,
        lambda n: n.lower(),
        lambda n: "".join(chr(ord(c) + 0xFEE0) for c in n),
        lambda n: f"  {n} ",
    ],
    ids=["exact", "lower-x", "full-width", "spaces"],
)
def test_clerk_finds_a_recipient_by_the_full_id_they_know(staff_client, typed):
    target = WelfareRecipientFactory(id_number=make_id_number(seq=51))
    WelfareRecipientFactory()

    response = staff_client(*CLERK).get(
        reverse(CHANGELIST), {"q": typed(target.id_number)}
    )

    assert list(response.context["cl"].result_list) == [target]


def test_partial_id_search_finds_nothing(staff_client):
    target = WelfareRecipientFactory()

    response = staff_client(*CLERK).get(
        reverse(CHANGELIST), {"q": target.id_number[:14]}
    )

    assert list(response.context["cl"].result_list) == []


def test_search_by_name_and_by_phone(staff_client):
    target = WelfareRecipientFactory(name="眭建国", phone="13955556666")
    WelfareRecipientFactory(name="王秀英")
    client = staff_client(*CLERK)

    by_name = client.get(reverse(CHANGELIST), {"q": "建国"})
    by_phone = client.get(reverse(CHANGELIST), {"q": "139-5555-6666"})
    by_partial_phone = client.get(reverse(CHANGELIST), {"q": "5555"})

    assert list(by_name.context["cl"].result_list) == [target]
    assert list(by_phone.context["cl"].result_list) == [target]
    assert list(by_partial_phone.context["cl"].result_list) == []


@pytest.mark.parametrize(
    "lookup",
    [
        "id_number__startswith",
        "id_number__gt",
        "id_number__contains",
        "phone__startswith",
        "guardian_phone__regex",
    ],
)
def test_range_lookups_on_personal_fields_are_refused(staff_client, lookup):
    WelfareRecipientFactory()

    response = staff_client(*CLERK).get(reverse(CHANGELIST), {lookup: "3211811"})

    assert response.status_code == 400


def test_records_refuse_range_lookups_on_the_recipients_id(staff_client):
    AssistanceRecordFactory()

    response = staff_client(*CLERK).get(
        reverse(RECORDS), {"recipient__id_number__startswith": "321181"}
    )

    assert response.status_code == 400


def test_exact_id_is_found_through_the_search_only_within_a_daily_quota(
    staff_client, settings
):
    # given a clerk who sees numbers masked, allowed two full-number lookups a day
    settings.DEVZONE_PERSONAL_LOOKUPS_PER_DAY = 2
    target = WelfareRecipientFactory()
    client = staff_client(*CLERK)
    # a lookup typed into the address is refused: it would bypass the quota
    assert (
        client.get(reverse(CHANGELIST), {"id_number": target.id_number}).status_code
        == 400
    )
    # when they search by the full number three times
    found = [
        list(
            client.get(reverse(CHANGELIST), {"q": target.id_number})
            .context["cl"]
            .result_list
        )
        for _ in range(3)
    ]
    # then the first two find the recipient, the third is refused with a message
    assert found == [[target], [target], []]
    refused = client.get(reverse(CHANGELIST), {"q": target.id_number})
    assert "查找的次数已用完" in refused.content.decode()
    # and every try is logged, masked
    kinds = list(
        PersonalDataAccess.objects.order_by("pk").values_list("kind", "target")
    )
    masked = target.id_number[:6] + "********" + target.id_number[-4:]
    assert kinds == [("lookup", masked)] * 2 + [("refused", masked)] * 2


def test_autocomplete_shows_names_not_id_numbers(staff_client, child):
    client = staff_client(*CLERK)

    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": child.id_number,
            "app_label": "welfare",
            "model_name": "assistancerecord",
            "field_name": "recipient",
        },
    )

    label = f"虞小红（留守儿童·{child.community.name}·尾号{child.id_number[-4:]}）"
    assert response.json()["results"] == [{"id": str(child.pk), "text": label}]
    assert child.id_number[:-4] not in response.content.decode()


def autocomplete_texts(client, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": term,
            "app_label": "welfare",
            "model_name": "assistancerecord",
            "field_name": "recipient",
        },
    )
    return sorted(result["text"] for result in response.json()["results"])


def test_picker_tells_two_people_of_one_name_apart(staff_client):
    # given two 虞桂, both 困难户, in two villages
    gaolou = CommunityFactory(name="高楼社区")
    maling = CommunityFactory(name="马陵村")
    one = WelfareRecipientFactory(name="虞桂", community=gaolou)
    two = WelfareRecipientFactory(
        name="虞桂", community=maling, birth=datetime.date(1961, 3, 9)
    )
    client = staff_client(*CLERK)

    # when the clerk types the name, then the village, then a label's parts
    both = autocomplete_texts(client, "虞桂")
    in_maling = autocomplete_texts(client, "虞桂 马陵村")
    by_category = autocomplete_texts(client, "困难户 马陵")

    # then the two entries differ, and each search narrows to the right one
    assert both == sorted(
        [
            f"虞桂（困难户·高楼社区·尾号{one.id_number[-4:]}）",
            f"虞桂（困难户·马陵村·尾号{two.id_number[-4:]}）",
        ]
    )
    assert in_maling == [f"虞桂（困难户·马陵村·尾号{two.id_number[-4:]}）"]
    assert by_category == in_maling
    assert autocomplete_texts(client, "低保户 虞桂") == []


# Filters ------------------------------------------------------------------------------


def result_names(response):
    return sorted(r.name for r in response.context["cl"].result_list)


def test_gender_and_age_band_filters(staff_client):
    today = timezone.localdate()
    WelfareRecipientFactory(
        name="男童", male=True, birth=today.replace(year=today.year - 10)
    )
    WelfareRecipientFactory(name="成年女", male=False, birth=datetime.date(1990, 1, 1))
    WelfareRecipientFactory(name="老年男", male=True, birth=datetime.date(1940, 1, 1))
    client = staff_client(*CLERK)

    def names(**params):
        return result_names(client.get(reverse(CHANGELIST), params))

    assert names(gender="male") == ["男童", "老年男"]
    assert names(gender="female") == ["成年女"]
    assert names(age_band="child") == ["男童"]
    assert names(age_band="adult") == ["成年女"]
    assert names(age_band="senior") == ["老年男"]
    assert names(gender="male", age_band="senior") == ["老年男"]


def test_category_cause_batch_status_and_community_filters(staff_client):
    WelfareRecipientFactory(name="二批因病")
    WelfareRecipientFactory(name="二批因残", cause=WelfareRecipient.Cause.DISABILITY)
    WelfareRecipientFactory(name="一批", batch=WelfareRecipient.Batch.FIRST)
    other = CommunityFactory(name="胡桥村", kind="village")
    WelfareRecipientFactory(name="别村", community=other)
    client = staff_client(*CLERK)

    def names(**params):
        return result_names(client.get(reverse(CHANGELIST), params))

    assert names(
        batch__exact="second", batch_year__exact="2021", cause__exact="illness"
    ) == [
        "二批因病",
        "别村",
    ]
    assert names(batch__exact="first") == ["一批"]
    assert names(community__id__exact=other.pk) == ["别村"]
    assert names(status__exact="exited") == []
    filters = client.get(reverse(CHANGELIST)).context["cl"].filter_specs
    assert [str(f.title) for f in filters] == [
        "帮扶类别",
        "致困原因",
        "村/社区",
        "认定年度",
        "认定批次",
        "状态",
        "性别",
        "年龄段",
        "走访",
        "统计年度",
    ]


def test_paid_this_year_column_sums_this_years_records(staff_client):
    recipient = WelfareRecipientFactory(identified_on=datetime.date(2021, 7, 1))
    this_year = timezone.localdate().year
    AssistanceRecordFactory(
        recipient=recipient, date=datetime.date(this_year, 1, 2), amount=300
    )
    AssistanceRecordFactory(
        recipient=recipient, date=datetime.date(this_year, 1, 3), amount=Decimal("0.5")
    )
    AssistanceRecordFactory(recipient=recipient, date=datetime.date(2021, 8, 1))

    response = staff_client(*CLERK).get(reverse(CHANGELIST))

    (row,) = response.context["cl"].result_list
    assert row.paid_in_year == Decimal("300.5")
    assert f"{this_year}年帮扶金额（元）" in page_text(response)


def test_records_have_a_date_hierarchy(staff_client):
    AssistanceRecordFactory(date=datetime.date(2021, 8, 1))

    response = staff_client(*CLERK).get(reverse(RECORDS), {"date__year": "2021"})

    assert response.context["cl"].date_hierarchy == "date"
    assert response.context["cl"].result_count == 1


# Query counts --------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add_recipients(count, start):
    communities = [
        CommunityFactory(name=name, kind="village") for name in ("联观村", "普善村")
    ]
    for n in range(start, start + count):
        recipient = WelfareRecipientFactory(community=communities[n % 2])
        AssistanceRecordFactory(recipient=recipient, date=datetime.date(2021, 8, 1))


@pytest.mark.parametrize("perms", [CLERK, OFFICER], ids=["clerk", "officer"])
@pytest.mark.parametrize("url_name", [CHANGELIST, RECORDS])
def test_changelist_query_count_does_not_grow_with_rows(staff_client, perms, url_name):
    client = staff_client(*perms)
    add_recipients(10, 0)
    few = count_queries(client, reverse(url_name))
    add_recipients(35, 10)

    many = count_queries(client, reverse(url_name))

    assert many == few


# Forms and actions ---------------------------------------------------------------------


def form_data(response):
    """Return the POST data the admin change form would send back unchanged."""
    adminform = response.context["adminform"]
    # The page's record version, as the browser sends it back (lost-update check).
    data = {"_version": response.context.get("record_version", "")}
    for name in adminform.form.fields:
        value = adminform.form[name].value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = value
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        else:
            data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for index, form in enumerate(formset.formset.forms):
            for name in form.fields:
                value = form[name].value()
                if value is not None:
                    data[f"{formset.formset.prefix}-{index}-{name}"] = (
                        value.isoformat() if isinstance(value, datetime.date) else value
                    )
    return data


def test_add_form_refuses_a_child_without_guardian_in_chinese(staff_client):
    community = CommunityFactory()
    client = staff_client(*CLERK)
    add = reverse("admin:welfare_welfarerecipient_add")
    data = form_data(client.get(add))
    data.update(
        name="小明",
        id_number=make_id_number(birth=datetime.date(2012, 1, 1)),
        community=community.pk,
        category="left_behind_child",
        batch_year=2021,
        batch="second",
        identified_on="2021-07-01",
        household_size=3,
        status="active",
    )

    response = client.post(add, data)

    text = page_text(response)
    assert "留守儿童、困境儿童必须填写监护人。" in text
    assert "留守儿童、困境儿童必须填写监护人电话。" in text
    assert not WelfareRecipient.objects.exists()


def test_add_form_refuses_an_adult_in_a_child_category(staff_client):
    community = CommunityFactory()
    client = staff_client(*CLERK)
    add = reverse("admin:welfare_welfarerecipient_add")
    data = form_data(client.get(add))
    data.update(
        name="成年人",
        id_number=make_id_number(birth=datetime.date(1990, 1, 1)),
        community=community.pk,
        category="distressed_child",
        batch_year=2021,
        batch="second",
        identified_on="2021-07-01",
        household_size=3,
        status="active",
        guardian_name="监护人",
        guardian_phone="13800001111",
    )

    response = client.post(add, data)

    assert "在认定日期已满 31 周岁" in page_text(response)
    assert not WelfareRecipient.objects.exists()


def test_add_form_refuses_a_negative_amount_in_the_inline(staff_client):
    community = CommunityFactory()
    client = staff_client(*CLERK)
    add = reverse("admin:welfare_welfarerecipient_add")
    data = form_data(client.get(add))
    data.update(
        name="贺建国",
        id_number=make_id_number(),
        community=community.pk,
        category="hardship",
        cause="illness",
        batch_year=2021,
        batch="second",
        identified_on="2021-07-01",
        household_size=3,
        status="active",
        **{
            "records-TOTAL_FORMS": "1",
            "records-0-date": "2021-08-01",
            "records-0-kind": "cash",
            "records-0-amount": "-5",
        },
    )

    response = client.post(add, data)

    assert "金额不能为负数。" in page_text(response)
    assert not WelfareRecipient.objects.exists()


def test_clerk_changing_category_to_a_taken_one_gets_a_message(staff_client):
    first = WelfareRecipientFactory()
    second = WelfareRecipientFactory(
        id_number=first.id_number, category=WelfareRecipient.Category.DISABLED
    )
    client = staff_client(*CLERK)
    data = form_data(client.get(change_url(second)))
    data["category"] = "hardship"

    response = client.post(change_url(second), data)

    assert response.status_code == 200
    assert "同一身份证号在同一帮扶类别中只能登记一次。" in page_text(response)
    second.refresh_from_db()
    assert second.category == "disabled"


def test_mark_exited_asks_for_the_date_and_changes_all_or_nothing(staff_client):
    recipient = WelfareRecipientFactory()
    already = WelfareRecipientFactory(
        status="exited", exited_on=datetime.date(2021, 12, 1)
    )
    client = staff_client(*CLERK)
    selected = {"action": "mark_exited", "_selected_action": [recipient.pk, already.pk]}

    # the first step shows who will change and asks for the date
    confirmation = client.post(reverse(CHANGELIST), selected)
    assert "以下 2 名帮扶对象将退出帮扶" in page_text(confirmation)
    # one of them has already exited: nobody changes
    refused = client.post(
        reverse(CHANGELIST),
        {**selected, "apply": "1", "exited_on": "2022-01-05"},
        follow=True,
    )
    assert "未作任何修改" in page_text(refused) and "已经退出" in page_text(refused)
    recipient.refresh_from_db()
    assert recipient.status == "active"
    # without the one already gone, the other exits on the date chosen
    done = client.post(
        reverse(CHANGELIST),
        {
            "action": "mark_exited",
            "_selected_action": [recipient.pk],
            "apply": "1",
            "exited_on": "2022-01-05",
        },
        follow=True,
    )
    assert "已退出 1 名帮扶对象。" in page_text(done)
    recipient.refresh_from_db()
    assert (recipient.status, recipient.exited_on) == (
        "exited",
        datetime.date(2022, 1, 5),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("321181197005010752", "321181********0752"),
        ("32118119700501075x", "321181********075X"),
        ("q=13912345678", "q=139****5678"),
        ("0511-86881234", "051****1234"),
        ("identified_on__gte=2021-07-15&batch_year=2021", None),
        ("name=贺建国", None),
    ],
)
def test_numbers_in_logged_filters_are_masked(text, expected):
    from devzone.validators import mask_numbers_in_text

    assert mask_numbers_in_text(text) == (expected or text)


def test_view_only_user_sees_masked_numbers_on_the_form(staff_client, child):
    client = staff_client("welfare.view_welfarerecipient")

    response = client.get(change_url(child))

    assert response.status_code == 200
    assert_nothing_leaks(response.content.decode(), child)
    assert mask_id_number(child.id_number) in page_text(response)


def test_delete_confirmation_shows_no_full_id(staff_client, child):
    AssistanceRecordFactory(recipient=child)
    client = staff_client(*CLERK, "welfare.delete_welfarerecipient")

    response = client.get(
        reverse("admin:welfare_welfarerecipient_delete", args=[child.pk])
    )

    assert_nothing_leaks(response.content.decode(), child)


def test_a_masked_list_leaves_out_the_age_that_would_narrow_the_birth_date(
    staff_client, make_staff, client, child
):
    clerk_page = staff_client(*CLERK).get(reverse(CHANGELIST))
    assert "年龄" not in [str(h["text"]) for h in clerk_page.context["result_headers"]]
    client.force_login(make_staff(*OFFICER, username="officer"))
    officer_page = client.get(reverse(CHANGELIST))
    assert "年龄" in [str(h["text"]) for h in officer_page.context["result_headers"]]


def test_seeing_full_numbers_is_logged_with_the_filter_and_the_rows(
    make_staff, client, child
):
    officer = make_staff(*OFFICER, username="officer")
    client.force_login(officer)
    client.get(reverse(CHANGELIST), {"status__exact": "active"})
    client.get(change_url(child))
    entries = list(
        PersonalDataAccess.objects.order_by("pk").values_list(
            "user__username", "kind", "target", "row_count"
        )
    )
    assert entries == [
        ("officer", "list", "status__exact=active", 1),
        ("officer", "record", str(child.pk), 1),
    ]


def test_a_clerk_leaves_no_trace_of_full_numbers_seen(staff_client, child):
    client = staff_client(*CLERK)
    client.get(reverse(CHANGELIST))
    client.get(change_url(child))
    assert not PersonalDataAccess.objects.exists()


def test_the_exit_confirmation_page_runs_the_same_queries_for_more_recipients(
    staff_client,
):
    client = staff_client(*CLERK)

    def confirmation_queries(count):
        chosen = [WelfareRecipientFactory() for _ in range(count)]
        with CaptureQueriesContext(connection) as queries:
            page = client.post(
                reverse(CHANGELIST),
                {"action": "mark_exited", "_selected_action": [r.pk for r in chosen]},
            )
        assert f"以下 {count} 名帮扶对象将退出帮扶" in page_text(page)
        return len(queries)

    assert confirmation_queries(2) == confirmation_queries(8)


def test_a_link_from_the_report_keeps_its_year_in_the_column_and_banner(
    staff_client,
):
    # given a 2021 recipient paid in 2021, and one visit recorded this year
    recipient = WelfareRecipientFactory(identified_on=datetime.date(2021, 7, 1))
    AssistanceRecordFactory(
        recipient=recipient, date=datetime.date(2021, 8, 1), amount=500
    )
    AssistanceRecordFactory(
        recipient=recipient, date=timezone.localdate(), amount=Decimal("20")
    )

    # when the 2021 report's list is opened
    response = staff_client(*CLERK).get(
        reverse(CHANGELIST), {"batch_year": 2021, "stats_year": 2021}
    )

    # then the column is 2021's, and so says the banner
    text = page_text(response)
    assert "2021年帮扶金额（元）" in text
    (row,) = response.context["cl"].result_list
    assert row.paid_in_year == Decimal("500")
    assert "统计年度：2021 年" in text
