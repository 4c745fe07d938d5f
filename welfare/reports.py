"""The welfare section of the annual report: figures computed live from the records."""

import datetime

from django.urls import reverse
from django.utils.http import urlencode

from devzone.registry import Chart, Figure
from devzone.scope import WHOLE_ZONE
from welfare.models import WelfareRecipient


def recipient_changelist(**lookups):
    """Return the recipient changelist URL filtered by plain field lookups."""
    return (
        reverse("admin:welfare_welfarerecipient_changelist") + "?" + urlencode(lookups)
    )


def figures(year, scope=WHOLE_ZONE):
    """Return the welfare figures of one year's report."""
    Category, Batch, Cause = (
        WelfareRecipient.Category,
        WelfareRecipient.Batch,
        WelfareRecipient.Cause,
    )
    second_batch = (
        WelfareRecipient.objects.within(scope)
        .households_in_difficulty()
        .in_batch(year, Batch.SECOND)
    )
    lookups = {
        "category__exact": Category.HARDSHIP,
        "batch_year": year,
        "batch__exact": Batch.SECOND,
    }
    difficulty = second_batch.count()
    illness = second_batch.by_cause(Cause.ILLNESS).count()
    children = (
        WelfareRecipient.objects.within(scope)
        .of_category(*WelfareRecipient.CHILD_CATEGORIES)
        .filter(batch_year=year)
    )
    child_count = children.count()
    return [
        Figure(
            key="welfare.difficulty_second_batch",
            label=f"{year}年第二批困难户",
            value=difficulty,
            unit="户",
            url=recipient_changelist(**lookups),
            rows=difficulty,
            headline=True,
        ),
        Figure(
            key="welfare.difficulty_second_batch_illness",
            label=f"{year}年第二批困难户中因病致困",
            value=illness,
            unit="户",
            url=recipient_changelist(**lookups, cause__exact=Cause.ILLNESS),
            rows=illness,
        ),
        Figure(
            key="welfare.children_identified",
            label=f"{year}年认定的留守儿童和困境儿童",
            value=child_count,
            unit="人",
            url=recipient_changelist(
                category__in=",".join(WelfareRecipient.CHILD_CATEGORIES),
                batch_year=year,
            ),
            rows=child_count,
        ),
    ]


def charts(year, scope=WHOLE_ZONE):
    """Return a chart of the recipients on the register at the end of the year."""
    counts = (
        WelfareRecipient.objects.within(scope)
        .on_register_at(datetime.date(year, 12, 31))
        .count_by_category()
    )
    data = [
        (str(label), counts.get(value, 0))
        for value, label in WelfareRecipient.Category.choices
    ]
    return [
        Chart(
            key="welfare.recipients_by_category",
            title=f"{year}年末在册帮扶对象（按类别）",
            data=data,
            unit="人",
        )
    ]
