import datetime
import itertools

import factory

from devzone.models import Community
from tests.factories import CommunityFactory as ZoneCommunityFactory
from tests.factories import id_number_from
from welfare.models import AssistanceRecord, WelfareRecipient

_sequence = itertools.count(1)


def make_id_number(birth=datetime.date(1970, 5, 1), male=True, seq=None):
    """Return a valid, invented ID number with 丹阳's region code."""
    # Generated sequences stay in 100–899; tests pass small or 9xx ones explicitly.
    seq = 100 + next(_sequence) * 2 % 800 if seq is None else seq
    if seq % 2 != int(male):
        seq = (seq + 1) % 1000
    return id_number_from(birth, seq)


def mask_candidates(number, count, start=datetime.date(1950, 1, 1)):
    """Return ``count`` valid numbers other than ``number`` that share its mask.

    What a guesser tries for a number shown as ``321181********1234``: the same
    region, sequence and check character, other birth dates from ``start`` on.
    """
    found = []
    day = start
    while len(found) < count:
        candidate = id_number_from(day, int(number[14:17]))
        if candidate[-4:] == number[-4:] and candidate != number:
            found.append(candidate)
        day += datetime.timedelta(days=1)
    return found


class CommunityFactory(ZoneCommunityFactory):
    name = "高楼社区"
    kind = Community.Kind.COMMUNITY


class WelfareRecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WelfareRecipient

    class Params:
        birth = datetime.date(1970, 5, 1)
        male = True

    name = factory.Sequence(lambda n: f"测试{n}号")
    id_number = factory.LazyAttribute(lambda o: make_id_number(o.birth, o.male))
    phone = "13912345678"
    community = factory.SubFactory(CommunityFactory)
    address = "高楼社区1幢1单元101室"
    category = WelfareRecipient.Category.HARDSHIP
    cause = WelfareRecipient.Cause.ILLNESS
    batch_year = 2021
    batch = WelfareRecipient.Batch.SECOND
    identified_on = datetime.date(2021, 7, 15)
    household_size = 3


class ChildRecipientFactory(WelfareRecipientFactory):
    class Params:
        birth = datetime.date(2012, 3, 4)
        male = False

    category = WelfareRecipient.Category.LEFT_BEHIND_CHILD
    cause = WelfareRecipient.Cause.OTHER
    phone = ""
    guardian_name = "测试监护人"
    guardian_phone = "13800001111"
    measures = "一人一档：学业辅导"


class AssistanceRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssistanceRecord

    recipient = factory.SubFactory(WelfareRecipientFactory)
    date = factory.Sequence(lambda n: datetime.date(2021, 8, 1) + datetime.timedelta(n))
    kind = AssistanceRecord.Kind.CASH
    amount = 1000
    recorded_by = "王晓燕"
