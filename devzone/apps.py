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
        from devzone import demo, registry

        registry.register_demo("全区基础信息", demo.load_zone, order=0)
