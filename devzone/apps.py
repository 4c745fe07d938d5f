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
        from django.db.models.signals import post_migrate

        # devzone.checks registers the system checks by being imported.
        from devzone import (  # noqa: F401
            audit_events,
            checks,
            demo,
            filters,
            middleware,
            registry,
            resources,
        )
        from devzone.append_only import install_triggers
        from devzone.photos.processing import configure_pillow
        from devzone.reports import zone_figures

        configure_pillow()
        audit_events.connect()

        # After every migrate, over the tables that exist then: a history table
        # added by a new app's migration is covered without a migration of ours.
        post_migrate.connect(
            install_triggers, sender=self, dispatch_uid="devzone_append_only"
        )

        # At login, not on the first request after it: the login time is written
        # with the session Django saves anyway.
        from devzone.accounts import passwords

        user_logged_in.connect(
            passwords.check_at_login, dispatch_uid="devzone_password_check"
        )
        user_logged_in.connect(
            middleware.start_working_day, dispatch_uid="devzone_working_day"
        )

        registry.register_app(
            self,
            datasets=[
                (resources.CommunityResource, filters.CommunityFilterSet),
                (resources.AreaResource, filters.AreaFilterSet),
                (resources.AnnualIndicatorResource, filters.AnnualIndicatorFilterSet),
                (resources.StaffProfileResource, filters.StaffProfileFilterSet),
            ],
            sections=[registry.ReportSection("development", "发展动能", order=50)],
            reports=[
                registry.ReportContribution(
                    section="development",
                    figures=zone_figures.indicator_figures,
                    charts=zone_figures.indicator_charts,
                    years=zone_figures.indicator_years,
                    order=900,
                    zone_wide=True,
                ),
            ],
            demo=demo.load_zone,
            order=0,
            # The zone's records and the site's machinery come after the apps'.
            menu_order=1000,
        )
        # The demo's users come last: their communities and groups exist by then.
        registry.register_demo("演示用户", demo.load_users, order=900)
