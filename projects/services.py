"""State changes of the projects records, each in one place."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from devzone.services import records_change_all_or_none
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

    def vacate(household: RelocationHousehold) -> str | None:
        if household.status == Status.PENDING:
            return _("%(name)s 尚未签约，不能标记为已腾空") % {
                "name": household.head_name
            }
        if household.status in RelocationHousehold.VACATED_STATUSES:
            return _("%(name)s 已是“%(status)s”") % {
                "name": household.head_name,
                "status": household.get_status_display(),
            }
        if household.signed_on and vacated_on < household.signed_on:
            return _("%(name)s 的腾空日期 %(vacated)s 早于签约日期 %(signed)s") % {
                "name": household.head_name,
                "vacated": vacated_on.isoformat(),
                "signed": household.signed_on.isoformat(),
            }
        household.status = Status.VACATED
        household.vacated_on = vacated_on
        return None

    return records_change_all_or_none(
        households.select_for_update().select_related("project"),
        change=vacate,
        fields=["status", "vacated_on"],
    )
