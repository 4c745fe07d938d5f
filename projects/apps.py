from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("项目建设")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from devzone.registry import (
            Generator,
            PersonSource,
            ReportSection,
            TodoSource,
            register_app,
        )
        from projects import (
            bulk_data,
            demo,
            demo_data,
            filters,
            people,
            reports,
            resources,
            roles,
        )
        from projects.models import RelocationHousehold

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
            people=[
                PersonSource(
                    RelocationHousehold,
                    id_field="id_number",
                    name_field="head_name",
                    cards=people.household_cards,
                    order=10,
                )
            ],
            todos=[
                TodoSource(
                    key="projects.past_vacate_deadline",
                    label="逾期未腾空的搬迁户",
                    model=RelocationHousehold,
                    rows=people.past_vacate_deadline,
                    changelist_query={"past_deadline": "yes"},
                    order=40,
                )
            ],
            demo=demo.load,
            demo_files=demo_data.generate,
            roles=roles.GRANTS,
            order=10,
            menu_order=20,
        )
