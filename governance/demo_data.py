"""Write the governance demo data and sample import files, deterministically.

The 2021 figures are those of the zone's annual review: 4 five-star and 130 four-star
branches, 42 volunteer teams, 800+ activities serving close to 20,000 people, the case
counts and 10 rivers. Every person and enterprise is invented.
"""

import datetime
from pathlib import Path

from devzone.demo.files import names, parse_rows, write_csv, write_xlsx
from devzone.demo.people import People, day_in
from devzone.demo.places import communities
from governance.resources import (
    BranchRatingResource,
    EnvironmentalCaseResource,
    PartyBranchResource,
    VolunteerActivityResource,
    VolunteerTeamResource,
)

BRANDED = parse_rows("""
高楼社区党委,社区,高楼社区,高楼社区,"高楼""和谐""党建"
普善村党委,村,普善村,普善村,"普善""五色""党建"
马陵村党委,村,马陵村,马陵村,"马陵""生态""党建"
同力日升公司党支部,两新组织,,同力日升,"同力日升""先锋""党建"
大亚集团党委,两新组织,,大亚集团,"大亚""六融""党建"
大力神公司党支部,两新组织,,大力神,"大力神""三亮三结三带头""党建"
眼镜城商圈联合党支部,两新组织,,眼镜城,"眼镜城""商圈""诚信党建"
""")
FIVE_STAR = ["高楼社区党委", "普善村党委", "马陵村党委", "大亚集团党委"]
ORGAN_UNITS = names(
    """
党政办 党建办 经济发展局 招商局 建设局 财政局 社会事业局 城市管理局 生态环境分局
自然资源分局 行政审批局 安全生产监管局 综合执法局 曲阿街道办事处
"""
)
SCHOOLS = names(
    "新区实验小学 新区实验小学分校 练湖中学 贺巷小学 胡桥中心幼儿园 嘉荟幼儿园"
)
OTHER_BRANCHES = ["老干部党支部", "退役军人服务站党支部", "新区商会党支部"]
FIRM_WORDS = "恒瑞华宇鼎盛嘉禾博远兴达长丰振宏汇通明光永泰金诚瑞丰天成润泽卓越新航"
FIRM_TRADES = names(
    """
精密机械 光学眼镜 汽车零部件 新材料 木业 电子科技 医疗器械 五金工具 包装材料 物流
"""
)
OTHER_TEAM_UNITS = names(
    """
新区团工委 新区妇联 新区总工会 新区红十字会 新区卫生院 新区实验小学 练湖中学 新区商会
大亚集团 眼镜城 新区关工委 新区文化站 新区派出所 新区消防中队 新区老年协会 新区书画协会
"""
)
TEAM_STYLES = ["志愿服务队", "红马甲志愿服务队", "先锋志愿服务队", "爱心志愿服务队"]
ACTIVITY_TITLES = {
    "理论宣讲": ["党史学习宣讲", "政策进村入户宣讲", "新思想微宣讲"],
    "文化服务": ["文艺送演出", "书画进社区", "电影放映"],
    "助学帮教": ["留守儿童课业辅导", "暑期托管", "青少年普法"],
    "医疗健身": ["义诊", "健康讲座", "广场健身指导"],
    "卫生环保": ["河道保洁", "垃圾分类宣传", "环境卫生整治"],
    "文明劝导": ["交通文明劝导", "文明餐桌劝导", "非机动车停放劝导"],
    "扶贫帮困": ["困难家庭走访", "爱心物资发放", "助残服务"],
    "关爱空巢老人": ["空巢老人探访", "理发送上门", "老人生日会"],
}
RIVERS_2021 = names(
    "大运河 九曲河 胡桥河 贺巷河 马陵河 普善河 联观河 六都河 张巷河 祈钦河"
)
RIVERS_2020 = [*RIVERS_2021[:5], "建山河"]
# Category: (cases in each of PLAN_YEARS, title).
PLAN_YEARS = (2021, 2020)
CASE_PLAN = {
    "市容整治": (45, 38, "市容市貌集中整治"),
    "占道经营": (326, 280, "占道经营"),
    "渣土运输审批": (21, 17, "渣土运输审批"),
    "建筑工地整改": (6, 4, "建筑工地扬尘整改"),
    "河道整治": (14, 6, "河道综合整治"),
    "涉水企业整治": (26, 10, "涉水企业排查整治"),
    "散乱污取缔": (18, 25, "散乱污企业取缔"),
    "非机动车乱停放": (32, 0, "非机动车乱停放整治"),
    "垃圾分类": (24, 0, "垃圾分类督查"),
    "其他": (9, 0, "其他环境问题处置"),
}
WATER = ("河道整治", "涉水企业整治")
ENTERPRISE_CASES = ("涉水企业整治", "散乱污取缔", "建筑工地整改", "渣土运输审批")
FINED_ENTERPRISES = ("散乱污取缔", "涉水企业整治", "建筑工地整改")
MEASURES = {
    "涉水企业整治": "一企一策：雨污分流改造，排口规范化，限期整改",
    "河道整治": "清淤疏浚，岸坡整治，落实河长巡查",
    "占道经营": "劝导规范经营，清理占道物品",
    "建筑工地整改": "责令覆盖裸土，冲洗车辆，安装喷淋",
    "渣土运输审批": "核定运输线路和时段，密闭运输",
}
STREETS = names("齐梁路 丹凤路 金陵西路 华南路 云阳路 长春路 玉泉路 天波路")


def firm(rng):
    """Return an invented enterprise of 丹阳."""
    words = "".join(rng.sample(FIRM_WORDS, 2))
    return f"丹阳{words}{rng.choice(FIRM_TRADES)}有限公司"


def branch_rows(people):
    """Return 180 branches: the branded, the communities', organs, schools, firms."""
    rng = people.rng
    zone = communities()
    rows = [row[:5] for row in BRANDED]
    for community, kind in zone.items():
        name = f"{community}党委"
        if all(row[0] != name for row in rows):
            rows.append([name, kind, community, community, ""])
    rows += [[f"{unit}党支部", "机关", "", unit, ""] for unit in ORGAN_UNITS]
    for school in SCHOOLS:
        rows.append([f"{school}党支部", "学校", rng.choice(list(zone)), school, ""])
    rows += [[other, "其他", "", "", ""] for other in OTHER_BRANCHES]
    firms = set()
    while len(rows) < 180:
        name = firm(rng)
        if name not in firms:
            firms.add(name)
            community = rng.choice([*zone, "", "", ""])
            rows.append([f"{name}党支部", "两新组织", community, name, ""])
    branches = []
    for name, kind, community, host, brand in rows:
        founded = day_in(rng, rng.randint(1985, 2019))
        branches.append(
            {
                "name": name,
                "kind": kind,
                "community": community,
                "host_organisation": host,
                "secretary": people.name(),
                "member_count": rng.randint(8, 40)
                if kind == "机关"
                else rng.randint(3, 60),
                "brand": brand,
                "founded_on": founded,
                "note": "",
            }
        )
    # Three branches founded in 2022 have no 2021 rating.
    for branch in branches[-3:]:
        branch["founded_on"] = day_in(rng, 2022)
    return branches


def rating_rows(rng, branches):
    """Return the 2020 and 2021 ratings of every branch founded by 2021."""
    rated = [branch["name"] for branch in branches[:-3]]
    others = [name for name in rated if name not in FIVE_STAR]
    rng.shuffle(others)
    stars_2021 = dict.fromkeys(FIVE_STAR, 5)
    stars_2021.update(dict.fromkeys(others[:130], 4))
    for name in others[130:]:
        stars_2021[name] = rng.choice([3, 3, 3, 3, 2, 2, 1])
    rows = []
    for name in rated:
        stars = stars_2021[name]
        before = 4
        if stars < 5:
            before = max(1, min(5, stars + rng.choice([-1, 0, 0, 0, 1])))
        rows.append([name, 2020, before, ""])
        rows.append([name, 2021, stars, "五星级党支部" if stars == 5 else ""])
    return rows


def team_rows(people):
    """Return the 42 volunteer teams, one per unit."""
    rng = people.rng
    units = [*ORGAN_UNITS, *communities(), *OTHER_TEAM_UNITS][:42]
    rows = []
    for unit in units:
        rows.append(
            {
                "name": unit + rng.choice(TEAM_STYLES),
                "parent_unit": unit,
                "leader": people.name(),
                "member_count": rng.randint(12, 120),
                "founded_on": day_in(rng, rng.randint(2012, 2019)),
                "note": "",
            }
        )
    return rows


def activity_rows(rng, teams, year, count, people_total=None):
    """Return count activities of the year, serving people_total people if given."""
    keys, rows = set(), []
    categories = list(ACTIVITY_TITLES)
    while len(rows) < count:
        team = teams[len(rows) % len(teams)]["name"]
        category = categories[len(rows) % len(categories)]
        community = rng.choice(list(communities()))
        title = f"{rng.choice(ACTIVITY_TITLES[category])}（{community}）"
        date = day_in(rng, year)
        if (team, date, title) not in keys:
            keys.add((team, date, title))
            rows.append(
                {
                    "team": team,
                    "date": date,
                    "title": title,
                    "category": category,
                    "community": community,
                    "location": f"{community}党群服务中心",
                    "volunteers": rng.randint(3, 20),
                    "people_served": rng.randint(10, 36),
                    "note": "",
                }
            )
    if people_total is not None:
        adjust_people_served(rows, people_total)
    rows.sort(key=lambda row: (row["date"], row["team"], row["title"]))
    return rows


def adjust_people_served(rows, total):
    """Change the people served one by one, row after row, until they add up."""
    difference = total - sum(row["people_served"] for row in rows)
    step = 1 if difference > 0 else -1
    index = 0
    while difference:
        row = rows[index % len(rows)]
        if row["people_served"] + step >= 5:
            row["people_served"] += step
            difference -= step
        index += 1


def planned_cases(people, year, rivers):
    """Return the year's cases as (category, opened, community, river, party)."""
    rng = people.rng
    column = PLAN_YEARS.index(year)
    plan = {category: counts[column] for category, counts in CASE_PLAN.items()}
    water_total = sum(plan[category] for category in WATER)
    river_cycle = [rivers[i % len(rivers)] for i in range(water_total)]
    rng.shuffle(river_cycle)
    cases = []
    for category, count in plan.items():
        for _ in range(count):
            opened = day_in(rng, year)
            community = rng.choice(list(communities()))
            river = river_cycle.pop() if category in WATER else ""
            party = ""
            if category in ENTERPRISE_CASES:
                party = firm(rng)
            elif category == "占道经营":
                party = people.name()
            cases.append([category, opened, community, river, party])
    cases.sort(key=lambda case: (case[1], case[0]))
    return cases


def case_rows(people, year, rivers):
    """Return the year's cases, numbered in order of opening."""
    rng = people.rng
    rows = []
    cases = planned_cases(people, year, rivers)
    for number, (category, opened, community, river, party) in enumerate(cases, 1):
        deadline = opened + datetime.timedelta(days=rng.choice([7, 15, 30, 60]))
        roll = rng.random()
        status, closed = ("已立案", None) if roll >= 0.95 else ("整改中", None)
        if year < 2021 or roll < 0.9:
            status = "已办结"
            closed = opened + datetime.timedelta(days=rng.randint(1, 50))
        place = (
            f"{river}{community}段" if river else f"{community}{rng.choice(STREETS)}"
        )
        rows.append(
            {
                "case_number": f"HJ-{year}-{number:04d}",
                "category": category,
                "title": f"{place}{CASE_PLAN[category][2]}",
                "location": place,
                "community": community,
                "river": river,
                "party_concerned": party,
                "opened_on": opened,
                "deadline": deadline,
                "status": status,
                "closed_on": closed,
                "measures": MEASURES.get(category, "责令限期整改"),
                "fine": f"{fine(rng, category):.2f}",
                "note": "",
            }
        )
    return rows


def fine(rng, category):
    """Return a fine in yuan: a fifth of the vendors and some enterprises pay one."""
    if category == "占道经营" and rng.random() < 0.2:
        return rng.choice([50, 100, 200])
    if category in FINED_ENTERPRISES and rng.random() < 0.4:
        return rng.choice([5000, 10000, 20000, 50000])
    return 0


SAMPLE_BRANCHES = parse_rows("""
练湖新城社区第二党支部,社区,练湖新城社区,练湖新城社区,陈雅琴,28,,2012-05-01,
丹阳恒泰光学有限公司党支部,两新组织,贺巷社区,丹阳恒泰光学有限公司,沈立新,9,,2016-07-01,
新区卫生院党支部,其他,嘉荟新城社区,新区卫生院,顾美玲,17,,2008-03-12,
""")
SAMPLE_RATINGS = parse_rows("""
练湖新城社区第二党支部,2021,4,
丹阳恒泰光学有限公司党支部,2021,3,新建支部
新区卫生院党支部,2021,5,
练湖新城社区第二党支部,2020,3,
""")
RATING_ERRORS = parse_rows("""
练湖新城社区第二党支部,2021,6,星级超出 1–5
新区卫生院党支部,2021,5,本行正确
不存在的党支部,2021,4,党支部不存在
丹阳恒泰光学有限公司党支部,2021,,未填星级
丹阳恒泰光学有限公司党支部,二〇二一,4,年度不是数字
""")
RATING_DUPLICATES = parse_rows("""
练湖新城社区第二党支部,2021,4,
新区卫生院党支部,2021,5,
练湖新城社区第二党支部,2021,3,同一年度第二次评定
""")
# Columns: 案件编号 类别 案件名称 地点 所在村/社区 河道 当事单位或个人 立案日期 整改期限
# 状态 办结日期 整改措施 罚款金额（元） 备注.
SAMPLE_CASES = parse_rows("""
HJ-2021-9001,占道经营,云阳路早市占道经营,云阳路,贺巷社区,,赵春生,2021-04-02,2021-04-09,已办结,2021-04-05,劝导规范经营,100,
HJ-2021-9002,涉水企业整治,九曲河沿岸涉水企业排查,九曲河胡桥村段,胡桥村,九曲河,丹阳恒泰光学有限公司,2021-05-10,2021-06-30,整改中,,一企一策：雨污分流改造,0,
HJ-2021-9003,建筑工地整改,天波城北侧工地扬尘整改,天波路,练湖新城社区,,丹阳嘉禾建设有限公司,2021-08-15,2021-08-30,已办结,2021年8月28日,责令覆盖裸土,20000,
""")
CASE_ERRORS = parse_rows("""
HJ-2021-9101,市容整治,办结早于立案,齐梁路,高楼社区,,,2021-06-10,2021-06-20,已办结,2021-06-01,,0,
HJ-2021-9102,占道经营,本行正确,云阳路,贺巷社区,,钱子涵,2021-06-11,2021-06-18,已立案,,,0,
HJ-2021-9103,占道经营,罚款为负数,云阳路,贺巷社区,,孙晓峰,2021-06-12,,已立案,,,-50,
HJ-2021-9104,河道整治,未填河道,,胡桥村,,,2021-06-13,,整改中,,,0,
HJ-2021-9105,乱搭乱建,类别不存在,,高楼社区,,,2021-06-14,,已立案,,,0,
HJ-2021-9106,市容整治,已办结未填日期,,高楼社区,,,2021-06-15,,已办结,,,0,
""")


def generate(fixtures: Path) -> list[Path]:
    """Write the governance demo CSVs and samples under fixtures; return their paths."""
    demo, samples = fixtures / "demo" / "governance", fixtures / "samples"
    people = People(2021)
    branches = branch_rows(people)
    ratings = rating_rows(people.rng, branches)
    teams = team_rows(people)
    activities = activity_rows(people.rng, teams, 2020, 120)
    activities += activity_rows(people.rng, teams, 2021, 846, people_total=19_684)
    cases = case_rows(people, 2020, RIVERS_2020)
    cases += case_rows(people, 2021, RIVERS_2021)
    branch, rating = PartyBranchResource, BranchRatingResource
    case = EnvironmentalCaseResource
    return [
        write_csv(demo / "branches.csv", branch, branches),
        write_csv(demo / "ratings.csv", rating, ratings),
        write_csv(demo / "teams.csv", VolunteerTeamResource, teams),
        write_csv(demo / "activities.csv", VolunteerActivityResource, activities),
        write_csv(demo / "cases.csv", case, cases),
        write_csv(
            samples / "governance_branches_gbk.csv",
            branch,
            SAMPLE_BRANCHES,
            encoding="gbk",
        ),
        write_csv(
            samples / "governance_ratings_gbk.csv",
            rating,
            SAMPLE_RATINGS,
            encoding="gbk",
        ),
        write_xlsx(
            samples / "governance_ratings.xlsx",
            rating,
            SAMPLE_RATINGS,
            numbers=("year", "stars"),
        ),
        write_csv(
            samples / "governance_cases_gbk.csv", case, SAMPLE_CASES, encoding="gbk"
        ),
        write_xlsx(
            samples / "governance_cases.xlsx", case, SAMPLE_CASES, numbers=("fine",)
        ),
        write_csv(samples / "governance_ratings_errors.csv", rating, RATING_ERRORS),
        write_csv(
            samples / "governance_ratings_duplicate.csv", rating, RATING_DUPLICATES
        ),
        write_csv(samples / "governance_cases_errors.csv", case, CASE_ERRORS),
    ]
