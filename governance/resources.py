from devzone.imports import ZoneResource
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


class BranchRatingResource(ZoneResource):
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
