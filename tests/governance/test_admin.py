"""The governance admin as staff use it: lists, filters, forms and the close action."""

import datetime
import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.models import (
    BranchRating,
    EnvironmentalCase,
    PartyBranch,
    VolunteerActivity,
    VolunteerTeam,
)
from tests.governance.factories import (
    BranchRatingFactory,
    CommunityFactory,
    EnvironmentalCaseFactory,
    PartyBranchFactory,
    VolunteerActivityFactory,
    VolunteerTeamFactory,
)
from tests.spreadsheets import page_text

pytestmark = pytest.mark.django_db

Status = EnvironmentalCase.Status
THIS_YEAR = timezone.localdate().year


def changelist(model_name, query=""):
    return reverse(f"admin:governance_{model_name}_changelist") + query


def shown(response):
    """Return the records the changelist shows."""
    return list(response.context["cl"].result_list)


def query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Flat query counts ---------------------------------------------------------------------


def make_branches(count, community):
    for _ in range(count):
        branch = PartyBranchFactory(community=community, brand="测试品牌")
        BranchRatingFactory(branch=branch, year=THIS_YEAR - 1, stars=3)
        BranchRatingFactory(branch=branch, year=THIS_YEAR, stars=4)


def make_ratings(count, community):
    for _ in range(count):
        BranchRatingFactory(branch=PartyBranchFactory(community=community))


def make_teams(count, community):
    for _ in range(count):
        team = VolunteerTeamFactory()
        VolunteerActivityFactory.create_batch(
            2, team=team, community=community, date=datetime.date(THIS_YEAR, 1, 5)
        )


def make_activities(count, community):
    team = VolunteerTeamFactory()
    VolunteerActivityFactory.create_batch(count, team=team, community=community)


def make_cases(count, community):
    EnvironmentalCaseFactory.create_batch(count, community=community)


@pytest.mark.parametrize(
    ("model_name", "make"),
    [
        ("partybranch", make_branches),
        ("branchrating", make_ratings),
        ("volunteerteam", make_teams),
        ("volunteeractivity", make_activities),
        ("environmentalcase", make_cases),
    ],
)
def test_changelist_queries_do_not_grow_with_rows(admin_client, model_name, make):
    community = CommunityFactory(name="高楼社区")
    make(10, community)
    ten = query_count(admin_client, changelist(model_name))
    make(90, community)
    hundred = query_count(admin_client, changelist(model_name))
    assert ten == hundred


def test_every_foreign_key_uses_autocomplete():
    for model in [
        PartyBranch,
        BranchRating,
        VolunteerTeam,
        VolunteerActivity,
        EnvironmentalCase,
    ]:
        model_admin = admin.site._registry[model]
        foreign_keys = {f.name for f in model._meta.fields if f.is_relation}
        assert foreign_keys == set(model_admin.autocomplete_fields), model
        for field in foreign_keys:
            target = model._meta.get_field(field).related_model
            assert admin.site._registry[target].search_fields, target


def test_branch_autocomplete_finds_by_name(admin_client):
    PartyBranchFactory(name="高楼社区党委")
    PartyBranchFactory(name="普善村党委")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "governance",
            "model_name": "branchrating",
            "field_name": "branch",
            "term": "高楼",
        },
    )
    assert [row["text"] for row in response.json()["results"]] == ["高楼社区党委"]


# Branches and ratings -----------------------------------------------------------------


def test_branch_list_shows_the_latest_rating(admin_client):
    branch = PartyBranchFactory(name="马陵村党委")
    BranchRatingFactory(branch=branch, year=2020, stars=4)
    BranchRatingFactory(branch=branch, year=2021, stars=5)
    PartyBranchFactory(name="新建党支部")

    response = admin_client.get(changelist("partybranch"))

    text = page_text(response)
    assert "最近评定" in text
    assert "2021 年 5 星" in text
    assert "2020 年 4 星" not in text


def test_branch_filters_on_kind_community_brand_and_current_stars(admin_client):
    gaolou = CommunityFactory(name="高楼社区")
    branded = PartyBranchFactory(
        name="高楼社区党委",
        kind=PartyBranch.Kind.COMMUNITY,
        community=gaolou,
        brand='高楼"和谐"党建',
    )
    plain = PartyBranchFactory(name="某公司党支部")
    BranchRatingFactory(branch=branded, year=THIS_YEAR, stars=5)
    BranchRatingFactory(branch=plain, year=THIS_YEAR - 1, stars=5)

    def rows(query):
        return shown(admin_client.get(changelist("partybranch", query)))

    assert rows("?kind__exact=community") == [branded]
    assert rows(f"?community__id__exact={gaolou.pk}") == [branded]
    assert rows("?has_brand=yes") == [branded]
    assert rows("?has_brand=no") == [plain]
    assert rows("?current_stars=5") == [branded]
    assert rows("?current_stars=none") == [plain]


def test_branch_search_by_brand(admin_client):
    branch = PartyBranchFactory(brand='普善"五色"党建')
    PartyBranchFactory()
    assert shown(admin_client.get(changelist("partybranch", "?q=五色"))) == [branch]


def test_rating_changelist_by_year_and_stars(admin_client):
    four_2021 = BranchRatingFactory(year=2021, stars=4)
    BranchRatingFactory(year=2021, stars=5)
    BranchRatingFactory(year=2020, stars=4)

    response = admin_client.get(changelist("branchrating", "?year=2021&stars=4"))

    assert shown(response) == [four_2021]
    filters = [spec.title for spec in response.context["cl"].filter_specs]
    assert "年度" in filters and "星级" in filters


def test_rating_form_refuses_a_second_rating_in_a_year(admin_client):
    rating = BranchRatingFactory(year=2021, stars=4)
    response = admin_client.post(
        reverse("admin:governance_branchrating_add"),
        {"branch": rating.branch.pk, "year": 2021, "stars": 5, "note": ""},
    )
    assert response.status_code == 200
    assert "该党支部在这一年度已有星级评定。" in page_text(response)
    assert BranchRating.objects.count() == 1


def test_rating_form_refuses_six_stars(admin_client):
    branch = PartyBranchFactory()
    response = admin_client.post(
        reverse("admin:governance_branchrating_add"),
        {"branch": branch.pk, "year": 2021, "stars": 6, "note": ""},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["stars"]
    assert not BranchRating.objects.exists()


def branch_form(name, ratings):
    data = {
        "name": name,
        "kind": "new_org",
        "community": "",
        "host_organisation": "",
        "secretary": "李建国",
        "member_count": 10,
        "brand": "",
        "founded_on": "",
        "note": "",
        "ratings-TOTAL_FORMS": len(ratings),
        "ratings-INITIAL_FORMS": 0,
        "ratings-MIN_NUM_FORMS": 0,
        "ratings-MAX_NUM_FORMS": 1000,
    }
    for index, (year, stars) in enumerate(ratings):
        data[f"ratings-{index}-year"] = year
        data[f"ratings-{index}-stars"] = stars
        data[f"ratings-{index}-note"] = ""
    return data


def test_branch_form_saves_ratings_inline(admin_client):
    response = admin_client.post(
        reverse("admin:governance_partybranch_add"),
        branch_form("丹阳恒瑞精密机械有限公司党支部", [(2020, 3), (2021, 4)]),
    )
    assert response.status_code == 302
    branch = PartyBranch.objects.get()
    assert sorted(branch.ratings.values_list("year", "stars")) == [
        (2020, 3),
        (2021, 4),
    ]


def test_branch_form_refuses_two_ratings_in_one_year(admin_client):
    response = admin_client.post(
        reverse("admin:governance_partybranch_add"),
        branch_form("丹阳恒瑞精密机械有限公司党支部", [(2021, 4), (2021, 5)]),
    )
    assert response.status_code == 200
    assert "重复" in page_text(response)
    assert not PartyBranch.objects.exists()


# Teams and activities -------------------------------------------------------------------


def test_team_list_shows_activity_count_and_people_served(admin_client):
    team = VolunteerTeamFactory(name="党建办志愿服务队")
    VolunteerActivityFactory(
        team=team, date=datetime.date(THIS_YEAR, 3, 1), people_served=30
    )
    VolunteerActivityFactory(
        team=team, date=datetime.date(THIS_YEAR, 4, 1), people_served=12
    )
    VolunteerActivityFactory(
        team=team, date=datetime.date(THIS_YEAR - 1, 4, 1), people_served=99
    )

    response = admin_client.get(changelist("volunteerteam"))

    row = shown(response)[0]
    assert (row.activity_total, row.activity_year_total, row.people_served_year) == (
        3,
        2,
        42,
    )
    assert "统计年度服务群众（人次）" in page_text(response)


def test_activity_filters_and_date_hierarchy(admin_client):
    team = VolunteerTeamFactory()
    gaolou = CommunityFactory(name="高楼社区")
    wanted = VolunteerActivityFactory(
        team=team,
        community=gaolou,
        category=VolunteerActivity.Category.ELDERLY,
        date=datetime.date(2021, 9, 9),
    )
    VolunteerActivityFactory(team=team, date=datetime.date(2020, 9, 9))
    VolunteerActivityFactory(category=VolunteerActivity.Category.ELDERLY)

    def rows(query):
        return shown(admin_client.get(changelist("volunteeractivity", query)))

    assert rows(f"?category__exact=elderly&team__id__exact={team.pk}") == [wanted]
    assert rows(f"?community__id__exact={gaolou.pk}") == [wanted]
    assert rows("?date__year=2021&date__month=9&category__exact=elderly") == [wanted]


# Cases ----------------------------------------------------------------------------------


def test_case_filters_search_and_overdue(admin_client):
    late = EnvironmentalCaseFactory(
        case_number="HJ-2021-0007",
        category=EnvironmentalCase.Category.RIVER,
        river="九曲河",
        party_concerned="丹阳博远木业有限公司",
        deadline=datetime.date(2021, 3, 20),
    )
    EnvironmentalCaseFactory(status=Status.CLOSED, closed_on=datetime.date(2021, 3, 3))

    def rows(query):
        return shown(admin_client.get(changelist("environmentalcase", query)))

    assert rows("?overdue=yes") == [late]
    assert late not in rows("?overdue=no")
    assert rows("?river=九曲河") == [late]
    assert rows("?category__exact=river&status__exact=filed") == [late]
    assert rows("?q=HJ-2021-0007") == [late]
    assert rows("?q=博远木业") == [late]


def test_case_form_refuses_closing_before_opening(admin_client):
    community = CommunityFactory(name="胡桥村")
    response = admin_client.post(
        reverse("admin:governance_environmentalcase_add"),
        {
            "case_number": "HJ-2021-0300",
            "category": "cityscape",
            "title": "市容整治",
            "location": "",
            "community": community.pk,
            "river": "",
            "party_concerned": "",
            "opened_on": "2021-05-10",
            "deadline": "",
            "status": "closed",
            "closed_on": "2021-05-01",
            "measures": "",
            "fine": "0",
            "note": "",
        },
    )
    assert response.status_code == 200
    assert "办结日期不能早于立案日期。" in page_text(response)
    assert not EnvironmentalCase.objects.exists()


def close_action(client, cases, **extra):
    return client.post(
        changelist("environmentalcase"),
        {"action": "close_cases", "_selected_action": [c.pk for c in cases], **extra},
        follow=True,
    )


def test_close_action_asks_for_a_date_then_closes(admin_client):
    # A category closed without a photo (test_case_photos.py: the evidence rule).
    cases = EnvironmentalCaseFactory.create_batch(
        2, category=EnvironmentalCase.Category.MUCK_TRANSPORT
    )

    ask = close_action(admin_client, cases)
    assert "办结日期" in page_text(ask)
    assert cases[0].case_number in page_text(ask)
    assert not EnvironmentalCase.objects.closed().exists()

    done = close_action(admin_client, cases, apply="1", closed_on="2021-04-30")

    assert "已办结 2 件案件。" in page_text(done)
    assert list(
        EnvironmentalCase.objects.order_by()
        .values_list("status", "closed_on")
        .distinct()
    ) == [(Status.CLOSED, datetime.date(2021, 4, 30))]


def test_close_action_refuses_a_selection_with_a_closed_case(admin_client):
    open_case = EnvironmentalCaseFactory(
        case_number="HJ-2021-0401", category=EnvironmentalCase.Category.MUCK_TRANSPORT
    )
    closed = EnvironmentalCaseFactory(
        case_number="HJ-2021-0402",
        status=Status.CLOSED,
        closed_on=datetime.date(2021, 3, 3),
    )

    response = close_action(
        admin_client, [open_case, closed], apply="1", closed_on="2021-04-30"
    )

    assert "未作任何修改：HJ-2021-0402 已办结，不能再次办结。" in page_text(response)
    open_case.refresh_from_db()
    closed.refresh_from_db()
    assert open_case.status == Status.FILED
    assert closed.closed_on == datetime.date(2021, 3, 3)


def test_close_action_needs_a_valid_date(admin_client):
    case = EnvironmentalCaseFactory()
    response = close_action(admin_client, [case], apply="1", closed_on="明天")
    assert response.status_code == 200
    assert response.context["form"].errors["closed_on"]
    case.refresh_from_db()
    assert case.status == Status.FILED


def test_close_action_needs_change_permission(staff_client):
    client = staff_client("governance.view_environmentalcase")
    case = EnvironmentalCaseFactory()
    response = client.get(changelist("environmentalcase"))
    assert "办结所选案件" not in page_text(response)
    close_action(client, [case], apply="1", closed_on="2021-04-30")
    case.refresh_from_db()
    assert case.status == Status.FILED


@pytest.mark.parametrize(
    ("model_name", "factory"),
    [
        ("partybranch", PartyBranchFactory),
        ("branchrating", BranchRatingFactory),
        ("volunteerteam", VolunteerTeamFactory),
        ("volunteeractivity", VolunteerActivityFactory),
        ("environmentalcase", EnvironmentalCaseFactory),
    ],
)
def test_add_and_change_forms_open_with_chinese_labels(
    admin_client, model_name, factory
):
    obj = factory()
    add = admin_client.get(reverse(f"admin:governance_{model_name}_add"))
    change = admin_client.get(
        reverse(f"admin:governance_{model_name}_change", args=[obj.pk])
    )
    assert add.status_code == change.status_code == 200
    for field in add.context["adminform"].form.fields.values():
        assert not str(field.label).isascii(), field.label
    # Foreign keys are chosen by typing, not from a full <select>.
    if any(field.is_relation for field in obj._meta.fields):
        assert 'class="admin-autocomplete' in change.content.decode()


def test_team_list_counts_the_year_chosen_and_says_which(admin_client):
    team = VolunteerTeamFactory(name="统计年度队")
    VolunteerActivityFactory(team=team, date=datetime.date(2020, 3, 1))
    VolunteerActivityFactory(team=team, date=datetime.date(2021, 3, 1))
    VolunteerActivityFactory(team=team, date=datetime.date(2021, 5, 1))

    latest = admin_client.get(changelist("volunteerteam"))
    chosen = admin_client.get(changelist("volunteerteam", "?stats_year=2020"))

    assert shown(latest)[0].activity_year_total == 2
    assert "2021 年" in page_text(latest)
    assert shown(chosen)[0].activity_year_total == 1
    assert "统计年度：2020 年" in page_text(chosen)


def test_overdue_cases_read_overdue_in_words(admin_client):
    late = EnvironmentalCaseFactory(
        status=EnvironmentalCase.Status.RECTIFYING,
        opened_on=datetime.date(2020, 12, 1),
        deadline=datetime.date(2021, 1, 1),
    )

    html = admin_client.get(changelist("environmentalcase")).content.decode()

    assert late.is_overdue
    assert '<span class="state-bad">已逾期</span>' in html
    assert "icon-yes.svg" not in html


def test_a_searched_activity_list_is_newest_first_with_the_years_it_holds(
    admin_client,
):
    # given: activities on three days of two years, one of them not matching
    team = VolunteerTeamFactory()
    spring = VolunteerActivityFactory(
        team=team, title="春节理发送上门", date=datetime.date(2020, 2, 1)
    )
    first = VolunteerActivityFactory(
        team=team, title="理发送上门", date=datetime.date(2021, 9, 9)
    )
    second = VolunteerActivityFactory(
        team=VolunteerTeamFactory(),
        title="理发送上门活动",
        date=datetime.date(2021, 9, 9),
    )
    VolunteerActivityFactory(
        team=team, title="河道清洁", date=datetime.date(2019, 3, 3)
    )

    # when
    response = admin_client.get(changelist("volunteeractivity", "?q=理发"))

    # then: newest first (a day's rows newest entered first), and the drill-down
    # offers exactly the years of the rows found
    assert shown(response) == [second, first, spring]
    years = re.findall(r"date__year=(\d{4})", response.content.decode())
    assert sorted(set(years)) == ["2020", "2021"]
