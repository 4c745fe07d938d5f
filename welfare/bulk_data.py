"""Invented welfare recipients in bulk, for ``manage.py generate_data``."""

import datetime

from devzone.bulk_data import Inventor, write_rows
from devzone.models import Community
from welfare.models import WelfareRecipient

MEASURES = "结对帮扶，定期走访，落实临时救助"


def recipient_rows(count, seed=2022):
    # Everything the rows refer to is read (or made) first: no query may run
    # on the connection while COPY streams.
    invent = Inventor(seed)
    communities = list(Community.objects.values_list("pk", "name"))
    Category = WelfareRecipient.Category

    def rows():
        for _ in range(count):
            community, community_name = invent.choice(communities)
            category = invent.choice(Category.values)
            child = category in WelfareRecipient.CHILD_CATEGORIES
            year = invent.amount(2012, 2025)
            identified_on = invent.day(
                datetime.date(year, 1, 1), datetime.date(year, 12, 31)
            )
            exited = invent.amount(0, 5) == 0
            yield {
                "name": invent.name(),
                "id_number": invent.id_number(2008, 2016)
                if child
                else invent.id_number(1935, 1995),
                "phone": invent.phone(),
                "community_id": community,
                "address": f"{community_name}{invent.amount(1, 40)}组{invent.amount(1, 99)}号",
                "category": category,
                "cause": invent.choice(WelfareRecipient.Cause.values),
                "batch_year": year,
                "batch": invent.choice(WelfareRecipient.Batch.values),
                "identified_on": identified_on,
                "guardian_name": invent.name() if child else "",
                "guardian_phone": invent.phone() if child else "",
                "household_size": invent.amount(1, 7),
                "status": WelfareRecipient.Status.EXITED
                if exited
                else WelfareRecipient.Status.ACTIVE,
                "exited_on": identified_on
                + datetime.timedelta(days=invent.amount(30, 700))
                if exited
                else None,
                "measures": MEASURES,
            }

    return rows()


def generate_recipients(count):
    write_rows(WelfareRecipient, recipient_rows(count), count, "帮扶对象")
