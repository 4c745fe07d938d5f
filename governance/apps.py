from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("党建与治理")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from devzone.registry import (
            Generator,
            ReportContribution,
            ReportSection,
            TodoSource,
            register_app,
        )
        from governance import (
            bulk_data,
            demo,
            demo_data,
            filters,
            reports,
            resources,
            roles,
            todo,
        )
        from governance.models import EnvironmentalCase

        register_app(
            self,
            datasets=[
                (resources.PartyBranchResource, filters.PartyBranchFilterSet),
                (resources.BranchRatingResource, filters.BranchRatingFilterSet),
                (resources.VolunteerTeamResource, filters.VolunteerTeamFilterSet),
                (
                    resources.VolunteerActivityResource,
                    filters.VolunteerActivityFilterSet,
                ),
                (
                    resources.EnvironmentalCaseResource,
                    filters.EnvironmentalCaseFilterSet,
                ),
            ],
            sections=[
                ReportSection("party", "党建引领", order=10),
                ReportSection("environment", "生态环境", order=30),
            ],
            reports=[
                ReportContribution(
                    section="party",
                    figures=reports.party_figures,
                    years=reports.party_years,
                    order=20,
                ),
                ReportContribution(
                    section="environment",
                    figures=reports.environment_figures,
                    charts=reports.environment_charts,
                    years=reports.environment_years,
                    order=20,
                ),
            ],
            generators=[
                Generator(
                    "activities",
                    "志愿服务活动",
                    500_000,
                    bulk_data.generate_activities,
                    20,
                ),
                Generator(
                    "cases", "环境与城管案件", 200_000, bulk_data.generate_cases, 21
                ),
            ],
            todos=[
                TodoSource(
                    key="governance.overdue_cases",
                    label="逾期未办结的案件",
                    model=EnvironmentalCase,
                    rows=todo.overdue_cases,
                    changelist_query={"overdue": "yes"},
                    order=10,
                ),
                TodoSource(
                    key="governance.cases_due_soon",
                    label="3 天内到期的案件",
                    model=EnvironmentalCase,
                    rows=todo.cases_due_soon,
                    changelist_query={"due_soon": "yes"},
                    order=20,
                ),
            ],
            demo=demo.load,
            demo_files=demo_data.generate,
            roles=roles.GRANTS,
            order=20,
            menu_order=10,
        )
