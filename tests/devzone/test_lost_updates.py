"""Two staff editing one record: the second save is refused, never silently lost."""

import pytest
from django.test import Client
from django.urls import reverse

from devzone.audit import record_version
from devzone.models import Community
from tests.factories import CommunityFactory
from tests.spreadsheets import page_text
from tests.welfare.factories import WelfareRecipientFactory
from welfare.models import WelfareRecipient

pytestmark = pytest.mark.django_db

EDITOR = ("devzone.view_community", "devzone.change_community")
STALE = "保存失败：在您打开这条记录之后，它已被他人修改。"


@pytest.fixture
def village():
    return CommunityFactory(
        name="普善村", kind="village", statistical_code="", has_home_care_center=False
    )


@pytest.fixture
def editor(make_staff):
    """Return a function logging a new client in as an editor of communities."""

    def login(username):
        client = Client()
        client.force_login(make_staff(*EDITOR, username=username))
        return client

    return login


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def form_data(response):
    """Return the POST data the open change form would send back unchanged."""
    data = {"_version": response.context.get("record_version", "")}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    return data


def test_second_save_is_refused_and_shows_what_the_first_changed(village, editor):
    # given two staff who opened the same village
    alice, bob = editor("alice"), editor("bob")
    alice_form = form_data(alice.get(change_url(village)))
    bob_form = form_data(bob.get(change_url(village)))
    assert 'name="_version"' in bob.get(change_url(village)).content.decode()

    # when alice saves a statistical code, then bob saves a home-care centre
    alice_form["statistical_code"] = "321181400210"
    assert alice.post(change_url(village), alice_form).status_code == 302
    bob_form["has_home_care_center"] = "on"
    response = bob.post(change_url(village), bob_form)

    # then bob is told his change was not saved, and what alice changed
    text = page_text(response)
    assert response.status_code == 200
    assert STALE in text
    assert "alice 于" in text
    assert "修改：统计用区划代码：（空） → 321181400210" in text
    # and alice's change is kept, bob's not applied
    village.refresh_from_db()
    assert village.statistical_code == "321181400210"
    assert village.has_home_care_center is False
    assert not Community.history.filter(history_user__username="bob").exists()


def test_refusal_lists_only_the_changes_made_after_the_form_was_opened(village, editor):
    # given bob opened the village after a first edit by alice
    alice, bob = editor("alice"), editor("bob")
    first = form_data(alice.get(change_url(village)))
    first["name"] = "普善村（旧）"
    assert alice.post(change_url(village), first).status_code == 302
    bob_form = form_data(bob.get(change_url(village)))
    # when alice edits again and bob then saves
    second = form_data(alice.get(change_url(village)))
    second["statistical_code"] = "321181400210"
    assert alice.post(change_url(village), second).status_code == 302
    bob_form["has_home_care_center"] = "on"
    text = page_text(bob.post(change_url(village), bob_form))

    # then bob reads alice's second edit only: what he already saw is not repeated
    assert STALE in text
    assert "统计用区划代码：（空） → 321181400210" in text
    assert "普善村 → 普善村（旧）" not in text
    assert "新增" not in text


def test_reloading_after_a_refusal_saves(village, editor):
    alice, bob = editor("alice"), editor("bob")
    alice_form = form_data(alice.get(change_url(village)))
    stale_form = form_data(bob.get(change_url(village)))
    alice_form["statistical_code"] = "321181400210"
    alice.post(change_url(village), alice_form)
    stale_form["has_home_care_center"] = "on"
    assert STALE in page_text(bob.post(change_url(village), stale_form))

    # when bob reopens the record and makes his change again
    fresh = form_data(bob.get(change_url(village)))
    fresh["has_home_care_center"] = "on"
    response = bob.post(change_url(village), fresh, follow=True)

    # then it is saved, on top of alice's
    assert "成功修改了 村/社区“ 普善村 ”" in page_text(response)
    assert STALE not in page_text(response)
    village.refresh_from_db()
    assert (village.statistical_code, village.has_home_care_center) == (
        "321181400210",
        True,
    )


@pytest.mark.parametrize(
    "version",
    [None, "", "2000-01-01T00:00:00+00:00", "not-a-date", "9999-12-31T23:59:59"],
)
def test_save_without_the_records_version_is_refused(village, editor, version):
    client = editor("bob")
    data = form_data(client.get(change_url(village)))
    data["has_home_care_center"] = "on"
    if version is None:
        del data["_version"]
    else:
        data["_version"] = version

    response = client.post(change_url(village), data)

    assert response.status_code == 200
    assert STALE in page_text(response)
    village.refresh_from_db()
    assert village.has_home_care_center is False


def test_version_of_an_earlier_state_is_refused(village, editor):
    # given a form posted with the version the record had before its last change
    client = editor("bob")
    old_version = record_version(village.updated_at)
    village.name = "普善村（新）"
    village.save()
    data = form_data(client.get(change_url(village)))
    data.update(_version=old_version, has_home_care_center="on")

    response = client.post(change_url(village), data)

    assert STALE in page_text(response)
    assert "普善村 → 普善村（新）" in page_text(response)
    village.refresh_from_db()
    assert village.has_home_care_center is False


def test_saving_a_record_deleted_since_the_form_was_opened_recreates_nothing(
    village, editor
):
    # given bob opened the village, then alice deleted it
    bob = editor("bob")
    pk, url = village.pk, change_url(village)
    data = form_data(bob.get(url))
    village.delete()

    # when bob saves
    data["has_home_care_center"] = "on"
    response = bob.post(url, data, follow=True)

    # then bob is told it no longer exists, and it is not brought back
    assert "找不到该记录：它可能已被删除，或地址有误。" in page_text(response)
    assert not Community.objects.filter(pk=pk).exists()
    assert not Community.objects.filter(name="普善村").exists()


def test_form_check_refuses_a_record_deleted_while_saving(village, rf, admin_user):
    # given the change form built for the village, with its version
    from django.contrib import admin

    model_admin = admin.site._registry[Community]
    request = rf.post("/")
    request.user = admin_user
    form_class = model_admin.get_form(request, village, change=True)
    data = {
        "name": village.name,
        "kind": village.kind,
        "subdistrict": village.subdistrict,
        "statistical_code": "",
        "has_home_care_center": "on",
        "_version": record_version(village.updated_at),
    }
    form = form_class(data, instance=Community.objects.get(pk=village.pk))
    # when the record is deleted before the form is checked
    Community.objects.filter(pk=village.pk).delete()

    # then the form refuses with the reason
    assert not form.is_valid()
    assert form.non_field_errors() == ["这条记录已被他人删除，您的修改没有保存。"]


def test_clerk_sees_what_another_changed_with_numbers_masked(make_staff):
    # given an officer and a clerk who both opened one recipient
    recipient = WelfareRecipientFactory(phone="13912345678", address="普善村1组")
    clerk_perms = (
        "welfare.view_welfarerecipient",
        "welfare.change_welfarerecipient",
        "devzone.view_community",
    )
    officer, clerk = Client(), Client()
    officer.force_login(
        make_staff(*clerk_perms, "welfare.view_personal_data", username="officer")
    )
    clerk.force_login(make_staff(*clerk_perms, username="clerk"))
    officer_form = form_data(officer.get(change_url(recipient)))
    clerk_form = form_data(clerk.get(change_url(recipient)))

    # when the officer changes the phone, then the clerk saves an address
    officer_form["phone"] = "13700001234"
    assert officer.post(change_url(recipient), officer_form).status_code == 302
    clerk_form["address"] = "普善村2组"
    response = clerk.post(change_url(recipient), clerk_form)

    # then the clerk learns a phone changed, but not the numbers
    html = response.content.decode()
    assert STALE in page_text(response)
    assert "联系电话：139****5678 → 137****1234" in page_text(response)
    assert "13912345678" not in html and "13700001234" not in html
    stored = WelfareRecipient.objects.get(pk=recipient.pk)
    assert (stored.phone, stored.address) == ("13700001234", "普善村1组")
