from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecipeAppConfig(AppConfig):
    name = "tests.recipe_app"
    label = "recipe_app"
    verbose_name = _("助餐服务")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from devzone import roles
        from devzone.registry import ReportContribution, register_app
        from tests.recipe_app import demo, filters, reports, resources
        from tests.recipe_app.models import MealPoint

        register_app(
            self,
            datasets=[(resources.MealPointResource, filters.MealPointFilterSet)],
            # Its figure joins the section another app registered: welfare.
            reports=[
                ReportContribution(
                    section="welfare",
                    figures=reports.figures,
                    years=reports.years,
                    order=950,
                )
            ],
            demo=demo.load,
            roles={
                roles.SOCIAL: roles.grant(roles.FULL, MealPoint),
                roles.COMMUNITY_STAFF: roles.grant(roles.ENTER, MealPoint),
                roles.LEADERS: roles.grant(roles.READ_EXPORT, MealPoint),
            },
            order=90,
        )
