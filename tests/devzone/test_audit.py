"""The trail of every change: who changed what, from which value to which, and how."""

import datetime
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from devzone.audit import ACTIONS
from devzone.models import Community, ImportBatch, StaffProfile
from governance.models import EnvironmentalCase
from tests.factories import CommunityFactory
from tests.governance.factories import EnvironmentalCaseFactory
from tests.spreadsheets import confirm, csv_bytes, error_items, page_text, upload
from tests.welfare.factories import WelfareRecipientFactory, make_id_number
from welfare.models import WelfareRecipient

pytestmark = pytest.mark.django_db

SAMPLES = Path("fixtures/samples")
COMMUNITY = "devzone_community"
CLERK = (
    "welfare.view_welfarerecipient",
    "welfare.change_welfarerecipient",
    "devzone.view_community",
)
OFFICER = (*CLERK, "welfare.view_personal_data")


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def history_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])


def form_data(response):
    """Return the POST data the admin change form would send back unchanged."""
    data = {"_version": response.context.get("record_version", "")}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = value.isoformat() if isinstance(value, datetime.date) else value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    return data


def cell_text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def history_rows(response):
    """Return the history table as the user reads it: one dict per row."""
    html = response.content.decode()
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1) if body else "", re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append(
            {
                "user": cell_text(cells[1]),
                "action": cell_text(cells[2]),
                "source": cell_text(cells[3]),
                "changes": [
                    cell_text(item)
                    for item in re.findall(r"<li>(.*?)</li>", cells[4], re.S)
                ],
            }
        )
    return rows


def masked(id_number):
    return id_number[:6] + "*" * 8 + id_number[-4:]


def place_in(user, *communities):
    profile = StaffProfile.objects.create(
        user=user, department=StaffProfile.Department.COMMUNITY
    )
    profile.communities.set(communities)


# Admin changes -------------------------------------------------------------------------


def test_admin_change_is_recorded_with_user_and_old_and_new_values(admin_client):
    # given a village without a statistical code or home-care centre
    village = CommunityFactory(name="普善村", has_home_care_center=False)
    data = form_data(admin_client.get(change_url(village)))
    data.update(statistical_code="321181400210", has_home_care_center="on")

    # when the admin saves the change form
    response = admin_client.post(change_url(village), data)
    assert response.status_code == 302, page_text(response)

    # then the trail holds the user and both values
    change = Community.history.filter(id=village.pk).latest("history_id")
    assert change.history_type == "~"
    assert change.history_user.username == "admin"
    assert change.prev_record.statistical_code == ""
    assert change.statistical_code == "321181400210"
    # and the 修改历史 page shows them in words
    rows = history_rows(admin_client.get(history_url(village)))
    assert [row["action"] for row in rows] == ["新增", "修改"]
    assert rows[1]["user"] == "admin"
    assert rows[1]["changes"] == [
        "统计用区划代码：（空） → 321181400210",
        "建成居家养老服务中心：否 → 是",
    ]


def test_history_page_masks_numbers_for_a_clerk_and_shows_them_to_a_holder(
    client, make_staff
):
    # given an officer who corrected a recipient's ID number and phone
    old_id, new_id = make_id_number(seq=123), make_id_number(seq=457)
    recipient = WelfareRecipientFactory(id_number=old_id, phone="13912345678")
    officer = make_staff(*OFFICER, username="officer")
    client.force_login(officer)
    data = form_data(client.get(change_url(recipient)))
    data.update(id_number=new_id, phone="13700001234")
    assert client.post(change_url(recipient), data).status_code == 302

    # when a clerk without the personal-data permission reads the history
    clerk = Client()
    clerk.force_login(make_staff(*CLERK, username="clerk"))
    response = clerk.get(history_url(recipient))

    # then both numbers are masked, and neither full number is in the page
    html = response.content.decode()
    assert "身份证号和电话已脱敏显示" in page_text(response)
    change = history_rows(response)[-1]
    assert change["user"] == "officer"
    assert f"身份证号：{masked(old_id)} → {masked(new_id)}" in change["changes"]
    assert "联系电话：139****5678 → 137****1234" in change["changes"]
    for secret in (old_id, new_id, "13912345678", "13700001234", new_id[6:14]):
        assert secret not in html

    # while the officer reads them in full
    full = history_rows(client.get(history_url(recipient)))[-1]
    assert f"身份证号：{old_id} → {new_id}" in full["changes"]
    assert "联系电话：13912345678 → 13700001234" in full["changes"]


def test_admin_delete_is_recorded_with_the_user(admin_client):
    village = CommunityFactory(name="联观村")
    url = reverse("admin:devzone_community_delete", args=[village.pk])

    response = admin_client.post(url, {"post": "yes"}, follow=True)

    assert "联观村" in page_text(response)
    assert not Community.objects.filter(pk=village.pk).exists()
    deletion = Community.history.filter(id=village.pk).latest("history_id")
    assert deletion.history_type == "-"
    assert str(ACTIONS[deletion.history_type]) == "删除"
    assert deletion.history_user.username == "admin"
    assert deletion.name == "联观村"


# Imports -------------------------------------------------------------------------------


def import_file(client, name, data):
    preview = upload(client, COMMUNITY, name, data)
    assert "confirm_form" in preview.context, error_items(preview)
    response = confirm(client, COMMUNITY, preview, follow=True)
    assert "导入完成" in page_text(response)
    return response


def test_import_writes_one_history_row_per_record_naming_its_batch(admin_client):
    # given one of the sample's four communities already on file
    CommunityFactory(name="普善村", kind="village", has_party_service_center=False)
    sample = (SAMPLES / "communities_gbk.csv").read_bytes()

    # when the sample is imported: three new, one updated
    import_file(admin_client, "communities_gbk.csv", sample)

    # then each written record has exactly one row naming the batch and the user
    batch = ImportBatch.objects.get()
    written = Community.history.filter(import_batch=batch)
    assert sorted((row.name, row.history_type) for row in written) == [
        ("普善村", "~"),
        ("练湖新城社区", "+"),
        ("联观村", "+"),
        ("高楼社区", "+"),
    ]
    assert {row.history_user.username for row in written} == {"admin"}
    # and the history page names the batch and the file as the source
    rows = history_rows(
        admin_client.get(history_url(Community.objects.get(name="普善村")))
    )
    assert rows[-1]["action"] == "修改"
    assert rows[-1]["source"] == f"导入批次 #{batch.pk}（communities_gbk.csv）"
    assert rows[-1]["changes"] == ["党群服务中心标准化建设：否 → 是"]


def test_unchanged_reimport_writes_no_history(admin_client):
    sample = (SAMPLES / "communities_gbk.csv").read_bytes()
    import_file(admin_client, "communities_gbk.csv", sample)
    before = Community.history.count()

    response = import_file(admin_client, "communities_gbk.csv", sample)

    assert "未变 4 条" in page_text(response)
    assert Community.history.count() == before


def test_reimport_with_one_change_writes_one_row(admin_client):
    sample = (SAMPLES / "communities_gbk.csv").read_bytes()
    import_file(admin_client, "communities_gbk.csv", sample)
    before = Community.history.count()
    header = ["名称", "类型", "建成居家养老服务中心"]
    data = csv_bytes([header, ["普善村", "村", "是"], ["联观村", "村", "是"]])

    import_file(admin_client, "second.csv", data)

    second = ImportBatch.objects.get(file_name="second.csv")
    assert Community.history.count() == before + 1
    row = Community.history.get(import_batch=second)
    assert (row.name, row.history_type, row.has_home_care_center) == (
        "普善村",
        "~",
        True,
    )


# Services ------------------------------------------------------------------------------


def test_closing_cases_through_the_admin_action_records_the_user(staff_client):
    # A category closed without a 整改后 photo (tests/governance/test_case_photos.py).
    case = EnvironmentalCaseFactory(
        title="练湖路渣土运输", category=EnvironmentalCase.Category.MUCK_TRANSPORT
    )
    client = staff_client(
        "governance.view_environmentalcase",
        "governance.change_environmentalcase",
        username="inspector",
    )
    closed_on = timezone.localdate()

    response = client.post(
        reverse("admin:governance_environmentalcase_changelist"),
        {
            "action": "close_cases",
            "_selected_action": [case.pk],
            "apply": "1",
            "closed_on": closed_on.isoformat(),
        },
        follow=True,
    )

    assert "已办结 1 件案件" in page_text(response)
    row = EnvironmentalCase.history.filter(id=case.pk).latest("history_id")
    assert row.history_user.username == "inspector"
    assert (row.status, row.closed_on) == ("closed", closed_on)
    rows = history_rows(client.get(history_url(case)))
    assert rows[-1]["user"] == "inspector"
    assert "状态：已立案 → 已办结" in rows[-1]["changes"]
    assert f"办结日期：（空） → {closed_on.isoformat()}" in rows[-1]["changes"]


def test_marking_a_recipient_exited_records_the_user(staff_client):
    recipient = WelfareRecipientFactory(name="韦晓")
    client = staff_client(*CLERK, username="civil")

    response = client.post(
        reverse("admin:welfare_welfarerecipient_changelist"),
        {
            "action": "mark_exited",
            "_selected_action": [recipient.pk],
            "apply": "1",
            "exited_on": timezone.localdate().isoformat(),
        },
        follow=True,
    )

    assert "已退出 1 名帮扶对象" in page_text(response)
    row = WelfareRecipient.history.filter(id=recipient.pk).latest("history_id")
    assert row.history_user.username == "civil"
    assert row.status == WelfareRecipient.Status.EXITED
    assert (
        "状态：在册 → 已退出"
        in history_rows(client.get(history_url(recipient)))[-1]["changes"]
    )


# Scope ---------------------------------------------------------------------------------


def test_history_of_a_record_outside_the_workers_communities_is_not_shown(
    client, make_staff
):
    own, other = CommunityFactory(name="高楼社区"), CommunityFactory(name="张巷村")
    mine = WelfareRecipientFactory(community=own, name="本社区对象")
    theirs = WelfareRecipientFactory(community=other, name="外村对象")
    worker = make_staff(*CLERK, username="worker")
    place_in(worker, own)
    client.force_login(worker)

    assert "本社区对象" in page_text(client.get(history_url(mine)))
    response = client.get(history_url(theirs))

    assert response.status_code == 404
    assert "外村对象" not in response.content.decode()
    assert theirs.id_number not in response.content.decode()


def test_history_page_needs_the_view_permission(client, make_staff):
    village = CommunityFactory(name="普善村")
    client.force_login(make_staff("welfare.view_welfarerecipient", username="other"))

    response = client.get(history_url(village))

    assert response.status_code == 403
    assert "普善村" not in response.content.decode()
