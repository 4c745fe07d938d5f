"""一人一档: the person page, found by number, by name and birth date, or a record."""

import datetime
import re

import pytest
from django.test import override_settings
from django.utils import timezone

from devzone import sealing
from devzone.models import Community, PersonalDataAccess, PersonKey, StaffProfile
from devzone.validators import mask_id_number
from projects.models import RelocationProject
from tests.factories import CommunityFactory, id_number_from
from tests.projects.factories import RelocationHouseholdFactory
from tests.welfare.factories import (
    AssistanceRecordFactory,
    ChildRecipientFactory,
    WelfareRecipientFactory,
)
from tests.welfare.test_visit_photos import add_visit_photo
from welfare.models import AssistanceRecord, WelfareRecipient

NUMBER = id_number_from(datetime.date(1968, 3, 9), 213)
WORKER_PERMS = (
    "welfare.view_welfarerecipient",
    "welfare.view_assistancerecord",
    "projects.view_relocationhousehold",
)
ALL_PERMS = (
    *WORKER_PERMS,
    "welfare.view_personal_data",
    "projects.view_personal_data",
)


@pytest.fixture
def gaolou(db):
    return CommunityFactory(name="高楼社区", kind=Community.Kind.COMMUNITY)


@pytest.fixture
def person(gaolou):
    """A 困难户 who is also 残疾人, visited, paid, and heads a relocation household."""
    hardship = WelfareRecipientFactory(
        name="眭德胜", id_number=NUMBER, community=gaolou
    )
    disabled = WelfareRecipientFactory(
        name="眭德胜",
        id_number=NUMBER,
        community=gaolou,
        category=WelfareRecipient.Category.DISABLED,
        measures="残疾人两项补贴",
    )
    this_year = timezone.localdate().year
    AssistanceRecordFactory(
        recipient=hardship, date=datetime.date(2021, 8, 1), amount=1000
    )
    AssistanceRecordFactory(
        recipient=hardship,
        date=datetime.date(this_year, 1, 2),
        amount=500,
        kind=AssistanceRecord.Kind.VISIT,
        note="上门走访",
    )
    AssistanceRecordFactory(
        recipient=disabled, date=datetime.date(2022, 5, 5), amount=300
    )
    household = RelocationHouseholdFactory(
        head_name="眭德胜",
        id_number=NUMBER,
        community=gaolou,
        project__name="天波城北侧",
        project__community=gaolou,
    )
    return {"hardship": hardship, "disabled": disabled, "household": household}


def worker(make_staff, community, username, perms=WORKER_PERMS):
    user = make_staff(*perms, username=username)
    profile = StaffProfile.objects.create(
        user=user, department=StaffProfile.Department.COMMUNITY
    )
    profile.communities.add(community)
    return user


def find(client, number):
    return client.post("/desk/people/", {"number": number})


def test_a_full_number_opens_one_page_with_every_record_of_the_person(
    client, make_staff, person
):
    # given
    client.force_login(make_staff(*ALL_PERMS))
    # when
    response = find(client, NUMBER)
    # then: the address holds an opaque key, never the number
    assert response.status_code == 302
    assert NUMBER not in response.url
    assert re.fullmatch(r"/desk/people/[0-9a-f]{64}/", response.url)
    page = client.get(response.url)
    text = page.content.decode()
    assert page.context["person"].name == "眭德胜"
    titles = [card.title for card in page.context["person"].cards]
    assert titles == ["搬迁户：天波城北侧", "帮扶对象：困难户", "帮扶对象：残疾人"]
    assert "上门走访" in text and "残疾人两项补贴" in text
    # the header: categories, the money of this year and in total, the last visit
    header = page.context["person"]
    assert header.categories == ["搬迁户", "困难户", "残疾人"]
    assert header.paid_this_year == 500
    assert header.paid_total == 1800
    assert header.last_visit == datetime.date(timezone.localdate().year, 1, 2)
    assert header.communities == ["高楼社区"]
    # someone holding both personal-data permissions sees the number
    assert NUMBER in text


def test_a_masked_user_sees_the_masked_number_and_never_the_full_one(
    client, make_staff, gaolou, person
):
    client.force_login(worker(make_staff, gaolou, "gaolou"))
    response = find(client, NUMBER)
    page = client.get(response.url)
    text = page.content.decode()
    assert mask_id_number(NUMBER) in text
    assert NUMBER not in text
    assert NUMBER not in response.url
    # nor the phones
    assert "13912345678" not in text


def test_unmasked_only_with_the_permission_of_every_record_shown(
    client, make_staff, person
):
    # welfare's permission alone does not show the household's number
    client.force_login(make_staff(*WORKER_PERMS, "welfare.view_personal_data"))
    page = client.get(find(client, NUMBER).url)
    assert NUMBER not in page.content.decode()


def test_a_worker_of_another_community_gets_not_found(client, make_staff, person):
    lianguan = CommunityFactory(name="联观村")
    client.force_login(worker(make_staff, lianguan, "lianguan"))
    response = find(client, NUMBER)
    assert response.status_code == 404
    assert "找不到" in response.content.decode()


def test_a_worker_of_another_community_gets_not_found_by_the_key_too(
    client, make_staff, gaolou, person
):
    client.force_login(worker(make_staff, gaolou, "gaolou"))
    url = find(client, NUMBER).url
    client.force_login(worker(make_staff, CommunityFactory(name="联观村"), "other"))
    response = client.get(url)
    assert response.status_code == 404
    assert "找不到" in response.content.decode()


def test_not_found_reads_the_same_as_a_person_out_of_scope(
    client, make_staff, gaolou, person
):
    client.force_login(worker(make_staff, CommunityFactory(name="联观村"), "other"))
    nobody_number = id_number_from(datetime.date(1980, 1, 1), 111)
    outside = find(client, NUMBER)
    nobody = find(client, nobody_number)
    assert outside.status_code == nobody.status_code == 404

    def page(response, number):
        text = response.content.decode().replace(number, "…")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)

    assert page(outside, NUMBER) == page(nobody, nobody_number)


def test_a_worker_sees_only_the_records_of_their_communities(
    client, make_staff, gaolou, person
):
    # given: the same person is also on the register of 联观村
    WelfareRecipientFactory(
        id_number=NUMBER,
        community=CommunityFactory(name="联观村"),
        category=WelfareRecipient.Category.VETERAN,
    )
    client.force_login(worker(make_staff, gaolou, "gaolou"))
    page = client.get(find(client, NUMBER).url)
    assert "帮扶对象：退役军人" not in [c.title for c in page.context["person"].cards]
    assert page.context["person"].communities == ["高楼社区"]


def test_every_view_is_logged_as_a_personal_data_access(
    client, make_staff, gaolou, person
):
    user = worker(make_staff, gaolou, "gaolou")
    client.force_login(user)
    url = find(client, NUMBER).url
    client.get(url)
    client.get(url)
    views = PersonalDataAccess.objects.filter(
        user=user, kind=PersonalDataAccess.Kind.PERSON
    )
    assert views.count() == 2
    assert all(NUMBER not in view.target for view in views)
    assert mask_id_number(NUMBER) in views.first().target


def test_a_masked_users_search_counts_against_the_daily_quota(
    client, make_staff, gaolou, person
):
    user = worker(make_staff, gaolou, "gaolou")
    client.force_login(user)
    with override_settings(DEVZONE_PERSONAL_LOOKUPS_PER_DAY=2):
        assert find(client, NUMBER).status_code == 302
        assert find(client, NUMBER).status_code == 302
        refused = find(client, NUMBER)
    assert refused.status_code == 429
    assert "次数已用完" in refused.content.decode()
    kinds = list(
        PersonalDataAccess.objects.filter(user=user)
        .exclude(kind=PersonalDataAccess.Kind.PERSON)
        .values_list("kind", flat=True)
    )
    assert sorted(kinds) == ["lookup", "lookup", "refused"]


def test_a_user_who_sees_numbers_searches_without_a_quota(client, make_staff, person):
    client.force_login(make_staff(*ALL_PERMS))
    with override_settings(DEVZONE_PERSONAL_LOOKUPS_PER_DAY=0):
        assert find(client, NUMBER).status_code == 302


def test_name_and_birth_date_open_the_page(client, make_staff, gaolou, person):
    client.force_login(worker(make_staff, gaolou, "gaolou"))
    response = client.post(
        "/desk/people/", {"name": "眭德胜", "birth_date": "1968-03-09"}
    )
    assert response.status_code == 302
    assert response.url == find(client, NUMBER).url


def test_name_and_birth_date_of_two_people_offer_a_choice_masked(
    client, make_staff, gaolou, person
):
    twin = id_number_from(datetime.date(1968, 3, 9), 415)
    WelfareRecipientFactory(name="眭德胜", id_number=twin, community=gaolou)
    client.force_login(worker(make_staff, gaolou, "gaolou"))
    response = client.post(
        "/desk/people/", {"name": "眭德胜", "birth_date": "1968-03-09"}
    )
    text = response.content.decode()
    assert len(response.context["candidates"]) == 2
    assert mask_id_number(twin) in text and twin not in text


@pytest.mark.parametrize(
    "data",
    [
        {"number": "32118119680309"},
        {"name": "眭德胜"},
        {"birth_date": "1968-03-09"},
        {},
    ],
)
def test_an_incomplete_search_is_refused_and_counts_nothing(
    client, make_staff, person, data
):
    client.force_login(make_staff(*WORKER_PERMS))
    response = client.post("/desk/people/", data)
    assert response.status_code == 400
    assert not PersonalDataAccess.objects.exists()


def test_a_search_in_the_address_is_not_answered(client, make_staff, person):
    client.force_login(make_staff(*ALL_PERMS))
    response = client.get("/desk/people/", {"number": NUMBER})
    assert response.status_code == 200
    assert NUMBER not in response.content.decode()
    assert not PersonKey.objects.exists()


@pytest.mark.parametrize("record", ["hardship", "disabled", "household"])
def test_every_record_naming_the_person_links_to_the_same_page(
    client, make_staff, gaolou, person, record
):
    client.force_login(worker(make_staff, gaolou, "gaolou"))
    instance = person[record]
    label = instance._meta.label_lower
    response = client.get(f"/desk/people/record/{label}/{instance.pk}/")
    assert response.status_code == 302
    assert response.url == find(client, NUMBER).url


def test_an_assistance_record_links_to_its_recipients_page(
    client, make_staff, gaolou, person
):
    client.force_login(worker(make_staff, gaolou, "gaolou"))
    record = AssistanceRecord.objects.filter(recipient=person["hardship"]).first()
    response = client.get(f"/desk/people/record/welfare.assistancerecord/{record.pk}/")
    assert response.url == find(client, NUMBER).url


def test_a_record_out_of_scope_links_nowhere(client, make_staff, person):
    client.force_login(worker(make_staff, CommunityFactory(name="联观村"), "other"))
    pk = person["hardship"].pk
    response = client.get(f"/desk/people/record/welfare.welfarerecipient/{pk}/")
    assert response.status_code == 404
    unknown = client.get(f"/desk/people/record/devzone.community/{pk}/")
    assert unknown.status_code == 404


def test_lists_and_record_pages_carry_the_link(client, make_staff, gaolou, person):
    client.force_login(worker(make_staff, gaolou, "gaolou"))
    pk = person["hardship"].pk
    link = f"/desk/people/record/welfare.welfarerecipient/{pk}/"
    listing = client.get("/admin/welfare/welfarerecipient/").content.decode()
    assert "person-number-list" in listing  # the list's search box
    record = client.get(f"/admin/welfare/welfarerecipient/{pk}/change/")
    assert link in record.content.decode()
    household = person["household"]
    households = client.get("/admin/projects/relocationhousehold/").content.decode()
    assert (
        f"/desk/people/record/projects.relocationhousehold/{household.pk}/"
        in households
    )


def test_a_childs_file_shows_guardian_measures_and_the_next_visit(
    client, make_staff, gaolou
):
    child_number = id_number_from(datetime.date(2014, 6, 1), 222)
    child = ChildRecipientFactory(
        name="贺小红", id_number=child_number, community=gaolou
    )
    AssistanceRecordFactory(
        recipient=child,
        date=datetime.date(2026, 11, 3),
        kind=AssistanceRecord.Kind.VISIT,
        amount=0,
    )
    client.force_login(worker(make_staff, gaolou, "gaolou"))
    page = client.get(find(client, child_number).url)
    card = page.context["person"].cards[0]
    assert ("监护人", "测试监护人") in card.fields
    assert ("帮扶措施（分类施策）", "一人一档：学业辅导") in card.fields
    assert card.visit.months == 1
    assert card.visit.last_visit == datetime.date(2026, 11, 3)
    assert card.visit.next_due == datetime.date(2026, 12, 3)
    text = page.content.decode()
    assert "监护人" in text and "下次应走访" in text and "2026-12-03" in text
    assert "13800001111" not in text  # the guardian's phone, masked


def test_the_key_is_not_the_number_and_is_stable(client, make_staff, person):
    client.force_login(make_staff(*ALL_PERMS))
    first, second = find(client, NUMBER).url, find(client, NUMBER).url
    assert first == second
    record = PersonKey.objects.get()
    # The number is kept sealed, found by its digest, and opens to itself.
    assert NUMBER not in record.id_number
    assert sealing.unseal(record.id_number) == NUMBER
    assert record.id_number_digest == sealing.digest(NUMBER)


def test_an_unknown_key_is_not_found(client, make_staff, person):
    client.force_login(make_staff(*ALL_PERMS))
    assert client.get("/desk/people/" + "0" * 64 + "/").status_code == 404


def test_the_relocation_deadline_shows_on_the_household(client, make_staff, person):
    RelocationProject.objects.update(vacate_deadline=datetime.date(2022, 6, 30))
    client.force_login(make_staff(*ALL_PERMS))
    page = client.get(find(client, NUMBER).url)
    household = page.context["person"].cards[0]
    assert ("腾空期限", "2022-06-30（已逾期未腾空）") in household.fields


@pytest.mark.parametrize(
    "url",
    [
        "/desk/people/record/welfare.welfarerecipient/" + "9" * 30 + "/",
        "/desk/people/record/../1/",
        "/desk/people/record/auth.user/1/",
        "/desk/people/%00/",
        "/desk/people/" + "x" * 500 + "/",
    ],
)
def test_hostile_addresses_are_not_found(client, make_staff, person, url):
    client.force_login(make_staff(*ALL_PERMS))
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"number": "３２１１８１１９６８０３０９２１３X"},
        {"number": "\x00" * 18},
        {"name": "眭\x00德胜", "birth_date": "1968-03-09"},
        {"name": "眭德胜", "birth_date": "99999-01-01"},
        {"name": "眭德胜", "birth_date": "2999-01-01"},
    ],
)
def test_hostile_searches_get_an_answer_not_an_error(client, make_staff, person, data):
    client.force_login(make_staff(*ALL_PERMS))
    assert client.post("/desk/people/", data).status_code in {302, 400, 404}


def test_the_age_is_exact_only_beside_the_full_number(
    client, make_staff, gaolou, person
):
    age = (
        timezone.localdate().year
        - 1968
        - (timezone.localdate() < datetime.date(timezone.localdate().year, 3, 9))
    )
    client.force_login(make_staff(*ALL_PERMS))
    assert f"{age} 岁" in client.get(find(client, NUMBER).url).content.decode()
    client.force_login(worker(make_staff, gaolou, "gaolou"))
    text = client.get(find(client, NUMBER).url).content.decode()
    assert f"{age} 岁" not in text
    assert "18–59 岁" in text or "60 岁以上" in text


def test_the_person_file_shows_the_photos_of_each_visit(
    client, make_staff, gaolou, person, photo_storage
):
    # given a visit with a photo taken on it
    officer = make_staff(*ALL_PERMS)
    visit = person["hardship"].records.get(kind=AssistanceRecord.Kind.VISIT)
    photo = add_visit_photo(visit, officer)
    # when the worker of the person's community opens the person file
    client.force_login(worker(make_staff, gaolou, "gaolou"))
    page = client.get(find(client, NUMBER).url)
    # then the visit in the timeline shows its thumbnail, linked to the display size,
    # both served by the checked photo view, which answers this worker
    text = page.content.decode()
    assert f'src="{photo.thumbnail_url}"' in text
    assert f'href="{photo.display_url}"' in text
    assert client.get(photo.thumbnail_url).status_code == 200
    # and another community's worker is refused the photo itself
    client.force_login(worker(make_staff, CommunityFactory(name="联观村"), "lianguan"))
    assert client.get(photo.thumbnail_url).status_code == 403
