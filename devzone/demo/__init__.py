"""Loading the demo data: each app's files in fixtures/demo/, through its Resources.

The files are written by each app's ``demo_data`` module (``manage.py generate_demo``,
see ``generators``) from the shared pieces in ``people``, ``places`` and ``files``.

Demo data goes through the same import path as a user's spreadsheet, so it meets every
rule an import meets, and loading it twice changes nothing (natural keys).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from devzone.spreadsheets.formats import read_dataset
from devzone.spreadsheets.results import error_lines, import_counts

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"


def import_file(resource_class, path):
    """Import one file with the resource; raise CommandError listing every error."""
    path = Path(path)
    dataset = read_dataset(path.read_bytes(), path.name)
    result = resource_class(unmasked=True).import_data(dataset, dry_run=False)
    if result.has_errors() or result.has_validation_errors():
        raise CommandError(f"{path.name}:\n" + "\n".join(error_lines(result)[:50]))
    return import_counts(result)


def load_zone():
    """Load the zone's communities, areas and annual indicators."""
    from devzone.resources import (
        AnnualIndicatorResource,
        AreaResource,
        CommunityResource,
    )

    return {
        "村/社区": import_file(
            CommunityResource, DEMO_DIR / "devzone" / "communities.csv"
        ),
        "片区": import_file(AreaResource, DEMO_DIR / "devzone" / "areas.csv"),
        "年度指标": import_file(
            AnnualIndicatorResource, DEMO_DIR / "devzone" / "indicators.csv"
        ),
    }
