from django import forms
from django.contrib import admin
from django.db.models import Sum
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from devzone.admin_actions import SelectionAction, action_date_field
from devzone.admin_base import ZoneAdmin
from devzone.admin_columns import NumberColumn
from devzone.admin_totals import TotalsAdmin
from devzone.desk.people import person_page_link
from projects import services
from projects.admin_filters import AmountBandFilter, RangeListFilter, SignedYearFilter
from projects.models import (
    InvestmentDeal,
    KeyProject,
    RelocationHousehold,
    RelocationProject,
)
from projects.resources import (
    InvestmentDealResource,
    KeyProjectResource,
    RelocationHouseholdResource,
    RelocationProjectResource,
)


@admin.register(KeyProject)
class KeyProjectAdmin(TotalsAdmin):
    resource_classes = [KeyProjectResource]
    list_display = [
        "name",
        "year",
        "category",
        "list_level",
        "build_type",
        "status",
        NumberColumn(KeyProject, "total_investment"),
        NumberColumn(KeyProject, "investment_this_year"),
        "area",
    ]
    list_filter = [
        "category",
        "list_level",
        "year",
        "build_type",
        "status",
        "area",
        ("total_investment", RangeListFilter),
    ]
    search_fields = ["name", "developer", "leader"]
    date_hierarchy = "started_on"
    autocomplete_fields = ["area"]
    list_select_related = ["area"]
    totals_noun = _("个项目")
    totals = {
        _("总投资"): (Sum("total_investment"), "万元"),
        _("本年完成投资"): (Sum("investment_this_year"), "万元"),
    }
    fieldsets = [
        (
            None,
            {"fields": ["name", "year", "category", "list_level", "build_type"]},
        ),
        (
            _("投资与进度"),
            {
                "fields": [
                    "status",
                    "total_investment",
                    "investment_this_year",
                    "started_on",
                    "planned_completion",
                    "completed_on",
                    "progress",
                ]
            },
        ),
        (
            _("建设与责任"),
            {
                "fields": [
                    "area",
                    "developer",
                    "industry",
                    "leader",
                    "responsible_unit",
                ]
            },
        ),
    ]


@admin.register(InvestmentDeal)
class InvestmentDealAdmin(TotalsAdmin):
    resource_classes = [InvestmentDealResource]
    list_display = [
        "name",
        "year",
        "industry",
        "stage",
        NumberColumn(InvestmentDeal, "total_investment"),
        "is_foreign",
        NumberColumn(InvestmentDeal, "foreign_capital"),
        "signed_on",
    ]
    list_filter = [
        "stage",
        "industry",
        "is_foreign",
        SignedYearFilter,
        "via_guidance_fund",
        AmountBandFilter,
        "year",
    ]
    search_fields = ["name", "investor"]
    totals_noun = _("个项目")
    totals = {
        _("总投资"): (Sum("total_investment"), "万元"),
        _("外资金额"): (Sum("foreign_capital"), "万美元"),
    }


@admin.register(RelocationProject)
class RelocationProjectAdmin(ZoneAdmin):
    resource_classes = [RelocationProjectResource]
    list_display = [
        "name",
        "year",
        "community",
        "area",
        "status",
        "vacate_deadline",
        "household_count",
        "floor_area_total",
        "signed_share",
    ]
    list_filter = ["year", "status", "community", "area"]
    search_fields = ["name"]
    autocomplete_fields = ["community", "area"]
    list_select_related = ["community", "area"]

    def get_queryset(self, request):
        # Explicit order: a grouped query ignores Meta.ordering.
        return super().get_queryset(request).with_totals().order_by("-year", "name")

    @admin.display(description=_("搬迁户数"), ordering="household_total")
    def household_count(self, obj):
        url = reverse("admin:projects_relocationhousehold_changelist")
        return format_html(
            '<a href="{}?project__id__exact={}">{} 户</a>',
            url,
            obj.pk,
            obj.household_total,
        )

    @admin.display(description=_("搬迁面积（平方米）"), ordering="area_total")
    def floor_area_total(self, obj):
        return f"{obj.area_total or 0:,.2f}"

    @admin.display(description=_("签约率"))
    def signed_share(self, obj):
        if not obj.household_total:
            return "—"
        return f"{obj.signed_total * 100 / obj.household_total:.1f}%"


class PastVacateDeadlineFilter(admin.SimpleListFilter):
    title = _("腾空期限")
    parameter_name = "past_deadline"

    def lookups(self, request, model_admin):
        return [("yes", _("逾期未腾空"))]

    def queryset(self, request, queryset):
        return queryset.past_vacate_deadline() if self.value() == "yes" else queryset


class VacatedOnForm(forms.Form):
    vacated_on = action_date_field(_("腾空日期"))


@admin.register(RelocationHousehold)
class RelocationHouseholdAdmin(ZoneAdmin):
    resource_classes = [RelocationHouseholdResource]
    list_display = [
        "head_name",
        "id_number",
        "phone",
        "project",
        NumberColumn(RelocationHousehold, "floor_area"),
        "status",
        "signed_on",
        "vacated_on",
        "resettlement",
        person_page_link,
    ]
    list_filter = [
        "project",
        "project__year",
        "status",
        "community",
        "resettlement",
        PastVacateDeadlineFilter,
    ]
    search_fields = ["head_name", "=id_number", "=phone"]
    autocomplete_fields = ["project", "community"]
    list_select_related = ["project", "community"]
    actions = ["mark_vacated"]

    mark_vacated = SelectionAction(
        description=_("标记所选搬迁户为已腾空"),
        service=services.households_mark_vacated,
        records="households",
        form_class=VacatedOnForm,
        select=lambda households: households.select_related("project"),
        title=_("标记为已腾空"),
        intro=_(
            "以下 %(count)d 户将标记为“已腾空”。只有已签约的搬迁户可以标记；"
            "任何一户不符合条件时，所有户都不会修改。"
        ),
        submit=_("确认标记为已腾空"),
        done=_("已将 %(count)d 户标记为已腾空。"),
        describe=lambda household: (
            f"{household.head_name}（{household.project}，"
            f"{household.get_status_display()}）"
        ),
    )
