from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("项目建设")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from devzone.registry import Generator, ReportSection, register_app
        from projects import (
            bulk_data,
            demo,
            demo_data,
            filters,
            reports,
            resources,
            roles,
        )

        register_app(
            self,
            datasets=[
                (resources.KeyProjectResource, filters.KeyProjectFilterSet),
                (resources.InvestmentDealResource, filters.InvestmentDealFilterSet),
                (
                    resources.RelocationProjectResource,
                    filters.RelocationProjectFilterSet,
                ),
                (
                    resources.RelocationHouseholdResource,
                    filters.RelocationHouseholdFilterSet,
                ),
            ],
            sections=[ReportSection("projects", "项目建设", order=20)],
            reports=reports.CONTRIBUTIONS,
            generators=[
                Generator(
                    "households", "搬迁户", 1_000_000, bulk_data.generate_households
                )
            ],
            demo=demo.load,
            demo_files=demo_data.generate,
            roles=roles.GRANTS,
            order=10,
            menu_order=20,
        )
