from governance.models.branches import BranchRating, PartyBranch
from governance.models.cases import EnvironmentalCase
from governance.models.photos import CasePhoto
from governance.models.volunteers import VolunteerActivity, VolunteerTeam

__all__ = [
    "BranchRating",
    "CasePhoto",
    "EnvironmentalCase",
    "PartyBranch",
    "VolunteerActivity",
    "VolunteerTeam",
]
