"""Sidebar filters of the projects admin that Django does not ship."""

from decimal import Decimal, InvalidOperation

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils.translation import gettext_lazy as _

from projects.models.deals import AMOUNT_BANDS


class RangeListFilter(admin.FieldListFilter):
    """A "from – to" pair of inputs on a number field (both ends inclusive)."""

    template = "admin/projects/range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_gte = f"{field_path}__gte"
        self.lookup_lte = f"{field_path}__lte"
        super().__init__(field, request, params, model, model_admin, field_path)

    def expected_parameters(self):
        return [self.lookup_gte, self.lookup_lte]

    def value(self, lookup):
        values = self.used_parameters.get(lookup)
        return values[-1] if isinstance(values, list) and values else ""

    def queryset(self, request, queryset):
        bounds = {}
        for lookup in self.expected_parameters():
            text = self.value(lookup).strip().replace(",", "")
            if not text:
                continue
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise IncorrectLookupParameters(
                    _("“%(value)s”不是数字。") % {"value": text}
                ) from None
            if not number.is_finite():
                raise IncorrectLookupParameters(
                    _("“%(value)s”不是数字。") % {"value": text}
                )
            if number and number.adjusted() >= self.integer_digits():
                # No stored value is that large: PostgreSQL would refuse the query.
                raise IncorrectLookupParameters(
                    _("“%(value)s”超出了“%(field)s”的范围。")
                    % {"value": text, "field": self.title}
                )
            bounds[lookup] = number
        return queryset.filter(**bounds)

    def integer_digits(self):
        """Return how many digits the field holds before the decimal point."""
        max_digits = getattr(self.field, "max_digits", None)
        if max_digits is None:
            return 19  # a 64-bit integer
        return max_digits - self.field.decimal_places

    def choices(self, changelist):
        others = [
            (key, value)
            for key, value in changelist.params.items()
            if key not in self.expected_parameters()
        ]
        yield {
            "gte_name": self.lookup_gte,
            "lte_name": self.lookup_lte,
            "gte": self.value(self.lookup_gte),
            "lte": self.value(self.lookup_lte),
            "others": others,
            "reset_url": changelist.get_query_string(remove=self.expected_parameters()),
            "active": any(self.value(lookup) for lookup in self.expected_parameters()),
        }


class AmountBandFilter(admin.SimpleListFilter):
    """The amount bands of the annual review (≥ 50, 30–50, 10–30, < 10 亿元)."""

    title = _("投资规模")
    parameter_name = "band"

    def lookups(self, request, model_admin):
        return [(key, label) for key, label, _bounds in AMOUNT_BANDS]

    def queryset(self, request, queryset):
        if self.value() in {key for key, _label, _bounds in AMOUNT_BANDS}:
            return queryset.in_band(self.value())
        return queryset


class SignedYearFilter(admin.SimpleListFilter):
    """The year a deal was signed, listing the years that have signed deals."""

    title = _("签约年度")
    parameter_name = "signed_on__year"

    def lookups(self, request, model_admin):
        years = model_admin.model.objects.filter(signed_on__isnull=False).dates(
            "signed_on", "year", order="DESC"
        )
        return [(str(day.year), f"{day.year}") for day in years]

    def queryset(self, request, queryset):
        if self.value():
            try:
                return queryset.signed_in(int(self.value()))
            except ValueError:
                raise IncorrectLookupParameters(self.value()) from None
        return queryset
