"""The ModelAdmin every record's admin is built on: import, export and their rules."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ImportForm

from devzone import exports
from devzone.imports import FORMATS, XLSX, ImportFileError, import_counts
from devzone.services import export_log_create, import_log_create


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


class ZoneAdmin(ImportExportModelAdmin):
    """Admin with all-or-nothing imports and streamed, logged, escaped exports."""

    formats = FORMATS
    import_form_class = ZoneImportForm
    import_template_name = "admin/devzone/import.html"
    list_per_page = 50
    show_full_result_count = False

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
        try:
            return super().process_import(request, **kwargs)
        except ImportFileError as exc:
            messages.error(request, str(exc))
            return self.redirect_to_import(request)

    def redirect_to_import(self, request):
        from django.shortcuts import redirect

        opts = self.model._meta
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_import")

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(request, _("数据在确认前已变化，导入未执行，请重新上传。"))
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
            "filters": request.GET.urlencode(),
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


class ReadOnlyLogAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
