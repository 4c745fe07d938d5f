import re

from import_export import fields

from devzone.spreadsheets.formats import is_blank
from devzone.spreadsheets.resources import ZoneResource
from devzone.spreadsheets.widgets import ChoiceWidget, clean_text
from devzone.validators import normalize_text
from governance.models import (
    BranchRating,
    EnvironmentalCase,
    PartyBranch,
    VolunteerActivity,
    VolunteerTeam,
)


class PartyBranchResource(ZoneResource):
    class Meta:
        model = PartyBranch
        fields = (
            "name",
            "kind",
            "community",
            "host_organisation",
            "secretary",
            "member_count",
            "brand",
            "founded_on",
            "note",
        )
        import_id_fields = ("name",)


class StarsWidget(ChoiceWidget):
    """Stars written as 4, 4星, 四星, 四星级 or ★★★★; written back as 四星级."""

    NUMERALS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5"}

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return super().clean(value, row, **kwargs)
        text = normalize_text(clean_text(value))
        if text and set(text) == {"★"}:
            text = str(len(text))
        text = re.sub(r"星级?$", "", text)
        text = self.NUMERALS.get(text, text)
        try:
            return super().clean(text, row, **kwargs)
        except ValueError:
            raise ValueError(
                f"「{value}」不是有效星级：星级应为 1 到 5 星（可写 4、四星或四星级）。"
            ) from None


class BranchRatingResource(ZoneResource):
    stars = fields.Field(
        attribute="stars",
        column_name=str(BranchRating._meta.get_field("stars").verbose_name),
        widget=StarsWidget(BranchRating.Stars.choices),
    )

    class Meta:
        model = BranchRating
        fields = ("branch", "year", "stars", "note")
        import_id_fields = ("branch", "year")


class VolunteerTeamResource(ZoneResource):
    class Meta:
        model = VolunteerTeam
        fields = ("name", "parent_unit", "leader", "member_count", "founded_on", "note")
        import_id_fields = ("name",)


class VolunteerActivityResource(ZoneResource):
    class Meta:
        model = VolunteerActivity
        fields = (
            "team",
            "date",
            "title",
            "category",
            "community",
            "location",
            "volunteers",
            "people_served",
            "note",
        )
        import_id_fields = ("team", "date", "title")


class EnvironmentalCaseResource(ZoneResource):
    class Meta:
        model = EnvironmentalCase
        fields = (
            "case_number",
            "category",
            "title",
            "location",
            "community",
            "river",
            "party_concerned",
            "opened_on",
            "deadline",
            "status",
            "closed_on",
            "measures",
            "fine",
            "note",
        )
        import_id_fields = ("case_number",)
