"""The projects app's demo data: the 2021 review's key projects, deals and relocation."""

from devzone.demo import DEMO_DIR, import_file
from projects.resources import (
    InvestmentDealResource,
    KeyProjectResource,
    RelocationHouseholdResource,
    RelocationProjectResource,
)

PROJECTS_DIR = DEMO_DIR / "projects"


def load():
    """Load the key projects, deals, relocation projects and households."""
    return {
        "重点项目": import_file(KeyProjectResource, PROJECTS_DIR / "key_projects.csv"),
        "招商项目": import_file(InvestmentDealResource, PROJECTS_DIR / "deals.csv"),
        "搬迁项目": import_file(
            RelocationProjectResource, PROJECTS_DIR / "relocation_projects.csv"
        ),
        "搬迁户": import_file(
            RelocationHouseholdResource, PROJECTS_DIR / "households.csv"
        ),
    }
