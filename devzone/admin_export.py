"""The admin's export screen in Chinese: each column by its header, XLSX first."""

from django.utils.translation import gettext_lazy as _
from import_export.forms import SelectableFieldsExportForm


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
