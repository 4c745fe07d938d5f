"""Invented volunteer activities and cases in bulk, for ``manage.py generate_data``."""

import datetime

from devzone.bulk_data import Inventor, write_rows
from devzone.models import Community
from governance.models import EnvironmentalCase, VolunteerActivity, VolunteerTeam

TEAMS = 42
FIRST_DAY = datetime.date(2012, 1, 1)
DAYS = 5000
# Realistic titles: a topic (with its category), and often an occasion before it and
# a kind of event after it, so that a word of a title matches a small share of the
# list, as in the zone's own records — not a twelfth of it.
TOPICS = [
    ("理发送上门", VolunteerActivity.Category.ELDERLY),
    ("空巢老人陪伴", VolunteerActivity.Category.ELDERLY),
    ("助老餐桌", VolunteerActivity.Category.ELDERLY),
    ("居家养老探访", VolunteerActivity.Category.ELDERLY),
    ("老年智能手机教学", VolunteerActivity.Category.ELDERLY),
    ("家电义修", VolunteerActivity.Category.ELDERLY),
    ("磨刀修伞", VolunteerActivity.Category.ELDERLY),
    ("重阳敬老", VolunteerActivity.Category.ELDERLY),
    ("书画进社区", VolunteerActivity.Category.CULTURE),
    ("文艺汇演", VolunteerActivity.Category.CULTURE),
    ("广场舞辅导", VolunteerActivity.Category.CULTURE),
    ("露天电影放映", VolunteerActivity.Category.CULTURE),
    ("剪纸教学", VolunteerActivity.Category.CULTURE),
    ("非遗体验", VolunteerActivity.Category.CULTURE),
    ("读书分享会", VolunteerActivity.Category.CULTURE),
    ("戏曲进村", VolunteerActivity.Category.CULTURE),
    ("太极拳教学", VolunteerActivity.Category.CULTURE),
    ("政策宣讲", VolunteerActivity.Category.THEORY),
    ("党的创新理论宣讲", VolunteerActivity.Category.THEORY),
    ("红色故事会", VolunteerActivity.Category.THEORY),
    ("百姓宣讲", VolunteerActivity.Category.THEORY),
    ("民法典普及", VolunteerActivity.Category.THEORY),
    ("移风易俗倡议", VolunteerActivity.Category.THEORY),
    ("义诊", VolunteerActivity.Category.HEALTH),
    ("健康讲座", VolunteerActivity.Category.HEALTH),
    ("测血压量血糖", VolunteerActivity.Category.HEALTH),
    ("中医推拿", VolunteerActivity.Category.HEALTH),
    ("口腔检查", VolunteerActivity.Category.HEALTH),
    ("无偿献血宣传", VolunteerActivity.Category.HEALTH),
    ("心理疏导", VolunteerActivity.Category.HEALTH),
    ("健身指导", VolunteerActivity.Category.HEALTH),
    ("河道清洁", VolunteerActivity.Category.ENVIRONMENT),
    ("垃圾分类宣传", VolunteerActivity.Category.ENVIRONMENT),
    ("环境整治", VolunteerActivity.Category.ENVIRONMENT),
    ("绿化补植", VolunteerActivity.Category.ENVIRONMENT),
    ("白色污染清理", VolunteerActivity.Category.ENVIRONMENT),
    ("秸秆禁烧巡查", VolunteerActivity.Category.ENVIRONMENT),
    ("美丽庭院创建", VolunteerActivity.Category.ENVIRONMENT),
    ("文明交通劝导", VolunteerActivity.Category.CIVILITY),
    ("文明餐桌倡议", VolunteerActivity.Category.CIVILITY),
    ("防诈骗宣传", VolunteerActivity.Category.CIVILITY),
    ("消防安全演练", VolunteerActivity.Category.CIVILITY),
    ("禁毒宣传", VolunteerActivity.Category.CIVILITY),
    ("反邪教宣传", VolunteerActivity.Category.CIVILITY),
    ("文明养犬劝导", VolunteerActivity.Category.CIVILITY),
    ("困难家庭走访", VolunteerActivity.Category.POVERTY),
    ("爱心义卖", VolunteerActivity.Category.POVERTY),
    ("助残服务", VolunteerActivity.Category.POVERTY),
    ("慰问退役军人", VolunteerActivity.Category.POVERTY),
    ("冬衣捐赠", VolunteerActivity.Category.POVERTY),
    ("就业技能培训", VolunteerActivity.Category.POVERTY),
    ("四点半课堂", VolunteerActivity.Category.EDUCATION),
    ("关爱留守儿童", VolunteerActivity.Category.EDUCATION),
    ("亲子阅读", VolunteerActivity.Category.EDUCATION),
    ("防溺水安全课", VolunteerActivity.Category.EDUCATION),
    ("暑期托管", VolunteerActivity.Category.EDUCATION),
    ("作业辅导", VolunteerActivity.Category.EDUCATION),
    ("科普进校园", VolunteerActivity.Category.EDUCATION),
]
OCCASIONS = [
    "春节",
    "元宵",
    "学雷锋日",
    "清明",
    "五一",
    "端午",
    "七一",
    "暑期",
    "中秋",
    "国庆",
    "冬季",
    "周末",
    "新时代文明实践",
    "“我为群众办实事”",
]
FORMATS = ["志愿服务", "活动", "进村入户", "公益行", "专场", "服务日"]
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
            occasion = invent.choice(OCCASIONS) if invent.amount(0, 3) == 0 else ""
            form = invent.choice(FORMATS) if invent.amount(0, 2) == 0 else ""
            yield {
                "team_id": team,
                "date": day,
                "title": f"{occasion}{topic}{form}",
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
