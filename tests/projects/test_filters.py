"""The FilterSets behind the export centre pick the same rows as the admin filters."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from projects.filters import (
    InvestmentDealFilterSet,
    KeyProjectFilterSet,
    RelocationHouseholdFilterSet,
    RelocationProjectFilterSet,
)
from projects.models import (
    InvestmentDeal,
    KeyProject,
    RelocationHousehold,
    RelocationProject,
)
from tests.projects.factories import (
    AreaFactory,
    CommunityFactory,
    InvestmentDealFactory,
    KeyProjectFactory,
    RelocationHouseholdFactory,
    RelocationProjectFactory,
)
from tests.spreadsheets import download, page_text, read_csv_download

pytestmark = pytest.mark.django_db


def names(filterset_class, data, model):
    filterset = filterset_class(data, queryset=model.objects.all())
    assert filterset.is_valid(), filterset.errors
    return {getattr(row, "name", None) or row.head_name for row in filterset.qs}


def test_key_project_filterset():
    area = AreaFactory(name="沃得片区")
    KeyProjectFactory(name="甲", list_level=KeyProject.ListLevel.PROVINCE, area=area)
    KeyProjectFactory(
        name="乙",
        category=KeyProject.Category.SOCIAL,
        total_investment=Decimal(32000),
        started_on=datetime.date(2021, 12, 31),
    )
    KeyProjectFactory(name="丙", year=2020, build_type=KeyProject.BuildType.CONTINUED)

    def pick(**data):
        return names(KeyProjectFilterSet, data, KeyProject)

    assert pick(year="2021", category=["industrial"]) == {"甲"}
    assert pick(list_level=["province", "danyang"]) == {"甲", "乙", "丙"}
    assert pick(build_type=["continued"]) == {"丙"}
    assert pick(area=[str(area.pk)]) == {"甲"}
    assert pick(total_investment_min="30000") == {"乙"}
    assert pick(total_investment_max="20000") == {"甲", "丙"}
    # the end date is inclusive
    assert pick(started_on_after="2021-12-31", started_on_before="2021-12-31") == {"乙"}
    assert pick(name="甲") == {"甲"}


def test_deal_filterset_uses_the_review_bands():
    InvestmentDealFactory(name="恒美", total_investment=Decimal(700000))
    InvestmentDealFactory(
        name="外资", total_investment=Decimal(300000), is_foreign=True
    )
    InvestmentDealFactory(
        name="基金", total_investment=Decimal(99999), via_guidance_fund=True
    )
    InvestmentDealFactory(name="去年", year=2020, signed_on=datetime.date(2020, 12, 31))
    InvestmentDealFactory(
        name="在手", stage=InvestmentDeal.Stage.MATURE, signed_on=None
    )

    def pick(**data):
        return names(InvestmentDealFilterSet, data, InvestmentDeal)

    assert pick(band="50_plus") == {"恒美"}
    assert pick(band="30_50") == {"外资"}
    assert pick(band="under_10") == {"基金", "去年", "在手"}
    assert pick(signed_year="2021") == {"恒美", "外资", "基金"}
    assert pick(is_foreign="true") == {"外资"}
    assert pick(via_guidance_fund="true") == {"基金"}
    assert pick(stage=["mature"]) == {"在手"}
    assert pick(year="2021", stage=["signed", "landed"]) == {"恒美", "外资", "基金"}


def test_relocation_filtersets():
    community = CommunityFactory(name="普善村")
    glasses = RelocationProjectFactory(name="眼镜小镇", community=community)
    RelocationProjectFactory(name="旧项目", year=2020)
    RelocationHouseholdFactory(
        head_name="甲", project=glasses, community=community, floor_area=Decimal(900)
    )
    RelocationHouseholdFactory(
        head_name="乙",
        status=RelocationHousehold.Status.PENDING,
        signed_on=None,
        resettlement="",
    )
    RelocationHouseholdFactory(
        head_name="丙",
        status=RelocationHousehold.Status.VACATED,
        vacated_on=datetime.date(2021, 6, 30),
        resettlement=RelocationHousehold.Resettlement.PROPERTY,
    )

    assert names(
        RelocationProjectFilterSet, {"community": [community.pk]}, RelocationProject
    ) == {"眼镜小镇"}
    assert names(RelocationProjectFilterSet, {"year": "2020"}, RelocationProject) == {
        "旧项目"
    }

    def pick(**data):
        return names(RelocationHouseholdFilterSet, data, RelocationHousehold)

    assert pick(project=[glasses.pk]) == {"甲"}
    assert pick(status=["pending"]) == {"乙"}
    assert pick(resettlement=["property"]) == {"丙"}
    assert pick(community=[community.pk]) == {"甲"}
    assert pick(floor_area_min="500") == {"甲"}
    assert pick(project_year="2021") == {"甲", "乙", "丙"}
    assert pick(vacated_on_before="2021-06-30") == {"丙"}


@pytest.mark.parametrize(
    ("filterset_class", "data"),
    [
        (KeyProjectFilterSet, {"category": ["factory"]}),
        (KeyProjectFilterSet, {"total_investment_min": "很多"}),
        (InvestmentDealFilterSet, {"band": "100_plus"}),
        (InvestmentDealFilterSet, {"signed_year": "去年"}),
        (RelocationHouseholdFilterSet, {"signed_on_after": "2021-02-30"}),
        (RelocationHouseholdFilterSet, {"project": ["999999"]}),
    ],
)
def test_invalid_values_are_refused_not_ignored(filterset_class, data):
    filterset = filterset_class(
        data, queryset=filterset_class._meta.model.objects.all()
    )
    assert not filterset.is_valid()


def test_every_filter_label_is_chinese():
    for filterset_class in [
        KeyProjectFilterSet,
        InvestmentDealFilterSet,
        RelocationProjectFilterSet,
        RelocationHouseholdFilterSet,
    ]:
        for name, field in filterset_class().form.fields.items():
            assert any("\u4e00" <= ch <= "\u9fff" for ch in str(field.label)), name


def test_export_centre_lists_and_downloads_households_masked(staff_client):
    client = staff_client(
        "projects.view_relocationhousehold", "projects.export_relocationhousehold"
    )
    household = RelocationHouseholdFactory(id_number="32118119700101019X")
    RelocationHouseholdFactory(
        status=RelocationHousehold.Status.PENDING, signed_on=None
    )
    index = page_text(client.get(reverse("reports:export_index")))
    assert "搬迁户" in index and "重点项目" not in index
    url = reverse("reports:export_dataset", args=["projects.relocationhousehold"])
    rows = read_csv_download(client.get(url, {"status": "signed", "format": "csv"}))
    assert len(rows) == 2
    assert "321181********019X" in rows[1]
    assert household.id_number not in download(
        client.get(url, {"status": "signed", "format": "csv"})
    ).decode("utf-8-sig")
    refused = client.get(url, {"status": "signed", "band": "50_plus"})
    assert refused.status_code == 400
