from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("党建与治理")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from devzone.registry import ReportContribution, ReportSection, register_app
        from governance import demo, filters, reports, resources

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
            demo=demo.load,
            order=20,
        )
