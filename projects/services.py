"""State changes of the projects records, each in one place."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import RelocationHousehold

Status = RelocationHousehold.Status


@transaction.atomic
def households_mark_vacated(
    *, households: QuerySet[RelocationHousehold], vacated_on: datetime.date
) -> int:
    """Mark signed households 已腾空 on ``vacated_on``; all of them or none.

    Refused (ValidationError, nothing saved) if any household has not signed, is
    already vacated, or would be vacated before it signed or after today.
    """
    if vacated_on > timezone.localdate():
        raise ValidationError(_("腾空日期不能晚于今天。"))
    problems = []
    changed = []
    for household in households.select_for_update().select_related("project"):
        if household.status == Status.PENDING:
            problems.append(
                _("%(name)s 尚未签约，不能标记为已腾空") % {"name": household.head_name}
            )
            continue
        if household.status in RelocationHousehold.VACATED_STATUSES:
            problems.append(
                _("%(name)s 已是“%(status)s”")
                % {
                    "name": household.head_name,
                    "status": household.get_status_display(),
                }
            )
            continue
        if household.signed_on and vacated_on < household.signed_on:
            problems.append(
                _("%(name)s 的腾空日期 %(vacated)s 早于签约日期 %(signed)s")
                % {
                    "name": household.head_name,
                    "vacated": vacated_on.isoformat(),
                    "signed": household.signed_on.isoformat(),
                }
            )
            continue
        household.status = Status.VACATED
        household.vacated_on = vacated_on
        try:
            household.full_clean()
        except ValidationError as error:
            problems.append(f"{household.head_name}：{'；'.join(error.messages)}")
            continue
        changed.append(household)
    if problems:
        raise ValidationError(
            _("未作任何修改：%(problems)s。") % {"problems": "；".join(problems)}
        )
    for household in changed:
        household.save(update_fields=["status", "vacated_on", "updated_at"])
    return len(changed)
