from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WelfareConfig(AppConfig):
    name = "welfare"
    verbose_name = _("民生福祉")
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
        )
        from welfare import bulk_data, demo, reports
        from welfare.filters import AssistanceRecordFilterSet, WelfareRecipientFilterSet
        from welfare.models import AssistanceRecord, WelfareRecipient
        from welfare.resources import AssistanceRecordResource, WelfareRecipientResource

        register_dataset(
            Dataset(
                key="welfare.welfarerecipient",
                label="帮扶对象",
                model=WelfareRecipient,
                resource=WelfareRecipientResource,
                filterset=WelfareRecipientFilterSet,
                order=40,
            )
        )
        register_dataset(
            Dataset(
                key="welfare.assistancerecord",
                label="帮扶记录",
                model=AssistanceRecord,
                resource=AssistanceRecordResource,
                filterset=AssistanceRecordFilterSet,
                order=41,
            )
        )
        register_demo("民生福祉", demo.load, order=30)
        register_generator(
            Generator(
                "recipients", "帮扶对象", 300_000, bulk_data.generate_recipients, 30
            )
        )
        register_report(
            ReportContribution(
                section="welfare", figures=reports.figures, charts=reports.charts
            )
        )
