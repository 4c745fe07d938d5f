"""列的对应关系: the import preview's step that maps unmatched file columns.

The preview lists each column of the file that no name matched (and each one the
user's saved mapping read), with a choice of the dataset's columns or 不导入. The
choices are saved for that user and dataset (``spreadsheets.mapping``); the user
then uploads the file again and it is read with them.
"""

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from devzone import registry
from devzone.models import ColumnMapping
from devzone.spreadsheets.formats import header_key
from devzone.spreadsheets.mapping import LEAVE_OUT, column_mapping_save

UNSET = ""  # the choice that clears a saved mapping, or leaves a column unmapped


class ColumnMappingForm(forms.Form):
    """One file column: the column it is read as, or 不导入, or not set."""

    file_column = forms.CharField(
        label=gettext_lazy("文件中的列"), max_length=100, widget=forms.HiddenInput
    )
    mapping = forms.IntegerField(
        label=gettext_lazy("对应关系"), required=False, widget=forms.HiddenInput
    )
    column = forms.ChoiceField(label=gettext_lazy("对应的列"), required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        column = cast(forms.ChoiceField, self.fields["column"])
        column.choices = [
            (UNSET, _("（未设置）")),
            (LEAVE_OUT, LEAVE_OUT),
            *[(column, column) for column in choices],
        ]


ColumnMappingFormSet = forms.formset_factory(
    ColumnMappingForm, extra=0, max_num=200, absolute_max=200, validate_max=True
)


def importable_dataset(user, key):
    """Return the dataset ``key`` if the user may import it; refuse otherwise."""
    dataset = registry.datasets.get(key)
    if dataset is None:
        raise PermissionDenied
    opts = dataset.model._meta
    if not user.has_perm(f"{opts.app_label}.import_{opts.model_name}"):
        raise PermissionDenied
    return dataset


def mapping_choices(dataset):
    """Return the columns a file column of the dataset may be mapped to."""
    resource = dataset.resource()
    return [
        field.column_name for field in resource.fields.values() if not field.readonly
    ]


def mapping_formset(result, user, key):
    """Return the preview's mapping step for an import result, or None."""
    rows = [(name, column or LEAVE_OUT) for name, column in result.mapped_columns]
    rows += [(name, UNSET) for name in result.unmatched_columns]
    if not rows or not result.mapping_choices:
        return None
    saved = dict(
        ColumnMapping.objects.filter(user=user, dataset=key).values_list(
            "file_column", "pk"
        )
    )
    return ColumnMappingFormSet(
        initial=[
            {
                "file_column": name,
                "column": column,
                "mapping": saved.get(header_key(name)),
            }
            for name, column in rows
        ],
        form_kwargs={"choices": result.mapping_choices},
    )


def errors_text(formset):
    texts = [str(e) for e in formset.non_form_errors()]
    for form in formset.forms:
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            where = form.cleaned_data.get("file_column") or (field and field.label)
            texts += [f"{where}：{e}" for e in errors]
    return "；".join(texts)


@require_POST
@staff_member_required
def import_mapping_save(request):
    """Save the user's mapping of a dataset's file columns, then back to its import."""
    key = request.POST.get("dataset", "")
    dataset = importable_dataset(request.user, key)
    opts = dataset.model._meta
    back = reverse(f"admin:{opts.app_label}_{opts.model_name}_import")
    choices = mapping_choices(dataset)
    formset = ColumnMappingFormSet(request.POST, form_kwargs={"choices": choices})
    if not formset.is_valid():
        messages.error(
            request,
            _("列的对应关系没有保存：%(errors)s") % {"errors": errors_text(formset)},
        )
        return HttpResponseRedirect(back)
    rows = [form.cleaned_data for form in formset.forms if form.cleaned_data]
    ids = {row["mapping"] for row in rows if row.get("mapping") is not None}
    owned = set(
        ColumnMapping.objects.filter(
            user=request.user, dataset=key, pk__in=ids
        ).values_list("pk", flat=True)
    )
    if ids - owned:
        messages.error(
            request,
            _(
                "列的对应关系没有保存：其中有不是您保存的对应关系，请重新上传文件后再设置。"
            ),
        )
        return HttpResponseRedirect(back)
    mapping: dict[str, str | None] = {}
    for row in rows:
        column = row["column"]
        mapping[row["file_column"]] = (
            None if column == UNSET else "" if column == LEAVE_OUT else column
        )
    try:
        column_mapping_save(
            user=request.user, dataset=key, mapping=mapping, choices=choices
        )
    except ValidationError as exc:
        messages.error(
            request,
            _("列的对应关系没有保存：%(errors)s") % {"errors": "；".join(exc.messages)},
        )
        return HttpResponseRedirect(back)
    messages.success(
        request,
        _(
            "已保存列的对应关系。请重新上传该文件，系统将按此读取（以后同样的表格也会自动对应）。"
        ),
    )
    return HttpResponseRedirect(back)
