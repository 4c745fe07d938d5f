"""Import/export of the projects records, on devzone's shared core.

Natural keys: key projects and deals by name + year (a deal's 统计年度 is its signing
year once signed, otherwise the year it is on the books, so in-hand deals without a
signing date have a key too); relocation projects by name; households by ID number +
project, so re-importing a household list updates it and never duplicates anyone.
"""

from devzone.spreadsheets.resources import Column, ZoneResource
from projects.models import (
    InvestmentDeal,
    KeyProject,
    RelocationHousehold,
    RelocationProject,
)


class KeyProjectResource(ZoneResource):
    class Meta:
        model = KeyProject
        fields = (
            "name",
            "year",
            "category",
            "list_level",
            "build_type",
            "status",
            "total_investment",
            "investment_this_year",
            "area",
            "developer",
            "industry",
            "leader",
            "responsible_unit",
            "started_on",
            "planned_completion",
            "completed_on",
            "progress",
        )
        import_id_fields = ("name", "year")


class InvestmentDealResource(ZoneResource):
    class Meta:
        model = InvestmentDeal
        fields = (
            "name",
            "year",
            "investor",
            "industry",
            "total_investment",
            "is_foreign",
            "foreign_capital",
            "stage",
            "signed_on",
            "via_guidance_fund",
            "contact",
            "note",
        )
        import_id_fields = ("name", "year")


class RelocationProjectResource(ZoneResource):
    class Meta:
        model = RelocationProject
        fields = (
            "name",
            "year",
            "community",
            "area",
            "status",
            "started_on",
            "vacate_deadline",
            "note",
        )
        import_id_fields = ("name",)


class RelocationHouseholdResource(ZoneResource):
    head_name = Column(aliases=["户主"])

    class Meta:
        model = RelocationHousehold
        fields = (
            "project",
            "head_name",
            "id_number",
            "phone",
            "community",
            "address",
            "household_size",
            "floor_area",
            "compensation",
            "status",
            "signed_on",
            "vacated_on",
            "resettlement",
            "note",
        )
        # ID number first: the loader looks existing rows up by the first key part.
        import_id_fields = ("id_number", "project")
