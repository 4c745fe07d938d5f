from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("党建与治理")
    default_auto_field = "django.db.models.BigAutoField"
