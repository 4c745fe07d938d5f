"""Invented relocation households in bulk, for ``manage.py generate_data``."""

import datetime

from devzone.bulk_data import Inventor, write_rows
from devzone.models import Community
from projects.models import RelocationHousehold, RelocationProject

PROJECTS = 40


def projects():
    """Return the generated data's relocation projects, created the first time."""
    communities = list(Community.objects.order_by("name"))
    made = []
    for number in range(1, PROJECTS + 1):
        project, _created = RelocationProject.objects.get_or_create(
            name=f"生成数据搬迁项目{number:02d}",
            defaults={
                "year": 2012 + number % 10,
                "status": RelocationProject.Status.ONGOING,
                "community": communities[number % len(communities)],
            },
        )
        made.append(project)
    return made


def household_rows(count, seed=2021):
    # Everything the rows refer to is read (or made) first: no query may run
    # on the connection while COPY streams.
    invent = Inventor(seed)
    communities = list(Community.objects.values_list("pk", "name"))
    project_list = projects()
    Status = RelocationHousehold.Status
    statuses = [*Status.values, Status.SIGNED, Status.PENDING]

    def rows():
        for _ in range(count):
            project = invent.choice(project_list)
            community, community_name = invent.choice(communities)
            status = invent.choice(statuses)
            signed_on = vacated_on = None
            if status != Status.PENDING:
                signed_on = invent.day(
                    datetime.date(project.year, 1, 1),
                    datetime.date(project.year, 12, 31),
                )
            if status in RelocationHousehold.VACATED_STATUSES:
                vacated_on = signed_on + datetime.timedelta(days=invent.amount(1, 300))
            yield {
                "project_id": project.pk,
                "head_name": invent.name(),
                "id_number": invent.id_number(),
                "phone": invent.phone(),
                "community_id": community,
                "address": f"{community_name}{invent.amount(1, 40)}组{invent.amount(1, 99)}号",
                "household_size": invent.amount(1, 7),
                "floor_area": invent.amount(6000, 180000) / 100,
                "compensation": invent.amount(100000, 3000000, 100)
                if signed_on
                else None,
                "status": status,
                "signed_on": signed_on,
                "vacated_on": vacated_on,
                "resettlement": invent.choice(RelocationHousehold.Resettlement.values)
                if signed_on
                else "",
            }

    return rows()


def generate_households(count):
    write_rows(RelocationHousehold, household_rows(count), count, "搬迁户")
