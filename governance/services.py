"""Changes to governance records that touch several rows, each in one place."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.models import EnvironmentalCase


@transaction.atomic
def environmental_cases_close(
    *, cases: Iterable[EnvironmentalCase], closed_on: datetime.date
) -> int:
    """Close every case given on ``closed_on``; refuse all if any cannot be closed.

    Return how many cases were closed. Nothing is saved when one case is already
    closed or would be closed before it was opened.
    """
    cases = list(
        EnvironmentalCase.objects.select_for_update()
        .filter(pk__in=[case.pk for case in cases])
        .order_by("case_number")
    )
    already = [case.case_number for case in cases if case.status == case.Status.CLOSED]
    if already:
        raise ValidationError(
            _("以下案件已办结，不能再次办结：%(numbers)s。所选案件均未修改。")
            % {"numbers": "、".join(already)}
        )
    too_early = [case.case_number for case in cases if closed_on < case.opened_on]
    if too_early:
        raise ValidationError(
            _("办结日期不能早于立案日期：%(numbers)s。所选案件均未修改。")
            % {"numbers": "、".join(too_early)}
        )
    for case in cases:
        case.status = EnvironmentalCase.Status.CLOSED
        case.closed_on = closed_on
        case.full_clean()
        case.save(update_fields=["status", "closed_on", "updated_at"])
    return len(cases)
