import re
import unicodedata

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devzone.admin_base import ZoneAdmin
from devzone.validators import mask_id_number, mask_phone, normalize_text
from welfare.models import AgeBand, AssistanceRecord, Gender, WelfareRecipient
from welfare.resources import (
    PERSONAL_DATA_PERMISSION,
    AssistanceRecordResource,
    WelfareRecipientResource,
)
from welfare.services import recipient_mark_exited

NUMBER_TOKEN = re.compile(r"[0-9Xx+\-]+")
ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
PHONE_IN_TEXT = re.compile(
    r"(?<![0-9])(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})(?![0-9])"
)


def mask_numbers_in_text(text):
    """Return text with every ID number and phone-like number in it masked."""
    text = unicodedata.normalize("NFKC", text)
    text = ID_IN_TEXT.sub(lambda m: mask_id_number(m.group().upper()), text)
    return PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group().replace("-", "")), text)


def masked_query(query):
    """Return a copy of a QueryDict whose values have their numbers masked."""
    masked = QueryDict(mutable=True)
    for key, values in query.lists():
        masked.setlist(key, [mask_numbers_in_text(value) for value in values])
    masked._mutable = False
    return masked


def normalize_search_term(search_term):
    """Return the term with ID and phone numbers in their stored form (ASCII, no dashes)."""
    tokens = []
    for token in search_term.split():
        folded = normalize_text(token)
        if NUMBER_TOKEN.fullmatch(folded):
            token = folded.replace("-", "").removeprefix("+86").upper()
        tokens.append(token)
    return " ".join(tokens)


def personal_lookup_allowed(lookup, personal_paths):
    """Return False for a range/partial lookup on a personal field (only exact is fine).

    ``?id_number__startswith=`` or ``__gt=`` would let someone read a masked number
    digit by digit from the result counts.
    """
    for path in personal_paths:
        if lookup == path or lookup.startswith(path + "__"):
            return lookup in (path, path + "__exact")
    return True


class GenderFilter(admin.SimpleListFilter):
    title = _("性别")
    parameter_name = "gender"

    def lookups(self, request, model_admin):
        return Gender.choices

    def queryset(self, request, queryset):
        return queryset.of_gender(self.value())


class AgeBandFilter(admin.SimpleListFilter):
    title = _("年龄段")
    parameter_name = "age_band"

    def lookups(self, request, model_admin):
        return AgeBand.choices

    def queryset(self, request, queryset):
        return queryset.in_age_band(self.value())


class AssistanceRecordInline(admin.TabularInline):
    model = AssistanceRecord
    fields = ["date", "kind", "amount", "note", "recorded_by"]
    extra = 0
    ordering = ["-date"]


class PersonalDataAdminMixin:
    """Show personal fields masked to anyone without ``welfare.view_personal_data``."""

    # field name -> the display method showing it masked
    masked_fields = {}
    # lookups on these paths are allowed only exact to users without the permission
    personal_lookup_paths = []

    def has_personal_data_permission(self, request):
        return request.user.has_perm(PERSONAL_DATA_PERMISSION)

    def lookup_allowed(self, lookup, value, request=None):
        if (
            request is not None
            and not self.has_personal_data_permission(request)
            and not personal_lookup_allowed(lookup, self.personal_lookup_paths)
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(
            request, queryset, normalize_search_term(search_term)
        )

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        # The core logs request.GET as the export's filter: a search by a full ID or
        # phone number would sit in the export log in clear. The queryset is already
        # filtered by now, so only what the log records changes.
        request.GET = masked_query(request.GET)
        return super()._do_file_export(file_format, request, queryset, export_form)


class WelfareRecipientAdminForm(forms.ModelForm):
    def clean(self):
        cleaned_data = super().clean()
        # Without the permission the ID number is not a form field, so Django skips
        # the (id_number, category) constraint: check it here rather than crash.
        category = cleaned_data.get("category")
        if "id_number" not in self.fields and self.instance.pk and category:
            taken = (
                WelfareRecipient.objects.filter(
                    id_number=self.instance.id_number, category=category
                )
                .exclude(pk=self.instance.pk)
                .exists()
            )
            if taken:
                raise forms.ValidationError(
                    _("同一身份证号在同一帮扶类别中只能登记一次。")
                )
        return cleaned_data


@admin.register(WelfareRecipient)
class WelfareRecipientAdmin(PersonalDataAdminMixin, ZoneAdmin):
    resource_classes = [WelfareRecipientResource]
    form = WelfareRecipientAdminForm
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
    ]
    search_fields = ["name", "=id_number", "=phone", "=guardian_phone"]
    search_help_text = _("按姓名、完整身份证号或完整电话号码搜索。")
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
    masked_fields = {
        "id_number": "masked_id_number",
        "phone": "masked_phone",
        "guardian_phone": "masked_guardian_phone",
    }
    personal_lookup_paths = ["id_number", "phone", "guardian_phone"]

    def get_queryset(self, request):
        year = timezone.localdate().year
        # The aggregate groups rows, which drops Meta.ordering: restate it.
        return (
            super()
            .get_queryset(request)
            .with_paid_in_year(year)
            .order_by(*WelfareRecipient._meta.ordering)
        )

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if self.has_personal_data_permission(request):
            return columns
        return [self.masked_fields.get(name, name) for name in columns]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_personal_data_permission(request):
            return fieldsets
        # An existing record: the numbers are shown masked and cannot be edited, so
        # neither the form nor the page source carries them.
        return [
            (
                title,
                {
                    **options,
                    "fields": [
                        self.masked_fields.get(name, name) for name in options["fields"]
                    ],
                },
            )
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not self.has_personal_data_permission(request):
            readonly += list(self.masked_fields.values())
        return readonly

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description=_("监护人电话"))
    def masked_guardian_phone(self, obj):
        return mask_phone(obj.guardian_phone)

    @admin.display(description=_("性别"))
    def gender(self, obj):
        return obj.gender

    @admin.display(description=_("年龄"))
    def age(self, obj):
        return obj.age

    @admin.display(description=_("认定批次"), ordering="batch_year")
    def batch_label(self, obj):
        return f"{obj.batch_year} {obj.get_batch_display()}"

    @admin.display(description=_("本年帮扶金额（元）"), ordering="paid_in_year")
    def paid_this_year(self, obj):
        return obj.paid_in_year

    @admin.action(description=_("退出帮扶（退出日期为今天）"), permissions=["change"])
    def mark_exited(self, request, queryset):
        done = 0
        for recipient in queryset:
            try:
                recipient_mark_exited(
                    recipient=recipient, exited_on=timezone.localdate()
                )
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                done += 1
        if done:
            messages.success(
                request, _("已退出 %(count)d 名帮扶对象。") % {"count": done}
            )


@admin.register(AssistanceRecord)
class AssistanceRecordAdmin(PersonalDataAdminMixin, ZoneAdmin):
    resource_classes = [AssistanceRecordResource]
    list_display = [
        "date",
        "recipient",
        "recipient_id_number",
        "community",
        "category",
        "kind",
        "amount",
        "recorded_by",
    ]
    list_filter = [
        "kind",
        "recipient__category",
        "recipient__community",
        "recipient__batch_year",
    ]
    search_fields = ["recipient__name", "=recipient__id_number"]
    search_help_text = _("按帮扶对象姓名或完整身份证号搜索。")
    list_select_related = ["recipient", "recipient__community"]
    autocomplete_fields = ["recipient"]
    date_hierarchy = "date"
    fields = ["recipient", "date", "kind", "amount", "note", "recorded_by"]
    personal_lookup_paths = [
        "recipient__id_number",
        "recipient__phone",
        "recipient__guardian_phone",
    ]

    @admin.display(description=_("身份证号"))
    def recipient_id_number(self, obj):
        return mask_id_number(obj.recipient.id_number)

    @admin.display(description=_("村/社区"), ordering="recipient__community__name")
    def community(self, obj):
        return obj.recipient.community

    @admin.display(description=_("帮扶类别"), ordering="recipient__category")
    def category(self, obj):
        return obj.recipient.get_category_display()

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if self.has_personal_data_permission(request):
            return [
                "recipient_full_id_number" if c == "recipient_id_number" else c
                for c in columns
            ]
        return columns

    @admin.display(description=_("身份证号"))
    def recipient_full_id_number(self, obj):
        return obj.recipient.id_number
