"""Import and export of recipients and their assistance records (through devzone's core)."""

from django.utils.encoding import force_str
from import_export import fields

from devzone.spreadsheets.formats import is_blank
from devzone.spreadsheets.resources import ZoneResource
from devzone.spreadsheets.widgets import (
    LOOKUP_CHUNK,
    ChoiceWidget,
    IdNumberWidget,
    NaturalKeyWidget,
)
from welfare.models import AssistanceRecord, WelfareRecipient

RECIPIENT_ID_COLUMN = "身份证号"
# One answer whether the number is stored nowhere or outside the user's communities.
NOT_FOUND = "在您负责的村/社区中找不到这个身份证号的帮扶对象：请核对号码，或先导入或添加该帮扶对象。"
RECIPIENT_CATEGORY_COLUMN = "帮扶对象类别"
RECIPIENT_NAME_COLUMN = "姓名"
RECIPIENT_COMMUNITY_COLUMN = "所属村/社区"


class WelfareRecipientResource(ZoneResource):
    class Meta:
        model = WelfareRecipient
        fields = (
            "name",
            "id_number",
            "phone",
            "community",
            "address",
            "category",
            "cause",
            "batch_year",
            "batch",
            "identified_on",
            "guardian_name",
            "guardian_phone",
            "household_size",
            "status",
            "exited_on",
            "measures",
            "note",
        )
        import_id_fields = ("id_number", "category")


class RecipientWidget(NaturalKeyWidget):
    """A recipient named by ID number, and by category when the person has several.

    One person may be a recipient in two categories (a 困难户 who is also 残疾人): the
    ID number alone is then ambiguous, and the row must say which category it means
    in the “帮扶对象类别” column; a row that does not is refused, never guessed.
    """

    reads_row = True  # the set-based import gives it the whole row
    id_widget = IdNumberWidget()
    category_widget = ChoiceWidget(WelfareRecipient.Category.choices)

    def __init__(self):
        super().__init__(WelfareRecipient, "id_number")

    def key_of(self, value):
        try:
            return self.id_widget.clean(value)
        except ValueError:
            return None

    def prime(self, values):
        """Load the recipients of every ID number the file names, in chunks."""
        wanted = list(
            {self.key_of(v) for v in values if not is_blank(v)}
            - set(self.cache)
            - {None}
        )
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            for key in chunk:
                self.cache[key] = []
            found = self.candidates().filter(id_number__in=chunk)
            for recipient in found.order_by("pk"):
                self.cache[recipient.id_number].append(recipient)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        key = self.id_widget.clean(value)
        if key not in self.cache:
            self.prime([key])
        candidates = self.cache[key]
        if not candidates:
            raise ValueError(NOT_FOUND)
        category_cell = (row or {}).get(RECIPIENT_CATEGORY_COLUMN)
        registered = "、".join(c.get_category_display() for c in candidates)
        if not is_blank(category_cell):
            category = self.category_widget.clean(category_cell)
            candidates = [c for c in candidates if c.category == category]
            if not candidates:
                raise ValueError(
                    f"该身份证号没有登记为「{force_str(category_cell).strip()}」的帮扶对象"
                    f"（已登记的类别：{registered}）。"
                )
        elif len(candidates) > 1:
            raise ValueError(
                f"该身份证号登记在多个帮扶类别（{registered}），"
                f"请在“{RECIPIENT_CATEGORY_COLUMN}”列注明是哪一个。"
            )
        recipient = candidates[0]
        name_cell = (row or {}).get(RECIPIENT_NAME_COLUMN)
        if not is_blank(name_cell) and force_str(name_cell).strip() != recipient.name:
            raise ValueError(
                f"身份证号与姓名「{force_str(name_cell).strip()}」不符，请核对。"
            )
        return recipient

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.id_number


class AssistanceRecordResource(ZoneResource):
    recipient = fields.Field(
        attribute="recipient",
        column_name=RECIPIENT_ID_COLUMN,
        widget=RecipientWidget(),
    )
    # Read by RecipientWidget to choose among a person's categories; not saved.
    recipient_category = fields.Field(
        column_name=RECIPIENT_CATEGORY_COLUMN,
        widget=ChoiceWidget(WelfareRecipient.Category.choices),
    )
    # Checked against the recipient found by ID number; not saved.
    recipient_name = fields.Field(column_name=RECIPIENT_NAME_COLUMN)
    # The recipient's village or community, so that two villages' records can be
    # told apart in the file; an import does not read it (the ID number decides).
    recipient_community = fields.Field(column_name=RECIPIENT_COMMUNITY_COLUMN)

    class Meta:
        model = AssistanceRecord
        fields = (
            "recipient_name",
            "recipient",
            "recipient_category",
            "recipient_community",
            "date",
            "kind",
            "amount",
            "note",
            "recorded_by",
        )
        import_id_fields = ("recipient", "date", "kind")

    def dehydrate_recipient_category(self, record):
        return record.recipient.get_category_display()

    def dehydrate_recipient_name(self, record):
        return record.recipient.name

    def dehydrate_recipient_community(self, record):
        community = record.recipient.community
        return "" if community is None else community.name

    def filter_export(self, queryset, **kwargs):
        return (
            super()
            .filter_export(queryset, **kwargs)
            .select_related("recipient__community")
        )
