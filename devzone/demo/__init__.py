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
    dataset = read_dataset(path, path.name)
    result = resource_class(unmasked=True).import_data(dataset, dry_run=False)
    if result.has_errors() or result.has_validation_errors():
        raise CommandError(f"{path.name}:\n" + "\n".join(error_lines(result)[:50]))
    return import_counts(result)


DEMO_WORKER = "gaolou"
DEMO_WORKER_COMMUNITY = "高楼社区"
DEMO_WORKER_GROUP = "社区工作人员"


def demo_worker():
    """Create the demo community worker of 高楼社区, without a password.

    Whoever shows the demo sets one: ``manage.py changepassword gaolou``. The group
    comes from ``setup_roles``; without it the worker is created with none.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from devzone.models import Community, StaffProfile

    worker, created = get_user_model().objects.get_or_create(
        username=DEMO_WORKER,
        defaults={"first_name": "周建明", "is_staff": True},
    )
    if created:
        worker.set_unusable_password()
        worker.save(update_fields=["password"])
    group = Group.objects.filter(name=DEMO_WORKER_GROUP).first()
    if group is not None:
        worker.groups.add(group)
    profile, _new = StaffProfile.objects.get_or_create(
        user=worker,
        defaults={
            "department": StaffProfile.Department.COMMUNITY,
            "title": "社区民政专干",
        },
    )
    profile.communities.add(Community.objects.get(name=DEMO_WORKER_COMMUNITY))
    return {"new": int(created), "update": 0, "skip": int(not created)}


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


def load_users():
    """Load the demo's users: the community worker of 高楼社区."""
    return {"社区工作人员": demo_worker()}
