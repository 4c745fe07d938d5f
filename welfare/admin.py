import functools
import re

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from devzone.admin_actions import SelectionAction, action_date_field
from devzone.admin_base import ZoneAdmin
from devzone.admin_columns import (
    ChoicesFilter,
    NumberColumn,
    StatsYearFilter,
    StatsYearMixin,
    grouped,
)
from devzone.admin_forms import ZoneModelForm
from devzone.changelist import ZoneChangeListMixin
from devzone.desk.people import person_page_link
from devzone.photos.admin import PhotoInline, PhotosAdminMixin, PhotoUploadFormMixin
from welfare.models import (
    AgeBand,
    AssistanceRecord,
    Gender,
    VisitInterval,
    VisitPhoto,
    WelfareRecipient,
)
from welfare.resources import (
    AssistanceRecordResource,
    WelfareRecipientResource,
)
from welfare.services import recipients_mark_exited

# Spaces and the punctuation of a picker label: "虞桂（困难户·马陵村·尾号1234）".
SEARCH_SEPARATORS = re.compile(r"[\s（）()·,，、]+")


class GenderFilter(ChoicesFilter):
    title = _("性别")
    parameter_name = "gender"
    options = Gender
    method = "of_gender"


class AgeBandFilter(ChoicesFilter):
    title = _("年龄段")
    parameter_name = "age_band"
    options = AgeBand
    method = "in_age_band"


class DueVisitFilter(admin.SimpleListFilter):
    title = _("走访")
    parameter_name = "visit"

    def lookups(self, request, model_admin):
        return [("due", _("应走访"))]

    def queryset(self, request, queryset):
        return queryset.due_visit() if self.value() == "due" else queryset


class ExitedOnForm(forms.Form):
    exited_on = action_date_field(_("退出日期"))


class AssistanceRecordInline(admin.TabularInline):
    model = AssistanceRecord
    fields = ["date", "kind", "amount", "note", "recorded_by"]
    extra = 0
    ordering = ["-date"]


@functools.cache
def paid_in_year_column(year):
    """Return the list column of the amounts paid in ``year``, headed by the year."""

    @admin.display(
        description=_("%(year)d年帮扶金额（元）") % {"year": year},
        ordering="paid_in_year",
    )
    def column(obj):
        return grouped(obj.paid_in_year)

    column.__name__ = f"paid_in_{year}"
    return column


@admin.register(WelfareRecipient)
class WelfareRecipientAdmin(PhotosAdminMixin, StatsYearMixin, ZoneAdmin):
    resource_classes = [WelfareRecipientResource]
    # The person's file shows the photos of every visit to them.
    photo_model = VisitPhoto
    photo_path = "record__recipient"
    list_display = [
        "name",
        "id_number",
        "gender",
        "age",
        "phone",
        "community",
        "category",
        "cause",
        "batch_label",
        "status",
        "paid_this_year",
    ]
    list_filter = [
        "category",
        "cause",
        "community",
        "batch_year",
        "batch",
        "status",
        GenderFilter,
        AgeBandFilter,
        DueVisitFilter,
        StatsYearFilter,
    ]
    personal_derived_columns = ["age"]
    search_fields = [
        "name",
        "community__name",
        "=id_number",
        "=phone",
        "=guardian_phone",
    ]
    search_help_text = _(
        "按姓名、村/社区、帮扶类别、完整身份证号或完整电话号码搜索，"
        "可用空格隔开多个词，如“虞桂 马陵村”。"
    )
    list_select_related = ["community"]
    autocomplete_fields = ["community"]
    date_hierarchy = "identified_on"
    inlines = [AssistanceRecordInline]
    actions = ["mark_exited"]
    fieldsets = [
        (None, {"fields": ["name", "id_number", "phone", "community", "address"]}),
        (
            _("认定情况"),
            {
                "fields": [
                    "category",
                    "cause",
                    "batch_year",
                    "batch",
                    "identified_on",
                    "household_size",
                    "status",
                    "exited_on",
                ]
            },
        ),
        (_("监护人（儿童必填）"), {"fields": ["guardian_name", "guardian_phone"]}),
        (_("帮扶措施"), {"fields": ["measures", "note"]}),
    ]

    def stats_years(self):
        return [day.year for day in AssistanceRecord.objects.dates("date", "year")]

    def get_queryset(self, request):
        year = self.stats_year(request)
        queryset = super().get_queryset(request).with_paid_in_year(year)
        # The picker's labels name the community (WelfareRecipient.__str__).
        return queryset.select_related("community")

    def get_search_results(self, request, queryset, search_term):
        # A picker label pasted back, or its parts: 类别 words filter by category,
        # the rest (name, community, full numbers) go to the usual search.
        categories = {
            str(label): value for value, label in WelfareRecipient.Category.choices
        }
        chosen, words = [], []
        for word in SEARCH_SEPARATORS.split(search_term):
            if word in categories:
                chosen.append(categories[word])
            elif word and not word.startswith("尾号"):
                words.append(word)
        if chosen:
            queryset = queryset.filter(category__in=chosen)
        return super().get_search_results(request, queryset, " ".join(words))

    @admin.display(description=_("性别"))
    def gender(self, obj):
        return obj.gender

    @admin.display(description=_("年龄"))
    def age(self, obj):
        return obj.age

    @admin.display(description=_("认定批次"), ordering="batch_year")
    def batch_label(self, obj):
        return f"{obj.batch_year} {obj.get_batch_display()}"

    @admin.display(description=_("统计年度帮扶金额（元）"), ordering="paid_in_year")
    def paid_this_year(self, obj):
        return grouped(obj.paid_in_year)

    def get_list_display(self, request):
        # The yearly column names the year it counts: "2021年帮扶金额（元）".
        column = paid_in_year_column(self.stats_year(request))
        return [
            column if name == "paid_this_year" else name
            for name in super().get_list_display(request)
        ]

    mark_exited = SelectionAction(
        description=_("退出帮扶"),
        service=recipients_mark_exited,
        records="recipients",
        form_class=ExitedOnForm,
        title=_("退出帮扶"),
        intro=_(
            "以下 %(count)d 名帮扶对象将退出帮扶（状态改为“已退出”）。"
            "任何一人不符合条件时，所有人都不会修改。"
        ),
        submit=_("确认退出帮扶"),
        done=_("已退出 %(count)d 名帮扶对象。"),
        describe=lambda recipient: (
            f"{recipient.name}（{recipient.community}，"
            f"{recipient.get_category_display()}，{recipient.get_status_display()}）"
        ),
    )


class AssistanceRecordForm(PhotoUploadFormMixin, ZoneModelForm):
    photo_model = VisitPhoto


class VisitPhotoInline(PhotoInline):
    model = VisitPhoto
    fields = ["preview", "caption", "taken_at", "uploaded_by"]


@admin.register(AssistanceRecord)
class AssistanceRecordAdmin(PhotosAdminMixin, ZoneAdmin):
    resource_classes = [AssistanceRecordResource]
    form = AssistanceRecordForm
    photo_model = VisitPhoto
    inlines = [VisitPhotoInline]
    list_display = [
        "date",
        "recipient",
        "recipient__id_number",
        "community",
        "category",
        "kind",
        NumberColumn(AssistanceRecord, "amount"),
        "recorded_by",
        person_page_link,
    ]
    list_filter = [
        "kind",
        "recipient__category",
        "recipient__community",
        "recipient__batch_year",
    ]
    search_fields = [
        "recipient__name",
        "recipient__community__name",
        "=recipient__id_number",
    ]
    search_help_text = _("按帮扶对象姓名、村/社区或完整身份证号搜索。")
    list_select_related = ["recipient", "recipient__community"]
    autocomplete_fields = ["recipient"]
    date_hierarchy = "date"
    fields = ["recipient", "date", "kind", "amount", "note", "recorded_by"]

    # Not sortable: the column holds ciphertext (devzone.changelist.sorts_by_sealed).
    @admin.display(description=_("身份证号"))
    def recipient__id_number(self, obj):
        return obj.recipient.id_number

    @admin.display(description=_("村/社区"), ordering="recipient__community__name")
    def community(self, obj):
        return obj.recipient.community

    @admin.display(description=_("帮扶类别"), ordering="recipient__category")
    def category(self, obj):
        return obj.recipient.get_category_display()


@admin.register(VisitInterval)
class VisitIntervalAdmin(ZoneChangeListMixin, admin.ModelAdmin):
    list_display = ["category", "months"]
    ordering = ["months", "category"]
