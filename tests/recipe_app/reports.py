from devzone.reports.figures import changelist_url, count_figure
from devzone.scope import WHOLE_ZONE
from tests.recipe_app.models import MealPoint


def figures(year, scope=WHOLE_ZONE):
    """Return the meal points opened in the year."""
    return [
        count_figure(
            "recipe_app.meal_points",
            "新开办老年助餐点",
            MealPoint.objects.within(scope).opened_in(year),
            changelist_url(MealPoint, opened_on__year=year),
            "个",
        )
    ]


def years():
    """Return the years meal points opened in."""
    return MealPoint.objects.dates("opened_on", "year").values_list(
        "opened_on__year", flat=True
    )
