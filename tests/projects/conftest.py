import pytest

from devzone.demo import load_zone
from tests.projects.factories import RelocationProjectFactory


@pytest.fixture
def zone(db):
    """Load the zone's 12 communities and 7 areas, as the demo data has them."""
    load_zone()


@pytest.fixture
def tianbo(zone):
    """Return the relocation project the household samples belong to."""
    from devzone.models import Community

    return RelocationProjectFactory(
        name="天波城北侧", community=Community.objects.get(name="练湖新城社区")
    )
