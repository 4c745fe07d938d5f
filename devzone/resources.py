from import_export import fields

from devzone.models import AnnualIndicator, Area, Community, StaffProfile
from devzone.spreadsheets.resources import ZoneResource
from devzone.spreadsheets.widgets import NaturalKeyManyWidget, NaturalKeyWidget


class CommunityResource(ZoneResource):
    class Meta:
        model = Community
        fields = (
            "name",
            "kind",
            "subdistrict",
            "statistical_code",
            "has_home_care_center",
            "has_party_service_center",
        )
        import_id_fields = ("name",)


class AreaResource(ZoneResource):
    class Meta:
        model = Area
        fields = ("name", "plan_status", "approved_on", "note")
        import_id_fields = ("name",)


class AnnualIndicatorResource(ZoneResource):
    class Meta:
        model = AnnualIndicator
        fields = ("year", "name", "value", "unit", "source")
        import_id_fields = ("year", "name")


class StaffProfileResource(ZoneResource):
    user = fields.Field(
        attribute="user",
        column_name="用户名",
        widget=NaturalKeyWidget(
            StaffProfile._meta.get_field("user").related_model, "username"
        ),
    )
    communities = fields.Field(
        attribute="communities",
        column_name="负责村/社区",
        widget=NaturalKeyManyWidget(Community, "name"),
        m2m_add=False,
    )

    class Meta:
        model = StaffProfile
        fields = ("user", "department", "title", "communities")
        import_id_fields = ("user",)
