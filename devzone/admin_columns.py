"""List columns that read right (numbers grouped, state in words) and their filters."""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

TEN_THOUSAND = Decimal(10000)


def grouped(value, decimals=2):
    """Return a number with thousands separators: 54023 → "54,023.00"; None → "—"."""
    if value is None:
        return "—"
    return f"{Decimal(value):,.{decimals}f}"


def plain_decimals(value):
    """Return how many decimals a value needs: 1420.0000 → 0, 19.8100 → 2."""
    exponent = Decimal(value).normalize().as_tuple().exponent
    # A finite amount's exponent is an int ("n", "N", "F" mark NaN and infinity).
    return max(0, -exponent) if isinstance(exponent, int) else 0


def in_yi_yuan(wan_yuan):
    """Return a sum of 万元 as a leader reads it: 4015366 → "401.54 亿元"."""
    return f"{grouped(Decimal(wan_yuan or 0) / TEN_THOUSAND)} 亿元"


class NumberColumn:
    """A list column showing a number field (or annotation) grouped in thousands.

    ``NumberColumn(AnnualIndicator, "value")`` is headed by the field's own
    name and sorts by it; ``decimals=None`` shows as many decimals as the value has.
    """

    def __init__(self, model, name, *, decimals=2, description=None):
        self.__name__ = name
        self.name = name
        self.decimals = decimals
        self.admin_order_field = name
        self.short_description = (
            description or lazy(lambda: model._meta.get_field(name).verbose_name, str)()
        )

    def __call__(self, obj):
        value = getattr(obj, self.name)
        if value is None:
            return "—"
        decimals = plain_decimals(value) if self.decimals is None else self.decimals
        return grouped(value, decimals)


def state_text(bad, bad_text, good_text):
    """Return a state in words, the bad one in red: never a ✓ that means trouble."""
    if bad:
        return format_html('<span class="state-bad">{}</span>', bad_text)
    return format_html('<span class="state-good">{}</span>', good_text)


def total_text(value, unit):
    """Return a list total in the review's units: 万元 sums are read in 亿元."""
    if unit == "万元":
        return f"{in_yi_yuan(value)}（{grouped(value or 0)} 万元）"
    return f"{grouped(value or 0, 0 if unit in COUNT_UNITS else 2)} {unit}"


COUNT_UNITS = {"人次", "人", "户", "个", "件", "次"}


class StatsYearMixin:
    """A list whose yearly columns count one year: 统计年度, chosen in its filters.

    The year is the one asked for (``?stats_year=``) among ``stats_years()``, else
    the latest year holding records, so the 2021 data never reads 0 in 2026.
    """

    def stats_years(self):
        """Return the years holding records, in any order."""
        return []

    def stats_year(self, request):
        years = sorted(set(self.stats_years()), reverse=True)
        asked = request.GET.get(StatsYearFilter.parameter_name, "")
        if asked.isdigit() and int(asked) in years:
            return int(asked)
        return years[0] if years else timezone.localdate().year


class StatsYearFilter(admin.SimpleListFilter):
    """Choose the year a list's yearly columns count; it filters no rows."""

    title = _("统计年度")
    parameter_name = "stats_year"

    def __init__(self, request, params, model, model_admin):
        self.year = model_admin.stats_year(request)  # lookups() reads it
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        years = sorted({*model_admin.stats_years(), self.year}, reverse=True)
        return [(str(year), _("%(year)d 年") % {"year": year}) for year in years]

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        return queryset

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": value == str(self.year),
                "query_string": changelist.get_query_string(
                    {self.parameter_name: value}
                ),
                "display": label,
            }


class YesNoFilter(admin.SimpleListFilter):
    """A sidebar filter of two answers, each a QuerySet method of the list's rows.

    Declare ``yes`` and ``no`` as ``(label, method name)``.
    """

    yes: tuple["StrOrPromise", str]
    no: tuple["StrOrPromise", str]

    def lookups(self, request, model_admin):
        return [("yes", self.yes[0]), ("no", self.no[0])]

    def queryset(self, request, queryset):
        answer = {"yes": self.yes, "no": self.no}.get(self.value() or "")
        return getattr(queryset, answer[1])() if answer else queryset


class ChoicesFilter(admin.SimpleListFilter):
    """A sidebar filter of ``options`` (TextChoices), the choice given to ``method``.

    The QuerySet method returns every row for a value it does not know.
    """

    options: type[models.TextChoices]
    method: str

    def lookups(self, request, model_admin):
        return self.options.choices

    def queryset(self, request, queryset):
        return getattr(queryset, self.method)(self.value())
