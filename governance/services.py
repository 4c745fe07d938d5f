"""Changes to governance records that touch several rows, each in one place."""

import datetime
import re
from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from devzone.services import records_change_all_or_none
from governance.models import EnvironmentalCase
from governance.models.cases import CASE_NUMBER_CODES

# Two staff saving a case at the same moment may draw the same next number; the
# unique index refuses the second, which draws again.
CASE_NUMBER_ATTEMPTS = 5


def environmental_case_next_number(*, category: str, year: int) -> str:
    """Return the next free case number of a category and year (HJ-2021-0001)."""
    prefix = f"{CASE_NUMBER_CODES[category]}-{year}-"
    taken = EnvironmentalCase.objects.filter(
        case_number__startswith=prefix
    ).values_list("case_number", flat=True)
    pattern = re.compile(re.escape(prefix) + r"([0-9]+)$")
    numbers = [int(m.group(1)) for n in taken if (m := pattern.match(n))]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def environmental_case_save_numbered(
    *, case: EnvironmentalCase, save: Callable[[], None]
) -> EnvironmentalCase:
    """Save a case by ``save()``, numbering it first when its number is empty.

    The number is drawn again when another case took it meanwhile.
    """
    if case.case_number:
        save()
        return case
    for attempt in range(CASE_NUMBER_ATTEMPTS):
        case.case_number = environmental_case_next_number(
            category=case.category, year=case.opened_on.year
        )
        try:
            with transaction.atomic():
                save()
        except IntegrityError:
            taken = EnvironmentalCase.objects.filter(case_number=case.case_number)
            if attempt + 1 == CASE_NUMBER_ATTEMPTS or not taken.exists():
                raise
        else:
            return case
    raise AssertionError("unreachable")


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
