"""Investment deals: signed, in hand and under negotiation in 2021; six of 2020."""

from decimal import Decimal

from devzone.demo.files import names
from devzone.demo.people import day_in
from projects.demo_data.key_projects import FIRMS, PRODUCTS

DEAL_INDUSTRIES = names("大健康 新材料 装备制造 汽车零部件 电子信息 其他")


def spread(rng, total, count, low, high):
    """Return ``count`` amounts of whole 百万元 between low and high adding to total."""
    # Whole 百万元 (0.01 亿元), so the report's bars in 亿元 add up to the total.
    while True:
        amounts = [
            Decimal(rng.randint(low // 100, high // 100) * 100)
            for _ in range(count - 1)
        ]
        last = Decimal(total) - sum(amounts)
        if low <= last <= high:
            return [*amounts, last]


def deal(people, name, year, investor, industry, amount, stage, **fields):
    """Return an investment deal; the contact person is drawn."""
    return {
        "name": name,
        "year": year,
        "investor": investor,
        "industry": industry,
        "total_investment": amount,
        "is_foreign": False,
        "foreign_capital": None,
        "stage": stage,
        "signed_on": None,
        "via_guidance_fund": False,
        "contact": people.name(),
        "note": "",
        **fields,
    }


def signed_deals(people, firms, products):
    """Return the 22 deals signed in 2021: two large named ones and twenty more."""
    rng = people.rng
    signed = [
        ("恒美光电偏光片制造项目", "新材料", Decimal(700000), "恒美光电股份有限公司"),
        ("华瑞新能源汽车零部件产业园项目", "汽车零部件", Decimal(350000), "华瑞集团"),
    ]
    amounts = spread(rng, 1795000 - 700000 - 350000, 20, 5000, 90000)
    for amount, firm, (product, industry) in zip(amounts, firms, products, strict=True):
        signed.append((f"{firm}{product}扩产项目", industry, amount, f"{firm}集团"))
    rows = []
    for index, (name, industry, amount, investor) in enumerate(signed):
        foreign = index in {2, 5, 9, 14}
        stage = "已落地" if index % 3 == 0 else "已签约"
        rows.append(
            deal(
                people,
                name,
                2021,
                investor,
                industry,
                amount,
                stage,
                is_foreign=foreign,
                foreign_capital=Decimal(rng.randint(500, 5000)) if foreign else None,
                signed_on=day_in(rng, 2021),
                via_guidance_fund=index % 5 == 1,
            )
        )
    return rows


def deals(people):
    """Return 2021's signed, in-hand and negotiated deals, and six of 2020."""
    rng = people.rng
    firms, products = rng.sample(FIRMS, 40), rng.sample(PRODUCTS, 40)
    rows = signed_deals(people, firms[:20], products[:20])
    amounts = spread(rng, 1008100, 15, 20000, 150000)
    for amount, firm, (product, industry) in zip(
        amounts, firms[20:35], products[20:35], strict=True
    ):
        name, investor = f"{firm}{product}项目", f"{firm}控股"
        rows.append(
            deal(
                people,
                name,
                2021,
                investor,
                industry,
                amount,
                "在手成熟",
                note="在手成熟项目",
            )
        )
    for firm, (product, _industry) in zip(firms[35:], products[35:], strict=True):
        name, industry = f"{firm}{product}意向项目", rng.choice(DEAL_INDUSTRIES)
        amount = Decimal(rng.randint(5000, 60000))
        rows.append(deal(people, name, 2021, f"{firm}实业", industry, amount, "洽谈中"))
    # Deals signed in 2020, for the year-over-year comparison.
    for firm, (product, industry) in zip(FIRMS[:6], PRODUCTS[::-1], strict=False):
        name, amount = f"{firm}{product}二期项目", Decimal(rng.randint(10000, 120000))
        signed = day_in(rng, 2020)
        rows.append(
            deal(
                people,
                name,
                2020,
                f"{firm}集团",
                industry,
                amount,
                "已落地",
                signed_on=signed,
            )
        )
    return rows
