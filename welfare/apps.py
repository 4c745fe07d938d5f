from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WelfareConfig(AppConfig):
    name = "welfare"
    verbose_name = _("民生福祉")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from devzone.registry import ReportContribution, ReportSection, register_app
        from welfare import demo, filters, reports, resources

        register_app(
            self,
            datasets=[
                (resources.WelfareRecipientResource, filters.WelfareRecipientFilterSet),
                (
                    resources.AssistanceRecordResource,
                    filters.AssistanceRecordFilterSet,
                ),
            ],
            sections=[ReportSection("welfare", "民生福祉", order=40)],
            reports=[
                ReportContribution(
                    section="welfare", figures=reports.figures, charts=reports.charts
                )
            ],
            demo=demo.load,
            order=30,
        )
