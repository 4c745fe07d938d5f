from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WelfareConfig(AppConfig):
    name = "welfare"
    verbose_name = _("民生福祉")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from devzone.registry import (
            Generator,
            PersonSource,
            ReportContribution,
            ReportSection,
            TodoSource,
            register_app,
        )
        from welfare import bulk_data, demo, filters, people, reports, resources
        from welfare.models import AssistanceRecord, WelfareRecipient

        personal = resources.WelfareRecipientResource.personal_data_permission

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
            generators=[
                Generator(
                    "recipients", "帮扶对象", 300_000, bulk_data.generate_recipients, 30
                )
            ],
            people=[
                PersonSource(
                    WelfareRecipient,
                    id_field="id_number",
                    name_field="name",
                    personal_data_permission=personal,
                    cards=people.recipient_cards,
                    order=30,
                ),
                PersonSource(
                    AssistanceRecord,
                    id_field="recipient__id_number",
                    name_field="recipient__name",
                    personal_data_permission=personal,
                    cards=people.assistance_record_cards,
                    order=31,
                ),
            ],
            todos=[
                TodoSource(
                    key="welfare.due_visit",
                    label="应走访的帮扶对象",
                    model=WelfareRecipient,
                    rows=people.due_visits,
                    changelist_query={"visit": "due"},
                    order=30,
                )
            ],
            demo=demo.load,
            order=30,
        )
