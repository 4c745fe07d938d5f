"""devzone's own figures in the annual report: the annual indicators."""

from devzone.models import AnnualIndicator
from devzone.registry import Chart, Figure
from devzone.reports.figures import changelist_url
from devzone.scope import WHOLE_ZONE


def indicator_decimals(indicator):
    """Return how many decimals to show: two for 亿元, else as many as the value has."""
    if indicator.unit == "亿元":
        return 2
    exponent = indicator.value.normalize().as_tuple().exponent
    return max(0, -exponent)


def indicator_years():
    """Return the years that hold annual indicators."""
    return AnnualIndicator.objects.values_list("year", flat=True).distinct()


def indicator_figures(year, scope=WHOLE_ZONE):
    """Return one figure per annual indicator of the year."""
    return [
        Figure(
            key=f"indicator.{indicator.name}",
            label=indicator.name,
            value=indicator.value,
            unit=indicator.unit,
            url=changelist_url(AnnualIndicator, year=year, name=indicator.name),
            rows=1,
            decimals=indicator_decimals(indicator),
            headline=indicator.unit == "亿元",
        )
        for indicator in AnnualIndicator.objects.for_year(year).order_by("pk")
    ]


def indicator_charts(year, scope=WHOLE_ZONE):
    """Return a chart of the year's indicators counted in 亿元."""
    data = [
        (indicator.name, indicator.value)
        for indicator in AnnualIndicator.objects.for_year(year)
        .filter(unit="亿元")
        .order_by("-value")
    ]
    if not data:
        return []
    return [
        Chart(key="indicators.yi_yuan", title="主要经济指标", data=data, unit="亿元")
    ]
