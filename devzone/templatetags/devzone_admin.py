"""The admin's date drill-down, without reading every row for its list of years."""

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.db import models

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def zone_date_hierarchy(cl):
    """Return Django's date hierarchy; its years are found one index probe each.

    Django lists the years with a DISTINCT over every matching row; at a million
    rows that is most of a page's time. The years between the first and the last
    date are few: ask the date's index whether each has a row.
    """
    field_name = cl.date_hierarchy
    drilled = any(key.startswith(f"{field_name}__") for key in cl.params)
    field = cl.model._meta.get_field(field_name)
    if drilled or isinstance(field, models.DateTimeField):
        return date_hierarchy(cl)
    year_field = f"{field_name}__year"
    if cl.query:
        # A search's rows come from the gram indexes, not in date order: read
        # them once for their years (Django reads them twice, bounds first).
        years = [day.year for day in cl.queryset.dates(field_name, "year")]
        if len(years) < 2:
            return date_hierarchy(cl)
    else:
        bounds = cl.queryset.aggregate(
            first=models.Min(field_name), last=models.Max(field_name)
        )
        first, last = bounds["first"], bounds["last"]
        if not (first and last) or first.year == last.year:
            return date_hierarchy(cl)
        years = [
            year
            for year in range(first.year, last.year + 1)
            if year in (first.year, last.year)
            or cl.queryset.filter(**{year_field: year}).exists()
        ]
    return {
        "show": True,
        "back": None,
        "choices": [
            {
                "link": cl.get_query_string(
                    {year_field: str(year)}, [f"{field_name}__"]
                ),
                "title": str(year),
            }
            for year in years
        ],
    }


@register.simple_tag
def active_filters(changelist):
    """Return the list's filters and search in words, or "" when it shows all rows.

    A report's link may filter by a lookup no sidebar filter shows (a year of a
    date): the sentence names it, so a list never hides why it is filtered.
    """
    describe = getattr(changelist.model_admin, "describe_changelist", None)
    if describe is None:
        return ""
    return describe(changelist)
