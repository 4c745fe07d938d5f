"""Passwords' lifecycle: strength, no reuse, expiry, and a change forced when due.

- ``CharacterClassesValidator``: at least three of lower case, upper case, digits
  and other characters (the length, 12, is Django's MinimumLengthValidator's).
- ``PasswordHistoryValidator``: none of the last five passwords again; it also
  records each new password's hash (``password_changed``, which Django calls
  whenever a user with a new password is saved).
- ``PasswordChangeRequiredMiddleware``: a user whose password was set by an
  administrator (a new account, a reset) or is older than 90 days reaches only the
  password change page until it is changed.
"""

import datetime
import hashlib
import string
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from devzone.models import PasswordHistory

CLASSES = (
    set(string.ascii_lowercase),
    set(string.ascii_uppercase),
    set(string.digits),
)


def character_classes(password: str) -> int:
    """Return how many of lower case, upper case, digits and others ``password`` has."""
    found = sum(1 for chars in CLASSES if chars & set(password))
    others = set(password) - set().union(*CLASSES)
    return found + (1 if others else 0)


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含小写字母、大写字母、数字、其他符号中的至少 %(count)d 类。")
                % {"count": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _(
            "密码须包含小写字母、大写字母、数字、其他符号中的至少 %(count)d 类。"
        ) % {"count": self.min_classes}


class PasswordHistoryValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        count = settings.DEVZONE_PASSWORD_HISTORY
        # The current password too: accounts made by create_user() have no row yet.
        hashes = [user.password] if user.has_usable_password() else []
        hashes += PasswordHistory.objects.filter(user=user).values_list(
            "password", flat=True
        )[:count]
        for old in hashes:
            if check_password(password, old):
                raise ValidationError(
                    _("不能使用最近 %(count)d 次用过的密码。") % {"count": count},
                    code="password_reused",
                )

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        # Older hashes than the ones checked are no longer needed.
        keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[
            : settings.DEVZONE_PASSWORD_HISTORY
        ]
        PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()

    def get_help_text(self) -> str:
        return _("不能使用最近 %(count)d 次用过的密码。") % {
            "count": settings.DEVZONE_PASSWORD_HISTORY
        }


def password_set_by_other(*, user: Any) -> None:
    """Mark the user's current password as set by an administrator: to be changed."""
    latest = PasswordHistory.objects.filter(user=user).first()
    if latest is None:
        PasswordHistory.objects.create(
            user=user, password=user.password, set_by_other=True
        )
    else:
        latest.set_by_other = True
        latest.save(update_fields=["set_by_other"])


def change_reason(user: Any) -> str:
    """Return why the user must change the password now, or "" if not."""
    latest = PasswordHistory.objects.filter(user=user).first()
    if latest is not None and latest.set_by_other:
        return _("您的密码由管理员设置，请先修改为只有您自己知道的密码。")
    set_at = latest.created_at if latest is not None else user.date_joined
    max_age = settings.DEVZONE_PASSWORD_MAX_AGE_DAYS
    if timezone.now() - set_at > datetime.timedelta(days=max_age):
        return _("您的密码已使用超过 %(days)d 天，请修改后继续。") % {"days": max_age}
    return ""


CHECKED = "devzone_password_checked"


def mark_checked(session: Any, user: Any) -> None:
    """Remember in the session that the password needs no change, for a day."""
    session[CHECKED] = [digest(user.password), timezone.now().timestamp() + 24 * 3600]


def check_at_login(
    sender: Any, request: Any = None, user: Any = None, **kwargs: Any
) -> None:
    """Check the password once at login (a receiver of ``user_logged_in``), so that
    the requests after it need no query."""
    if request is not None and user is not None and not change_reason(user):
        mark_checked(request.session, user)


class PasswordChangeRequiredMiddleware:
    """Send a user whose password must change to the change page, and only there.

    The check reads the database at login and then once a day per session, and
    again whenever the password itself changed (the session remembers a digest of
    its hash).
    """

    OPEN_PATHS = ("/static/", "/healthz", "/favicon.ico", "/account/two-factor/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.has_usable_password()
            and not request.path.startswith(self.OPEN_PATHS)
            and request.path
            not in (
                reverse("admin:password_change"),
                reverse("admin:password_change_done"),
                reverse("admin:logout"),
                reverse("admin:login"),
            )
            and not self.checked(request, user)
        ):
            reason = change_reason(user)
            if reason:
                messages.warning(request, reason)
                return redirect("admin:password_change")
            mark_checked(request.session, user)
        return self.get_response(request)

    def checked(self, request: HttpRequest, user: Any) -> bool:
        value = request.session.get(CHECKED)
        return (
            isinstance(value, list)
            and len(value) == 2
            and value[0] == digest(user.password)
            and value[1] > timezone.now().timestamp()
        )


def digest(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]
