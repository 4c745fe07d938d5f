"""The governance demo data: fixtures/demo/governance/, imported like a user's files."""

from devzone.demo import DEMO_DIR, import_file
from governance.resources import (
    BranchRatingResource,
    EnvironmentalCaseResource,
    PartyBranchResource,
    VolunteerActivityResource,
    VolunteerTeamResource,
)

FILES = [
    ("党支部", PartyBranchResource, "branches.csv"),
    ("星级评定", BranchRatingResource, "ratings.csv"),
    ("志愿服务队", VolunteerTeamResource, "teams.csv"),
    ("志愿服务活动", VolunteerActivityResource, "activities.csv"),
    ("环境与城管案件", EnvironmentalCaseResource, "cases.csv"),
]


def load():
    """Load branches, ratings, teams, activities and cases; return the counts."""
    folder = DEMO_DIR / "governance"
    return {
        label: import_file(resource, folder / name) for label, resource, name in FILES
    }
