"""The projects app's figures in the annual report: key projects, relocation, deals."""

from decimal import Decimal

from django.db.models import Count, Sum

from devzone.registry import Chart, Figure, ReportContribution
from devzone.reports.figures import changelist_url, choice_bars, count_figure
from devzone.scope import WHOLE_ZONE
from projects.models import (
    InvestmentDeal,
    KeyProject,
    RelocationHousehold,
    RelocationProject,
)

TEN_THOUSAND = Decimal(10000)


def in_ten_thousands(amount):
    """Return an amount (万元 or m²) in units of ten thousand, to 2 decimals."""
    return (Decimal(amount or 0) / TEN_THOUSAND).quantize(Decimal("0.01"))


def project_figures(year, scope=WHOLE_ZONE):
    """Return the key project and relocation figures of one year."""
    industrial = KeyProject.objects.for_year(year).industrial()
    # Lookups the list's sidebar filters read (``category__exact`` for a choice,
    # ``year`` for a plain number), so its panel shows which filters apply.
    base = {"year": year, "category__exact": KeyProject.Category.INDUSTRIAL}
    households = RelocationHousehold.objects.within(scope).for_year(year)
    household_url = changelist_url(RelocationHousehold, project__year=year)
    household_figure = count_figure(
        "projects.relocation_households",
        "搬迁户",
        households,
        household_url,
        "户",
        headline=True,
    )
    return [
        count_figure(
            "projects.key_industrial",
            "重点产业项目",
            industrial,
            changelist_url(KeyProject, **base),
            "个",
            headline=True,
            zone_wide=True,
        ),
        *(
            count_figure(
                key,
                label,
                rows,
                changelist_url(KeyProject, **base, **lookup),
                "个",
                zone_wide=True,
            )
            for key, label, rows, lookup in [
                (
                    "projects.key_continued",
                    "续建",
                    industrial.continued(),
                    {"build_type__exact": KeyProject.BuildType.CONTINUED},
                ),
                (
                    "projects.key_new",
                    "新建",
                    industrial.new(),
                    {"build_type__exact": KeyProject.BuildType.NEW},
                ),
                (
                    "projects.key_province",
                    "省级",
                    industrial.on_list(KeyProject.ListLevel.PROVINCE),
                    {"list_level__exact": KeyProject.ListLevel.PROVINCE},
                ),
                (
                    "projects.key_zhenjiang",
                    "镇江市级",
                    industrial.on_list(KeyProject.ListLevel.ZHENJIANG),
                    {"list_level__exact": KeyProject.ListLevel.ZHENJIANG},
                ),
            ]
        ),
        count_figure(
            "projects.relocation_projects",
            "搬迁项目",
            RelocationProject.objects.for_year(year),
            changelist_url(RelocationProject, year=year),
            "个",
            zone_wide=True,
        ),
        household_figure,
        Figure(
            key="projects.relocation_area",
            label="搬迁面积",
            value=in_ten_thousands(households.total_area()),
            unit="万平方米",
            url=household_url,
            rows=household_figure.rows,
            decimals=2,
        ),
    ]


def chart_rows(queryset, field, choices):
    return choice_bars(
        dict(queryset.values_list(field).annotate(n=Count("pk"))), choices
    )


def project_charts(year, scope=WHOLE_ZONE):
    """Return the charts of the year's key projects by status and by list level."""
    projects = KeyProject.objects.for_year(year)
    total = projects.count()
    industrial = projects.industrial().count()
    # The charts count every key project; the figure above them only the industrial.
    note = (
        f"含产业类、基础设施和社会事业各类重点项目，共 {total} 个；"
        f"上表“重点产业项目”只计产业类 {industrial} 个。"
        if total != industrial
        else ""
    )
    return [
        Chart(
            key="projects.key_by_status",
            title="重点项目按状态",
            data=chart_rows(projects, "status", KeyProject.Status.choices),
            unit="个",
            note=note,
            zone_wide=True,
        ),
        Chart(
            key="projects.key_by_level",
            title="重点项目按最高列入层级",
            data=chart_rows(projects, "list_level", KeyProject.ListLevel.choices),
            unit="个",
            note=note,
            zone_wide=True,
        ),
    ]


def sum_figure(key, label, queryset, url, headline=False):
    summary = queryset.aggregate(total=Sum("total_investment"), rows=Count("pk"))
    return Figure(
        key=key,
        label=label,
        value=in_ten_thousands(summary["total"]),
        unit="亿元",
        url=url,
        rows=summary["rows"],
        decimals=2,
        headline=headline,
    )


def development_figures(year, scope=WHOLE_ZONE):
    """Return the investment deal figures of one year."""
    signed = InvestmentDeal.objects.signed_in(year)
    mature = InvestmentDeal.objects.for_year(year).mature()
    signed_params = {"signed_on__year": year}
    signed_url = changelist_url(InvestmentDeal, **signed_params)
    mature_url = changelist_url(
        InvestmentDeal, year=year, stage__exact=InvestmentDeal.Stage.MATURE
    )
    return [
        count_figure("development.deals_signed", "签约项目", signed, signed_url, "个"),
        sum_figure(
            "development.deals_signed_total",
            "签约总额",
            signed,
            signed_url,
            headline=True,
        ),
        count_figure(
            "development.deals_50_plus",
            "50亿元以上项目",
            signed.in_band("50_plus"),
            changelist_url(InvestmentDeal, **signed_params, band="50_plus"),
            "个",
        ),
        count_figure(
            "development.deals_30_50",
            "30–50亿元项目",
            signed.in_band("30_50"),
            changelist_url(InvestmentDeal, **signed_params, band="30_50"),
            "个",
        ),
        count_figure(
            "development.deals_foreign",
            "外资项目",
            signed.foreign(),
            changelist_url(InvestmentDeal, **signed_params, is_foreign__exact=1),
            "个",
        ),
        count_figure(
            "development.deals_mature", "在手成熟项目", mature, mature_url, "个"
        ),
        sum_figure(
            "development.deals_mature_total", "在手成熟项目总额", mature, mature_url
        ),
    ]


def development_charts(year, scope=WHOLE_ZONE):
    """Return the chart of the year's signed investment by industry, in 亿元."""
    totals = dict(
        InvestmentDeal.objects.signed_in(year)
        .values_list("industry")
        .annotate(total=Sum("total_investment"))
    )
    return [
        Chart(
            key="development.signed_by_industry",
            title="签约投资额按产业",
            data=[
                (str(label), in_ten_thousands(totals.get(value)))
                for value, label in InvestmentDeal.Industry.choices
            ],
            unit="亿元",
        )
    ]


def project_years():
    """Return the years that hold key projects or relocation projects."""
    key_years = KeyProject.objects.values_list("year", flat=True)
    relocation_years = RelocationProject.objects.values_list("year", flat=True)
    return sorted(set(key_years) | set(relocation_years))


def development_years():
    """Return the years that hold investment deals."""
    return sorted(set(InvestmentDeal.objects.values_list("year", flat=True)))


CONTRIBUTIONS = [
    ReportContribution(
        section="projects",
        figures=project_figures,
        charts=project_charts,
        order=10,
        years=project_years,
    ),
    ReportContribution(
        section="development",
        figures=development_figures,
        charts=development_charts,
        order=10,
        years=development_years,
        zone_wide=True,
    ),
]
