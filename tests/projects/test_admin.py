"""The projects admin as staff use it: lists, filters, search, forms and actions."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from devzone.models import PersonalDataAccess
from projects.models import InvestmentDeal, KeyProject, RelocationHousehold
from tests.projects.factories import (
    AreaFactory,
    CommunityFactory,
    InvestmentDealFactory,
    KeyProjectFactory,
    RelocationHouseholdFactory,
    RelocationProjectFactory,
)
from tests.spreadsheets import page_text

KEY = "admin:projects_keyproject_changelist"
DEAL = "admin:projects_investmentdeal_changelist"
RELOCATION = "admin:projects_relocationproject_changelist"
HOUSEHOLD = "admin:projects_relocationhousehold_changelist"


def shown(response):
    """Return the records a changelist shows."""
    assert response.status_code == 200, response
    return list(response.context["cl"].result_list)


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_key_projects(count, start):
    for n in range(start, start + count):
        KeyProjectFactory(area=AreaFactory(name=f"片区{n}"))


def add_deals(count, start):
    for _n in range(count):
        InvestmentDealFactory(is_foreign=True, foreign_capital=Decimal(100))


def add_relocation_projects(count, start):
    for n in range(start, start + count):
        project = RelocationProjectFactory(
            community=CommunityFactory(name=f"村{n}"), area=AreaFactory(name=f"区{n}")
        )
        RelocationHouseholdFactory.create_batch(2, project=project)


def add_households(count, start):
    for n in range(start, start + count):
        RelocationHouseholdFactory(
            project=RelocationProjectFactory(name=f"项目{n}"),
            community=CommunityFactory(name=f"社区{n}"),
        )


@pytest.mark.parametrize(
    ("url_name", "add_rows"),
    [
        (KEY, add_key_projects),
        (DEAL, add_deals),
        (RELOCATION, add_relocation_projects),
        (HOUSEHOLD, add_households),
    ],
)
def test_changelist_query_count_is_the_same_for_10_and_100_rows(
    admin_client, url_name, add_rows
):
    # given 10 rows, each with its own related records
    add_rows(10, 0)
    url = reverse(url_name)
    few = queries_for(admin_client, url)
    # when 90 more are added (the page shows 50; the count queries see all)
    add_rows(90, 10)
    many = queries_for(admin_client, url)
    # then the page costs the same number of queries
    assert few == many


def test_key_project_filters_search_and_totals(admin_client):
    area = AreaFactory(name="精密制造产业园")
    KeyProjectFactory(
        name="精密制造产业园厂房建设工程",
        category=KeyProject.Category.INFRASTRUCTURE,
        status=KeyProject.Status.COMPLETED,
        total_investment=Decimal(16000),
        investment_this_year=Decimal(6000),
        area=area,
        completed_on=datetime.date(2021, 10, 1),
    )
    KeyProjectFactory(name="肯帝亚黑科技", total_investment=Decimal(60000))
    KeyProjectFactory(name="去年项目", year=2020, leader="华国栋")
    url = reverse(KEY)

    assert [
        p.name for p in shown(admin_client.get(url + "?category=infrastructure"))
    ] == ["精密制造产业园厂房建设工程"]
    assert len(shown(admin_client.get(url + "?year=2021&status=building"))) == 1
    assert len(shown(admin_client.get(url + f"?area__id__exact={area.pk}"))) == 1
    assert [p.name for p in shown(admin_client.get(url + "?q=华国栋"))] == ["去年项目"]
    ranged = admin_client.get(
        url + "?total_investment__gte=15000&total_investment__lte=20000"
    )
    assert {p.name for p in shown(ranged)} == {"精密制造产业园厂房建设工程", "去年项目"}
    text = page_text(ranged)
    assert "总投资（万元）" in text and "投资规模" not in text
    assert "筛选结果合计：2 个项目，总投资 3.60 亿元（36,000.00 万元）" in text
    assert "总投资（万元）≥：15000；总投资（万元）≤：20000" in text
    # the range filter keeps other filters when it is submitted again
    both = admin_client.get(url + "?year=2021&total_investment__gte=15000")
    assert 'type="hidden" name="year" value="2021"' in both.content.decode()
    assert {p.name for p in shown(both)} == {
        "精密制造产业园厂房建设工程",
        "肯帝亚黑科技",
    }


def test_range_filter_refuses_text_without_showing_everything(admin_client):
    KeyProjectFactory()
    response = admin_client.get(reverse(KEY) + "?total_investment__gte=很多")
    assert response.status_code == 302
    assert "e=1" in response.url


def test_deal_filters_use_the_review_bands(admin_client):
    InvestmentDealFactory(name="恒美光电偏光片制造项目", total_investment=700000)
    InvestmentDealFactory(name="三十五亿", total_investment=350000, is_foreign=True)
    InvestmentDealFactory(name="十亿", total_investment=100000, via_guidance_fund=True)
    InvestmentDealFactory(
        name="五亿",
        total_investment=50000,
        signed_on=datetime.date(2020, 5, 1),
        year=2020,
    )
    InvestmentDealFactory(
        name="在手", stage=InvestmentDeal.Stage.MATURE, signed_on=None
    )
    url = reverse(DEAL)

    def names(query):
        return {deal.name for deal in shown(admin_client.get(url + query))}

    assert names("?band=50_plus") == {"恒美光电偏光片制造项目"}
    assert names("?band=30_50") == {"三十五亿"}
    assert names("?band=10_30") == {"十亿"}
    assert names("?band=under_10") == {"五亿", "在手"}
    assert names("?signed_on__year=2020") == {"五亿"}
    assert names("?is_foreign__exact=1") == {"三十五亿"}
    assert names("?via_guidance_fund__exact=1") == {"十亿"}
    assert names("?stage__exact=mature") == {"在手"}
    assert names("?industry__exact=materials&signed_on__year=2021") == {
        "恒美光电偏光片制造项目",
        "三十五亿",
        "十亿",
    }
    text = page_text(admin_client.get(url))
    for label in [
        "50 亿元及以上",
        "30–50 亿元",
        "10–30 亿元",
        "10 亿元以下",
        "签约年度",
    ]:
        assert label in text


def test_relocation_project_list_shows_households_area_and_signed_share(admin_client):
    project = RelocationProjectFactory(name="眼镜小镇")
    RelocationHouseholdFactory(project=project, floor_area=Decimal("1000.50"))
    RelocationHouseholdFactory(project=project, floor_area=Decimal("999.50"))
    RelocationHouseholdFactory(
        project=project,
        floor_area=Decimal(500),
        status=RelocationHousehold.Status.PENDING,
        signed_on=None,
    )
    RelocationHouseholdFactory(project=project, floor_area=Decimal(500))
    response = admin_client.get(reverse(RELOCATION))
    text = page_text(response)
    assert "4 户" in text and "3,000.00" in text and "75.0%" in text
    link = reverse(HOUSEHOLD) + f"?project__id__exact={project.pk}"
    assert link in response.content.decode()
    assert len(shown(admin_client.get(link))) == 4


def test_household_list_masks_id_numbers_and_phones(staff_client):
    household = RelocationHouseholdFactory(
        id_number="32118119700101019X", phone="13912345678"
    )
    client = staff_client("projects.view_relocationhousehold")
    html = client.get(reverse(HOUSEHOLD)).content.decode()
    assert "321181********019X" in html
    assert "139****5678" in html
    assert household.id_number not in html
    assert "13912345678" not in html


def test_household_list_shows_full_numbers_with_the_permission(staff_client):
    RelocationHouseholdFactory(id_number="32118119700101019X", phone="13912345678")
    client = staff_client(
        "projects.view_relocationhousehold", "projects.view_personal_data"
    )
    html = client.get(reverse(HOUSEHOLD)).content.decode()
    assert "32118119700101019X" in html
    assert "13912345678" in html


def test_household_numbers_cannot_be_probed_by_range_lookups(staff_client):
    RelocationHouseholdFactory(id_number="32118119700101019X")
    client = staff_client("projects.view_relocationhousehold")
    probe = client.get(reverse(HOUSEHOLD), {"id_number__startswith": "3211811970"})
    assert probe.status_code == 400
    # an exact number typed into the address would bypass the search's daily quota
    exact = client.get(reverse(HOUSEHOLD), {"id_number": "32118119700101019X"})
    assert exact.status_code == 400
    searched = client.get(reverse(HOUSEHOLD), {"q": "32118119700101019X"})
    assert len(shown(searched)) == 1
    lookup = PersonalDataAccess.objects.get()
    assert lookup.kind == PersonalDataAccess.Kind.LOOKUP
    assert lookup.target == "321181********019X"


@pytest.mark.parametrize(
    "term",
    ["32118119700101019x", "３２１１８１１９７００１０１０１９Ｘ", "139 1234 5678"],
)
def test_household_search_finds_exact_id_number_and_phone(admin_client, term):
    RelocationHouseholdFactory(
        head_name="王建国", id_number="32118119700101019X", phone="13912345678"
    )
    RelocationHouseholdFactory(head_name="李秀英")
    found = shown(admin_client.get(reverse(HOUSEHOLD), {"q": term}))
    assert [h.head_name for h in found] == ["王建国"]


def test_household_search_by_part_of_an_id_number_finds_nothing(admin_client):
    RelocationHouseholdFactory(id_number="32118119700101019X")
    assert shown(admin_client.get(reverse(HOUSEHOLD), {"q": "321181"})) == []


def test_household_filters(admin_client):
    old = RelocationProjectFactory(name="旧项目", year=2020)
    cash = RelocationHouseholdFactory(project=old)
    property_swap = RelocationHouseholdFactory(
        resettlement=RelocationHousehold.Resettlement.PROPERTY,
        community=CommunityFactory(name="普善村"),
    )
    url = reverse(HOUSEHOLD)
    assert shown(admin_client.get(url + "?project__year=2020")) == [cash]
    assert shown(admin_client.get(url + "?resettlement__exact=property")) == [
        property_swap
    ]
    community = property_swap.community
    assert shown(admin_client.get(url + f"?community__id__exact={community.pk}")) == [
        property_swap
    ]
    assert shown(admin_client.get(url + "?status__exact=pending")) == []


def test_foreign_keys_use_autocomplete(admin_client):
    RelocationProjectFactory(name="天波城北侧")
    html = admin_client.get(
        reverse("admin:projects_relocationhousehold_add")
    ).content.decode()
    assert html.count("admin-autocomplete") >= 2
    found = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "天波",
            "app_label": "projects",
            "model_name": "relocationhousehold",
            "field_name": "project",
        },
    ).json()
    assert [item["text"] for item in found["results"]] == ["天波城北侧"]
    for name in ["keyproject", "relocationproject"]:
        form = admin_client.get(reverse(f"admin:projects_{name}_add"))
        assert "admin-autocomplete" in form.content.decode()


def household_form(project, community, **changes):
    data = {
        "project": project.pk,
        "head_name": "赵立新",
        "id_number": "32118119700101019X",
        "phone": "13912345678",
        "community": community.pk,
        "address": "",
        "household_size": 3,
        "floor_area": "120.5",
        "compensation": "",
        "status": "signed",
        "signed_on": "2021-04-01",
        "vacated_on": "",
        "resettlement": "cash",
        "note": "",
    }
    data.update(changes)
    return data


def test_admin_form_refuses_broken_rules_in_chinese(admin_client):
    project = RelocationProjectFactory()
    community = CommunityFactory()
    url = reverse("admin:projects_relocationhousehold_add")
    response = admin_client.post(
        url, household_form(project, community, floor_area="-1")
    )
    assert "搬迁面积不能为负数。" in page_text(response)
    response = admin_client.post(
        url,
        household_form(project, community, status="vacated", vacated_on="2021-03-01"),
    )
    assert "腾空日期不能早于签约日期（须先签约）。" in page_text(response)
    response = admin_client.post(
        url, household_form(project, community, id_number="321181197001010190")
    )
    assert "身份证号校验位错误，请核对号码。" in page_text(response)
    assert not RelocationHousehold.objects.exists()

    assert admin_client.post(url, household_form(project, community)).status_code == 302
    response = admin_client.post(
        url, household_form(project, community, id_number="32118119700101019x")
    )
    assert "该搬迁项目中已有相同身份证号的搬迁户。" in page_text(response)
    assert RelocationHousehold.objects.count() == 1


def test_admin_form_refuses_foreign_capital_on_a_domestic_deal(admin_client):
    response = admin_client.post(
        reverse("admin:projects_investmentdeal_add"),
        {
            "name": "某项目",
            "year": 2021,
            "investor": "",
            "industry": "materials",
            "total_investment": "10000",
            "foreign_capital": "500",
            "stage": "negotiating",
            "signed_on": "",
            "contact": "",
            "note": "",
        },
    )
    assert "只有外资项目才能填写外资金额。" in page_text(response)
    assert not InvestmentDeal.objects.exists()


def run_action(client, households, **extra):
    data = {
        "action": "mark_vacated",
        "_selected_action": [h.pk for h in households],
        **extra,
    }
    return client.post(reverse(HOUSEHOLD), data, follow=True)


def test_mark_vacated_asks_for_a_date_then_marks_every_household(admin_client):
    signed = RelocationHouseholdFactory.create_batch(2)
    # the first step shows the households and a date, today by default
    step = run_action(admin_client, signed)
    text = page_text(step)
    assert "以下 2 户将标记为“已腾空”" in text
    assert step.context["form"]["vacated_on"].value() == timezone.localdate()
    # confirming with a date marks them
    done = run_action(admin_client, signed, apply="1", vacated_on="2021-06-01")
    assert "已将 2 户标记为已腾空。" in page_text(done)
    for household in signed:
        household.refresh_from_db()
        assert household.status == RelocationHousehold.Status.VACATED
        assert household.vacated_on == datetime.date(2021, 6, 1)


def test_mark_vacated_refuses_unsigned_households_and_changes_nothing(admin_client):
    signed = RelocationHouseholdFactory(head_name="钱多多")
    pending = RelocationHouseholdFactory(
        head_name="孙未签",
        status=RelocationHousehold.Status.PENDING,
        signed_on=None,
    )
    done = run_action(
        admin_client, [signed, pending], apply="1", vacated_on="2021-06-01"
    )
    assert "孙未签 尚未签约，不能标记为已腾空" in page_text(done)
    assert "未作任何修改" in page_text(done)
    signed.refresh_from_db()
    assert signed.status == RelocationHousehold.Status.SIGNED


def test_mark_vacated_refuses_a_date_before_signing_or_in_the_future(admin_client):
    household = RelocationHouseholdFactory(signed_on=datetime.date(2021, 4, 1))
    early = run_action(admin_client, [household], apply="1", vacated_on="2021-03-01")
    assert "早于签约日期 2021-04-01" in page_text(early)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    late = run_action(admin_client, [household], apply="1", vacated_on=str(tomorrow))
    assert "腾空日期不能晚于今天。" in page_text(late)
    bad = run_action(admin_client, [household], apply="1", vacated_on="明天")
    assert "标记为已腾空" in page_text(bad)  # the form again, with its error
    household.refresh_from_db()
    assert household.status == RelocationHousehold.Status.SIGNED


def test_mark_vacated_needs_the_change_permission(staff_client):
    client = staff_client("projects.view_relocationhousehold")
    household = RelocationHouseholdFactory()
    response = client.get(reverse(HOUSEHOLD))
    assert "标记所选搬迁户为已腾空" not in page_text(response)
    run_action(client, [household], apply="1", vacated_on="2021-06-01")
    household.refresh_from_db()
    assert household.status == RelocationHousehold.Status.SIGNED


def test_change_form_masks_personal_data_without_the_permission(staff_client):
    household = RelocationHouseholdFactory(
        id_number="32118119700101019X", phone="13912345678"
    )
    url = reverse("admin:projects_relocationhousehold_change", args=[household.pk])
    clerk = staff_client(
        "projects.view_relocationhousehold", "projects.change_relocationhousehold"
    )
    html = clerk.get(url).content.decode()
    assert "321181********019X" in html and "139****5678" in html
    assert "32118119700101019X" not in html and "13912345678" not in html
    # saving the form leaves the hidden numbers as they were
    page = clerk.get(url)
    form = page.context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data["_version"] = page.context["record_version"]
    data.update(project=household.project.pk, community=household.community.pk)
    data.update(head_name="改名户主", signed_on="2021-04-01")
    assert clerk.post(url, data).status_code == 302
    household.refresh_from_db()
    assert household.head_name == "改名户主"
    assert household.id_number == "32118119700101019X"


def test_change_form_shows_personal_data_with_the_permission(staff_client):
    household = RelocationHouseholdFactory(id_number="32118119700101019X")
    url = reverse("admin:projects_relocationhousehold_change", args=[household.pk])
    client = staff_client(
        "projects.view_relocationhousehold",
        "projects.change_relocationhousehold",
        "projects.view_personal_data",
    )
    assert 'value="32118119700101019X"' in client.get(url).content.decode()


def test_moving_a_household_onto_a_taken_id_is_refused_not_a_crash(staff_client):
    # given a clerk who sees ID numbers masked, so the form does not carry them
    household = RelocationHouseholdFactory()
    other = RelocationProjectFactory()
    RelocationHouseholdFactory(
        id_number=household.id_number, project=other, community=household.community
    )
    client = staff_client(
        "projects.view_relocationhousehold", "projects.change_relocationhousehold"
    )
    url = reverse("admin:projects_relocationhousehold_change", args=[household.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {
        name: "" if value is None else value
        for name, value in form.initial.items()
        if name in form.fields
    }
    data["_version"] = page.context["record_version"]
    # when they move the household into the project that already has that ID
    data["project"] = other.pk
    response = client.post(url, data)
    # then the form says why, and nothing changes
    assert response.status_code == 200
    assert "该搬迁项目中已有相同身份证号的搬迁户。" in page_text(response)
    household.refresh_from_db()
    assert household.project_id != other.pk
