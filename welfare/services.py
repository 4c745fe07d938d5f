"""State changes of welfare records, each atomic and validated before it is saved."""

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from devzone.services import records_change_all_or_none
from welfare.models import WelfareRecipient


@transaction.atomic
def recipients_mark_exited(
    *, recipients: QuerySet[WelfareRecipient], exited_on: datetime.date
) -> int:
    """Take recipients off the register as of ``exited_on``; all of them or none.

    Refused (ValidationError, nothing saved) if any of them has already exited or
    would exit before it was identified or after today.
    """

    def exit_register(recipient: WelfareRecipient) -> str | None:
        if recipient.status == WelfareRecipient.Status.EXITED:
            return _("%(name)s 已经退出") % {"name": recipient}
        recipient.status = WelfareRecipient.Status.EXITED
        recipient.exited_on = exited_on
        return None

    return records_change_all_or_none(
        recipients.select_for_update(),
        change=exit_register,
        fields=["status", "exited_on"],
    )
