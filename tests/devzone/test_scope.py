"""Community scope: a worker of 高楼社区 attacks 联观村's records on every path.

The worker holds every permission on the scoped models, so only the scope stops
them. Each test is one attack and asserts what the worker sees or changes.
"""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict
from django.urls import reverse

from devzone.models import Community, StaffProfile
from tests.governance.factories import (
    BranchRatingFactory,
    EnvironmentalCaseFactory,
    PartyBranchFactory,
    VolunteerActivityFactory,
    VolunteerTeamFactory,
)
from tests.projects.factories import (
    RelocationHouseholdFactory,
    RelocationProjectFactory,
)
from tests.spreadsheets import (
    csv_bytes,
    error_items,
    page_text,
    read_csv_download,
    upload,
)
from tests.welfare.factories import (
    AssistanceRecordFactory,
    WelfareRecipientFactory,
    make_id_number,
)
from welfare.models import AssistanceRecord, WelfareRecipient
from welfare.resources import NOT_FOUND as RECIPIENT_NOT_FOUND

pytestmark = pytest.mark.django_db

A_NAME, B_NAME, C_NAME = "高楼社区", "联观村", "普善村"
REFUSAL = "超出您的管辖范围：您只能录入和修改 高楼社区 的记录。"
RECIPIENT = "welfare.welfarerecipient"
RECORD = "welfare.assistancerecord"
HOUSEHOLD = "projects.relocationhousehold"
ACTIVITY = "governance.volunteeractivity"
CASE = "governance.environmentalcase"
BRANCH = "governance.partybranch"
RATING = "governance.branchrating"
SCOPED = [RECIPIENT, RECORD, HOUSEHOLD, ACTIVITY, CASE, BRANCH, RATING]
# Models whose own community field a worker fills in (and filters by).
WITH_COMMUNITY = [RECIPIENT, HOUSEHOLD, ACTIVITY, CASE, BRANCH]
# Models scoped through a parent: (field naming the parent, its admin filter).
THROUGH_PARENT = {RECORD: "recipient", RATING: "branch"}
EXPORT_FILTER = {RATING: "branch_community"}
FACTORIES = {
    RECIPIENT: WelfareRecipientFactory,
    RECORD: AssistanceRecordFactory,
    HOUSEHOLD: RelocationHouseholdFactory,
    ACTIVITY: VolunteerActivityFactory,
    CASE: EnvironmentalCaseFactory,
    BRANCH: PartyBranchFactory,
    RATING: BranchRatingFactory,
}
ACTIONS = ("view", "add", "change", "delete", "import", "export")
PERMS = [
    *(f"{label.replace('.', f'.{action}_')}" for label in SCOPED for action in ACTIONS),
    "devzone.view_community",
    "welfare.view_personal_data",
    "projects.view_personal_data",
]


@dataclass
class Pair:
    """One record in community A and one in B, and the text that shows each."""

    a: object
    b: object
    a_text: str
    b_text: str


@pytest.fixture
def zone(db):
    a = Community.objects.create(name=A_NAME, kind="community")
    b = Community.objects.create(name=B_NAME, kind="village")
    return a, b


@pytest.fixture
def pairs(zone):
    """Return {label: Pair}: one record of each scoped model in A and one in B."""
    project = RelocationProjectFactory(name="天波城北侧", community=zone[0])
    team = VolunteerTeamFactory(name="党建办志愿服务队")
    made = {label: [] for label in SCOPED}
    for community, place, phone, river in [
        (zone[0], "高楼", "13911110000", "九曲河"),
        (zone[1], "联观", "13922229999", "香草河"),
    ]:
        recipient = WelfareRecipientFactory(
            name=f"{place}对象",
            community=community,
            phone=phone,
            address=f"{place}八组",
        )
        branch = PartyBranchFactory(name=f"{place}党支部", community=community)
        records = {
            RECIPIENT: recipient,
            RECORD: AssistanceRecordFactory(recipient=recipient),
            HOUSEHOLD: RelocationHouseholdFactory(
                project=project, head_name=f"{place}户主", community=community
            ),
            ACTIVITY: VolunteerActivityFactory(
                team=team, title=f"{place}活动", community=community
            ),
            CASE: EnvironmentalCaseFactory(
                title=f"{place}占道", community=community, river=river
            ),
            BRANCH: branch,
            RATING: BranchRatingFactory(branch=branch),
        }
        for label, record in records.items():
            made[label].append(record)
    # What a page or file shows of each record: its name, title or head's name.
    shown = dict(
        zip(
            SCOPED,
            ["对象", "对象", "户主", "活动", "占道", "党支部", "党支部"],
            strict=True,
        )
    )
    return {
        label: Pair(*made[label], f"高楼{shown[label]}", f"联观{shown[label]}")
        for label in SCOPED
    }


@pytest.fixture
def worker(make_staff, zone):
    """A community worker of 高楼社区 holding every permission on scoped records."""
    user = make_staff(*PERMS, username="gaolou")
    profile = StaffProfile.objects.create(user=user, department="community")
    profile.communities.add(zone[0])
    return user


@pytest.fixture
def worker_client(client, worker):
    client.force_login(worker)
    return client


def url(label, view, *args):
    return reverse(f"admin:{label.replace('.', '_')}_{view}", args=args)


def visible(response, pair):
    """Return (A's text shown, B's text shown) on a page."""
    text = page_text(response)
    return pair.a_text in text, pair.b_text in text


def file_cells(response):
    """Return the data rows of a CSV download as one string."""
    return " ".join(" ".join(row) for row in read_csv_download(response)[1:])


def filter_form(response):
    """Return the HTML of the export centre's filter form."""
    pattern = r'<form method="get" class="export-filter.*?</form>'
    return re.search(pattern, response.content.decode(), re.S).group()


def assert_unchanged(obj):
    before = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    obj.refresh_from_db()
    after = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    assert after == before


# Changelist and its sidebar filter ------------------------------------------------------


@pytest.mark.parametrize("label", SCOPED)
def test_changelist_shows_and_counts_only_own_communitys_rows(
    worker_client, pairs, label
):
    response = worker_client.get(url(label, "changelist"))

    assert visible(response, pairs[label]) == (True, False)
    assert B_NAME not in page_text(response)
    verbose = apps.get_model(label)._meta.verbose_name
    assert re.search(rf"\b1 {verbose}", page_text(response))


@pytest.mark.parametrize("label", SCOPED)
def test_sidebar_community_filter_offers_only_own_communities(
    worker_client, worker, pairs, label
):
    # With two communities of their own the worker is offered a choice at all.
    c = Community.objects.create(name=C_NAME, kind="village")
    worker.staff_profile.communities.add(c)

    html = worker_client.get(url(label, "changelist")).content.decode()

    sidebar = re.search(r'<nav id="changelist-filter".*?</nav>', html, re.S).group()
    assert A_NAME in sidebar
    assert C_NAME in sidebar
    assert B_NAME not in sidebar


@pytest.mark.parametrize("label", SCOPED)
def test_filtering_the_changelist_by_another_community_shows_nothing(
    worker_client, pairs, zone, label
):
    # A bookmarked link to 联观村's rows must not list 高楼社区's as its result.
    path = THROUGH_PARENT.get(label)
    lookup = f"{path}__community__id__exact" if path else "community__id__exact"

    response = worker_client.get(url(label, "changelist"), {lookup: zone[1].pk})

    assert visible(response, pairs[label]) == (False, False)


@pytest.mark.parametrize("label", [RECIPIENT, RECORD, HOUSEHOLD])
def test_search_by_another_communitys_id_number_finds_nothing(
    worker_client, pairs, label
):
    owner = pairs[HOUSEHOLD if label == HOUSEHOLD else RECIPIENT].b

    response = worker_client.get(url(label, "changelist"), {"q": owner.id_number})

    assert "0 条结果" in page_text(response)
    assert pairs[label].b_text not in page_text(response)


# A record of another community: change, history and delete views ------------------------


@pytest.mark.parametrize("view", ["change", "history", "delete"])
@pytest.mark.parametrize("label", SCOPED)
def test_views_of_another_communitys_record_say_it_does_not_exist(
    worker_client, pairs, label, view
):
    pair = pairs[label]

    response = worker_client.get(url(label, view, pair.b.pk), follow=True)

    # One answer on every view, in the admin's frame, whether or not it exists.
    text = page_text(response)
    assert response.status_code == 404
    assert "找不到该记录，或该记录不在您负责的村/社区内" in text
    assert "工作台" in text  # the admin's frame, its menu and breadcrumbs
    missing = worker_client.get(url(label, view, 999999))
    assert page_text(missing) == text
    assert pair.b_text not in text
    assert B_NAME not in text


@pytest.mark.parametrize("view", ["change", "delete"])
@pytest.mark.parametrize("label", SCOPED)
def test_posting_to_another_communitys_record_changes_nothing(
    worker_client, pairs, label, view
):
    pair = pairs[label]
    data = form_data(worker_client.get(url(label, "change", pair.a.pk)))

    response = worker_client.post(
        url(label, view, pair.b.pk), {**data, "post": "yes"}, follow=True
    )

    assert "找不到该记录，或该记录不在您负责的村/社区内" in page_text(response)
    assert_unchanged(pair.b)  # neither changed nor deleted


@pytest.mark.parametrize("label", WITH_COMMUNITY)
def test_moving_own_record_into_another_community_is_refused(
    worker_client, pairs, zone, label
):
    pair = pairs[label]
    data = form_data(worker_client.get(url(label, "change", pair.a.pk)))
    data["community"] = zone[1].pk

    response = worker_client.post(url(label, "change", pair.a.pk), data)

    assert "选择一个有效的选项" in page_text(response)
    pair.a.refresh_from_db()
    assert pair.a.community == zone[0]


# Selection actions ----------------------------------------------------------------------


@pytest.mark.parametrize("label", SCOPED)
def test_delete_selected_with_another_communitys_pk_spares_it(
    worker_client, pairs, label
):
    pair = pairs[label]
    changelist = url(label, "changelist")
    selected = {"action": "delete_selected", "_selected_action": [pair.b.pk]}

    confirmation = worker_client.post(changelist, selected, follow=True)
    worker_client.post(changelist, {**selected, "post": "yes"}, follow=True)

    assert pair.b_text not in page_text(confirmation)
    assert type(pair.b).objects.filter(pk=pair.b.pk).exists()


@pytest.mark.parametrize(
    ("label", "action", "extra"),
    [
        (RECIPIENT, "mark_exited", {"apply": "1", "exited_on": "2021-06-01"}),
        (CASE, "close_cases", {"apply": "1", "closed_on": "2021-06-01"}),
        (HOUSEHOLD, "mark_vacated", {"apply": "1", "vacated_on": "2021-06-01"}),
    ],
)
def test_app_actions_leave_another_communitys_record_untouched(
    worker_client, pairs, label, action, extra
):
    pair = pairs[label]
    data = {"action": action, "_selected_action": [pair.b.pk], **extra}

    response = worker_client.post(url(label, "changelist"), data, follow=True)

    assert pair.b_text not in page_text(response)
    assert_unchanged(pair.b)


# Autocomplete --------------------------------------------------------------------------


def autocomplete(client, label, field_name, term=""):
    app_label, model_name = label.split(".")
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": app_label,
            "model_name": model_name,
            "field_name": field_name,
            "term": term,
        },
    )
    return [result["text"] for result in response.json()["results"]]


@pytest.mark.parametrize("label", WITH_COMMUNITY)
def test_community_autocomplete_offers_only_own_community(worker_client, pairs, label):
    assert autocomplete(worker_client, label, "community") == [A_NAME]
    assert autocomplete(worker_client, label, "community", "联观") == []


@pytest.mark.parametrize("label", list(THROUGH_PARENT))
def test_parent_autocomplete_offers_only_own_communitys_records(
    worker_client, pairs, label
):
    pair = pairs[label]
    field_name = THROUGH_PARENT[label]

    texts = autocomplete(worker_client, label, field_name)

    assert [pair.a_text in text for text in texts] == [True]
    assert autocomplete(worker_client, label, field_name, pair.b_text) == []


# Add forms -----------------------------------------------------------------------------


def form_data(response):
    """Return the POST data the admin form would send back unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        forms += formset.formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if isinstance(value, datetime.date):
                value = value.isoformat()
            if value is not None:
                data[form.add_prefix(name)] = value
    return data


def new_record(label, pairs, side):
    """Return add-form values for a new record in community ``side`` ("a" or "b")."""
    parent = {RECORD: ("recipient", RECIPIENT), RATING: ("branch", BRANCH)}
    if label in parent:
        field, parent_label = parent[label]
        values = {field: getattr(pairs[parent_label], side)}
    else:
        values = {"community": getattr(pairs[label], side).community}
    if label == HOUSEHOLD:
        values["project"] = pairs[HOUSEHOLD].a.project
    if label == ACTIVITY:
        values["team"] = pairs[ACTIVITY].a.team
    if label == RATING:
        values["year"] = 2022  # the branch's 2021 rating exists
    record = FACTORIES[label].build(**values)
    return {
        name: value.isoformat() if isinstance(value, datetime.date) else value
        for name, value in model_to_dict(record).items()
        if value is not None
    }


@pytest.mark.parametrize("label", SCOPED)
def test_add_form_refuses_another_community_and_saves_in_own(
    worker_client, pairs, label
):
    model = apps.get_model(label)
    add = url(label, "add")
    data = form_data(worker_client.get(add))
    count = model.objects.count()

    refused = worker_client.post(add, {**data, **new_record(label, pairs, "b")})

    assert "选择一个有效的选项" in page_text(refused)
    assert model.objects.count() == count
    saved = worker_client.post(add, {**data, **new_record(label, pairs, "a")})
    assert saved.status_code == 302, page_text(saved)
    assert model.objects.count() == count + 1


@pytest.mark.parametrize("label", [BRANCH, CASE, ACTIVITY])
def test_a_worker_must_name_a_community(worker_client, pairs, label):
    model = apps.get_model(label)
    add = url(label, "add")
    data = {**form_data(worker_client.get(add)), **new_record(label, pairs, "a")}
    data["community"] = ""

    response = worker_client.post(add, data)

    assert "这个字段是必填项" in page_text(response)
    assert not model.objects.filter(community__isnull=True).exists()


# Admin export --------------------------------------------------------------------------


@pytest.mark.parametrize("label", SCOPED)
def test_admin_export_holds_only_own_communitys_rows(worker_client, pairs, label):
    resource_class = admin.site._registry[apps.get_model(label)].resource_classes[0]
    prefix = resource_class.__name__.lower()
    data = {"format": 0, "resource": 0}
    data.update({f"{prefix}_{name}": True for name in resource_class._meta.fields})

    response = worker_client.post(url(label, "export"), data)
    # The export action's form names the records by pk.
    picked = worker_client.post(
        url(label, "export"), {**data, "export_items": [pairs[label].b.pk]}
    )

    cells = file_cells(response)
    assert pairs[label].a_text in cells
    assert pairs[label].b_text not in cells
    assert B_NAME not in cells
    assert file_cells(picked) == ""


# Export centre -------------------------------------------------------------------------


def export_centre(label):
    return reverse("reports:export_dataset", args=[label])


@pytest.mark.parametrize("label", SCOPED)
def test_export_centre_counts_previews_and_downloads_only_own_rows(
    worker_client, pairs, label
):
    pair = pairs[label]

    page = worker_client.get(export_centre(label))
    download = worker_client.get(export_centre(label), {"format": "csv"})

    assert "符合条件的记录： 1 条" in page_text(page)
    assert visible(page, pair) == (True, False)
    assert B_NAME not in filter_form(page)
    cells = file_cells(download)
    assert pair.a_text in cells
    assert pair.b_text not in cells


@pytest.mark.parametrize("label", SCOPED)
def test_export_centre_refuses_a_filter_naming_another_community(
    worker_client, pairs, zone, label
):
    name = EXPORT_FILTER.get(label, "community")

    page = worker_client.get(export_centre(label), {name: zone[1].pk})
    download = worker_client.get(
        export_centre(label), {name: zone[1].pk, "format": "csv"}
    )

    assert page.status_code == download.status_code == 400
    assert "筛选条件有误" in page_text(page)
    assert pairs[label].b_text not in page_text(download)


def test_river_choices_come_only_from_own_communitys_cases(worker_client, pairs):
    changelist = page_text(worker_client.get(url(CASE, "changelist")))
    choices = filter_form(worker_client.get(export_centre(CASE)))

    # 香草河 is named only by 联观村's case.
    assert "九曲河" in changelist
    assert "香草河" not in changelist
    assert "九曲河" in choices
    assert "香草河" not in choices


@pytest.mark.parametrize(
    ("label", "name"), [(RECIPIENT, "id_number"), (RECORD, "recipient_id_number")]
)
def test_export_centre_finds_nothing_by_another_communitys_id_number(
    worker_client, pairs, label, name
):
    id_number = pairs[RECIPIENT].b.id_number

    page = worker_client.get(export_centre(label), {name: id_number})

    assert "符合条件的记录： 0 条" in page_text(page)
    assert pairs[label].b_text not in page_text(page)


# Annual report -------------------------------------------------------------------------


def figure_values(response):
    html = response.content.decode()
    return {
        key: re.search(r'class="figure-value"[^>]*>([^<]*)<', body).group(1).strip()
        for key, body in re.findall(
            r'<tr class="figure" data-figure="([^"]+)">(.*?)</tr>', html, re.S
        )
    }


def test_annual_report_counts_only_own_communitys_records(client, worker, pairs):
    WelfareRecipientFactory(community=pairs[RECIPIENT].b.community)  # B: 2 of 3
    chief = get_user_model().objects.create_superuser("chief", password="pw")
    client.force_login(chief)
    whole = client.get(reverse("reports:annual"), {"year": 2021})
    zone_figures = figure_values(whole)
    client.force_login(worker)

    response = client.get(reverse("reports:annual"), {"year": 2021})

    assert f"统计范围：{A_NAME}" in page_text(response)
    own = figure_values(response)
    expected = {
        "welfare.difficulty_second_batch": ("1", "3"),
        "projects.relocation_households": ("1", "2"),
        "governance.volunteer_activities": ("1", "2"),
        "governance.four_star": ("1", "2"),
    }
    for key, (mine, zone_value) in expected.items():
        assert (own[key], zone_figures[key]) == (mine, zone_value), key
    assert "统计范围" not in page_text(whole)


def test_worker_report_sets_zone_wide_figures_apart(client, worker, pairs):
    client.force_login(worker)

    response = client.get(reverse("reports:annual"), {"year": 2021})

    sections = response.context["sections"]
    *own, zone = sections
    assert zone.key == "zone" and zone.title == "全区数据"
    assert "不按村/社区区分" in page_text(response)
    zone_keys = {row.figure.key for row in zone.rows}
    assert {"projects.key_industrial", "governance.volunteer_teams"} <= zone_keys
    for section in own:
        for row in section.rows:
            assert not row.figure.key.startswith(("indicator.", "development.")), (
                row.figure.key
            )
            assert row.figure.key not in zone_keys
    assert all(not chart.chart.zone_wide for s in own for chart in s.charts)
    headline_keys = {row.figure.key for row in response.context["headlines"]}
    assert not headline_keys & zone_keys


def test_whole_zone_report_has_no_zone_section(client, pairs):
    chief = get_user_model().objects.create_superuser("chief", password="pw")
    client.force_login(chief)

    response = client.get(reverse("reports:annual"), {"year": 2021})

    assert "zone" not in [section.key for section in response.context["sections"]]


# Imports through the admin ---------------------------------------------------------------

RECIPIENT_HEADER = [
    *("姓名", "身份证号", "联系电话", "村/社区", "帮扶类别", "致困原因"),
    *("认定年度", "认定批次", "认定日期"),
]
RECIPIENTS = "welfare_welfarerecipient"


def recipient_file(*rows):
    """Return a CSV of recipients identified in 2021's second batch."""
    return csv_bytes(
        [RECIPIENT_HEADER, *([*row, "2021", "第二批", "2021-07-15"] for row in rows)]
    )


def test_import_row_reaching_another_communitys_recipient_is_refused_unseen(
    worker_client, pairs, zone
):
    b = pairs[RECIPIENT].b
    row = ["冒名", b.id_number, "13800000000", A_NAME, "困难户", "因学"]

    preview = upload(worker_client, RECIPIENTS, "r.csv", recipient_file(row))

    assert error_items(preview) == [f"第 2 行 · 整行：{REFUSAL}"]
    text = page_text(preview)
    for secret in (b.name, b.phone, b.address, B_NAME, "因病"):
        assert secret not in text
    assert "confirm_form" not in preview.context
    assert_unchanged(b)
    assert b.community == zone[1]


@pytest.mark.parametrize("whose", ["a new one", "own"])
def test_import_row_putting_a_recipient_into_another_community_is_refused(
    worker_client, pairs, whose
):
    a = pairs[RECIPIENT].a
    before = sorted(WelfareRecipient.objects.values_list("name", "community__name"))
    id_number = a.id_number if whose == "own" else make_id_number(seq=905)
    own = ["本村人", make_id_number(seq=907), "13800000001", A_NAME, "困难户", "因病"]
    row = [a.name, id_number, a.phone, B_NAME, "困难户", "因病"]

    preview = upload(worker_client, RECIPIENTS, "r.csv", recipient_file(own, row))

    assert error_items(preview) == [f"第 3 行 · 整行：{REFUSAL}"]
    after = sorted(WelfareRecipient.objects.values_list("name", "community__name"))
    assert after == before


def test_import_row_for_own_community_previews_as_new(worker_client, pairs):
    row = ["本村人", make_id_number(seq=909), "13800000001", A_NAME, "困难户", "因病"]

    preview = upload(worker_client, RECIPIENTS, "r.csv", recipient_file(row))

    assert error_items(preview) == []
    assert "共 1 行：新增 1 条" in page_text(preview)
    assert "本村人" in page_text(preview)


def test_import_of_records_for_another_communitys_recipient_is_refused(
    worker_client, pairs
):
    b = pairs[RECIPIENT].b
    header = ["身份证号", "帮扶对象类别", "日期", "帮扶方式", "金额（元）"]
    data = csv_bytes([header, [b.id_number, "", "2022-02-01", "救助金", "500"]])

    unknown = make_id_number(seq=977)
    other = csv_bytes([header, [unknown, "", "2022-02-01", "救助金", "500"]])

    preview = upload(worker_client, "welfare_assistancerecord", "a.csv", data)
    nowhere = upload(worker_client, "welfare_assistancerecord", "b.csv", other)

    # One answer whether the resident lives in another community or nowhere: the
    # refusal tells nothing about a number the worker may not see.
    assert error_items(preview) == [f"第 2 行 · 身份证号：{RECIPIENT_NOT_FOUND}"]
    assert error_items(nowhere) == error_items(preview)
    assert b.name not in page_text(preview)
    assert not AssistanceRecord.objects.filter(date="2022-02-01").exists()


def test_import_reaching_another_communitys_case_is_refused_unseen(
    worker_client, pairs
):
    b = pairs[CASE].b
    header = ["案件编号", "类别", "案件名称", "所在村/社区", "立案日期", "状态"]
    row = [b.case_number, "占道经营", "改名", A_NAME, "2021-03-01", "已立案"]

    preview = upload(
        worker_client, "governance_environmentalcase", "c.csv", csv_bytes([header, row])
    )

    assert error_items(preview) == [f"第 2 行 · 整行：{REFUSAL}"]
    assert b.title not in page_text(preview)
    assert_unchanged(b)


# The whole zone ----------------------------------------------------------------------------


@pytest.fixture(params=["superuser", "no communities"])
def zone_wide_client(request, client, make_staff, zone):
    if request.param == "superuser":
        user = get_user_model().objects.create_superuser("chief", password="pw")
    else:
        user = make_staff(*PERMS, username="district")
        StaffProfile.objects.create(user=user, department="civil")
    client.force_login(user)
    return client


@pytest.mark.parametrize("label", SCOPED)
def test_zone_wide_staff_see_and_export_both_communities(
    zone_wide_client, pairs, label
):
    response = zone_wide_client.get(url(label, "changelist"))
    download = zone_wide_client.get(export_centre(label), {"format": "csv"})

    assert visible(response, pairs[label]) == (True, True)
    verbose = apps.get_model(label)._meta.verbose_name
    assert re.search(rf"\b2 {verbose}", page_text(response))
    cells = file_cells(download)
    assert pairs[label].a_text in cells
    assert pairs[label].b_text in cells


# A community worker whose account names no community: nothing, and why -----------------

UNASSIGNED = "您的账号尚未分配村/社区，请联系管理员。"


@pytest.fixture(params=["in the group, no profile", "profile naming none"])
def unassigned_client(request, client, make_staff, zone):
    """A community worker holding every permission, whose account names no community."""
    from django.contrib.auth.models import Group

    from devzone.roles import COMMUNITY_STAFF

    user = make_staff(*PERMS, username="newcomer")
    if request.param == "in the group, no profile":
        user.groups.add(Group.objects.get_or_create(name=COMMUNITY_STAFF)[0])
    else:
        StaffProfile.objects.create(user=user, department="community")
    client.force_login(user)
    return client


@pytest.mark.parametrize("label", SCOPED)
def test_unassigned_worker_lists_nothing_and_is_told_why(
    unassigned_client, pairs, label
):
    response = unassigned_client.get(url(label, "changelist"))

    assert visible(response, pairs[label]) == (False, False)
    assert UNASSIGNED in page_text(response)
    assert re.search(
        r"\b0 " + str(apps.get_model(label)._meta.verbose_name), page_text(response)
    )


@pytest.mark.parametrize("label", SCOPED)
def test_unassigned_worker_exports_only_the_header(unassigned_client, pairs, label):
    resource_class = admin.site._registry[apps.get_model(label)].resource_classes[0]
    prefix = resource_class.__name__.lower()
    data = {"format": 0, "resource": 0}
    data.update({f"{prefix}_{name}": True for name in resource_class._meta.fields})

    admin_file = unassigned_client.post(url(label, "export"), data)
    centre = unassigned_client.get(export_centre(label))
    centre_file = unassigned_client.get(export_centre(label), {"format": "csv"})

    assert len(read_csv_download(admin_file)) == 1
    assert len(read_csv_download(centre_file)) == 1
    assert "符合条件的记录： 0 条" in page_text(centre)
    assert UNASSIGNED in page_text(centre)
    assert B_NAME not in filter_form(centre)
    assert A_NAME not in filter_form(centre)


@pytest.mark.parametrize("label", WITH_COMMUNITY)
def test_unassigned_worker_is_offered_no_community(unassigned_client, pairs, label):
    assert autocomplete(unassigned_client, label, "community") == []


def test_unassigned_worker_reads_a_report_of_nothing(unassigned_client, pairs):
    response = unassigned_client.get(reverse("reports:annual"), {"year": 2021})

    assert UNASSIGNED in page_text(response)
    values = figure_values(response)
    assert values["welfare.difficulty_second_batch"] == "0"
    assert values["projects.relocation_households"] == "0"
    assert values["governance.volunteer_activities"] == "0"


def test_unassigned_worker_imports_nothing_and_is_told_why(unassigned_client, pairs):
    before = WelfareRecipient.objects.count()
    row = ["本村人", make_id_number(seq=909), "13800000001", A_NAME, "困难户", "因病"]

    preview = upload(unassigned_client, RECIPIENTS, "r.csv", recipient_file(row))

    assert error_items(preview) == [f"第 2 行 · 整行：{UNASSIGNED}"]
    assert "confirm_form" not in preview.context
    assert WelfareRecipient.objects.count() == before


def test_unassigned_worker_cannot_open_a_record_by_its_address(
    unassigned_client, pairs
):
    response = unassigned_client.get(url(RECIPIENT, "change", pairs[RECIPIENT].a.pk))

    assert pairs[RECIPIENT].a.name not in page_text(response)


def test_department_staff_without_communities_still_see_the_whole_zone(
    client, make_staff, pairs
):
    user = make_staff(*PERMS, username="civil")
    StaffProfile.objects.create(user=user, department="civil")
    client.force_login(user)

    response = client.get(url(RECIPIENT, "changelist"))

    assert visible(response, pairs[RECIPIENT]) == (True, True)
    assert UNASSIGNED not in page_text(response)
