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
        from welfare import (
            bulk_data,
            demo,
            demo_data,
            filters,
            people,
            reports,
            resources,
            roles,
        )
        from welfare.models import AssistanceRecord, WelfareRecipient

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
                ),
                # Communities have no year: the share is today's, with no change.
                ReportContribution(
                    section="welfare",
                    figures=reports.home_care_figures,
                    compare=False,
                    order=900,
                ),
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
                    cards=people.recipient_cards,
                    order=30,
                ),
                PersonSource(
                    AssistanceRecord,
                    id_field="recipient__id_number",
                    name_field="recipient__name",
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
            demo_files=demo_data.generate,
            roles=roles.GRANTS,
            order=30,
            menu_order=30,
        )
