"""The welfare demo data: recipients and assistance records of 2021, via the import path.

Then the part that follows the calendar (``current``): the visits of the last weeks,
so that the 工作台 shows a believable to-do on any day the demo is loaded — most
recipients visited within their interval, a few children due — and one person of
高楼社区 on file in several categories who also heads a relocation household, so that
the person page (一人一档) shows its worth.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from devzone.demo import DEMO_DIR, import_file
from devzone.models import Community
from devzone.validators import id_check_character
from welfare.models import (
    AssistanceRecord,
    VisitInterval,
    WelfareRecipient,
    add_months,
)
from welfare.resources import AssistanceRecordResource, WelfareRecipientResource

WELFARE_DIR = DEMO_DIR / "welfare"
DEMO_COMMUNITY = "高楼社区"
RECORDED_BY = "周建明"
Category = WelfareRecipient.Category
Cause = WelfareRecipient.Cause

# The person of the person page: the head of a household of 丹桂路南侧地块 (已签约,
# not vacated by the project's deadline), on file as 困难户 and as 残疾人.
PERSON = {
    "name": "汤桂",
    "id_number": "321181198512178853",
    "phone": "18732667609",
    "address": "高楼社区17组64号",
    "household_size": 1,
}
PERSON_FILES = [
    (Category.HARDSHIP, Cause.ILLNESS, "结对帮扶，定期走访，落实临时救助"),
    (Category.DISABLED, Cause.DISABILITY, "残疾人两项补贴，辅具适配，就业帮扶"),
]
# The children of 高楼社区: (name, birth, sequence, category, guardian, phone,
# measures, days since the last visit). Children are visited monthly.
CHILDREN = [
    (
        "贺小雨",
        datetime.date(2014, 5, 12),
        242,
        Category.LEFT_BEHIND_CHILD,
        "贺建国（祖父）",
        "13951102233",
        "一人一档：父母在外务工，祖父监护；每月走访，学业辅导，心理关爱",
        45,
    ),
    (
        "束晓东",
        datetime.date(2012, 9, 3),
        317,
        Category.DISTRESSED_CHILD,
        "束秀英（母亲）",
        "15896543210",
        "一人一档：父亲重病，落实困境儿童基本生活费，助学帮扶",
        38,
    ),
    (
        "眭春梅",
        datetime.date(2015, 2, 20),
        128,
        Category.LEFT_BEHIND_CHILD,
        "眭德胜（祖父）",
        "18061234567",
        "一人一档：父母在外务工，结对志愿者每月陪伴",
        6,
    ),
]
# Among the other recipients, every DUE_EVERY-th of each community is left due.
DUE_EVERY = 12


def id_number(birth, sequence):
    first17 = f"321181{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


class Counts:
    def __init__(self):
        self.values = {"new": 0, "update": 0, "skip": 0}

    def add(self, created):
        self.values["new" if created else "skip"] += 1


def recipient(counts, *, community, identified_on, **values):
    """Return the demo recipient of a number and category, creating it valid."""
    found = WelfareRecipient.objects.filter(
        id_number=values["id_number"], category=values["category"]
    ).first()
    if found is not None:
        counts.add(False)
        return found
    new = WelfareRecipient(
        community=community,
        identified_on=identified_on,
        batch_year=identified_on.year,
        batch=WelfareRecipient.Batch.FIRST,
        **values,
    )
    new.full_clean()
    new.save()
    counts.add(True)
    return new


def record(counts, recipient, day, kind, amount=0, note=""):
    """Add an assistance record unless the recipient has one of that kind that day."""
    _record, created = AssistanceRecord.objects.get_or_create(
        recipient=recipient,
        date=day,
        kind=kind,
        defaults={"amount": Decimal(amount), "note": note, "recorded_by": RECORDED_BY},
    )
    counts.add(created)


def current(today=None):
    """Add the calendar-relative demo: the person, the children, recent visits."""
    today = today or timezone.localdate()
    counts = Counts()
    gaolou = Community.objects.get(name=DEMO_COMMUNITY)
    identified = datetime.date(2022, 3, 15)
    person = [
        recipient(
            counts,
            community=gaolou,
            identified_on=identified,
            category=category,
            cause=cause,
            measures=measures,
            **PERSON,
        )
        for category, cause, measures in PERSON_FILES
    ]
    for year in range(2022, today.year + 1):
        paid = datetime.date(year, 1, 20)
        if paid <= today:
            record(
                counts, person[0], paid, AssistanceRecord.Kind.CASH, 2000, "春节救助金"
            )
            record(
                counts, person[1], paid, AssistanceRecord.Kind.CASH, 1200, "两项补贴"
            )
    record(
        counts,
        person[0],
        today - datetime.timedelta(days=20),
        AssistanceRecord.Kind.VISIT,
        note="上门走访，了解病情和搬迁安置意愿",
    )
    record(
        counts,
        person[1],
        today - datetime.timedelta(days=20),
        AssistanceRecord.Kind.GOODS,
        300,
        "慰问物资",
    )
    children = set()
    for name, birth, sequence, category, guardian, phone, measures, days in CHILDREN:
        child = recipient(
            counts,
            community=gaolou,
            identified_on=identified,
            name=name,
            id_number=id_number(birth, sequence),
            category=category,
            cause=Cause.OTHER,
            guardian_name=guardian,
            guardian_phone=phone,
            address=f"{DEMO_COMMUNITY}{sequence % 20 + 1}组{sequence % 90 + 1}号",
            household_size=3,
            measures=measures,
        )
        children.add(child.pk)
        record(
            counts,
            child,
            today - datetime.timedelta(days=days),
            AssistanceRecord.Kind.VISIT,
            note="入户走访，与监护人谈心",
        )
    recent_visits(counts, today, skip={*children, *(p.pk for p in person)})
    return counts.values


def recent_visits(counts, today, skip):
    """Visit most recipients within their interval; leave a few of each community due."""
    months = VisitInterval.months_by_category()
    rank: dict[int, int] = {}
    recipients = (
        WelfareRecipient.objects.active()
        .exclude(pk__in=skip)
        .order_by("community_id", "pk")
    )
    for recipient_ in recipients:
        index = rank[recipient_.community_id] = (
            rank.get(recipient_.community_id, -1) + 1
        )
        if index % DUE_EVERY == DUE_EVERY // 2:
            continue
        window = (today - add_months(today, -months[recipient_.category])).days
        day = today - datetime.timedelta(days=3 + recipient_.pk % max(window - 3, 1))
        record(counts, recipient_, day, AssistanceRecord.Kind.VISIT, note="定期走访")


def load():
    """Load the demo recipients, then their assistance records, then today's part."""
    return {
        "帮扶对象": import_file(
            WelfareRecipientResource, WELFARE_DIR / "recipients.csv"
        ),
        "帮扶记录": import_file(
            AssistanceRecordResource, WELFARE_DIR / "assistance_records.csv"
        ),
        "近期走访与演示档案": current(),
    }
