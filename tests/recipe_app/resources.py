from devzone.spreadsheets.resources import ZoneResource
from tests.recipe_app.models import MealPoint


class MealPointResource(ZoneResource):
    class Meta:
        model = MealPoint
        fields = ("name", "community", "seats", "opened_on")
        import_id_fields = ("name",)
