from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("党建与治理")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from devzone.registry import (
            Dataset,
            Generator,
            ReportContribution,
            register_dataset,
            register_demo,
            register_generator,
            register_report,
            report_contributions,
        )
        from governance import bulk_data, demo, filters, models, reports, resources

        for order, (model, label, resource, filterset) in enumerate(
            [
                (
                    models.PartyBranch,
                    _("党支部"),
                    resources.PartyBranchResource,
                    filters.PartyBranchFilterSet,
                ),
                (
                    models.BranchRating,
                    _("星级评定"),
                    resources.BranchRatingResource,
                    filters.BranchRatingFilterSet,
                ),
                (
                    models.VolunteerTeam,
                    _("志愿服务队"),
                    resources.VolunteerTeamResource,
                    filters.VolunteerTeamFilterSet,
                ),
                (
                    models.VolunteerActivity,
                    _("志愿服务活动"),
                    resources.VolunteerActivityResource,
                    filters.VolunteerActivityFilterSet,
                ),
                (
                    models.EnvironmentalCase,
                    _("环境与城管案件"),
                    resources.EnvironmentalCaseResource,
                    filters.EnvironmentalCaseFilterSet,
                ),
            ],
            start=20,
        ):
            register_dataset(
                Dataset(
                    key=f"governance.{model._meta.model_name}",
                    # The export centre joins the label into file names: plain text.
                    label=str(label),
                    model=model,
                    resource=resource,
                    filterset=filterset,
                    order=order,
                )
            )
        register_demo("党建与治理", demo.load, order=20)
        register_generator(
            Generator(
                "activities", "志愿服务活动", 500_000, bulk_data.generate_activities, 20
            )
        )
        register_generator(
            Generator("cases", "环境与城管案件", 200_000, bulk_data.generate_cases, 21)
        )
        if any(c.figures is reports.party_figures for c in report_contributions):
            return
        register_report(
            ReportContribution(
                section="party",
                figures=reports.party_figures,
                years=reports.party_years,
                order=20,
            )
        )
        register_report(
            ReportContribution(
                section="environment",
                figures=reports.environment_figures,
                charts=reports.environment_charts,
                years=reports.environment_years,
                order=20,
            )
        )
