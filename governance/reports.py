"""The governance figures of the annual report: party building and the environment."""

from django.utils.translation import gettext as _

from devzone.changelist import distinct_years
from devzone.registry import Chart, Figure
from devzone.reports.figures import changelist_url, choice_bars, count_figure
from devzone.scope import WHOLE_ZONE
from governance.models import (
    BranchRating,
    EnvironmentalCase,
    VolunteerActivity,
    VolunteerTeam,
)

Category = EnvironmentalCase.Category

# (key, category, unit) of the case counts the review reports.
CASE_FIGURES = [
    ("governance.cityscape", Category.CITYSCAPE, "次"),
    ("governance.street_vending", Category.STREET_VENDING, "起"),
    ("governance.muck_transport", Category.MUCK_TRANSPORT, "件"),
    ("governance.construction_site", Category.CONSTRUCTION_SITE, "处"),
]


def party_years():
    """Return the years holding star ratings or volunteer activities."""
    ratings = BranchRating.objects.values_list("year", flat=True).distinct()
    return sorted(set(ratings) | set(distinct_years(VolunteerActivity, "date")))


def environment_years():
    """Return the years in which cases were opened."""
    return distinct_years(EnvironmentalCase, "opened_on")


def party_figures(year, scope=WHOLE_ZONE):
    """Return the party-building figures of ``year``."""
    ratings = BranchRating.objects.within(scope).for_year(year)
    activities = VolunteerActivity.objects.within(scope).in_year(year)
    activity_url = changelist_url(VolunteerActivity, date__year=year)
    activity_figure = count_figure(
        "governance.volunteer_activities",
        _("志愿服务活动"),
        activities,
        activity_url,
        "场次",
        headline=True,
    )
    return [
        *(
            count_figure(
                key,
                label,
                ratings.with_stars(stars),
                changelist_url(BranchRating, year=year, stars__exact=stars),
                "个",
            )
            for key, stars, label in [
                ("governance.five_star", 5, _("五星级党支部")),
                ("governance.four_star", 4, _("四星级党支部")),
            ]
        ),
        count_figure(
            "governance.volunteer_teams",
            _("志愿服务队"),
            VolunteerTeam.objects.all(),
            changelist_url(VolunteerTeam),
            "支",
            zone_wide=True,
        ),
        activity_figure,
        Figure(
            key="governance.people_served",
            label=_("服务群众"),
            value=activities.people_served(),
            unit="人次",
            url=activity_url,
            rows=activity_figure.rows,
        ),
    ]


def environment_figures(year, scope=WHOLE_ZONE):
    """Return the environment and city-management figures of ``year``."""
    cases = EnvironmentalCase.objects.within(scope).opened_in(year)
    counts = cases.count_by("category")
    figures = [
        Figure(
            key=key,
            label=category.label,
            value=counts.get(category.value, 0),
            unit=unit,
            url=changelist_url(
                EnvironmentalCase,
                category__exact=category.value,
                opened_on__year=year,
            ),
            rows=counts.get(category.value, 0),
        )
        for key, category, unit in CASE_FIGURES
    ]
    water = cases.water()
    figures.append(
        Figure(
            key="governance.rivers",
            label=_("河道覆盖"),
            value=len(water.river_names()),
            unit="条",
            url=changelist_url(
                EnvironmentalCase,
                category__in=",".join(EnvironmentalCase.WATER_CATEGORIES),
                opened_on__year=year,
            ),
            rows=water.count(),
        )
    )
    # The year's cases (opened in it, like every figure above) that were closed on
    # photo evidence: the link lists exactly them.
    count = cases.closed_with_evidence().count()
    figures.append(
        Figure(
            key="governance.closed_with_evidence",
            label=_("办结有整改后照片佐证的案件"),
            value=count,
            unit="件",
            url=changelist_url(
                EnvironmentalCase,
                status__exact=EnvironmentalCase.Status.CLOSED,
                evidence="yes",
                opened_on__year=year,
            ),
            rows=count,
        )
    )
    return figures


def environment_charts(year, scope=WHOLE_ZONE):
    """Return the cases opened in ``year`` by category and by status."""
    cases = EnvironmentalCase.objects.within(scope).opened_in(year)
    by_category = cases.count_by("category")
    by_status = cases.count_by("status")
    return [
        Chart(
            key="governance.cases_by_category",
            title=_("%(year)d 年案件（按类别）") % {"year": year},
            data=choice_bars(by_category, EnvironmentalCase.Category.choices),
            unit="件",
        ),
        Chart(
            key="governance.cases_by_status",
            title=_("%(year)d 年案件（按状态）") % {"year": year},
            data=choice_bars(by_status, EnvironmentalCase.Status.choices),
            unit="件",
        ),
    ]
