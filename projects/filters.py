"""FilterSets of the projects datasets, for the export centre; the admin's vocabulary."""

import django_filters
from django.utils.translation import gettext_lazy as _

from devzone.models import Area, Community
from projects.models import (
    InvestmentDeal,
    KeyProject,
    RelocationHousehold,
    RelocationProject,
)
from projects.models.deals import AMOUNT_BANDS


class KeyProjectFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(
        label=_("项目名称包含"), field_name="name", lookup_expr="icontains"
    )
    year = django_filters.NumberFilter(label=_("列入年度"))
    category = django_filters.MultipleChoiceFilter(
        label=_("项目类别"), choices=KeyProject.Category.choices
    )
    list_level = django_filters.MultipleChoiceFilter(
        label=_("最高列入层级"), choices=KeyProject.ListLevel.choices
    )
    build_type = django_filters.MultipleChoiceFilter(
        label=_("建设性质"), choices=KeyProject.BuildType.choices
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("项目状态"), choices=KeyProject.Status.choices
    )
    area = django_filters.ModelMultipleChoiceFilter(
        label=_("所在片区"), queryset=Area.objects.all()
    )
    total_investment = django_filters.RangeFilter(label=_("总投资（万元）"))
    started_on = django_filters.DateFromToRangeFilter(label=_("开工日期"))

    class Meta:
        model = KeyProject
        fields = [
            "name",
            "year",
            "category",
            "list_level",
            "build_type",
            "status",
            "area",
            "total_investment",
            "started_on",
        ]


class InvestmentDealFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(
        label=_("项目名称包含"), field_name="name", lookup_expr="icontains"
    )
    year = django_filters.NumberFilter(label=_("统计年度"))
    stage = django_filters.MultipleChoiceFilter(
        label=_("推进阶段"), choices=InvestmentDeal.Stage.choices
    )
    industry = django_filters.MultipleChoiceFilter(
        label=_("产业类别"), choices=InvestmentDeal.Industry.choices
    )
    is_foreign = django_filters.BooleanFilter(label=_("外资项目"))
    signed_year = django_filters.NumberFilter(
        label=_("签约年度"),
        method="filter_signed_year",
        min_value=1,
        max_value=9999,
        decimal_places=0,
    )
    via_guidance_fund = django_filters.BooleanFilter(label=_("产业发展引导基金"))
    band = django_filters.ChoiceFilter(
        label=_("投资规模"),
        choices=[(key, label) for key, label, _bounds in AMOUNT_BANDS],
        method="filter_band",
    )
    total_investment = django_filters.RangeFilter(label=_("总投资（万元）"))
    signed_on = django_filters.DateFromToRangeFilter(label=_("签约日期"))

    class Meta:
        model = InvestmentDeal
        fields = [
            "name",
            "year",
            "stage",
            "industry",
            "is_foreign",
            "signed_year",
            "via_guidance_fund",
            "band",
            "total_investment",
            "signed_on",
        ]

    def filter_signed_year(self, queryset, name, value):
        return queryset.signed_in(int(value))

    def filter_band(self, queryset, name, value):
        return queryset.in_band(value)


class RelocationProjectFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("年度"))
    status = django_filters.MultipleChoiceFilter(
        label=_("项目状态"), choices=RelocationProject.Status.choices
    )
    community = django_filters.ModelMultipleChoiceFilter(
        label=_("所在村/社区"), queryset=Community.objects.all()
    )
    area = django_filters.ModelMultipleChoiceFilter(
        label=_("所在片区"), queryset=Area.objects.all()
    )

    class Meta:
        model = RelocationProject
        fields = ["year", "status", "community", "area"]


class RelocationHouseholdFilterSet(django_filters.FilterSet):
    project = django_filters.ModelMultipleChoiceFilter(
        label=_("搬迁项目"), queryset=RelocationProject.objects.all()
    )
    project_year = django_filters.NumberFilter(
        label=_("搬迁项目年度"), field_name="project__year"
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("搬迁状态"), choices=RelocationHousehold.Status.choices
    )
    community = django_filters.ModelMultipleChoiceFilter(
        label=_("所属村/社区"), queryset=Community.objects.all()
    )
    resettlement = django_filters.MultipleChoiceFilter(
        label=_("安置方式"), choices=RelocationHousehold.Resettlement.choices
    )
    floor_area = django_filters.RangeFilter(label=_("搬迁面积（平方米）"))
    signed_on = django_filters.DateFromToRangeFilter(label=_("签约日期"))
    vacated_on = django_filters.DateFromToRangeFilter(label=_("腾空日期"))

    class Meta:
        model = RelocationHousehold
        fields = [
            "project",
            "project_year",
            "status",
            "community",
            "resettlement",
            "floor_area",
            "signed_on",
            "vacated_on",
        ]
