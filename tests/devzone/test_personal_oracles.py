"""No channel confirms a number a user may not see, beyond the day's quota.

A community worker sees ``321181********8579``: the hidden birth date leaves a few
thousand candidates sharing that mask. Each channel below is tried with the hidden
number and its candidates, as the attack over HTTP did: within the quota a channel
may answer (one candidate a lookup), past it every candidate, the hidden number
included, gets one and the same answer.
"""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from devzone import personal
from devzone.models import Community, PersonalDataAccess, StaffProfile
from devzone.validators import mask_id_number
from projects.models import RelocationHousehold
from tests.projects.factories import (
    RelocationHouseholdFactory,
    RelocationProjectFactory,
)
from tests.spreadsheets import csv_bytes, error_items, page_text, upload
from tests.welfare.factories import (
    AssistanceRecordFactory,
    WelfareRecipientFactory,
    make_id_number,
    mask_candidates,
)
from welfare.filters import AssistanceRecordFilterSet
from welfare.models import AssistanceRecord, WelfareRecipient

pytestmark = pytest.mark.django_db

QUOTA = 4
RECIPIENT_HEADER = [
    "姓名",
    "身份证号",
    "联系电话",
    "村/社区",
    "帮扶类别",
    "致困原因",
    "认定年度",
    "认定批次",
    "认定日期",
]
BATCH = ["2021", "第二批", "2021-07-15"]
OWN, OTHER = "高楼社区", "联观村"
WORKER_PERMS = [
    f"{app}.{action}_{model}"
    for app, model in [
        ("welfare", "welfarerecipient"),
        ("welfare", "assistancerecord"),
        ("projects", "relocationhousehold"),
    ]
    for action in ("view", "add", "change", "import", "export")
] + ["devzone.view_community", "projects.view_relocationproject"]


@pytest.fixture
def zone(db, settings):
    settings.DEVZONE_PERSONAL_LOOKUPS_PER_DAY = QUOTA
    own = Community.objects.create(name=OWN, kind="community")
    other = Community.objects.create(name=OTHER, kind="village")
    return own, other


@pytest.fixture
def worker_client(client, make_staff, zone):
    """A community worker of 高楼社区, who sees numbers masked."""
    user = make_staff(*WORKER_PERMS, username="gaolou")
    StaffProfile.objects.create(user=user, department="community").communities.add(
        zone[0]
    )
    client.force_login(user)
    return client


@pytest.fixture
def hidden(zone, request):
    """A recipient (and a household of the same person) in the worker's or another
    community, as the test's ``where`` says."""
    community = zone[0] if request.param == "own" else zone[1]
    number = make_id_number(birth=datetime.date(1968, 9, 17), seq=857)
    recipient = WelfareRecipientFactory(
        name="虞桂", id_number=number, community=community, phone="13912340000"
    )
    AssistanceRecordFactory(recipient=recipient)
    RelocationHouseholdFactory(
        project=RelocationProjectFactory(name="天波城北侧", community=community),
        head_name="虞桂",
        id_number=number,
        community=community,
    )
    return number


def counts_line(response):
    match = re.search(r"共 \d+ 行：[^。<]*", page_text(response))
    return match.group() if match else ""


def import_answer(response):
    return response.status_code, tuple(error_items(response)), counts_line(response)


# Each channel: ask(client, number) -> what the user is told.


def ask_search(client, number):
    response = client.get(
        reverse("admin:welfare_welfarerecipient_changelist"), {"q": number}
    )
    messages = tuple(str(m) for m in get_messages(response.wsgi_request))
    return response.context["cl"].result_count, messages


def ask_export_filter(client, number):
    response = client.get(
        "/reports/exports/welfare.assistancerecord/", {"recipient_id_number": number}
    )
    page = response.context.get("page")
    count = page.paginator.count if page is not None else None
    return response.status_code, count, tuple(map(str, response.context["errors"]))


def ask_import_key(client, number):
    row = ["虞桂", number, "13912340000", OWN, "困难户", "因病", *BATCH]
    data = csv_bytes([RECIPIENT_HEADER, row])
    return import_answer(upload(client, "welfare_welfarerecipient", "r.csv", data))


def ask_import_reference(client, number):
    header = ["姓名", "身份证号", "帮扶对象类别", "日期", "帮扶方式", "金额（元）"]
    row = ["虞桂", number, "", "2022-02-01", "救助金", "500"]
    data = csv_bytes([header, row])
    return import_answer(upload(client, "welfare_assistancerecord", "a.csv", data))


def ask_household_import(client, number):
    header = [
        "搬迁项目",
        "户主姓名",
        "身份证号",
        "所属村/社区",
        "家庭人口（人）",
        "搬迁面积（平方米）",
    ]
    row = ["天波城北侧", "虞桂", number, OWN, "3", "120"]
    data = csv_bytes([header, row])
    return import_answer(upload(client, "projects_relocationhousehold", "h.csv", data))


def ask_add_form(client, number):
    response = client.post(
        reverse("admin:welfare_welfarerecipient_add"),
        {
            "name": "虞桂",
            "id_number": number,
            "community": Community.objects.get(name=OWN).pk,
            "category": "hardship",
            "cause": "illness",
            "batch_year": "2021",
            "batch": "second",
            "household_size": "3",
            "status": "active",
        },
    )
    errors = response.context["adminform"].form.errors if response.context else {}
    return response.status_code, tuple(
        (name, tuple(messages)) for name, messages in sorted(errors.items())
    )


CHANNELS = {
    "search": ask_search,
    "export-filter": ask_export_filter,
    "import-key": ask_import_key,
    "import-reference": ask_import_reference,
    "household-import": ask_household_import,
    "add-form": ask_add_form,
}


@pytest.mark.parametrize("hidden", ["own", "other"], indirect=True)
@pytest.mark.parametrize("channel", list(CHANNELS))
def test_no_channel_tells_a_hidden_number_from_its_candidates_past_the_quota(
    worker_client, hidden, channel
):
    ask = CHANNELS[channel]
    others = mask_candidates(hidden, QUOTA + 4)
    asked = [*others[: QUOTA - 1], hidden, *others[QUOTA - 1 :], hidden]

    answers = [ask(worker_client, number) for number in asked]

    # Past the quota: one answer for every candidate, the hidden number included.
    refused = answers[QUOTA:]
    assert len(set(refused)) == 1, refused
    assert hidden not in str(refused[0])
    assert not re.search(r"\d+ 个号码", str(refused[0]))
    # Every answer was counted, and every one past the quota refused and logged.
    logged = PersonalDataAccess.objects.filter(user__username="gaolou")
    assert logged.filter(kind=PersonalDataAccess.Kind.LOOKUP).count() <= QUOTA
    assert logged.filter(kind=PersonalDataAccess.Kind.REFUSED).count() >= len(refused)
    assert hidden not in " ".join(logged.values_list("target", flat=True))


@pytest.mark.parametrize("hidden", ["own"], indirect=True)
@pytest.mark.parametrize("channel", list(CHANNELS))
def test_within_the_quota_a_channel_still_answers(worker_client, hidden, channel):
    # The test above would pass for a channel that never answers: this one fails then.
    ask = CHANNELS[channel]
    miss = ask(worker_client, mask_candidates(hidden, 1)[0])
    hit = ask(worker_client, hidden)

    assert miss != hit


@pytest.mark.parametrize("hidden", ["own", "other"], indirect=True)
def test_halving_a_file_of_candidates_learns_nothing(worker_client, hidden):
    # The near-miss guard said "文件中有 3846 个号码…", N−1 when the hidden number was
    # in the file: halving the file found it in a dozen uploads.
    others = mask_candidates(hidden, 40)
    header = RECIPIENT_HEADER

    def half(numbers):
        rows = [["虞桂", n, "", OWN, "困难户", "因病", *BATCH] for n in numbers]
        data = csv_bytes([header, *rows])
        return import_answer(
            upload(worker_client, "welfare_welfarerecipient", "r.csv", data)
        )

    with_hidden = half([hidden, *others[:19]])
    without = half(others[20:])

    assert with_hidden == without
    assert "查询次数" in str(with_hidden)
    assert not WelfareRecipient.objects.filter(id_number__in=others).exists()


def test_a_file_of_new_numbers_costs_nothing(worker_client, zone):
    # Numbers no stored number shares a mask with tell nothing about stored ones.
    header = RECIPIENT_HEADER
    rows = [
        ["新对象", make_id_number(seq=100 + 2 * n), "", OWN, "困难户", "因病", *BATCH]
        for n in range(QUOTA * 3)
    ]

    preview = upload(
        worker_client, "welfare_welfarerecipient", "r.csv", csv_bytes([header, *rows])
    )

    assert error_items(preview) == []
    assert counts_line(preview).startswith(f"共 {QUOTA * 3} 行：新增 {QUOTA * 3} 条")
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize("hidden", ["other"], indirect=True)
def test_a_name_or_category_is_not_checked_against_another_communitys_resident(
    worker_client, hidden
):
    header = ["姓名", "身份证号", "帮扶对象类别", "日期", "帮扶方式", "金额（元）"]

    def answer(name, category):
        data = csv_bytes(
            [header, [name, hidden, category, "2022-02-01", "救助金", "5"]]
        )
        return error_items(
            upload(worker_client, "welfare_assistancerecord", "a.csv", data)
        )

    right = answer("虞桂", "困难户")
    wrong_name = answer("张三", "困难户")
    wrong_category = answer("虞桂", "退役军人")

    assert right == wrong_name == wrong_category
    assert "不符" not in str(right) and "已登记的类别" not in str(right)
    assert not AssistanceRecord.objects.filter(amount=5).exists()


def test_personal_paths_follow_foreign_keys():
    assert set(personal.personal_paths(AssistanceRecord)) == {
        "recipient__id_number",
        "recipient__phone",
        "recipient__guardian_phone",
    }
    assert personal.mask_for(AssistanceRecord, "recipient__id_number__exact")
    assert personal.mask_for(RelocationHousehold, "phone").kind == "phone"
    assert personal.mask_for(WelfareRecipient, "name") is None
    assert personal.mask_for(WelfareRecipient, "community__name") is None
    assert personal.mask_for(WelfareRecipient, "no_such_field") is None


def test_an_export_centre_filter_is_personal_by_the_path_it_reads():
    from devzone.reports.export_centre import personal_masks

    masks = personal_masks(AssistanceRecordFilterSet(), AssistanceRecord)

    assert set(masks) == {"recipient_id_number"}


def test_the_assistance_import_template_shows_no_residents_number(worker_client):
    numbers = [
        WelfareRecipientFactory(community=Community.objects.get(name=OWN)).id_number
        for _ in range(3)
    ]

    page = worker_client.get(reverse("admin:welfare_assistancerecord_import"))
    template = worker_client.get(
        reverse("admin:welfare_assistancerecord_import_template")
    )

    from tests.spreadsheets import read_xlsx_download

    cells = str(read_xlsx_download(template))
    for number in numbers:
        assert number not in page.content.decode()
        assert number not in cells
        assert mask_id_number(number) not in cells
    assert "帮扶对象的身份证号" in page_text(page)
    assert "帮扶对象的名称" not in page_text(page)


@pytest.mark.parametrize("hidden", ["own"], indirect=True)
def test_the_history_page_seen_in_full_is_logged(client, make_staff, hidden):
    officer = make_staff(
        "welfare.view_welfarerecipient", "welfare.view_personal_data", username="li"
    )
    client.force_login(officer)
    recipient = WelfareRecipient.objects.get(id_number=hidden)

    page = client.get(
        reverse("admin:welfare_welfarerecipient_history", args=[recipient.pk])
    )

    assert page.status_code == 200
    view = PersonalDataAccess.objects.get(kind=PersonalDataAccess.Kind.HISTORY)
    assert view.user == officer
    assert view.model == "welfare.welfarerecipient"
    assert view.target == str(recipient.pk)
    assert view.columns == "身份证号、联系电话、监护人电话"
