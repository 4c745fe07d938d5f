"""The admin's import: the upload and its preview, then the confirmation.

Both are thin views over ``devzone.spreadsheets.pipeline``, the path that
``manage.py import_file`` takes too: each reads the request, builds its own
``ImportRun``, calls ``preview`` or ``confirm`` and says what came of it. What the
confirmation needs of the preview (who uploaded the file, the versions of the
records its rows matched) waits beside the upload (``spreadsheets.uploads``),
never on the request. The library's URLs, forms and template stay.
"""

from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path as url_path
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.forms import ImportForm
from import_export.signals import post_import

from devzone.import_templates import column_rules, template_workbook
from devzone.scope import Scope
from devzone.spreadsheets import cells
from devzone.spreadsheets.export import CONTENT_TYPES, XLSX
from devzone.spreadsheets.formats import detected_encoding, read_dataset
from devzone.spreadsheets.mapping import mapping_of
from devzone.spreadsheets.pipeline import confirm, preview, succeeded
from devzone.spreadsheets.results import ImportFileError, error_lines, import_counts
from devzone.spreadsheets.runs import ImportRun
from devzone.spreadsheets.uploads import (
    MISSING,
    Upload,
    UploadError,
    upload_claim,
    upload_for,
    upload_progress,
    upload_remove,
    upload_rows,
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

    # The upload and its preview.

    def import_action(self, request, **kwargs):
        """Show the upload form; for an uploaded file, its preview."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_import_form(request)
        run = None
        if form.is_bound and form.is_valid():
            run = self.preview_upload(request, form)
        context = self.import_context(request, form, run)
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def write_to_tmp_storage(self, import_file, input_format):
        """Keep the upload in the upload folder as it arrives, never held whole.

        The library's own joins the chunks in memory, copying the file once per
        chunk, before it writes it.
        """
        storage = self.get_tmp_storage_class()(
            encoding=None,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        storage.save_chunks(import_file.chunks())
        return storage

    def preview_upload(self, request, form):
        """Keep the uploaded file and preview it; return the run, None if unreadable.

        A file the preview accepts waits for its confirmation, claimed by its
        uploader with the versions its rows matched; any other is deleted at once.
        """
        uploaded = form.cleaned_data["import_file"]
        file_format = self.get_import_formats()[int(form.cleaned_data["format"])]()
        storage = self.write_to_tmp_storage(uploaded, file_format)
        try:
            dataset = read_dataset(storage.path(), uploaded.name)
            encoding = detected_encoding(storage.path())
        except Exception as exc:  # a file of any content: how it fails is unknown
            self.add_data_read_fail_error_to_form(form, exc)
            storage.remove()
            return None
        # The user's own column mapping (spreadsheets.mapping), kept with the upload
        # so that the confirmation reads the file as its preview did.
        column_map = mapping_of(request.user, self.model._meta.label_lower)
        run = ImportRun.of(
            self.choose_import_resource_class(form, request),
            {**self.get_import_resource_kwargs(request), "column_map": column_map},
            user=request.user,
            dataset=dataset,
        )
        if succeeded(preview(run)):
            run.upload = upload_claim(
                name=storage.name,
                user=request.user,
                original_name=uploaded.name,
                encoding=encoding,
                versions=run.versions,
                column_map=column_map,
            )
        else:  # refused at the preview: nothing will confirm it
            storage.remove()
        return run

    def import_context(self, request, form, run=None):
        """Return the import page's context: the form, and the preview of ``run``."""
        resource_class = self.get_import_resource_classes(request)[0]
        context = {
            **self.get_import_context_data(),
            **self.admin_site.each_context(request),
            "title": _("导入%(name)s") % {"name": self.model._meta.verbose_name},
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "import_error_display": self.import_error_display,
            "import_rules": self.import_rules(request),
            "import_key_columns": resource_class().key_columns(),
        }
        if run is not None:
            context["result"] = run.result
            if run.upload is not None:
                context["confirm_form"] = self.confirm_form(request, form, run.upload)
        return context

    def confirm_form(self, request, form, upload: Upload):
        """Return the form that confirms ``upload``, as the library's template shows it."""
        return self.get_confirm_form_class(request)(
            initial={
                "import_file_name": upload.name,
                "original_file_name": upload.original_name,
                "format": form.cleaned_data["format"],
                "resource": form.cleaned_data.get("resource", ""),
            }
        )

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            form.add_error(
                "import_file",
                _("无法读取该文件（%(error)s）：请确认选择的格式与文件一致。")
                % {"error": type(e).__name__},
            )

    # The confirmation.

    def process_import(self, request, **kwargs):
        """Import a previewed upload whole, or refuse it naming its errors."""
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
        resource_index = int(request.POST.get("resource") or 0)
        try:
            run = ImportRun.of(
                self.get_import_resource_classes(request)[resource_index],
                {
                    **self.get_import_resource_kwargs(request),
                    "column_map": upload.column_map,
                },
                user=request.user,
                dataset=upload_rows(upload),
                upload=upload,
                expected=upload.versions,
            )
            result = confirm(run)
        except (ImportFileError, UploadError) as exc:
            messages.error(request, str(exc))
            return self.redirect_to_import(request)
        finally:
            upload_remove(name)
        if not succeeded(result):
            messages.error(
                request,
                _("导入未执行，没有保存任何数据：%(errors)s")
                % {"errors": "；".join(error_lines(result)[:ERROR_LINES_SHOWN])},
            )
            return self.redirect_to_import(request)
        messages.success(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("导入完成：新增 %(new)d 条，更新 %(update)d 条，未变 %(skip)d 条。")
                % import_counts(result),
                reverse("admin:devzone_importbatch_change", args=[run.batch.pk]),
                _("查看导入批次 #%(pk)s") % {"pk": run.batch.pk},
            ),
        )
        post_import.send(sender=None, model=self.model)
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(
                f"admin:{opts.app_label}_{opts.model_name}_changelist",
                current_app=self.admin_site.name,
            )
        )

    def confirm_choices_valid(self, request):
        """Return True if the confirm form's hidden format and resource are choices.

        Both are list indexes: a tampered value must not end in a server error.
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
