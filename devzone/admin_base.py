"""The ModelAdmin every record's admin is built on: import, export and their rules."""

from urllib.parse import unquote_plus

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ImportForm

from devzone import exports
from devzone.admin_widgets import with_safe_autocomplete
from devzone.changelists import ZoneChangeListMixin
from devzone.constraints import unique_conflicts
from devzone.imports import (
    FORMATS,
    XLSX,
    ImportFileError,
    error_lines,
    import_counts,
)
from devzone.services import export_log_create, import_log_create
from devzone.validators import mask_numbers_in_text, normalize_search_term


class ZoneImportForm(ImportForm):
    def clean_import_file(self):
        from django.conf import settings

        upload = self.cleaned_data["import_file"]
        limit = settings.DEVZONE_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _(
                    "文件过大（%(size).1f MB），单个文件不能超过 %(limit)d MB，请分批导入。"
                ),
                params={"size": upload.size / 2**20, "limit": limit // 2**20},
            )
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的。"))
        return upload


LOOKUP_WORDS = {
    "exact": "",
    "in": "",
    "gte": "≥",
    "lte": "≤",
    "gt": ">",
    "lt": "<",
    "year": "（年）",
    "month": "（月）",
    "day": "（日）",
    "isnull": "为空",
    "contains": "包含",
    "icontains": "包含",
    "startswith": "开头为",
}


def masked_display(field_name, mask, description):
    """Return an admin column showing a field masked."""

    def display(obj):
        value = obj
        for part in field_name.split("__"):
            value = getattr(value, part, None)
        return mask(value) if value else ""

    display.short_description = description
    display.__name__ = f"masked_{field_name}"
    return display


class UniqueRulesFormMixin:
    """Check every unique rule of the record, also those Django's form skips.

    A ModelForm leaves out the unique rules that name a field it does not show: a
    masked, read-only ID number. Changing a household's project to one that already
    has that ID would then reach the database as an IntegrityError (a 500).
    """

    def validate_unique(self):
        super().validate_unique()
        if self.errors:
            return
        for _instance, by_field in unique_conflicts(
            type(self.instance), [self.instance]
        ):
            for field, errors in by_field.items():
                target = field if field in self.fields else None
                for message in errors:
                    self.add_error(target, message)


class ZoneAdmin(ZoneChangeListMixin, ImportExportModelAdmin):
    """Admin with all-or-nothing imports and streamed, logged, escaped exports.

    Personal data (the Resource's ``personal_fields``, or the admin's own, which may
    name related paths such as ``recipient__id_number``) is masked in the list and on
    an existing record's form for users without the Resource's
    ``personal_data_permission``; they cannot edit it, nor probe it with range lookups.
    """

    formats = FORMATS
    import_form_class = ZoneImportForm
    import_template_name = "admin/devzone/import.html"
    list_per_page = 50
    show_full_result_count = False
    personal_fields = None  # {field path: mask}; None: the Resource's

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        for path, mask in self.get_personal_fields().items():
            name = f"masked_{path}"
            if not hasattr(type(self), name):
                setattr(
                    self, name, masked_display(path, mask, self.personal_label(path))
                )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        return with_safe_autocomplete(formfield) if formfield else formfield

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if issubclass(form, UniqueRulesFormMixin):
            return form
        return type(form.__name__, (UniqueRulesFormMixin, form), {})

    def get_personal_fields(self):
        if self.personal_fields is not None:
            return self.personal_fields
        resources = self.get_export_resource_classes(None)
        return dict(getattr(resources[0], "personal_fields", {})) if resources else {}

    def personal_label(self, path):
        opts = self.model._meta
        *relations, name = path.split("__")
        for relation in relations:
            opts = opts.get_field(relation).related_model._meta
        return opts.get_field(name).verbose_name

    def masks_personal_data(self, request):
        return bool(
            self.get_personal_fields()
        ) and not self.has_personal_data_permission(request)

    def masked_names(self, names):
        personal = self.get_personal_fields()
        return [f"masked_{name}" if name in personal else name for name in names]

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        return (
            self.masked_names(columns) if self.masks_personal_data(request) else columns
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.masks_personal_data(request):
            return fieldsets
        # An existing record: its numbers are shown masked and cannot be edited, so
        # neither the form nor the page source carries them.
        return [
            (title, {**options, "fields": self.masked_names(options["fields"])})
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and self.masks_personal_data(request):
            readonly += [f"masked_{name}" for name in self.get_personal_fields()]
        return readonly

    def lookup_allowed(self, lookup, value, request=None):
        # ?id_number__startswith= would read a masked number digit by digit from the
        # result counts: only an exact match is allowed without the permission.
        if request is not None and self.masks_personal_data(request):
            for path in self.get_personal_fields():
                if lookup.startswith(path + "__") and lookup != path + "__exact":
                    return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(
            request, queryset, normalize_search_term(search_term)
        )

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def get_resource_kwargs(self, request, **kwargs):
        return {
            "user": request.user,
            "unmasked": self.has_personal_data_permission(request),
        }

    def get_import_resource_kwargs(self, request, **kwargs):
        return self.get_resource_kwargs(request)

    def get_export_resource_kwargs(self, request, **kwargs):
        return self.get_resource_kwargs(request)

    def has_personal_data_permission(self, request):
        """Return True if the user may see this model's personal data unmasked."""
        resource = self.get_export_resource_classes(request)[0]
        permission = getattr(resource, "personal_data_permission", None)
        return bool(permission) and request.user.has_perm(permission)

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            form.add_error(
                "import_file",
                _("无法读取该文件（%(error)s）：请确认选择的格式与文件一致。")
                % {"error": type(e).__name__},
            )

    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST" and not self.confirm_choices_valid(request):
            messages.error(
                request,
                _(
                    "确认导入的表单已被改动（格式或数据表无效），导入未执行：请重新上传文件。"
                ),
            )
            return self.redirect_to_import(request)
        try:
            return super().process_import(request, **kwargs)
        except ImportFileError as exc:
            messages.error(request, str(exc))
            return self.redirect_to_import(request)

    def confirm_choices_valid(self, request):
        """Return True if the confirm form's hidden format and resource are choices.

        The library turns them into list indexes: a tampered value is a 500 there.
        """
        choices = {
            "format": len(self.get_import_formats()),
            "resource": len(self.get_import_resource_classes(request)),
        }
        for name, count in choices.items():
            value = request.POST.get(name, "")
            if name == "resource" and value == "":
                continue
            if not (value.isascii() and value.isdigit() and int(value) < count):
                return False
        return True

    def redirect_to_import(self, request):
        from django.shortcuts import redirect

        opts = self.model._meta
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_import")

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request,
                _("导入未执行，没有保存任何数据：%(errors)s")
                % {"errors": "；".join(error_lines(result)[:20])},
            )
            return self.redirect_to_import(request)
        counts = import_counts(result)
        import_log_create(
            user=request.user,
            model=self.model,
            file_name=request.POST.get("original_file_name", ""),
            counts=counts,
        )
        messages.success(
            request,
            _("导入完成：新增 %(new)d 条，更新 %(update)d 条，未变 %(skip)d 条。")
            % counts,
        )
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        """devzone's own message is added in process_result."""

    def action_with_form(
        self,
        request,
        queryset,
        *,
        action,
        form_class,
        title,
        intro,
        submit,
        describe,
        apply,
        done,
        initial=None,
    ):
        """Run an admin action that first asks for a form (a date, say).

        The first POST shows the selection and the form; the second calls
        ``apply(queryset, **cleaned_data)`` — a service, which refuses the whole
        selection with a ValidationError when any record breaks a rule — and reports
        ``done % {"count": …}``.
        """
        form = form_class(
            request.POST if "apply" in request.POST else None, initial=initial
        )
        if form.is_valid():
            try:
                count = apply(queryset, **form.cleaned_data)
            except ValidationError as exc:
                self.message_user(request, "；".join(exc.messages), messages.ERROR)
                return None
            self.message_user(request, done % {"count": count}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "intro": intro,
            "items": [describe(obj) for obj in queryset],
            "pks": [obj.pk for obj in queryset],
            "form": form,
            "action": action,
            "submit": submit,
            "media": self.media + form.media,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/devzone/action_form.html", context)

    def describe_filters(self, request):
        """Return the changelist's filter and search in the admin's own Chinese words.

        E.g. "类型：村；搜索：普善" — what the export log records, numbers masked.
        """
        try:
            changelist = self.get_changelist_instance(request)
        except Exception:  # an invalid lookup: record what was asked, as it was asked
            return mask_numbers_in_text(unquote_plus(request.GET.urlencode())) or "全部"
        parts, described = [], set()
        for spec in changelist.filter_specs:
            used = getattr(spec, "used_parameters", None)
            if not used:
                continue
            described.update(used)
            chosen = [
                str(choice["display"])
                for choice in spec.choices(changelist)
                if choice.get("selected") and choice.get("display") is not None
            ]
            if chosen:
                parts.append(f"{spec.title}：{'、'.join(chosen)}")
        # A lookup typed into the address (or a date-hierarchy step) has no sidebar
        # filter: name its field.
        for lookup, values in changelist.get_filters_params().items():
            if lookup not in described:
                value = "、".join(
                    map(str, values if isinstance(values, list) else [values])
                )
                parts.append(f"{self.lookup_label(lookup)}：{value}")
        if changelist.query:
            parts.append(f"搜索：{changelist.query}")
        return mask_numbers_in_text("；".join(parts)) or "全部"

    def lookup_label(self, lookup):
        """Return a lookup such as ``project__year__gte`` in words: 搬迁项目·年度≥."""
        opts, words, suffix = self.model._meta, [], ""
        for part in lookup.split("__"):
            try:
                field = opts.get_field(part)
            except Exception:
                if part in LOOKUP_WORDS:
                    suffix += LOOKUP_WORDS[part]
                else:
                    words.append(part)
                continue
            words.append(str(field.verbose_name))
            if field.is_relation and field.related_model:
                opts = field.related_model._meta
        return "·".join(words) + suffix

    def get_export_filename(self, request, queryset, file_format):
        today = timezone.localdate().strftime("%Y%m%d")
        return f"{self.model._meta.verbose_name}_{today}.{file_format.get_extension()}"

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        # Replaces the library's in-memory export with a streamed one (flat memory).
        resource_class = self.choose_export_resource_class(export_form, request)
        resource = resource_class(**self.get_export_resource_kwargs(request))
        export_fields = self.get_export_resource_fields_from_form(export_form)
        rows = exports.CountingRows(
            resource.iter_rows(
                queryset,
                export_fields=export_fields,
                force_native_type=isinstance(file_format, XLSX),
            )
        )
        filename = self.get_export_filename(request, queryset, file_format)
        log = {
            "user": request.user,
            "model": self.model,
            "filters": self.describe_filters(request),
            "file_format": file_format.get_extension(),
            "personal_data": resource.unmasked and bool(resource.personal_fields),
        }
        if isinstance(file_format, XLSX):
            response = exports.xlsx_response(
                rows, filename, str(self.model._meta.verbose_name)
            )
            export_log_create(row_count=rows.count, **log)
            return response
        return exports.csv_response(logged_when_done(rows, log), filename)


def logged_when_done(rows, log):
    yield from rows
    export_log_create(row_count=rows.count, **log)


class ReadOnlyLogAdmin(ZoneChangeListMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
