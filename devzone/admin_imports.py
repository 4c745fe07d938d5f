"""The admin's import: the upload and its preview, then the confirmation."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import path as url_path
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.forms import ImportForm

from devzone.import_templates import column_rules, template_workbook
from devzone.scope import Scope
from devzone.services import import_batch_finish, import_batch_start
from devzone.spreadsheets import cells
from devzone.spreadsheets.export import CONTENT_TYPES, XLSX
from devzone.spreadsheets.formats import detected_encoding
from devzone.spreadsheets.resources import ImportRun
from devzone.spreadsheets.results import ImportFileError, error_lines, import_counts
from devzone.spreadsheets.uploads import (
    MISSING,
    UploadError,
    data_path,
    upload_claim,
    upload_for,
    upload_progress,
    upload_remove,
)

# Typed as the class it is mixed into (the library's admin, untyped: Any); at run
# time a plain mixin, so the real class's order of bases is unchanged.
if TYPE_CHECKING:
    from import_export.admin import ImportExportModelAdmin as _Admin
else:
    _Admin = object

ERROR_LINES_SHOWN = 20  # errors named in the message of a refused confirmation


class ZoneImportForm(ImportForm):
    """The upload: a CSV or XLSX file, its format read from its name, not asked."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.import_formats = formats
        self.fields["import_file"].label = _("选择文件")
        self.fields["import_file"].help_text = _(
            "XLSX、XLS、ODS、CSV 或文本文件；格式和中文编码由系统自动识别，不需要选择。"
        )
        self.fields["import_file"].widget.attrs["accept"] = (
            ".csv,.xlsx,.xls,.ods,.txt,.tsv"
        )
        self.fields["format"].required = False
        self.fields["format"].widget = forms.HiddenInput(
            attrs={"class": "guess_format"}
        )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is not None and not cleaned.get("format"):
            extension = upload.name.rsplit(".", 1)[-1].lower()
            # Every format reads the upload by its bytes (spreadsheets.formats.kind_of);
            # the name only tells an upload from a file of another kind.
            if extension in ("xls", "ods", "txt", "tsv"):
                extension = "csv"
            for index, file_format in enumerate(self.import_formats):
                if file_format().get_extension() == extension:
                    cleaned["format"] = str(index)
                    break
            else:
                self.add_error(
                    "import_file",
                    _("只能导入 XLSX、XLS、ODS、CSV 或文本文件，请另存为其中一种。"),
                )
        return cleaned

    def clean_import_file(self):
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


class ZoneImportMixin(_Admin):
    """Import a file all or nothing: upload and preview, then confirm.

    Also serves the import template (headers, an example row, the rules) and the
    progress of a confirmation, both to whoever may import.
    """

    import_form_class = ZoneImportForm
    import_template_name = "admin/devzone/import.html"

    def get_urls(self):
        opts = self.model._meta
        return [
            url_path(
                "import/template/",
                self.admin_site.admin_view(self.import_template_view),
                name=f"{opts.app_label}_{opts.model_name}_import_template",
            ),
            url_path(
                "import/progress/<str:name>/",
                self.admin_site.admin_view(self.import_progress_view),
                name=f"{opts.app_label}_{opts.model_name}_import_progress",
            ),
            *super().get_urls(),
        ]

    def import_rules(self, request):
        """Return the columns of this record's import with their rules."""
        resource_class = self.get_import_resource_classes(request)[0]
        return column_rules(resource_class, Scope.of(request.user))

    def import_template_view(self, request):
        """Download the import template: headers, an example row, the rules."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        title = str(self.model._meta.verbose_name)
        response = FileResponse(
            template_workbook(title, self.import_rules(request)),
            content_type=CONTENT_TYPES[XLSX],
        )
        return cells.as_download(response, f"{title}_导入模板.xlsx")

    def import_progress_view(self, request, name):
        """Return how far the user's own confirmed import has come: {done, total}."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        try:
            progress = upload_progress(name, request.user)
        except UploadError:
            raise Http404(MISSING) from None
        return JsonResponse(progress)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def get_import_resource_kwargs(self, request, **kwargs):
        # The run is the request's own: the preview records the versions of the
        # records its rows match, the confirmation checks them and names its batch.
        run = getattr(request, "_devzone_import_run", None)
        if run is None:
            run = request._devzone_import_run = ImportRun()
        return {**self.get_resource_kwargs(request), "run": run}

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            form.add_error(
                "import_file",
                _("无法读取该文件（%(error)s）：请确认选择的格式与文件一致。")
                % {"error": type(e).__name__},
            )

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        if context:
            context["title"] = _("导入%(name)s") % {
                "name": self.model._meta.verbose_name
            }
            context["import_rules"] = self.import_rules(request)
            resource_class = self.get_import_resource_classes(request)[0]
            context["import_key_columns"] = resource_class().key_columns()
        form = context.get("form")
        upload: Any = getattr(form, "cleaned_data", {}).get("import_file")
        name = getattr(upload, "tmp_storage_name", None)
        if name:
            if context.get("confirm_form") is not None:
                upload_claim(
                    name=name,
                    user=request.user,
                    original_name=upload.name,
                    encoding=detected_encoding(data_path(name).read_bytes()),
                    versions=request._devzone_import_run.versions,
                )
            else:  # refused at the preview: nothing will confirm it
                upload_remove(name)
        return response

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
        name = request.POST.get("import_file_name", "")
        try:
            upload = upload_for(name, request.user)
        except UploadError as exc:
            messages.error(request, str(exc))
            return self.redirect_to_import(request)
        run = request._devzone_import_run = ImportRun(
            expected=upload.versions, upload=name
        )
        try:
            with transaction.atomic():
                run.batch = import_batch_start(
                    user=request.user, model=self.model, upload=upload
                )
                return super().process_import(request, **kwargs)
        except ImportFileError as exc:
            messages.error(request, str(exc))
            return self.redirect_to_import(request)
        finally:
            upload_remove(name)

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
        opts = self.model._meta
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_import")

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # Nothing of the file was written: the batch goes too.
            transaction.set_rollback(True)
            messages.error(
                request,
                _("导入未执行，没有保存任何数据：%(errors)s")
                % {"errors": "；".join(error_lines(result)[:ERROR_LINES_SHOWN])},
            )
            return self.redirect_to_import(request)
        counts = import_counts(result)
        import_batch_finish(batch=request._devzone_import_run.batch, counts=counts)
        batch = request._devzone_import_run.batch
        messages.success(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("导入完成：新增 %(new)d 条，更新 %(update)d 条，未变 %(skip)d 条。")
                % counts,
                reverse("admin:devzone_importbatch_change", args=[batch.pk]),
                _("查看导入批次 #%(pk)s") % {"pk": batch.pk},
            ),
        )
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        """devzone's own message is added in process_result."""
