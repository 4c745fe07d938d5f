"""Key projects of 2020 and 2021: the 50 industrial ones on 2021's list and the named."""

import datetime
from decimal import Decimal

from devzone.demo.files import names
from devzone.demo.people import day_in
from devzone.demo.places import areas

LEADERS = names("钱明远 孔德海 严慧君 蒋立新 华国栋 殷卫平")
UNITS = names("经济发展局 建设局 招商局 社会事业局 财政局 资规分局")
# Industrial key projects named in the review: (name, industry, developer).
INDUSTRIAL_NAMED = [
    ("国药企服空间", "大健康", "国药控股丹阳企业服务有限公司"),
    ("肯帝亚黑科技", "新材料", "江苏肯帝亚新材料有限公司"),
    ("杭州热联盘扣式脚手架", "装备制造", "杭州热联丹阳建材有限公司"),
]
PRODUCTS_BY_INDUSTRY = {
    "电子信息": "高端光学镜片 5G通信模组 LED照明模组 智能电表 柔性电路板 电子元器件 "
    "光纤连接器 半导体封装材料 智能穿戴设备",
    "汽车零部件": "新能源汽车电机 汽车内饰件 汽车线束 车用传感器 汽车制动盘 "
    "汽车座椅骨架 新能源电池壳体 汽车灯具 汽车空调压缩机",
    "装备制造": "精密轴承 智能仓储设备 数控机床 工业机器人减速器 液压元件 农业机械 "
    "输送机械 风电齿轮箱 电梯部件 节能风机",
    "大健康": "生物医药中间体 医用敷料 医疗器械 眼视光器械 康复辅具 保健食品 "
    "体外诊断试剂 功能饮料 中药饮片",
    "新材料": "高性能铝合金型材 环保板材 功能性薄膜 碳纤维复合材料 木塑复合材料 "
    "高端地板 防火装饰板 建筑铝模板 纳米涂料 特种玻璃",
}
# (product, industry), 47 of them: one per invented industrial key project.
PRODUCTS = [
    (product, industry)
    for industry, products in PRODUCTS_BY_INDUSTRY.items()
    for product in names(products)
]
FIRMS = names(
    "恒泰 华盛 宏达 金鼎 瑞丰 天弘 锦程 永晟 鼎力 嘉禾 润邦 中联 博远 信诚 通达 丰泽 "
    "华亿 汇川 德盛 启明 鸿运 新阳 越达 同创 联科 东辰 海纳 正泰 隆基 森诺 普瑞 凯盛 "
    "精工 卓越 旭日 万丰 富源 龙腾 星河 云帆 宝丰 安泰 九洲 盛世 明德 大成 华信"
)
LEVEL_INVESTMENT = {"省级": 200000, "镇江市级": 50000, "丹阳市级": 12000}
# Named infrastructure and social projects: name, category, total, status, progress.
NAMED = [
    ("精密制造产业园厂房建设工程", "基础设施", 16000, "竣工", "标准厂房已竣工验收"),
    ("沃特污水处理厂三期扩建工程", "基础设施", 13000, "竣工", "三期工程已通水运行"),
    ("新区实小分校", "社会事业", 13000, "投产", "已竣工并投入使用"),
    ("迁建马相伯中学(含幼儿园)", "社会事业", 32000, "在建", "2021 年开工建设"),
    ("河阳中心幼儿园", "社会事业", 6500, "在建", "主体施工"),
    ("八中操场改造", "社会事业", 800, "竣工", "操场改造完成"),
    ("原六中道路改造", "社会事业", 1200, "竣工", "道路改造完成"),
]


def key_project(rng, *, name, total, started=None, **fields):
    """Return a key project; leader, unit and this year's share are drawn."""
    total = Decimal(total)
    share = Decimal(rng.randint(15, 60)) / 100
    planned = None
    if started:
        planned = started + datetime.timedelta(days=rng.randint(300, 900))
    return {
        "name": name,
        "total_investment": total,
        "investment_this_year": (total * share).quantize(Decimal("1")),
        "leader": rng.choice(LEADERS),
        "responsible_unit": rng.choice(UNITS),
        "started_on": started,
        "planned_completion": planned,
        "completed_on": None,
        "industry": "",
        "developer": "",
        "area": "",
        "progress": "",
        **fields,
    }


def industrial_project(rng, name, industry, developer, level, continued):
    """Return the 2021 entry of an industrial project, and its 2020 one if continued."""
    total = LEVEL_INVESTMENT[level] + rng.randint(0, LEVEL_INVESTMENT[level] // 2)
    if continued:
        started = day_in(rng, 2020, 3, 10)
        status = rng.choice(["在建", "竣工", "投产", "投产"])
    else:
        started = day_in(rng, 2021, 1, 9)
        status = rng.choice(["前期", "在建", "在建", "竣工"])
    if status == "前期":
        started = None
    completed = None
    if status in ("竣工", "投产"):
        completed = max(started or day_in(rng, 2021), day_in(rng, 2021, 6, 12))
    if name in {named for named, _industry, _developer in INDUSTRIAL_NAMED}:
        status, completed = "竣工", day_in(rng, 2021, 10, 12)
    common = {
        "category": "产业类",
        "list_level": level,
        "industry": industry,
        "developer": developer,
        "area": rng.choice(areas()),
    }
    this_year = key_project(
        rng,
        name=name,
        year=2021,
        build_type="续建" if continued else "新建",
        status=status,
        total=total,
        started=started,
        completed_on=completed,
        **common,
    )
    if not continued:
        return [this_year]
    # The same project on the 2020 list, where it was new.
    last_year = dict(
        key_project(rng, name=name, year=2020, total=total, started=started),
        build_type="新建",
        status="在建",
        **common,
    )
    return [this_year, last_year]


def key_projects(rng):
    """Return the key projects: 50 industrial ones listed in 2021 and the named ones."""
    firms = rng.sample(FIRMS, 47)
    products = rng.sample(PRODUCTS, 47)
    industrial = list(INDUSTRIAL_NAMED) + [
        (f"{firm}{product}项目", industry, f"江苏{firm}科技有限公司")
        for firm, (product, industry) in zip(firms, products, strict=True)
    ]
    levels = ["省级"] * 3 + ["镇江市级"] * 26 + ["丹阳市级"] * 21
    rng.shuffle(levels)
    rows = []
    # The last 20 were carried over from 2020 (续建), the first 30 start in 2021.
    for index, (name, industry, developer) in enumerate(industrial):
        rows += industrial_project(
            rng, name, industry, developer, levels[index], continued=index >= 30
        )
    for name, category, total, status, progress in NAMED:
        building = status == "在建"
        started = day_in(rng, 2021, 1, 4) if building else day_in(rng, 2020, 4, 9)
        completed = None if building else day_in(rng, 2021, 7, 11)
        rows.append(
            key_project(
                rng,
                name=name,
                year=2021,
                category=category,
                list_level="丹阳市级",
                build_type="新建" if building else "续建",
                status=status,
                total=total,
                area="精密制造产业园" if category == "基础设施" else "",
                developer="丹阳开发区建设发展有限公司",
                started=started,
                completed_on=completed,
                progress=progress,
            )
        )
    return rows
