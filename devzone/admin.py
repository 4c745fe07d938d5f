from typing import cast

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from devzone.accounts.passwords import password_set_by_other
from devzone.accounts.separation import (
    KEPT_BY_THE_SUPERUSER,
    POWER_FIELDS,
    account_keeper_check,
    group_duties_validate,
    holds_a_duty,
    keeper_message,
    kept_by_the_superuser,
    refusal_record,
    unclaimed_members_validate,
    user_duties_validate,
)
from devzone.accounts.two_factor import two_factor_reset
from devzone.admin_base import LogReadMixin, ReadOnlyLogAdmin, ZoneAdmin
from devzone.admin_columns import NumberColumn
from devzone.changelist import ZoneChangeListMixin
from devzone.models import (
    AnnualIndicator,
    Area,
    AuditEvent,
    Community,
    ExportLog,
    ImportBatch,
    ImportBatchQuerySet,
    PersonalDataAccess,
    StaffProfile,
)
from devzone.resources import (
    AnnualIndicatorResource,
    AreaResource,
    CommunityResource,
    StaffProfileResource,
)
from devzone.services import import_batch_plan, import_batch_undo


@admin.register(Community)
class CommunityAdmin(ZoneAdmin):
    resource_classes = [CommunityResource]
    list_display = [
        "name",
        "kind",
        "subdistrict",
        "statistical_code",
        "has_home_care_center",
        "has_party_service_center",
        "staff_count",
    ]
    list_filter = [
        "kind",
        "subdistrict",
        "has_home_care_center",
        "has_party_service_center",
    ]
    search_fields = ["name", "statistical_code"]

    def get_queryset(self, request):
        # An aggregate drops Meta.ordering; autocomplete pages need a stable order.
        return (
            super()
            .get_queryset(request)
            .annotate(staff_total=Count("staff"))
            .order_by("name")
        )

    @admin.display(description=_("工作人员数"), ordering="staff_total")
    def staff_count(self, obj):
        return obj.staff_total


@admin.register(Area)
class AreaAdmin(ZoneAdmin):
    resource_classes = [AreaResource]
    list_display = ["name", "plan_status", "approved_on"]
    list_filter = ["plan_status"]
    search_fields = ["name"]
    date_hierarchy = "approved_on"


@admin.register(AnnualIndicator)
class AnnualIndicatorAdmin(ZoneAdmin):
    resource_classes = [AnnualIndicatorResource]
    list_display = [
        "year",
        "name",
        NumberColumn(AnnualIndicator, "value", decimals=None),
        "unit",
        "source",
    ]
    list_filter = ["year", "unit"]
    search_fields = ["name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(ZoneAdmin):
    resource_classes = [StaffProfileResource]
    list_display = ["user", "full_name", "department", "title", "community_names"]
    list_filter = ["department", "communities"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "title"]
    autocomplete_fields = ["user", "communities"]
    list_select_related = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("communities")

    @admin.display(description=_("姓名"))
    def full_name(self, obj):
        return obj.user.get_full_name()

    @admin.display(description=_("负责村/社区"))
    def community_names(self, obj):
        return "、".join(c.name for c in obj.communities.all())


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyLogAdmin):
    list_display = [
        "created_at",
        "user",
        "dataset",
        "row_count",
        "file_format",
        "personal_data",
        "filters",
    ]
    list_filter = ["dataset", "file_format", "personal_data"]
    search_fields = ["user__username", "dataset"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]


def record_link(record):
    """Return a record's name linking to its admin page, or just its name."""
    opts = record._meta
    try:
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk]
        )
    except NoReverseMatch:
        return str(record)
    return format_html('<a href="{}">{}</a>', url, record)


def may_open(request, record):
    """Return True if the user may open ``record``'s admin page (its list holds it)."""
    model_admin = admin.site._registry.get(type(record))
    return (
        model_admin is not None
        and model_admin.has_view_or_change_permission(request)
        and model_admin.get_queryset(request).filter(pk=record.pk).exists()
    )


def conflict_row(request, conflict):
    """Return an undo blocker for its page: a link only to a record the user may open."""
    record = conflict.record
    link = record_link(record) if record and may_open(request, record) else ""
    return {
        "reason": conflict.reason,
        "link": link,
        "deleted": record is None and bool(conflict.label),
        # Refused to this user, not a record without a page of its own (a photo).
        "closed": bool(record and not link and type(record) in admin.site._registry),
    }


def person_name(user):
    return (user.get_full_name() or user.username) if user else ""


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyLogAdmin):
    list_display = [
        "batch_number",
        "created_at",
        "importer",
        "dataset",
        "file_name",
        "encoding",
        "new_count",
        "update_count",
        "skip_count",
        "status",
    ]
    list_display_links = ["batch_number", "created_at"]
    list_filter = ["dataset", "status"]
    search_fields = ["user__username", "dataset", "file_name", "file_hash"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    actions = ["undo"]
    # Human labels, and no link to a user page the viewer may not open.
    fields = readonly_fields = (
        "batch_number",
        "created_at",
        "importer",
        "dataset",
        "record_kind",
        "file_name",
        "file_hash",
        "encoding",
        "new_count",
        "update_count",
        "skip_count",
        "status",
        "undone_at",
        "undoer",
    )
    change_form_template = "admin/devzone/importbatch_change_form.html"

    def get_queryset(self, request):
        queryset = cast(ImportBatchQuerySet, super().get_queryset(request))
        return queryset.visible_to(request.user).select_related("undone_by")

    def has_undo_permission(self, request):
        return request.user.has_perm("devzone.undo_importbatch")

    @admin.display(description=_("批次号"), ordering="pk")
    def batch_number(self, obj):
        return f"#{obj.pk}"

    @admin.display(description=_("导入人"), ordering="user__username")
    def importer(self, obj):
        return person_name(obj.user)

    @admin.display(description=_("撤销人"))
    def undoer(self, obj):
        return person_name(obj.undone_by)

    @admin.display(description=_("记录类型"))
    def record_kind(self, obj):
        try:
            return obj.record_model()._meta.verbose_name
        except LookupError:
            return obj.dataset

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        context["may_undo"] = (
            obj is not None
            and obj.status == ImportBatch.Status.DONE
            and self.has_undo_permission(request)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description=_("撤销导入"), permissions=["undo"])
    def undo(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, _("请一次只选择一个导入批次撤销。"), messages.WARNING
            )
            return None
        batch = queryset.get()
        opts = batch.record_model()._meta
        if not request.user.has_perms(
            [
                f"{opts.app_label}.change_{opts.model_name}",
                f"{opts.app_label}.delete_{opts.model_name}",
            ]
        ):
            raise PermissionDenied
        # First a page listing what will be restored and removed; then the undo.
        if request.POST.get("post") != "yes":
            return self.undo_confirmation(request, batch)
        try:
            done = import_batch_undo(batch=batch, user=request.user)
        except ValidationError as exc:
            return self.undo_confirmation(request, batch, refusal=exc.messages)
        self.message_user(
            request,
            _(
                "已撤销导入批次 #%(pk)s：恢复 %(restored)d 条，删除新增的 %(removed)d 条。"
            )
            % {"pk": batch.pk, **done},
            messages.SUCCESS,
        )
        return None

    def undo_confirmation(self, request, batch, refusal=None):
        """Show what undoing ``batch`` restores and removes, or what blocks it."""
        plan = import_batch_plan(batch=batch, user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": _("撤销导入批次 #%(pk)s") % {"pk": batch.pk},
            "opts": self.model._meta,
            "batch": batch,
            "undone": batch.status == ImportBatch.Status.UNDONE,
            "importer": person_name(batch.user),
            "restore": [record_link(record) for record, _before in plan.restore],
            "remove": [record_link(record) for record in plan.remove],
            "conflicts": [
                conflict_row(request, conflict) for conflict in plan.conflicts
            ],
            # A refusal the plan did not foresee (a record now in use …).
            "refusal": [] if plan.conflicts else (refusal or []),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/devzone/importbatch_undo.html", context)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyLogAdmin):
    # The target (a filter, a person's key) and the columns can be long: the list
    # keeps to one screen and one line a row, each row's own page shows them whole.
    list_display = ["created_at", "user", "kind", "channel", "row_count"]
    list_filter = ["kind", "channel", "model"]
    search_fields = ["user__username"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyLogAdmin):
    list_display = ["created_at", "username", "action", "result", "client_ip"]
    list_filter = ["action"]
    search_fields = ["username", "client_ip"]
    date_hierarchy = "created_at"


# django-otp's device admins would show staff a secret's settings in English; a
# lost phone is the superuser's to handle, in the user's page (双因素认证).
for otp_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(otp_model):
        admin.site.unregister(otp_model)

# auth's own admins, with the changelist that refuses impossible lookups.
admin.site.unregister(get_user_model())
admin.site.unregister(Group)


class ZoneUserChangeForm(UserChangeForm):
    def clean(self):
        super().clean()
        cleaned_data = self.cleaned_data
        # The superuser's form alone carries groups, permissions and the flag.
        if any(name in self.fields for name in POWER_FIELDS) and not self.errors:
            try:
                user_duties_validate(
                    user=self.instance,
                    groups=cleaned_data.get("groups"),
                    permissions=cleaned_data.get("user_permissions"),
                    is_superuser=cleaned_data.get("is_superuser"),
                )
            except ValidationError as error:
                self.add_error(None, error)
                refusal_record(
                    target=f"用户 {self.instance.get_username()} 的组",
                    reason=" ".join(error.messages),
                )
        return cleaned_data


@admin.register(get_user_model())
class ZoneUserAdmin(ZoneChangeListMixin, UserAdmin):
    form = ZoneUserChangeForm
    actions = ["reset_two_factor"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            # The break-glass account is out of reach of the accounts' keeper.
            queryset = queryset.filter(is_superuser=False)
        return queryset

    def has_change_permission(self, request, obj=None):
        # 三员分立: whoever resets the security or audit administrator's password
        # logs in as them. Their accounts (and another system administrator's)
        # are the superuser's to change; the system administrator sees them.
        if (
            obj is not None
            and not request.user.is_superuser
            and obj.pk != request.user.pk
            and holds_a_duty(obj)
        ):
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        # Disabling such an account is anyone's; enabling it again is not.
        if (
            obj is not None
            and not obj.is_active
            and kept_by_the_superuser(editor=request.user, account=obj)
        ):
            return [*fields, "is_active"]
        return fields

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        if obj is not None and kept_by_the_superuser(editor=request.user, account=obj):
            self.message_user(
                request, keeper_message(obj, KEPT_BY_THE_SUPERUSER), messages.WARNING
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def has_delete_permission(self, request, obj=None):
        # An account is disabled (取消“有效”), never deleted: its trail in the
        # append-only logs names it, and those rows cannot be changed to forget it.
        return False

    def save_model(self, request, obj, form, change):
        if (
            change
            and request.POST.get("is_active")
            and "is_active" in self.get_readonly_fields(request, obj)
        ):
            message = keeper_message(obj, _("启用账号"))
            refusal_record(target=f"启用用户 {obj.get_username()}", reason=message)
            self.message_user(request, message, messages.ERROR)
        super().save_model(request, obj, form, change)
        if not change:
            # A new account's password is the administrator's: changed at first login.
            password_set_by_other(user=obj)

    def save_related(self, request, form, formsets, change):
        # Removals first: a save that trades one duty for another never holds
        # both on the way (refuse_combined_duties judges every step).
        user = form.instance
        for name in ("groups", "user_permissions"):
            if change and name in form.cleaned_data:
                chosen = [each.pk for each in form.cleaned_data[name]]
                getattr(user, name).remove(*getattr(user, name).exclude(pk__in=chosen))
        super().save_related(request, form, formsets, change)

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        # Said to whoever sees the account (the accounts' keeper), not to others.
        if user is not None and self.has_view_permission(request, user):
            account_keeper_check(editor=request.user, account=user, what=_("重置密码"))
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            if user is not None and user.pk != request.user.pk:
                password_set_by_other(user=user)
        return response

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # Roles are given from the role's page by the security administrator: the
        # user form of anyone else takes no groups, permissions or superuser flag,
        # whatever a POST carries.
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f not in POWER_FIELDS],
                },
            )
            for name, options in fieldsets
        ]

    @admin.action(
        description=_("重置双因素认证（手机丢失时，由超级管理员操作）"),
        permissions=["reset_two_factor"],
    )
    def reset_two_factor(self, request, queryset):
        removed = two_factor_reset(users=queryset, by=request.user)
        self.message_user(
            request,
            _("已删除 %(count)d 个账号的验证器和备用码，下次登录时需重新绑定。")
            % {"count": removed},
            messages.SUCCESS,
        )

    def has_reset_two_factor_permission(self, request):
        # Whoever resets a phone and a password holds the account: the superuser
        # alone, and every superuser request is logged.
        return request.user.is_superuser


# The four rights Django makes for every model; their stored names are English
# ("Can add log entry") whatever the language.
MODEL_RIGHTS = {
    "add": _("增加"),
    "change": _("修改"),
    "delete": _("删除"),
    "view": _("查看"),
}


def permission_label(permission):
    """Return a right as the group page lists it: 应用｜记录｜操作, in Chinese."""
    model = permission.content_type.model_class()
    if model is None:  # a model since removed
        return permission.name
    action, _sep, model_name = permission.codename.partition("_")
    right = MODEL_RIGHTS.get(action) if model_name == model._meta.model_name else None
    return (
        f"{model._meta.app_config.verbose_name}｜{model._meta.verbose_name}｜"
        f"{right or permission.name}"
    )


class GroupForm(forms.ModelForm):
    members = forms.ModelMultipleChoiceField(
        label=_("成员"),
        queryset=get_user_model().objects.filter(is_superuser=False),
        required=False,
        widget=FilteredSelectMultiple(_("用户"), is_stacked=False),
        help_text=_("担任这一角色的用户。自己的角色不能在这里修改，改了也不会保存。"),
    )

    class Meta:
        model = Group
        fields = ["name", "permissions", "members"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rights = self.fields.get("permissions")
        if isinstance(rights, forms.ModelMultipleChoiceField):
            rights.label_from_instance = permission_label  # type: ignore[method-assign]
        if self.instance.pk:
            self.fields["members"].initial = self.instance.user_set.filter(
                is_superuser=False
            )

    def clean(self):
        super().clean()
        cleaned_data = self.cleaned_data
        if not self.errors:
            # The editor among the chosen is judged too: saving drops him
            # silently, but one who asks for a second duty is told why not.
            try:
                group_duties_validate(
                    group=self.instance,
                    permissions=cleaned_data["permissions"],
                    members=cleaned_data["members"],
                )
                unclaimed_members_validate(
                    group=self.instance,
                    permissions=cleaned_data["permissions"],
                    members=cleaned_data["members"],
                )
            except ValidationError as error:
                self.add_error(None, error)
                refusal_record(
                    target=f"组 {cleaned_data.get('name', '')}",
                    reason=" ".join(error.messages),
                )
        return cleaned_data

    def members_after(self, editor):
        """Return the role's members once saved; the editor's own stays as it was."""
        group = self.instance
        chosen = [user for user in self.cleaned_data["members"] if user.pk != editor.pk]
        kept = group.user_set.filter(Q(is_superuser=True) | Q(pk=editor.pk))
        return [*kept, *chosen]

    def save_members(self, editor):
        """Set the role's members from the form."""
        self.instance.user_set.set(self.members_after(editor))


@admin.register(Group)
class ZoneGroupAdmin(ZoneChangeListMixin, GroupAdmin):
    form = GroupForm

    def has_change_permission(self, request, obj=None):
        # A role's permissions are its members': whoever edits a role he holds
        # grants himself whatever he adds. His own role is another keeper's.
        if obj is not None and self.holds(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self.holds(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    @staticmethod
    def holds(request, group):
        user = request.user
        return not user.is_superuser and group.user_set.filter(pk=user.pk).exists()

    def save_related(self, request, form, formsets, change):
        # Who leaves and what is taken away first, then what is added: a save
        # that moves a duty between groups or people never holds two on the way
        # (refuse_combined_duties judges every step).
        group = form.instance
        if change:
            staying = [user.pk for user in form.members_after(request.user)]
            group.user_set.remove(*group.user_set.exclude(pk__in=staying))
            rights = [right.pk for right in form.cleaned_data["permissions"]]
            group.permissions.remove(*group.permissions.exclude(pk__in=rights))
        super().save_related(request, form, formsets, change)
        form.save_members(request.user)


class ZoneAccessAttemptAdmin(LogReadMixin, ZoneChangeListMixin, AccessAttemptAdmin):
    # Lockout state, not a log: deleting an attempt is how a lockout is lifted.
    def has_change_permission(self, request, obj=None):
        return False

    # It deletes rows: for whoever may delete attempts, not for the log's reader.
    @admin.action(description=_("清理已过期的登录尝试"), permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        # django-axes' own action reads the attempt time that only its login
        # handler puts on a request: on an admin request it was a server error.
        AxesProxyHandler.update_request(request)
        return super().cleanup_expired_attempts(request, queryset)


class ZoneAccessLogAdmin(ReadOnlyLogAdmin, AccessLogAdmin):
    pass


class ZoneAccessFailureLogAdmin(ReadOnlyLogAdmin, AccessFailureLogAdmin):
    pass


# django-axes' admins, likewise; its logs read-only (devzone.append_only).
for axes_model, axes_admin in [
    (AccessAttempt, ZoneAccessAttemptAdmin),
    (AccessLog, ZoneAccessLogAdmin),
    (AccessFailureLog, ZoneAccessFailureLogAdmin),
]:
    if admin.site.is_registered(axes_model):
        admin.site.unregister(axes_model)
    admin.site.register(axes_model, axes_admin)
