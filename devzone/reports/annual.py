"""The annual report (年度工作报告): each app's figures, by section, with last year's.

The figures come from ``registry.report_contributions``; this module only arranges
them and compares them with the previous year; ``documents`` writes the files.
"""

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.utils import timezone

from devzone import registry
from devzone.scope import WHOLE_ZONE

NO_PREVIOUS = "—（上年无数据）"
ZONE_SECTION_TITLE = "全区数据"
ZONE_SECTION_NOTE = (
    "以下数据按全区统计，不按村/社区区分，不属于您的管辖范围统计，仅供参考。"
)

CHART_WIDTH = 640
CHART_LABEL_WIDTH = 200
CHART_VALUE_WIDTH = 110
CHART_BAR_HEIGHT = 22
CHART_ROW_HEIGHT = 30
CHART_TOP = 36


def as_decimal(value):
    """Return a number as a Decimal, or None if it is not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return None


def format_number(value, decimals=0):
    """Return a figure's value as shown: fixed decimals, half up, thousands grouped."""
    number = as_decimal(value)
    if number is None:
        return "—" if value is None else str(value)
    return f"{number.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP):,f}"


def is_empty(value):
    number = as_decimal(value)
    return value is None or (number is not None and number == 0)


@dataclass
class FigureRow:
    """A figure of the year beside the same figure of the previous year."""

    figure: registry.Figure
    previous: registry.Figure | None = None
    # The contribution compares years, but the year before holds no such records.
    previous_missing: bool = False

    @property
    def links_value(self):
        """Return True if the figure counts the rows its link opens."""
        return as_decimal(self.figure.value) == self.figure.rows

    @property
    def value_text(self):
        return format_number(self.figure.value, self.figure.decimals)

    @property
    def previous_value(self):
        return None if self.previous is None else self.previous.value

    @property
    def previous_text(self):
        if self.previous_missing:
            return NO_PREVIOUS
        if self.previous is None:
            return ""
        return format_number(self.previous.value, self.figure.decimals)

    @property
    def change(self):
        """Return this year's value minus last year's, or None if not comparable."""
        current = as_decimal(self.figure.value)
        previous = as_decimal(self.previous_value)
        if current is None or previous is None:
            return None
        return current - previous

    @property
    def change_text(self):
        change = self.change
        if change is None:
            return ""
        sign = "+" if change > 0 else ""
        text = sign + format_number(change, self.figure.decimals)
        previous = as_decimal(self.previous_value)
        if previous:
            percent = change * 100 / previous
            text += f"（{'+' if percent > 0 else ''}{format_number(percent, 1)}%）"
        return text


@dataclass
class Bar:
    label: str
    value_text: str
    y: int
    width: int

    @property
    def text_y(self):
        return self.y + CHART_BAR_HEIGHT * 2 // 3


@dataclass
class ChartView:
    """A Chart laid out for the SVG template."""

    chart: registry.Chart
    bars: list = field(default_factory=list)
    width: int = CHART_WIDTH
    height: int = 0
    label_width: int = CHART_LABEL_WIDTH
    bar_x: int = CHART_LABEL_WIDTH + 8

    @classmethod
    def layout(cls, chart):
        points = [(str(label), value) for label, value in chart.data]
        numbers = [as_decimal(value) or Decimal(0) for _label, value in points]
        largest = max((abs(n) for n in numbers), default=Decimal(0))
        room = CHART_WIDTH - CHART_LABEL_WIDTH - 8 - CHART_VALUE_WIDTH
        bars = []
        for index, ((label, value), number) in enumerate(
            zip(points, numbers, strict=True)
        ):
            width = int(abs(number) * room / largest) if largest else 0
            # A finite Decimal's exponent is an int (only NaN and Infinity's are not).
            decimals = max(0, -cast(int, number.normalize().as_tuple().exponent))
            bars.append(
                Bar(
                    label=label,
                    value_text=format_number(value, min(decimals, 2)),
                    y=CHART_TOP + index * CHART_ROW_HEIGHT,
                    width=max(width, 1) if number else 0,
                )
            )
        height = CHART_TOP + len(bars) * CHART_ROW_HEIGHT + 8
        return cls(chart=chart, bars=bars, height=height)

    @property
    def value_x(self):
        return self.bar_x + 6


@dataclass
class Section:
    key: str
    title: str
    rows: list = field(default_factory=list)
    charts: list = field(default_factory=list)
    note: str = ""
    zone_wide: bool = False


def contributions(section=None):
    """Return the registered contributions (of one section) in their order."""
    found = [
        c
        for c in registry.report_contributions
        if section is None or c.section == section
    ]
    return sorted(found, key=lambda c: c.order)


def report_years():
    """Return the years any contribution holds records for, latest first."""
    years: set[int] = set()
    for contribution in contributions():
        years.update(int(year) for year in contribution.years() if year)
    return sorted(years, reverse=True)


def default_year():
    """Return the latest year with records, or the current year if there are none."""
    years = report_years()
    return years[0] if years else timezone.localdate().year


def contribution_rows(contribution, year, scope):
    figures = list(contribution.figures(year, scope))
    if not contribution.compare:
        return [FigureRow(figure) for figure in figures]
    by_key = {figure.key: figure for figure in contribution.figures(year - 1, scope)}
    # Nothing recorded the year before is no data, not a zero to compare with.
    return [
        FigureRow(figure, None, previous_missing=True)
        if is_empty(getattr(by_key.get(figure.key), "value", None))
        else FigureRow(figure, by_key[figure.key])
        for figure in figures
    ]


def headlines(sections):
    """Return the rows the report opens with: each section's headline figures."""
    return [
        row
        for section in sections
        if not section.zone_wide
        for row in section.rows
        if row.figure.headline
    ]


def build_report(year, scope=WHOLE_ZONE):
    """Return the report's sections for a year, each with its figures and charts.

    A community worker's report counts only their communities' records; the
    figures no community scope applies to (key projects, deals, the zone's
    indicators) are set apart in a last section, 全区数据, never mixed in.
    """
    sections = []
    zone = Section(
        key="zone", title=ZONE_SECTION_TITLE, note=ZONE_SECTION_NOTE, zone_wide=True
    )
    set_apart = not scope.is_whole_zone
    for registered in registry.sections_in_order():
        section = Section(key=registered.key, title=registered.title)
        for contribution in contributions(registered.key):
            for row in contribution_rows(contribution, year, scope):
                wide = contribution.zone_wide or row.figure.zone_wide
                target = zone if set_apart and wide else section
                target.rows.append(row)
            for chart in contribution.charts(year, scope):
                wide = contribution.zone_wide or chart.zone_wide
                target = zone if set_apart and wide else section
                target.charts.append(ChartView.layout(chart))
        if section.rows or section.charts or not set_apart:
            sections.append(section)
    if zone.rows or zone.charts:
        sections.append(zone)
    return sections


def keep_links(sections, may_open):
    """Drop the list links of figures whose list ``may_open(url)`` refuses."""
    for section in sections:
        for row in section.rows:
            if row.figure.url and not may_open(row.figure.url):
                row.figure = replace(row.figure, url="")
    return sections
