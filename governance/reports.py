"""The governance figures of the annual report: party building and the environment."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from devzone.changelist import distinct_years
from devzone.registry import Chart, Figure
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


def changelist(model_name, **params):
    """Return the admin changelist URL of a governance model filtered by ``params``."""
    url = reverse(f"admin:governance_{model_name}_changelist")
    return f"{url}?{urlencode(params, safe=',')}" if params else url


def party_years():
    """Return the years holding star ratings or volunteer activities."""
    ratings = BranchRating.objects.values_list("year", flat=True).distinct()
    return sorted(set(ratings) | set(distinct_years(VolunteerActivity, "date")))


def environment_years():
    """Return the years in which cases were opened."""
    return distinct_years(EnvironmentalCase, "opened_on")


def party_figures(year, scope=WHOLE_ZONE):
    """Return the party-building figures of ``year``."""
    figures = []
    for key, stars, label in [
        ("governance.five_star", 5, _("五星级党支部")),
        ("governance.four_star", 4, _("四星级党支部")),
    ]:
        count = (
            BranchRating.objects.within(scope).for_year(year).with_stars(stars).count()
        )
        figures.append(
            Figure(
                key=key,
                label=label,
                value=count,
                unit="个",
                url=changelist("branchrating", year=year, stars__exact=stars),
                rows=count,
            )
        )
    teams = VolunteerTeam.objects.count()
    figures.append(
        Figure(
            key="governance.volunteer_teams",
            label=_("志愿服务队"),
            value=teams,
            unit="支",
            url=changelist("volunteerteam"),
            rows=teams,
        )
    )
    activities = VolunteerActivity.objects.within(scope).in_year(year)
    activity_count = activities.count()
    activity_url = changelist("volunteeractivity", date__year=year)
    figures.append(
        Figure(
            key="governance.volunteer_activities",
            label=_("志愿服务活动"),
            value=activity_count,
            unit="场次",
            url=activity_url,
            rows=activity_count,
            headline=True,
        )
    )
    figures.append(
        Figure(
            key="governance.people_served",
            label=_("服务群众"),
            value=activities.people_served(),
            unit="人次",
            url=activity_url,
            rows=activity_count,
        )
    )
    return figures


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
            url=changelist(
                "environmentalcase",
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
            url=changelist(
                "environmentalcase",
                category__in=",".join(EnvironmentalCase.WATER_CATEGORIES),
                opened_on__year=year,
            ),
            rows=water.count(),
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
            data=[
                (str(label), by_category.get(value, 0))
                for value, label in EnvironmentalCase.Category.choices
            ],
            unit="件",
        ),
        Chart(
            key="governance.cases_by_status",
            title=_("%(year)d 年案件（按状态）") % {"year": year},
            data=[
                (str(label), by_status.get(value, 0))
                for value, label in EnvironmentalCase.Status.choices
            ],
            unit="件",
        ),
    ]
