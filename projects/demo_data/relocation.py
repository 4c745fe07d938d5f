"""Relocation projects of 2021 and their households, and the household samples."""

import datetime
from decimal import Decimal

from devzone.demo.people import day_in
from devzone.demo.places import communities

# Name, community, area, households.
RELOCATION = [
    ("天波城北侧", "练湖新城社区", "", 38),
    ("眼镜小镇", "普善村", "", 41),
    ("丹桂路南侧地块", "", "丹桂路南侧片区", 29),
    ("黄荻片区一期", "胡桥村", "黄荻片区", 27),
    ("马陵村老街", "马陵村", "", 27),
]
TOTAL_AREA = Decimal(204600)
# The deadline by which signed households vacate (腾空期限), where a project set one:
# their signed households still standing show in the workers' to-do.
VACATE_DEADLINES = {
    "丹桂路南侧地块": datetime.date(2021, 12, 31),
    "马陵村老街": datetime.date(2022, 3, 31),
}


def household(rng, people, project, community, area, started):
    """Return a household of the project; its progress and dates are drawn."""
    status = rng.choices(
        ["待签约", "已签约", "已腾空", "已拆除", "已安置"], [1, 2, 3, 2, 2]
    )[0]
    signed = vacated = None
    if status != "待签约":
        signed = started + datetime.timedelta(days=rng.randint(5, 120))
    if status in ("已腾空", "已拆除", "已安置"):
        vacated = signed + datetime.timedelta(days=rng.randint(3, 60))
    compensation = (area * Decimal(rng.randint(3800, 5200))).quantize(Decimal("1"))
    return {
        "project": project,
        "head_name": people.name(),
        "id_number": people.id_number(),
        "phone": people.phone(),
        "community": community,
        "address": f"{community}{rng.randint(1, 60)}组{rng.randint(1, 99)}号",
        "household_size": rng.randint(1, 6),
        "floor_area": area,
        "compensation": compensation if signed else None,
        "status": status,
        "signed_on": signed,
        "vacated_on": vacated,
        "resettlement": rng.choice(["货币补偿", "产权调换"]) if signed else "",
        "note": "",
    }


def floor_areas(rng, count):
    """Return count areas of 300 to 2,200 m² that add up to the review's total."""
    while True:
        sizes = [Decimal(rng.randint(30000, 220000)) / 100 for _ in range(count - 1)]
        last = TOTAL_AREA - sum(sizes)
        if Decimal(300) <= last <= Decimal(2200):
            return [*sizes, last]


def relocation(people):
    """Return the five relocation projects of 2021 and their households."""
    rng = people.rng
    projects, households = [], []
    sizes = iter(floor_areas(rng, sum(count for *_rest, count in RELOCATION)))
    for name, community, area, count in RELOCATION:
        started = day_in(rng, 2021, 1, 4)
        projects.append(
            {
                "name": name,
                "year": 2021,
                "community": community,
                "area": area,
                "status": "实施中",
                "started_on": started,
                "vacate_deadline": VACATE_DEADLINES.get(name),
                "note": "2021 年度搬迁项目",
            }
        )
        for _ in range(count):
            place = community or rng.choice(list(communities()))
            households.append(household(rng, people, name, place, next(sizes), started))
    return projects, households


def sample_households(rng, people):
    """Return eight households of 天波城北侧, as a department would send them."""
    started = datetime.date(2021, 3, 1)
    return [
        household(
            rng,
            people,
            "天波城北侧",
            "练湖新城社区",
            Decimal(rng.randint(30000, 180000)) / 100,
            started,
        )
        for _ in range(8)
    ]


def error_households(rng, people):
    """Return five households, three of them wrong, and a file with a repeated one."""
    started = datetime.date(2021, 3, 1)
    good = [
        household(rng, people, "天波城北侧", "练湖新城社区", Decimal(500), started)
        for _ in range(5)
    ]
    number = good[1]["id_number"]
    bad_check = dict(
        good[1], id_number=number[:-1] + ("0" if number[-1] != "0" else "1")
    )
    bad_area = dict(good[2], floor_area="-120.5")
    bad_community = dict(good[3], community="幸福村")
    errors = [good[0], bad_check, bad_area, bad_community, good[4]]
    repeated = dict(good[0], head_name=good[0]["head_name"] + "（重复）")
    return errors, [good[0], good[4], repeated]
