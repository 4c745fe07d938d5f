import django_filters
from django.utils.translation import gettext_lazy as _

from devzone.models import Community
from tests.recipe_app.models import MealPoint


def communities(request):
    return Community.objects.all()


class MealPointFilterSet(django_filters.FilterSet):
    opened_on = django_filters.DateFromToRangeFilter(label=_("开办日期"))
    community = django_filters.ModelMultipleChoiceFilter(
        label=_("村/社区"), queryset=communities
    )

    class Meta:
        model = MealPoint
        fields = ["opened_on", "community"]
