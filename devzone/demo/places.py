"""The zone's communities and areas, read from the demo files every app loads."""

from functools import cache

from devzone.demo import DEMO_DIR
from devzone.demo.files import read_csv
from devzone.resources import AreaResource, CommunityResource


@cache
def communities() -> dict[str, str]:
    """Return the zone's communities in file order, each with its kind (村/社区)."""
    rows = read_csv(DEMO_DIR / "devzone" / "communities.csv", CommunityResource)
    return {row["name"]: row["kind"] for row in rows}


@cache
def areas() -> list[str]:
    """Return the names of the zone's areas (片区) in file order."""
    rows = read_csv(DEMO_DIR / "devzone" / "areas.csv", AreaResource)
    return [row["name"] for row in rows]
