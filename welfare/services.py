"""State changes of welfare records, each atomic and validated before it is saved."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from welfare.models import WelfareRecipient


@transaction.atomic
def recipient_mark_exited(
    *, recipient: WelfareRecipient, exited_on: datetime.date
) -> WelfareRecipient:
    """Take a recipient off the register as of ``exited_on``."""
    recipient = WelfareRecipient.objects.select_for_update().get(pk=recipient.pk)
    if recipient.status == WelfareRecipient.Status.EXITED:
        raise ValidationError(
            _("%(name)s 已经退出，无需重复操作。") % {"name": recipient}
        )
    recipient.status = WelfareRecipient.Status.EXITED
    recipient.exited_on = exited_on
    recipient.full_clean()
    recipient.save(update_fields=["status", "exited_on", "updated_at"])
    return recipient
