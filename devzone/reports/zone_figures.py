"""devzone's own figures in the annual report: indicators and home-care centres."""

from decimal import Decimal

from devzone.models import AnnualIndicator, Community
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


def home_care_figures(year, scope=WHOLE_ZONE):
    """Return the share of communities with a home-care centre (the present state)."""
    total = Community.objects.within(scope).count()
    if not total:
        return []
    with_centre = Community.objects.within(scope).with_home_care_center().count()
    share = (Decimal(with_centre) * 100 / total).quantize(Decimal("0.1"))
    url = changelist_url(Community, has_home_care_center__exact=1)
    return [
        Figure(
            key="welfare.home_care_share",
            label="建成居家养老服务中心的村/社区占比",
            value=share,
            unit="%",
            url=url,
            rows=with_centre,
            decimals=1,
        ),
        Figure(
            key="welfare.home_care_communities",
            label="建成居家养老服务中心的村/社区",
            value=with_centre,
            unit="个",
            url=url,
            rows=with_centre,
        ),
    ]
