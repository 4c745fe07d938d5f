from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "devzone.admin_site.DevzoneAdminSite"


class DevzoneConfig(AppConfig):
    default = True
    name = "devzone"
    verbose_name = _("全区基础信息")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from devzone import demo, filters, middleware, registry, resources
        from devzone.reports import zone_figures

        # At login, not on the first request after it: the login time is written
        # with the session Django saves anyway.
        user_logged_in.connect(
            middleware.start_working_day, dispatch_uid="devzone_working_day"
        )

        registry.register_demo("全区基础信息", demo.load_zone, order=0)
        datasets = [
            (resources.CommunityResource, filters.CommunityFilterSet),
            (resources.AreaResource, filters.AreaFilterSet),
            (resources.AnnualIndicatorResource, filters.AnnualIndicatorFilterSet),
            (resources.StaffProfileResource, filters.StaffProfileFilterSet),
        ]
        for order, (resource, filterset) in enumerate(datasets):
            opts = resource._meta.model._meta
            registry.register_dataset(
                registry.Dataset(
                    key=opts.label_lower,
                    label=str(opts.verbose_name),
                    model=resource._meta.model,
                    resource=resource,
                    filterset=filterset,
                    order=order,
                )
            )
        registry.register_report(
            registry.ReportContribution(
                section="development",
                figures=zone_figures.indicator_figures,
                charts=zone_figures.indicator_charts,
                years=zone_figures.indicator_years,
                order=900,
            )
        )
        # Communities have no year: the share is today's, with no change to show.
        registry.register_report(
            registry.ReportContribution(
                section="welfare",
                figures=zone_figures.home_care_figures,
                compare=False,
                order=900,
            )
        )
