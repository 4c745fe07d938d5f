"""The welfare section of the annual report: figures computed live from the records."""

import datetime
from decimal import Decimal

from devzone.models import Community
from devzone.registry import Chart, Figure
from devzone.reports.figures import changelist_url, choice_bars, count_figure
from devzone.scope import WHOLE_ZONE
from welfare.models import WelfareRecipient


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
    # ``stats_year``: the list's yearly columns count the report's year.
    lookups = {
        "category__exact": Category.HARDSHIP,
        "batch_year": year,
        "batch__exact": Batch.SECOND,
        "stats_year": year,
    }
    children = (
        WelfareRecipient.objects.within(scope)
        .of_category(*WelfareRecipient.CHILD_CATEGORIES)
        .filter(batch_year=year)
    )
    return [
        count_figure(
            "welfare.difficulty_second_batch",
            f"{year}年第二批困难户",
            second_batch,
            changelist_url(WelfareRecipient, **lookups),
            "户",
            headline=True,
        ),
        count_figure(
            "welfare.difficulty_second_batch_illness",
            f"{year}年第二批困难户中因病致困",
            second_batch.by_cause(Cause.ILLNESS),
            changelist_url(WelfareRecipient, **lookups, cause__exact=Cause.ILLNESS),
            "户",
        ),
        count_figure(
            "welfare.children_identified",
            f"{year}年认定的留守儿童和困境儿童",
            children,
            changelist_url(
                WelfareRecipient,
                category__in=",".join(WelfareRecipient.CHILD_CATEGORIES),
                batch_year=year,
                stats_year=year,
            ),
            "人",
        ),
    ]


def charts(year, scope=WHOLE_ZONE):
    """Return a chart of the recipients on the register at the end of the year."""
    counts = (
        WelfareRecipient.objects.within(scope)
        .on_register_at(datetime.date(year, 12, 31))
        .count_by_category()
    )
    return [
        Chart(
            key="welfare.recipients_by_category",
            title=f"{year}年末在册帮扶对象（按类别）",
            data=choice_bars(counts, WelfareRecipient.Category.choices),
            unit="人",
        )
    ]


def home_care_figures(year, scope=WHOLE_ZONE):
    """Return the share of communities with a home-care centre (the present state)."""
    total = Community.objects.within(scope).count()
    if not total:
        return []
    with_centre = Community.objects.within(scope).with_home_care_center().count()
    share = (Decimal(with_centre) * 100 / total).quantize(Decimal("0.1"))
    url = changelist_url(Community, has_home_care_center__exact=1)
    return [
        Figure(
            key="welfare.home_care_share",
            label="建成居家养老服务中心的村/社区占比",
            value=share,
            unit="%",
            url=url,
            rows=with_centre,
            decimals=1,
        ),
        Figure(
            key="welfare.home_care_communities",
            label="建成居家养老服务中心的村/社区",
            value=with_centre,
            unit="个",
            url=url,
            rows=with_centre,
        ),
    ]
