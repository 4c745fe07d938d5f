from projects.models.deals import InvestmentDeal, InvestmentDealQuerySet
from projects.models.key_projects import KeyProject, KeyProjectQuerySet
from projects.models.relocation import (
    RelocationHousehold,
    RelocationHouseholdQuerySet,
    RelocationProject,
    RelocationProjectQuerySet,
)

__all__ = [
    "InvestmentDeal",
    "InvestmentDealQuerySet",
    "KeyProject",
    "KeyProjectQuerySet",
    "RelocationHousehold",
    "RelocationHouseholdQuerySet",
    "RelocationProject",
    "RelocationProjectQuerySet",
]
