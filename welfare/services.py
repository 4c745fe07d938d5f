"""State changes of welfare records, each atomic and validated before it is saved."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from welfare.models import WelfareRecipient


@transaction.atomic
def recipients_mark_exited(
    *, recipients: QuerySet[WelfareRecipient], exited_on: datetime.date
) -> int:
    """Take recipients off the register as of ``exited_on``; all of them or none.

    Refused (ValidationError, nothing saved) if any of them has already exited or
    would exit before it was identified or after today.
    """
    problems, changed = [], []
    for recipient in recipients.select_for_update():
        if recipient.status == WelfareRecipient.Status.EXITED:
            problems.append(_("%(name)s 已经退出") % {"name": recipient})
            continue
        recipient.status = WelfareRecipient.Status.EXITED
        recipient.exited_on = exited_on
        try:
            recipient.full_clean()
        except ValidationError as error:
            problems.append(f"{recipient}：{'；'.join(error.messages)}")
            continue
        changed.append(recipient)
    if problems:
        raise ValidationError(
            _("未作任何修改：%(problems)s。") % {"problems": "；".join(problems)}
        )
    for recipient in changed:
        recipient.save(update_fields=["status", "exited_on", "updated_at"])
    return len(changed)
