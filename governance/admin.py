import copy
from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from devzone.admin_actions import SelectionAction, action_date_field
from devzone.admin_base import ZoneAdmin
from devzone.admin_columns import (
    StatsYearFilter,
    StatsYearMixin,
    YesNoFilter,
    state_text,
)
from devzone.admin_forms import ZoneModelForm
from devzone.admin_totals import TotalsAdmin
from devzone.photos.admin import PhotoInline, PhotosAdminMixin, PhotoUploadFormMixin
from governance import services
from governance.models import (
    BranchRating,
    CasePhoto,
    EnvironmentalCase,
    PartyBranch,
    VolunteerActivity,
    VolunteerTeam,
)
from governance.resources import (
    BranchRatingResource,
    EnvironmentalCaseResource,
    PartyBranchResource,
    VolunteerActivityResource,
    VolunteerTeamResource,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


class CurrentYearStarsFilter(admin.SimpleListFilter):
    title: "StrOrPromise" = _("统计年度星级")
    parameter_name = "current_stars"
    unrated = "none"

    def __init__(self, request, params, model, model_admin):
        self.year = model_admin.stats_year(request)
        self.title = _("%(year)d 年星级") % {"year": self.year}
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [*reversed(BranchRating.Stars.choices), (self.unrated, _("未评定"))]

    def queryset(self, request, queryset):
        year, value = self.year, self.value()
        if value == self.unrated:
            return queryset.unrated(year=year)
        if value in {str(stars) for stars in BranchRating.Stars.values}:
            return queryset.rated(year=year, stars=int(value))
        return queryset


class HasBrandFilter(YesNoFilter):
    title = _("特色党建品牌")
    parameter_name = "has_brand"
    yes = (_("有"), "with_brand")
    no = (_("无"), "without_brand")


class OverdueFilter(YesNoFilter):
    title = _("是否逾期")
    parameter_name = "overdue"
    yes = (_("已逾期"), "overdue")
    no = (_("未逾期"), "not_overdue")


class DueSoonFilter(admin.SimpleListFilter):
    title = _("整改期限将至")
    parameter_name = "due_soon"

    def lookups(self, request, model_admin):
        return [("yes", _("3 天内到期"))]

    def queryset(self, request, queryset):
        return queryset.due_soon() if self.value() == "yes" else queryset


class BranchRatingInline(admin.TabularInline):
    model = BranchRating
    fields = ["year", "stars", "note"]
    extra = 1
    ordering = ["-year"]


@admin.register(PartyBranch)
class PartyBranchAdmin(StatsYearMixin, ZoneAdmin):
    resource_classes = [PartyBranchResource]
    list_display = [
        "name",
        "kind",
        "community",
        "secretary",
        "member_count",
        "brand",
        "latest_rating",
    ]
    list_filter = [
        "kind",
        "community",
        StatsYearFilter,
        CurrentYearStarsFilter,
        HasBrandFilter,
    ]
    search_fields = ["name", "host_organisation", "secretary", "brand"]
    autocomplete_fields = ["community"]
    list_select_related = ["community"]
    inlines = [BranchRatingInline]

    def stats_years(self):
        return BranchRating.objects.values_list("year", flat=True).distinct()

    def get_queryset(self, request):
        return super().get_queryset(request).with_latest_rating()

    @admin.display(description=_("最近评定"), ordering="-latest_year")
    def latest_rating(self, obj):
        if obj.latest_year is None:
            return "—"
        return _("%(year)d 年 %(stars)d 星") % {
            "year": obj.latest_year,
            "stars": obj.latest_stars,
        }


@admin.register(BranchRating)
class BranchRatingAdmin(ZoneAdmin):
    resource_classes = [BranchRatingResource]
    list_display = [
        "branch",
        "year",
        "stars",
        "branch_kind",
        "branch_community",
        "note",
    ]
    list_filter = ["year", "stars", "branch__kind", "branch__community"]
    search_fields = ["branch__name", "branch__brand"]
    autocomplete_fields = ["branch"]
    list_select_related = ["branch", "branch__community"]

    @admin.display(description=_("党支部类型"), ordering="branch__kind")
    def branch_kind(self, obj):
        return obj.branch.get_kind_display()

    @admin.display(description=_("所在村/社区"), ordering="branch__community__name")
    def branch_community(self, obj):
        return obj.branch.community or "—"


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(StatsYearMixin, ZoneAdmin):
    resource_classes = [VolunteerTeamResource]
    list_display = [
        "name",
        "parent_unit",
        "leader",
        "member_count",
        "activity_count",
        "activity_year_count",
        "people_served_this_year",
    ]
    search_fields = ["name", "parent_unit", "leader"]
    list_filter = [StatsYearFilter]

    def stats_years(self):
        return [day.year for day in VolunteerActivity.objects.dates("date", "year")]

    def get_queryset(self, request):
        year = self.stats_year(request)
        # Meta.ordering does not apply to a grouped query: the autocomplete's pages
        # need an order of their own.
        return (
            super().get_queryset(request).with_activity_figures(year).order_by("name")
        )

    @admin.display(description=_("活动总数"), ordering="activity_total")
    def activity_count(self, obj):
        return obj.activity_total

    @admin.display(description=_("统计年度活动"), ordering="activity_year_total")
    def activity_year_count(self, obj):
        return obj.activity_year_total

    @admin.display(
        description=_("统计年度服务群众（人次）"), ordering="people_served_year"
    )
    def people_served_this_year(self, obj):
        return obj.people_served_year


@admin.register(VolunteerActivity)
class VolunteerActivityAdmin(TotalsAdmin):
    resource_classes = [VolunteerActivityResource]
    totals_noun = _("场活动")
    totals = {
        _("服务群众"): (Sum("people_served"), "人次"),
        _("参与志愿者"): (Sum("volunteers"), "人次"),
    }
    list_display = [
        "date",
        "title",
        "team",
        "category",
        "community",
        "volunteers",
        "people_served",
    ]
    list_filter = ["category", "team", "community"]
    search_fields = ["title", "team__name", "location"]
    date_hierarchy = "date"
    autocomplete_fields = ["team", "community"]
    list_select_related = ["team", "community"]


class EvidenceFilter(YesNoFilter):
    title = _("整改后照片")
    parameter_name = "evidence"
    yes = (_("有"), "with_evidence")
    no = (_("无"), "without_evidence")


class CloseCasesForm(forms.Form):
    closed_on = action_date_field(_("办结日期"))


class EnvironmentalCaseForm(PhotoUploadFormMixin, ZoneModelForm):
    photo_model = CasePhoto

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        number = self.fields.get("case_number")
        if number is not None and self.instance._state.adding:
            # Left empty, the number is drawn on saving (services).
            number.required = False
            number.help_text = _(
                "可留空：保存时按类别和立案年份自动编号，如 HJ-2021-0001。"
            )

    def clean(self):
        cleaned = super().clean()
        # The case as it would be saved (the form sets the instance's values only
        # after clean()).
        case = copy.copy(self.instance)
        case.status = cleaned.get("status", case.status)
        case.category = cleaned.get("category", case.category)
        closing = case.status == EnvironmentalCase.Status.CLOSED and (
            self.initial.get("status") != EnvironmentalCase.Status.CLOSED
            or "category" in self.changed_data
        )
        uploading = tuple(self.pending_photo_kinds())
        # A stored case is judged by its declared rule (closed_with_evidence) when
        # the model validates, with the photos this form uploads; a new one here.
        self.instance.photo_kinds_uploading = uploading
        new = case.pk is None
        if closing and new and (message := case.photo_evidence_refusal(uploading)):
            # Above the form, where a phone's screen shows it.
            self.add_error(None, message)
        return cleaned


class CasePhotoInline(PhotoInline):
    model = CasePhoto


@admin.register(EnvironmentalCase)
class EnvironmentalCaseAdmin(PhotosAdminMixin, ZoneAdmin):
    form = EnvironmentalCaseForm
    photo_model = CasePhoto
    photo_columns = (CasePhoto.Kind.BEFORE, CasePhoto.Kind.AFTER)
    inlines = [CasePhotoInline]
    resource_classes = [EnvironmentalCaseResource]
    list_display = [
        "case_number",
        "title",
        "category",
        "status",
        "community",
        "river",
        "opened_on",
        "deadline",
        "overdue",
    ]
    list_filter = [
        "category",
        "status",
        "community",
        "river",
        OverdueFilter,
        EvidenceFilter,
        DueSoonFilter,
    ]
    search_fields = EnvironmentalCase.SEARCH_FIELDS
    date_hierarchy = "opened_on"
    autocomplete_fields = ["community"]
    list_select_related = ["community"]
    actions = ["close_cases"]

    @admin.display(description=_("逾期"))
    def overdue(self, obj):
        return state_text(obj.is_overdue, _("已逾期"), _("否"))

    def save_model(self, request, obj, form, change):
        services.environmental_case_save_numbered(
            case=obj,
            save=lambda: super(EnvironmentalCaseAdmin, self).save_model(
                request, obj, form, change
            ),
        )

    close_cases = SelectionAction(
        description=_("办结所选案件"),
        service=services.environmental_cases_close,
        records="cases",
        form_class=CloseCasesForm,
        select=lambda cases: cases.order_by("case_number"),
        title=_("办结所选案件"),
        intro=_("将以下 %(count)d 件案件标记为“已办结”，并填写办结日期："),
        submit=_("确认办结"),
        done=_("已办结 %(count)d 件案件。"),
        describe=lambda case: (
            f"{case.case_number} · {case.title}（{case.get_status_display()}）"
        ),
    )
