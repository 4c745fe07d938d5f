"""The admin's export: its screen in Chinese, and the file it streams and logs."""

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from import_export.forms import SelectableFieldsExportForm

from devzone.filter_words import NO_FILTER
from devzone.spreadsheets.export import Export, export_filename

# Typed as the class it is mixed into (the library's admin, untyped: Any); at run
# time a plain mixin, so the real class's order of bases is unchanged.
if TYPE_CHECKING:
    from import_export.admin import ImportExportModelAdmin as _Admin
else:
    _Admin = object


class ZoneExportForm(SelectableFieldsExportForm):
    """The library's form with the columns named as in the file, and no "---".

    The library labels a column "Head Name (户主姓名)" and starts the format at an
    empty choice; the labels are set here after the library built its fields.
    """

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["resource"].label = _("数据集")
        format_field = self.fields["format"]
        format_field.label = _("文件格式")
        # The library's titles are lower case ("xlsx"); staff read XLSX.
        format_field.choices = [
            (value, str(label).upper())
            for value, label in format_field.choices
            if value != ""
        ]
        titles = [label for _value, label in format_field.choices]
        if "XLSX" in titles and "format" not in self.data:
            self.initial["format"] = format_field.choices[titles.index("XLSX")][0]
        for resource in resources:
            columns = {
                name: field.column_name for name, field in resource().fields.items()
            }
            for name, column in columns.items():
                form_field = self.fields.get(
                    self.create_boolean_field_name(resource, name)
                )
                if form_field is not None:
                    form_field.label = column


class ZoneExportMixin(_Admin):
    """Export the changelist's rows, masked as the user sees them, logged first.

    The rows are the list's (its filters, search and scope); the file is streamed
    by ``spreadsheets.export.Export``, which logs the download before its first byte.
    """

    export_template_name = "admin/devzone/export.html"
    export_form_class = ZoneExportForm

    def init_request_context_data(self, request, form):
        context = super().init_request_context_data(request, form)
        context.update(
            title=_("导出%(name)s") % {"name": self.model._meta.verbose_name},
            export_filters=self.describe_filters(request),
            export_row_count=self.get_export_queryset(request).count(),
            export_masked=self.masks_personal_data(request),
        )
        return context

    def get_export_filename(self, request, queryset, file_format):
        """Return e.g. ``搬迁户_已签约_练湖新城社区_20261130.xlsx``."""
        described = self.describe_filters(request)
        values = [
            part.split("：", 1)[-1]
            for part in described.split("；")
            if described != NO_FILTER
        ]
        return export_filename(
            str(self.model._meta.verbose_name), values, file_format.get_extension()
        )

    def get_export_resource_kwargs(self, request, **kwargs):
        return self.get_resource_kwargs(request)

    def export_action(self, request):
        """Show the export form; on a valid POST, stream the file it asks for."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        try:
            # The export's rows are the list's: its address is checked as the
            # changelist checks it, before any form or file is built from it.
            self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            self.message_user(
                request,
                _("导出的筛选条件无效：请在列表中重新筛选后再导出。"),
                messages.ERROR,
            )
            opts = self.model._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        formats = self.get_export_formats()
        if self.is_skip_export_form_enabled():
            return self.export_response(request, formats[0]())
        if request.method != "POST":
            return super().export_action(request)
        form = self.get_export_form_class()(
            formats, self.get_export_resource_classes(request), data=request.POST
        )
        # An export action's form names its records by pk; the export queryset
        # keeps them to the user's scope.
        items = [
            item
            for item in request.POST.getlist("export_items")
            if item.isascii() and item.isdigit()
        ]
        form.fields["export_items"].choices = [(item, item) for item in items]
        if form.is_valid():
            file_format = formats[int(form.cleaned_data["format"])]()
            return self.export_response(
                request, file_format, form, form.cleaned_data["export_items"]
            )
        context = self.init_request_context_data(request, form)
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.export_template_name], context=context)

    def export_response(self, request, file_format, form=None, items=()):
        """Return the changelist's rows (those of ``items`` if any) as a file."""
        queryset = self.get_export_queryset(request)
        if items:
            queryset = queryset.filter(pk__in=items)
        resource_class = self.choose_export_resource_class(form, request)
        resource = resource_class(**self.get_export_resource_kwargs(request))
        export = Export(
            resource,
            queryset,
            file_format.get_extension(),
            selected=self.get_export_resource_fields_from_form(form),
        )
        return export.response(
            user=request.user,
            model=self.model,
            filters=self.describe_filters(request),
            filename=self.get_export_filename(request, queryset, file_format),
        )
