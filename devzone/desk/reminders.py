"""Reminders of the to-do: in-app notices first, email only where a server exists.

Many county intranets have no mail server, so a notice in the app (通知) is the
reminder; ``EMAIL_HOST`` set in the environment adds an email. One notice per user
and day (a unique constraint on ``Notice(user, key)``): running twice, or on two
servers at once, creates one notice and sends one email — only the run whose insert
won sends it.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from devzone.desk.todo import todo_items, todo_total
from devzone.models import Notice


@dataclass(frozen=True)
class ReminderCounts:
    created: int = 0
    existing: int = 0
    emailed: int = 0


def email_configured() -> bool:
    """Return True if an outgoing mail server is configured (EMAIL_HOST)."""
    return bool(getattr(settings, "DEVZONE_EMAIL_ENABLED", False))


def notice_key(on: datetime.date) -> str:
    return f"todo:{on.isoformat()}"


def notice_create(
    *, user, key: str, title: str, body: str = "", url: str = ""
) -> tuple[Notice, bool]:
    """Create a user's notice unless one with the key exists; return (notice, new)."""
    # get_or_create inserts in a savepoint and, if another server inserted the same
    # (user, key) first, reads that row: the unique constraint decides the winner.
    with transaction.atomic():
        return Notice.objects.get_or_create(
            user=user, key=key, defaults={"title": title, "body": body, "url": url}
        )


def reminder_text(items) -> tuple[str, str]:
    total = todo_total(items)
    title = _("我的待办：%(total)d 项需要处理") % {"total": total}
    body = "\n".join(f"{item.label}：{item.count}" for item in items)
    return title, body


def reminders_send(*, on: datetime.date | None = None) -> ReminderCounts:
    """Write each active staff user's to-do of the day as a notice (and email)."""
    on = on or timezone.localdate()
    created = existing = emailed = 0
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    for user in users.order_by("pk"):
        items = todo_items(user, on, details=False)
        if not items:
            continue
        title, body = reminder_text(items)
        notice, new = notice_create(
            user=user,
            key=notice_key(on),
            title=title,
            body=body,
            url=reverse("admin:index"),
        )
        if not new:
            existing += 1
            continue
        created += 1
        if email_configured() and user.email:
            send_mail(title, body, None, [user.email], fail_silently=False)
            Notice.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
            emailed += 1
    return ReminderCounts(created=created, existing=existing, emailed=emailed)


def notices_mark_read(*, user, pks=None) -> int:
    """Mark a user's notices read (all unread ones when ``pks`` is None)."""
    notices = Notice.objects.filter(user=user).unread()
    if pks is not None:
        notices = notices.filter(pk__in=pks)
    return notices.update(read_at=timezone.now())
