"""FilterSets for the export centre: the same vocabulary as the admin's filters."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devzone.models import Community
from governance.models import (
    BranchRating,
    EnvironmentalCase,
    PartyBranch,
    VolunteerActivity,
    VolunteerTeam,
)


def communities(request):
    return Community.objects.all()


class PartyBranchFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("名称包含"), lookup_expr="icontains")
    kind = django_filters.MultipleChoiceFilter(
        label=_("类型"), choices=PartyBranch.Kind.choices
    )
    community = django_filters.ModelMultipleChoiceFilter(
        label=_("所在村/社区"), queryset=communities
    )
    has_brand = django_filters.BooleanFilter(
        label=_("有特色党建品牌"), method="filter_has_brand"
    )
    rating_year = django_filters.NumberFilter(
        label=_("评定年度（默认本年）"), method="filter_nothing"
    )
    rating_stars = django_filters.MultipleChoiceFilter(
        label=_("该年度星级"),
        choices=BranchRating.Stars.choices,
        method="filter_rating_stars",
    )

    class Meta:
        model = PartyBranch
        fields = ["name", "kind", "community", "has_brand"]

    def filter_has_brand(self, queryset, name, value):
        return queryset.with_brand() if value else queryset.without_brand()

    def filter_nothing(self, queryset, name, value):
        # Read by filter_rating_stars; a year alone selects nothing.
        return queryset

    def filter_rating_stars(self, queryset, name, value):
        year = self.form.cleaned_data.get("rating_year") or timezone.localdate().year
        return queryset.rated(year=int(year), stars=[int(v) for v in value])


class BranchRatingFilterSet(django_filters.FilterSet):
    year = django_filters.RangeFilter(label=_("年度"))
    stars = django_filters.MultipleChoiceFilter(
        label=_("星级"), choices=BranchRating.Stars.choices
    )
    branch_kind = django_filters.MultipleChoiceFilter(
        label=_("党支部类型"),
        field_name="branch__kind",
        choices=PartyBranch.Kind.choices,
    )
    branch_community = django_filters.ModelMultipleChoiceFilter(
        label=_("所在村/社区"), field_name="branch__community", queryset=communities
    )
    branch_name = django_filters.CharFilter(
        label=_("党支部名称包含"), field_name="branch__name", lookup_expr="icontains"
    )

    class Meta:
        model = BranchRating
        fields = ["year", "stars"]


class VolunteerTeamFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("名称包含"), lookup_expr="icontains")
    parent_unit = django_filters.CharFilter(
        label=_("所属单位包含"), lookup_expr="icontains"
    )
    member_count = django_filters.RangeFilter(label=_("队员人数（人）"))

    class Meta:
        model = VolunteerTeam
        fields = ["name", "parent_unit"]


class VolunteerActivityFilterSet(django_filters.FilterSet):
    date = django_filters.DateFromToRangeFilter(label=_("活动日期"))
    category = django_filters.MultipleChoiceFilter(
        label=_("类别"), choices=VolunteerActivity.Category.choices
    )
    team = django_filters.ModelMultipleChoiceFilter(
        label=_("志愿服务队"), queryset=VolunteerTeam.objects.all()
    )
    community = django_filters.ModelMultipleChoiceFilter(
        label=_("服务村/社区"), queryset=communities
    )
    people_served = django_filters.RangeFilter(label=_("服务群众（人次）"))

    class Meta:
        model = VolunteerActivity
        fields = ["date", "category", "team", "community"]


class EnvironmentalCaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("案件编号、名称或当事人包含"), method="filter_search"
    )
    category = django_filters.MultipleChoiceFilter(
        label=_("类别"), choices=EnvironmentalCase.Category.choices
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("状态"), choices=EnvironmentalCase.Status.choices
    )
    community = django_filters.ModelMultipleChoiceFilter(
        label=_("所在村/社区"), queryset=communities
    )
    river = django_filters.AllValuesMultipleFilter(label=_("河道"))
    opened_on = django_filters.DateFromToRangeFilter(label=_("立案日期"))
    closed_on = django_filters.DateFromToRangeFilter(label=_("办结日期"))
    fine = django_filters.RangeFilter(label=_("罚款金额（元）"))
    overdue = django_filters.BooleanFilter(label=_("已逾期"), method="filter_overdue")

    class Meta:
        model = EnvironmentalCase
        fields = ["category", "status", "community", "river", "opened_on"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset.not_overdue()
