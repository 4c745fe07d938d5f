"""List columns that read right: numbers grouped in thousands, state in words."""

from decimal import Decimal

from django.utils.functional import lazy
from django.utils.html import format_html

TEN_THOUSAND = Decimal(10000)


def grouped(value, decimals=2):
    """Return a number with thousands separators: 54023 → "54,023.00"; None → "—"."""
    if value is None:
        return "—"
    return f"{Decimal(value):,.{decimals}f}"


def plain_decimals(value):
    """Return how many decimals a value needs: 1420.0000 → 0, 19.8100 → 2."""
    exponent = Decimal(value).normalize().as_tuple().exponent
    return max(0, -exponent)


def in_yi_yuan(wan_yuan):
    """Return a sum of 万元 as a leader reads it: 4015366 → "401.54 亿元"."""
    return f"{grouped(Decimal(wan_yuan or 0) / TEN_THOUSAND)} 亿元"


class NumberColumn:
    """A list column showing a number field (or annotation) grouped in thousands.

    ``NumberColumn(KeyProject, "total_investment")`` is headed by the field's own
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
