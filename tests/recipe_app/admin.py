from django.contrib import admin

from devzone.admin_base import ZoneAdmin
from tests.recipe_app.models import MealPoint
from tests.recipe_app.resources import MealPointResource


@admin.register(MealPoint)
class MealPointAdmin(ZoneAdmin):
    resource_classes = [MealPointResource]
    list_display = ["name", "community", "seats", "opened_on"]
    list_filter = ["community"]
    search_fields = ["name"]
    date_hierarchy = "opened_on"
    autocomplete_fields = ["community"]
    list_select_related = ["community"]
