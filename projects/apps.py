from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("项目建设")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from devzone.registry import (
            Dataset,
            Generator,
            register_dataset,
            register_demo,
            register_generator,
            register_report,
        )
        from projects import bulk_data, demo, filters, reports, resources

        datasets = [
            (resources.KeyProjectResource, filters.KeyProjectFilterSet),
            (resources.InvestmentDealResource, filters.InvestmentDealFilterSet),
            (resources.RelocationProjectResource, filters.RelocationProjectFilterSet),
            (
                resources.RelocationHouseholdResource,
                filters.RelocationHouseholdFilterSet,
            ),
        ]
        for order, (resource, filterset) in enumerate(datasets, start=11):
            opts = resource._meta.model._meta
            register_dataset(
                Dataset(
                    key=f"projects.{opts.model_name}",
                    label=str(opts.verbose_name),
                    model=resource._meta.model,
                    resource=resource,
                    filterset=filterset,
                    order=order,
                )
            )
        register_demo("项目建设", demo.load, order=10)
        register_generator(
            Generator("households", "搬迁户", 1_000_000, bulk_data.generate_households)
        )
        for contribution in reports.CONTRIBUTIONS:
            register_report(contribution)
