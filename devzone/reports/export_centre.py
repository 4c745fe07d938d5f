"""The export centre (数据导出): a registered dataset's filter as a URL, and its files.

The query string is the whole request: a filtered download can be bookmarked. Invalid
values and unknown parameters are refused — django-filter would otherwise drop them and
widen the export to everything.
"""

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms
from django.apps import apps
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django_filters import (
    AllValuesFilter,
    AllValuesMultipleFilter,
    ChoiceFilter,
    ModelChoiceFilter,
    ModelMultipleChoiceFilter,
    MultipleChoiceFilter,
)
from django_filters.fields import DateRangeField, RangeField
from django_filters.widgets import RangeWidget

from devzone import personal, registry
from devzone.filter_words import filters_in_words
from devzone.scope import Scope, community_path
from devzone.spreadsheets.export import export_filename as spreadsheet_name
from devzone.spreadsheets.export.xlsx_file import STYLE_PLACES, sheet_columns
from devzone.validators import NO, YES, mask_numbers_in_text, yes_no

# Parameters the export centre reads itself, beside the dataset's filters.
CONTROL_PARAMETERS = {"page", "format"}
FORMATS = ("csv", "xlsx")
CHECKBOX_CHOICES_MAX = 40
# A resident ID number or a mobile number typed into a filter is never written into
# a log or a file name in full, whichever filter it was typed into.


def visible_datasets(user):
    """Return the datasets the user may view and export, app by app, in order."""
    app_order = {
        config.label: index for index, config in enumerate(apps.get_app_configs())
    }
    return sorted(
        (d for d in registry.datasets.values() if d.visible_to(user)),
        key=lambda d: (app_order.get(d.model._meta.app_label, 0), d.order, d.label),
    )


def datasets_by_app(datasets):
    """Return [(app verbose name, [dataset, …]), …] keeping the datasets' order."""
    groups: dict[str, list] = {}
    for dataset in datasets:
        app_config = apps.get_app_config(dataset.model._meta.app_label)
        groups.setdefault(str(app_config.verbose_name), []).append(dataset)
    return list(groups.items())


def scoped_filterset(dataset, data, user, request=None):
    """Return the dataset's FilterSet over the user's scope, choices included."""
    scope = Scope.of(user)
    queryset = scope.filter(dataset.model._default_manager.all())
    filterset = dataset.filterset(data, queryset=queryset, request=request)
    if not scope.is_whole_zone:
        for name, filter_ in filterset.filters.items():
            if isinstance(filter_, ModelChoiceFilter | ModelMultipleChoiceFilter):
                choices = filter_.get_queryset(request)
                if scope.unassigned or community_path(choices.model) is not None:
                    filter_.queryset = scope.filter(choices)
            elif isinstance(filter_, AllValuesFilter | AllValuesMultipleFilter):
                # Offer only the values found in the user's own records.
                filterset.filters[name] = scoped_values_filter(filter_, queryset)
    friendly_widgets(filterset.form)
    return filterset


def friendly_widgets(form):
    """Give a filter form the widgets a clerk can use: ticks and date pickers.

    A short list of choices becomes checkboxes instead of a multi-select that
    needs Ctrl; each end of a date range gets the browser's date picker and a
    label of its own (起 / 止).
    """
    for field in form.fields.values():
        widget = field.widget
        label = force_str(field.label)
        if isinstance(widget, forms.SelectMultiple) and not isinstance(
            widget, forms.CheckboxSelectMultiple
        ):
            choices = list(field.choices)
            if len(choices) <= CHECKBOX_CHOICES_MAX:
                field.widget = forms.CheckboxSelectMultiple(choices=choices)
        elif isinstance(widget, forms.NullBooleanSelect):
            widget.choices = YES_NO_CHOICES
        elif isinstance(widget, RangeWidget):
            for subwidget, end in zip(widget.widgets, ("起", "止"), strict=False):
                subwidget.attrs["aria-label"] = f"{label}（{end}）"
                if isinstance(field, DateRangeField):
                    subwidget.input_type = "date"
                else:
                    subwidget.input_type = "text"
                    subwidget.attrs["inputmode"] = "decimal"
            if isinstance(field, RangeField) and not isinstance(field, DateRangeField):
                field.fields = tuple(
                    AmountField(box=f"{label}（{end}）", unit=unit_of(label))
                    for end in ("起", "止")
                )
            field.validators = [*field.validators, RangeOrder(label)]


YES_NO_CHOICES = [("unknown", "不限"), ("true", YES), ("false", NO)]
AMOUNT = re.compile(r"^(-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)(万|亿)?(元)?$")
MULTIPLIERS = {None: 1, "万": 10_000, "亿": 100_000_000}


def unit_of(label):
    """Return how many yuan one unit of a money box is (万元: 10,000), or None."""
    if "万元" in label or "万美元" in label:
        return 10_000
    if "亿元" in label:
        return 100_000_000
    if "元" in label:
        return 1
    return None


def parse_amount(text, unit):
    """Return a number typed as staff type it: 1,000 · 1000元 · 1万 · 1.5亿.

    A box in 万元 reads "500" as 500 万元 and "1000元" as 0.1; a box that is not
    money takes 万 and 亿 but no 元. Return None when the text is no such number.
    """
    text = unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "")
    match = AMOUNT.match(text)
    if match is None or (match[3] and unit is None):
        return None
    number = Decimal(match[1]) * MULTIPLIERS[match[2]]
    if unit is not None and (match[2] or match[3]):
        number /= unit  # typed with its unit: a sum of yuan
    return number


class AmountField(forms.DecimalField):
    """A number box that reads 1,000 · 1000元 · 1万 and names itself when it can't."""

    def __init__(self, *, box="", unit=None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.box, self.unit = box, unit

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            number = parse_amount(str(value).strip(), self.unit)
        except InvalidOperation:
            number = None
        if number is None:
            example = "1,000、1000元 或 1万" if self.unit else "1,000 或 1万"
            raise forms.ValidationError(
                _("“%(box)s”应填数字（如 %(example)s），而不是「%(value)s」。")
                % {"box": self.box, "example": example, "value": str(value)[:20]},
                code="invalid",
            )
        return number


class RangeOrder:
    """Refuse a range whose start is after its end, naming both ends."""

    def __init__(self, label):
        self.label = label

    def __call__(self, value):
        if not isinstance(value, slice):
            return
        start, stop = as_date(value.start), as_date(value.stop)
        if start in (None, "") or stop in (None, ""):
            return
        if start > stop:
            raise forms.ValidationError(
                _(
                    "“%(label)s”的起点 %(start)s 晚于终点 %(stop)s：请把较小的填在“起”，"
                    "较大的填在“止”。"
                )
                % {"label": self.label, "start": plain(start), "stop": plain(stop)},
                code="reversed",
            )


def scoped_values_filter(filter_, queryset):
    """Return a choice filter like ``filter_`` offering the values of ``queryset``."""
    values = (
        queryset.exclude(**{f"{filter_.field_name}__isnull": True})
        .order_by(filter_.field_name)
        .values_list(filter_.field_name, flat=True)
        .distinct()
    )
    choices = [(value, value) for value in values]
    multiple = isinstance(filter_, AllValuesMultipleFilter)
    cls = MultipleChoiceFilter if multiple else ChoiceFilter
    return cls(
        field_name=filter_.field_name,
        lookup_expr=filter_.lookup_expr,
        label=filter_.label,
        choices=choices,
    )


def filter_parameters(form):
    """Return every query parameter name the filter form reads."""
    names: set[str] = set()
    for name, bound_field in form.fields.items():
        widget = bound_field.widget
        suffixes = getattr(widget, "suffixes", None)
        if suffixes:
            names.update(widget.suffixed(name, suffix) for suffix in suffixes)
        else:
            names.add(name)
    return names


def unknown_parameters(query, form):
    """Return the query parameters that are neither a filter nor page/format."""
    allowed = filter_parameters(form) | CONTROL_PARAMETERS
    return sorted(name for name in query if name not in allowed)


def as_date(value):
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def plain(value):
    """Return one cleaned value as text: dates ISO, numbers without trailing zeros."""
    value = as_date(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return force_str(value)


def choice_label(field, value):
    labels = {force_str(key): force_str(label) for key, label in flat_choices(field)}
    return labels.get(force_str(value), force_str(value))


def flat_choices(field):
    for key, label in getattr(field, "choices", ()):
        if isinstance(label, (list, tuple)):
            yield from label
        else:
            yield key, label


def is_unset(value):
    """Return whether a cleaned filter value leaves its filter unset."""
    if value is None or value == "" or value == [] or value == ():
        return True
    if isinstance(value, slice):
        return value.start in (None, "") and value.stop in (None, "")
    return isinstance(value, QuerySet) and not value.exists()


def value_texts(field, value):
    """Return the readable texts of one cleaned filter value."""
    if isinstance(value, bool):
        return [yes_no(value)]
    if isinstance(value, Model):
        return [force_str(value)]
    if isinstance(value, QuerySet):
        return [force_str(obj) for obj in value]
    if isinstance(value, (list, tuple)):
        if hasattr(field, "choices"):
            return [choice_label(field, item) for item in value]
        return [plain(item) for item in value]
    if hasattr(field, "choices") and not isinstance(value, slice):
        return [choice_label(field, value)]
    return [plain(value)]


def range_text(value):
    start = None if value.start in (None, "") else plain(value.start)
    stop = None if value.stop in (None, "") else plain(value.stop)
    if start and stop:
        return f"{start} 至 {stop}"
    if start:
        return f"{start} 起"
    return f"至 {stop}"


def personal_masks(filterset, model):
    """Return {filter name: mask} for the filters on a personal value of the model.

    Asked of ``devzone.personal`` by the path the filter reads, whatever it is
    called: ``recipient_id_number`` is personal because ``recipient.id_number`` is.
    """
    masks = {}
    for name, filter_ in filterset.filters.items():
        mask = personal.mask_for(model, filter_.field_name or name)
        if mask is not None:
            masks[name] = mask
    return masks


def active_filters(form, masks=None):
    """Yield (field, value, mask) for every filter the user set, in the form's order."""
    masks = masks or {}
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if not is_unset(value):
            yield field, value, masks.get(name)


def describe_filters(form, masks=None):
    """Return the filter as a sentence, e.g. "状态：已签约；签约日期：2021-01-01 至 …"."""
    parts = []
    for field, value, mask in active_filters(form, masks):
        if isinstance(value, slice):
            text = range_text(value)
        else:
            texts = value_texts(field, value)
            text = "、".join(mask(item) if mask else item for item in texts)
        parts.append((force_str(field.label), text))
    return filters_in_words(parts)


def whole_year(value):
    """Return the year if a date range covers exactly one calendar year, else None."""
    start, stop = as_date(value.start), as_date(value.stop)
    if (
        isinstance(start, datetime.date)
        and isinstance(stop, datetime.date)
        and start.year == stop.year
        and (start.month, start.day) == (1, 1)
        and (stop.month, stop.day) == (12, 31)
    ):
        return start.year
    return None


def compact(value):
    """Return one end of a range for a file name: 20210101, or "" when open."""
    if value in (None, ""):
        return ""
    value = as_date(value)
    if isinstance(value, datetime.date):
        return value.strftime("%Y%m%d")
    return plain(value)


def compact_range(value):
    """Return a range for a file name: 20210101-20210630, 20210101起, 至20210630."""
    start, stop = compact(value.start), compact(value.stop)
    if start and stop:
        return f"{start}-{stop}"
    return f"{start}起" if start else f"至{stop}"


def filename_values(form, masks=None):
    """Return the filter values that name an export file, e.g. ["2021", "已签约"]."""
    values = []
    for field, value, mask in active_filters(form, masks):
        if isinstance(value, slice):
            year = whole_year(value)
            values.append(str(year) if year else compact_range(value))
        elif isinstance(value, bool):
            values.append(f"{force_str(field.label)}{'是' if value else '否'}")
        else:
            texts = value_texts(field, value)
            values.append("、".join(mask(item) if mask else item for item in texts))
    return [mask_numbers_in_text(value) for value in values]


def export_filename(dataset, form, extension, masks=None, today=None):
    """Return e.g. ``搬迁户_2021_已签约_20261129.xlsx``."""
    return spreadsheet_name(
        dataset.label, filename_values(form, masks), extension, today
    )


def shown_cells(resource, rows):
    """Return preview rows with money and counts grouped as the XLSX shows them."""
    fields = resource.get_export_fields()
    columns = sheet_columns(resource, fields, resource.get_export_headers())
    places = [STYLE_PLACES.get(column.number_style) for column in columns]
    return [
        [grouped(value, decimals) for value, decimals in zip(row, places, strict=True)]
        for row in rows
    ]


def grouped(value, decimals):
    """Return 1234567.8 as "1,234,567.80" (``decimals`` places); other text as is."""
    if decimals is None or value in (None, ""):
        return value
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return value
    return f"{number:,.{decimals}f}"


def dataset_summary(dataset):
    """Return a line saying what a dataset's file holds: its first columns."""
    headers = [str(h) for h in dataset.resource().get_export_headers()]
    shown = "、".join(headers[:5])
    more = _("等 %(count)d 列") % {"count": len(headers)} if len(headers) > 5 else ""
    return _("每行一条%(label)s：%(columns)s%(more)s") % {
        "label": dataset.label,
        "columns": shown,
        "more": more,
    }


def listings_by_app(user):
    """Return [(app name, [(dataset, summary, rows)]), …] of the user's datasets.

    ``rows`` (text, e.g. "1,024") counts the records in the user's scope: one query
    a dataset.
    """
    scope = Scope.of(user)
    return [
        (
            app_name,
            [
                (
                    dataset,
                    dataset_summary(dataset),
                    f"{scope.filter(dataset.model._default_manager.all()).count():,}",
                )
                for dataset in datasets
            ],
        )
        for app_name, datasets in datasets_by_app(visible_datasets(user))
    ]
