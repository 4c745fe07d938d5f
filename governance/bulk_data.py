"""Invented volunteer activities and cases in bulk, for ``manage.py generate_data``."""

import datetime

from devzone.bulk_data import Inventor, write_rows
from devzone.models import Community
from governance.models import EnvironmentalCase, VolunteerActivity, VolunteerTeam

TEAMS = 42
FIRST_DAY = datetime.date(2012, 1, 1)
DAYS = 5000
TOPICS = [
    ("理发送上门", VolunteerActivity.Category.ELDERLY),
    ("书画进社区", VolunteerActivity.Category.CULTURE),
    ("政策宣讲", VolunteerActivity.Category.THEORY),
    ("义诊进村", VolunteerActivity.Category.HEALTH),
    ("河道清洁", VolunteerActivity.Category.ENVIRONMENT),
    ("文明交通劝导", VolunteerActivity.Category.CIVILITY),
    ("困难家庭走访", VolunteerActivity.Category.POVERTY),
    ("四点半课堂", VolunteerActivity.Category.EDUCATION),
    ("垃圾分类宣传", VolunteerActivity.Category.ENVIRONMENT),
    ("空巢老人陪伴", VolunteerActivity.Category.ELDERLY),
    ("健康讲座", VolunteerActivity.Category.HEALTH),
    ("党的创新理论宣讲", VolunteerActivity.Category.THEORY),
]
RIVERS = ["大运河", "九曲河", "香草河", "简渎河"]
STREETS = ["云阳路", "丹金路", "天波路", "齐梁路", "华阳路", "凤凰路", "金陵路"]


def teams(invent):
    """Return the volunteer teams, generating some when the zone has none."""
    existing = list(VolunteerTeam.objects.values_list("pk", flat=True))
    for number in range(len(existing) + 1, TEAMS + 1):
        team = VolunteerTeam.objects.create(
            name=f"生成数据志愿服务队{number:02d}",
            parent_unit="党建办",
            leader=invent.name(),
            member_count=invent.amount(10, 90),
        )
        existing.append(team.pk)
    return existing


def activity_rows(count, seed=2023):
    # Everything the rows refer to is read (or made) first: no query may run
    # on the connection while COPY streams.
    invent = Inventor(seed)
    team_ids = teams(invent)
    communities = list(Community.objects.values_list("pk", "name"))
    slots = len(team_ids) * DAYS

    def rows():
        for number in range(count):
            # (team, date) runs through every slot before it takes a second title.
            team = team_ids[number % len(team_ids)]
            day = FIRST_DAY + datetime.timedelta(days=number // len(team_ids) % DAYS)
            # A slot's passes take different topics, from a start that varies
            # by slot: topics spread over every date, never twice on one slot.
            slot = number % slots
            start = slot * 2654435761 % 4093 % len(TOPICS)
            topic, category = TOPICS[(start + number // slots) % len(TOPICS)]
            community, community_name = invent.choice(communities)
            yield {
                "team_id": team,
                "date": day,
                "title": f"{topic}（{community_name}）",
                "category": category,
                "community_id": community,
                "location": f"{community_name}党群服务中心",
                "volunteers": invent.amount(2, 30),
                "people_served": invent.amount(5, 120),
            }

    return rows()


def case_rows(count, seed=2024):
    # Everything the rows refer to is read (or made) first: no query may run
    # on the connection while COPY streams.
    invent = Inventor(seed)
    communities = list(Community.objects.values_list("pk", "name"))
    Category, Status = EnvironmentalCase.Category, EnvironmentalCase.Status
    numbers = {}

    def rows():
        for _ in range(count):
            community, community_name = invent.choice(communities)
            opened_on = invent.day(FIRST_DAY, datetime.date(2025, 12, 31))
            numbers[opened_on.year] = number = numbers.get(opened_on.year, 0) + 1
            category = invent.choice(Category.values)
            street = invent.choice(STREETS)
            status = invent.choice(Status.values)
            yield {
                "case_number": f"HJ-{opened_on.year}-{number:05d}",
                "category": category,
                "title": f"{community_name}{street}{Category(category).label}",
                "location": f"{community_name}{street}",
                "community_id": community,
                "river": invent.choice(RIVERS)
                if category in EnvironmentalCase.WATER_CATEGORIES
                else invent.choice(["", "", "", *RIVERS]),
                "party_concerned": invent.name(),
                "opened_on": opened_on,
                "deadline": opened_on + datetime.timedelta(days=invent.amount(7, 90)),
                "status": status,
                "closed_on": opened_on + datetime.timedelta(days=invent.amount(1, 120))
                if status == Status.CLOSED
                else None,
                "measures": "责令限期整改",
                "fine": invent.amount(0, 5000, 100),
            }

    return rows()


def generate_activities(count):
    write_rows(VolunteerActivity, activity_rows(count), count, "志愿服务活动")


def generate_cases(count):
    write_rows(EnvironmentalCase, case_rows(count), count, "环境与城管案件")
