"""Write the welfare demo data and sample import files, deterministically.

The demo reproduces the 2021 review: exactly 110 households in difficulty (困难户) were
identified in 2021's second batch, most of them because of illness (因病致困). Every
person is invented (``devzone.demo.people``).
"""

import datetime
from pathlib import Path

from devzone.demo.files import write_csv, write_xlsx
from devzone.demo.people import People, day_between
from devzone.demo.places import communities
from welfare.resources import AssistanceRecordResource, WelfareRecipientResource

d = datetime.date
STAFF = ["王晓燕", "陈志刚", "刘丽华", "周建明"]
MEASURES = {
    "困难户": "结对帮扶，定期走访，落实临时救助",
    "低保户": "按月发放低保金，节日走访慰问",
    "特困供养": "集中或分散供养，落实基本生活保障",
    "空巢老人": "志愿者每周上门探访，居家养老服务中心助餐",
    "残疾人": "落实两项补贴，辅具适配",
    "退役军人": "节日走访慰问，协助就业创业",
}
CHILD_MEASURES = [
    "一人一档：学业辅导，每月电话联系监护人",
    "一人一档：心理关爱，志愿者结对陪伴",
    "一人一档：助学金资助，寒暑假托管",
    "一人一档：落实基本生活补贴，定期家访",
]
CHILDREN = ("留守儿童", "困境儿童")
ADULTS = (1950, 1990)
FIRST_2021 = (d(2021, 3, 1), d(2021, 4, 30))
SECOND_2021 = (d(2021, 7, 1), d(2021, 8, 31))
SECOND_2020 = (d(2020, 7, 1), d(2020, 8, 31))
# (count, category, cause, year, batch, window, birth years, household size)
DEMO_GROUPS = [
    (72, "困难户", "因病", 2021, "第二批", SECOND_2021, ADULTS, None),
    (14, "困难户", "因残", 2021, "第二批", SECOND_2021, ADULTS, None),
    (9, "困难户", "因学", 2021, "第二批", SECOND_2021, ADULTS, None),
    (5, "困难户", "因灾", 2021, "第二批", SECOND_2021, ADULTS, None),
    (10, "困难户", "其他", 2021, "第二批", SECOND_2021, ADULTS, None),
    (24, "困难户", "因病", 2021, "第一批", FIRST_2021, ADULTS, None),
    (10, "困难户", "因残", 2021, "第一批", FIRST_2021, ADULTS, None),
    (6, "困难户", "因学", 2021, "第一批", FIRST_2021, ADULTS, None),
    (6, "困难户", "其他", 2021, "第一批", FIRST_2021, ADULTS, None),
    (30, "困难户", "因病", 2020, "第二批", SECOND_2020, ADULTS, None),
    (28, "低保户", "因病", 2021, "第一批", FIRST_2021, ADULTS, None),
    (12, "特困供养", "其他", 2021, "第一批", FIRST_2021, (1935, 1965), 1),
    (24, "留守儿童", "其他", 2021, "第一批", FIRST_2021, (2006, 2016), None),
    (12, "留守儿童", "其他", 2021, "第二批", SECOND_2021, (2006, 2017), None),
    (16, "困境儿童", "因病", 2021, "第二批", SECOND_2021, (2005, 2017), None),
    (40, "空巢老人", "其他", 2021, "第一批", FIRST_2021, (1931, 1958), 1),
    (20, "残疾人", "因残", 2021, "第一批", FIRST_2021, ADULTS, None),
    (10, "退役军人", "其他", 2021, "第二批", SECOND_2021, (1950, 1985), None),
]
KINDS = {
    "困难户": ["走访慰问", "救助金", "物资"],
    "低保户": ["走访慰问", "救助金"],
    "特困供养": ["走访慰问", "物资", "救助金"],
    "留守儿童": ["走访慰问", "助学", "物资"],
    "困境儿童": ["走访慰问", "助学", "救助金"],
    "空巢老人": ["走访慰问", "物资"],
    "残疾人": ["走访慰问", "救助金"],
    "退役军人": ["走访慰问"],
}
AMOUNTS = {
    "走访慰问": (0, 500),
    "救助金": (500, 3000),
    "物资": (200, 800),
    "医疗救助": (1000, 8000),
    "助学": (1000, 3000),
}
NOTES = {
    "走访慰问": "上门走访，了解生活情况",
    "救助金": "发放临时救助金",
    "物资": "发放米、油等生活物资",
    "医疗救助": "大病医疗费用救助",
    "助学": "发放助学金",
}


def address(people, community):
    """Return an invented address: a group and house in a village, a flat elsewhere."""
    rng = people.rng
    if community.endswith("村"):
        return f"{community}{rng.randint(1, 12)}组{rng.randint(1, 60)}号"
    return (
        f"{community}{rng.randint(1, 30)}幢"
        f"{rng.randint(1, 3)}单元{rng.randint(1, 6)}0{rng.randint(1, 4)}室"
    )


def recipient_row(
    people,
    *,
    category,
    cause,
    year,
    batch,
    identified_on,
    birth_years,
    status="在册",
    exited_on=None,
    size=None,
):
    """Return one recipient, keyed by the Resource's field names."""
    male = people.rng.random() < 0.5
    birth = people.birth(*birth_years)
    community = people.rng.choice(list(communities()))
    child = category in CHILDREN
    surname = people.surname()
    return {
        "name": people.name(surname),
        "id_number": people.id_number(birth, male=male),
        "phone": "" if child else people.phone(),
        "community": community,
        "address": address(people, community),
        "category": category,
        "cause": cause,
        "batch_year": year,
        "batch": batch,
        "identified_on": identified_on,
        "guardian_name": people.name(surname) if child else "",
        "guardian_phone": people.phone() if child else "",
        "household_size": size or people.rng.randint(1, 5),
        "status": status,
        "exited_on": exited_on,
        "measures": people.rng.choice(CHILD_MEASURES) if child else MEASURES[category],
        "note": "",
    }


def demo_recipients(people):
    """Return the demo recipients: the groups, five twins and six who left."""
    rows = []
    for count, category, cause, year, batch, window, births, size in DEMO_GROUPS:
        for _ in range(count):
            rows.append(
                recipient_row(
                    people,
                    category=category,
                    cause=cause,
                    year=year,
                    batch=batch,
                    identified_on=day_between(people.rng, *window),
                    birth_years=births,
                    size=size,
                )
            )
    # Some people are recipients in two categories: a 2021 second-batch 困难户 because
    # of disability who is also registered as 残疾人 (same ID number).
    disabled = [r for r in rows if r["category"] == "困难户" and r["cause"] == "因残"]
    for row in disabled[:5]:
        rows.append(twin(row, batch="第一批", identified_on=d(2021, 3, 15)))
    # A few of the 2020 households left the register in 2021.
    for row in [r for r in rows if r["batch_year"] == 2020][:6]:
        row["status"] = "已退出"
        row["exited_on"] = day_between(people.rng, d(2021, 9, 1), d(2021, 12, 20))
        row["note"] = "家庭收入稳定，经评议退出"
    return rows


def twin(row, **changes):
    """Return the same person registered as 残疾人 too."""
    return dict(row, category="残疾人", measures=MEASURES["残疾人"], **changes)


def records_for(people, recipients, end):
    """Return one to three assistance records per recipient within end's year."""
    rng = people.rng
    records = []
    for row in recipients:
        start = max(row["identified_on"], d(end.year, 1, 1))
        last = row["exited_on"] or end
        kinds = list(KINDS[row["category"]])
        if row["cause"] == "因病" and row["category"] == "困难户":
            kinds.append("医疗救助")
        if row["cause"] == "因学":
            kinds.append("助学")
        used = set()
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(kinds)
            date = day_between(rng, start, last)
            if (date, kind) in used:
                continue
            used.add((date, kind))
            records.append(record_row(rng, row, date, kind))
    records.sort(key=lambda r: (r["date"], r["recipient"], r["kind"]))
    return records


def record_row(rng, recipient, date, kind):
    """Return one assistance record, keyed by the Resource's field names."""
    low, high = AMOUNTS[kind]
    if low == 0 and rng.random() < 0.5:
        amount = 0
    else:
        amount = rng.randint(low // 100, high // 100) * 100
    return {
        "recipient_name": recipient["name"],
        "recipient": recipient["id_number"],
        "recipient_category": recipient["category"],
        "recipient_community": recipient["community"],
        "date": date,
        "kind": kind,
        "amount": f"{amount}.00",
        "note": NOTES[kind],
        "recorded_by": rng.choice(STAFF),
    }


def new_recipient(people, category, cause, identified_on, birth_years, **kwargs):
    """Return a recipient of 2022's first batch (the samples' batch)."""
    return recipient_row(
        people,
        category=category,
        cause=cause,
        year=2022,
        batch="第一批",
        identified_on=identified_on,
        birth_years=birth_years,
        **kwargs,
    )


def sample_recipients(people):
    """Return the sample recipients: one per category, a twin and a lower-case x."""
    rows = [
        new_recipient(people, "困难户", "因病", d(2022, 3, 10), (1960, 1980)),
        new_recipient(people, "困难户", "因灾", d(2022, 3, 10), (1960, 1980)),
        new_recipient(people, "低保户", "因残", d(2022, 3, 12), (1955, 1975)),
        new_recipient(people, "留守儿童", "其他", d(2022, 3, 15), (2010, 2015)),
        new_recipient(people, "困境儿童", "因病", d(2022, 3, 15), (2008, 2014)),
        new_recipient(people, "空巢老人", "其他", d(2022, 3, 20), (1935, 1950), size=1),
        new_recipient(
            people,
            "退役军人",
            "其他",
            d(2022, 3, 20),
            (1955, 1975),
            status="已退出",
            exited_on=d(2022, 11, 30),
        ),
    ]
    rows.append(twin(rows[2], identified_on=d(2022, 3, 18)))
    # An ID number whose check character is X, written with a lower-case x.
    while True:
        row = new_recipient(people, "困难户", "因学", d(2022, 3, 10), (1965, 1985))
        if row["id_number"].endswith("X"):
            rows.append(dict(row, id_number=row["id_number"][:-1] + "x"))
            return rows
        people.ids.discard(row["id_number"])


def error_recipients(people):
    """Return five recipients, three of them wrong as the notes say."""
    good = new_recipient(people, "困难户", "因病", d(2022, 3, 10), (1960, 1980))
    bad_id = new_recipient(people, "困难户", "因病", d(2022, 3, 10), (1960, 1980))
    last = bad_id["id_number"][-1]
    bad_id["id_number"] = bad_id["id_number"][:-1] + ("1" if last != "1" else "2")
    bad_id["note"] = "错误示例：身份证号校验位错误"
    no_guardian = new_recipient(
        people, "留守儿童", "其他", d(2022, 3, 15), (2010, 2014)
    )
    no_guardian.update(guardian_name="", guardian_phone="", note="错误示例：缺少监护人")
    unknown = new_recipient(people, "低保户", "因病", d(2022, 3, 12), (1960, 1980))
    unknown.update(
        community="红星村", address="红星村3组8号", note="错误示例：村/社区不存在"
    )
    good2 = new_recipient(people, "空巢老人", "其他", d(2022, 3, 20), (1935, 1950))
    return [good, bad_id, no_guardian, unknown, good2]


def generate(fixtures: Path) -> list[Path]:
    """Write the welfare demo CSVs and samples under fixtures; return their paths."""
    demo, samples = fixtures / "demo" / "welfare", fixtures / "samples"
    people = People(20211231)
    recipients = demo_recipients(people)
    records = records_for(people, recipients, d(2021, 12, 31))
    sample = People(20221130)
    sample_rows = sample_recipients(sample)
    sample_records = records_for(sample, sample_rows, d(2022, 12, 31))
    recipient, record = WelfareRecipientResource, AssistanceRecordResource
    return [
        write_csv(demo / "recipients.csv", recipient, recipients),
        write_csv(demo / "assistance_records.csv", record, records),
        write_csv(
            samples / "welfare_recipients_gbk.csv",
            recipient,
            sample_rows,
            encoding="gbk",
        ),
        write_xlsx(
            samples / "welfare_recipients.xlsx",
            recipient,
            sample_rows,
            numbers=("batch_year", "household_size"),
            dates=("identified_on", "exited_on"),
        ),
        write_csv(
            samples / "welfare_recipients_errors.csv",
            recipient,
            error_recipients(sample),
        ),
        write_csv(
            samples / "welfare_assistance_records_gbk.csv",
            record,
            sample_records,
            encoding="gbk",
        ),
        write_xlsx(
            samples / "welfare_assistance_records.xlsx",
            record,
            sample_records,
            numbers=("amount",),
            dates=("date",),
        ),
    ]
