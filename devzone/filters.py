"""FilterSets of the zone's shared records, used by the export centre."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from devzone.models import AnnualIndicator, Area, Community, StaffProfile


class CommunityFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("名称包含"), lookup_expr="icontains")
    kind = django_filters.MultipleChoiceFilter(
        label=_("类型"),
        choices=Community.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    subdistrict = django_filters.CharFilter(label=_("所属街道"))
    has_home_care_center = django_filters.BooleanFilter(label=_("建成居家养老服务中心"))
    has_party_service_center = django_filters.BooleanFilter(
        label=_("党群服务中心标准化建设")
    )
    ordering = django_filters.OrderingFilter(
        fields=(("name", "name"), ("statistical_code", "statistical_code")),
        field_labels={"name": _("名称"), "statistical_code": _("统计用区划代码")},
    )

    class Meta:
        model = Community
        fields: list[str] = []


class AreaFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("名称包含"), lookup_expr="icontains")
    plan_status = django_filters.MultipleChoiceFilter(
        label=_("控规状态"),
        choices=Area.PlanStatus.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    approved_on = django_filters.DateFromToRangeFilter(
        label=_("批复日期"),
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Area
        fields: list[str] = []


class AnnualIndicatorFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("年度"))
    name = django_filters.CharFilter(label=_("指标名称包含"), lookup_expr="icontains")
    unit = django_filters.CharFilter(label=_("单位"))
    value = django_filters.RangeFilter(label=_("数值"))

    class Meta:
        model = AnnualIndicator
        fields: list[str] = []


class StaffProfileFilterSet(django_filters.FilterSet):
    username = django_filters.CharFilter(
        field_name="user__username", label=_("用户名包含"), lookup_expr="icontains"
    )
    department = django_filters.MultipleChoiceFilter(
        label=_("部门"),
        choices=StaffProfile.Department.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    communities = django_filters.ModelMultipleChoiceFilter(
        label=_("负责村/社区"), queryset=Community.objects.all(), distinct=True
    )

    class Meta:
        model = StaffProfile
        fields: list[str] = []
