"""Changes to governance records that touch several rows, each in one place."""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from devzone.services import records_change_all_or_none
from governance.models import EnvironmentalCase


@transaction.atomic
def environmental_cases_close(
    *,
    cases: Iterable[EnvironmentalCase],
    closed_on: datetime.date,
) -> int:
    """Close every case given on ``closed_on``; refuse all if any cannot be closed.

    Return how many cases were closed. Nothing is saved when one case is already
    closed, would be closed before it was opened, or lacks the 整改后 photo its
    category requires (``EnvironmentalCase.photo_evidence_refusal``).
    """

    def close(case: EnvironmentalCase) -> str | None:
        if case.status == EnvironmentalCase.Status.CLOSED:
            return _("%(number)s 已办结，不能再次办结") % {"number": case.case_number}
        # The rule speaks of the case as it would be: closed.
        case.status = EnvironmentalCase.Status.CLOSED
        refusal = case.photo_evidence_refusal(
            list(case.photos.values_list("kind", flat=True))
        )
        if refusal:
            return _("%(number)s：%(refusal)s") % {
                "number": case.case_number,
                "refusal": refusal,
            }
        if closed_on < case.opened_on:
            return _("%(number)s 的办结日期 %(closed)s 早于立案日期 %(opened)s") % {
                "number": case.case_number,
                "closed": closed_on.isoformat(),
                "opened": case.opened_on.isoformat(),
            }
        case.closed_on = closed_on
        return None

    return records_change_all_or_none(
        EnvironmentalCase.objects.select_for_update()
        .filter(pk__in=[case.pk for case in cases])
        .order_by("case_number"),
        change=close,
        fields=["status", "closed_on"],
    )
