"""The second factor: an authenticator app's code (TOTP) or a one-time backup code.

Who must use one (``needs_two_factor``): whoever administers — a superuser, anyone
holding a permission on users, groups or permissions — and whoever may see personal
data unmasked (any ``<app>.view_personal_data``); everyone when the deployment sets
``DEVZONE_REQUIRE_2FA``. It is enforced when ``DEVZONE_ENFORCE_2FA`` is on (by default
whenever DEBUG is off): such a user who logged in with a password alone reaches
nothing but the enrolment page (``TwoFactorMiddleware``), and one who has a device
cannot log in without its code (``devzone.login_form.LoginForm``).

Decisions recorded here:
- One login form with an optional code field, not a second step: a wrong code gets
  the same answer as a wrong password, so the form never tells that a password was
  right, and django-axes counts both as one failure (five lock the username on that
  address). django-otp's own throttling also slows each device down.
- A user with no device yet enrols after the password, the way every self-service
  enrolment works; once a device exists the password alone is worth nothing. A lost
  phone: the superuser deletes the user's devices, the user enrols again.
- A TOTP code is accepted once (django-otp keeps the last time step used); a backup
  code is deleted when used. A backup code is stored as a keyed digest
  (``backup_code_digest``), never in clear: a copy of the database opens no account.
  Rotating SECRET_KEY voids the backup codes (the authenticator still works).
"""

import base64
import io
import math
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Permission
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from devzone.errors import ExplainedRefusal

BACKUP_CODES = 10
# Permissions that administer accounts and roles: their holders need a second factor.
ADMINISTERING_APPS = {"auth"}
# Who reads the security log (who logged in from where, every refusal) is an
# administrator too: the 审计管理员.
READS_THE_SECURITY_LOG = "devzone.view_auditevent"
ENROL_URL_NAME = "two_factor_setup"


def needs_two_factor(user: Any) -> bool:
    """Return True if the user must log in with a second factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or settings.DEVZONE_REQUIRE_2FA:
        return True
    return any(map(power_needs_two_factor, user.get_all_permissions()))


def power_needs_two_factor(permission: str) -> bool:
    """Return True if holding ``app_label.codename`` calls for a second factor."""
    app_label, _dot, codename = permission.partition(".")
    return (
        app_label in ADMINISTERING_APPS
        or codename == "view_personal_data"
        or permission == READS_THE_SECURITY_LOG  # the 审计管理员
    )


def holds_powers_needing_two_factor(user: Any) -> bool:
    """Return True if the account is a superuser or holds a permission that calls for
    a second factor, whether it is active or not (Django's backends give an inactive
    account no permission at all)."""
    if user.is_superuser:
        return True
    held = Permission.objects.filter(Q(user=user) | Q(group__user=user)).values_list(
        "content_type__app_label", "codename"
    )
    return any(power_needs_two_factor(f"{app}.{code}") for app, code in held)


def has_device(user: Any) -> bool:
    """Return True if the user has a confirmed second-factor device."""
    return any(True for _device in devices_for_user(user, confirmed=True))


def backup_code_digest(code: str) -> str:
    """Return what is stored for a backup code: a digest keyed by SECRET_KEY that
    fits django-otp's 16-character token column (64 bits)."""
    code = "".join(code.split()).lower()
    return salted_hmac("devzone.backup-code", code, algorithm="sha256").hexdigest()[:16]


def verify(user: Any, code: str) -> Any:
    """Return the user's device that accepts ``code`` (and so spends it), or None.

    Throttled devices refuse every code until their delay has passed.
    """
    code = "".join(code.split())
    if not code or len(code) > 16:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            token = (
                backup_code_digest(code) if isinstance(device, StaticDevice) else code
            )
            if device.verify_token(token):
                return device
    return None


PENDING_SESSION_KEY = "devzone_pending_totp"


def pending_totp(user: Any, session: Any) -> TOTPDevice:
    """Return this session's unconfirmed authenticator, made with a new secret if
    none.

    The secret is the session's own: another session of the same user (someone
    with the password who opened this page first) gets another one, and making
    it voids every earlier unconfirmed secret.
    """
    pk = session.get(PENDING_SESSION_KEY)
    device = (
        TOTPDevice.objects.filter(pk=pk, user=user, confirmed=False).first()
        if pk is not None
        else None
    )
    if device is None:
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(
            user=user, name="手机验证器", confirmed=False
        )
        session[PENDING_SESSION_KEY] = device.pk
    return device


def seconds_to_wait(device: Any) -> int:
    """Return how long a throttled device refuses every code (0: it does not)."""
    allowed, details = device.verify_is_allowed()
    if allowed or not details or "locked_until" not in details:
        return 0
    return max(math.ceil((details["locked_until"] - timezone.now()).total_seconds()), 1)


def provisioning_uri(device: TOTPDevice) -> str:
    return str(device.config_url)


def secret_text(device: TOTPDevice) -> str:
    """Return the secret as an app asks it to be typed: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(text: str) -> str:
    """Return ``text`` as a QR code in an SVG ``data:`` URI, drawn here, not by a
    service: the page carries its own picture of the secret."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@transaction.atomic
def two_factor_confirm(*, user: Any, device: TOTPDevice, code: str) -> list[str]:
    """Confirm ``device`` with a code it shows; return new one-time backup codes.

    The user's other devices are removed: one authenticator and one set of codes.
    Return [] if the code is wrong (and the device is throttled).
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if device.confirmed or not device.verify_token("".join(code.split())):
        return []
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return backup_codes_renew(user=user)


@transaction.atomic
def backup_codes_renew(*, user: Any) -> list[str]:
    """Replace the user's backup codes with new ones and return them."""
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="备用码", confirmed=True)
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(
        StaticToken(device=static, token=backup_code_digest(code)) for code in codes
    )
    return codes


@transaction.atomic
def two_factor_reset(*, users: Any, by: Any) -> int:
    """Remove the users' devices (a lost phone); return how many users had one.

    The superuser's alone: whoever resets a phone and a password holds the account.
    """
    if not by.is_superuser:
        raise ExplainedRefusal(_("双因素认证只能由超级管理员重置。"))
    had = {device.user_id for device in TOTPDevice.objects.filter(user__in=users)}
    had |= {device.user_id for device in StaticDevice.objects.filter(user__in=users)}
    TOTPDevice.objects.filter(user__in=users).delete()
    StaticDevice.objects.filter(user__in=users).delete()
    # A session verified with the lost phone ends too: whoever holds it must log
    # in again, with the password, before enrolling a new phone.
    end_sessions(user_ids={str(pk) for pk in users.values_list("pk", flat=True)})
    return len(had)


def end_sessions(*, user_ids: set[str]) -> None:
    """Delete the stored sessions of these users (the database session store)."""
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) in user_ids
    ]
    Session.objects.filter(pk__in=ended).delete()


def mark_verified(request: HttpRequest, device: Any) -> None:
    otp_login(request, device)


def is_verified(user: Any) -> bool:
    return bool(getattr(user, "is_verified", lambda: False)())


class TwoFactorMiddleware:
    """Let a user who needs a second factor and has not given one only enrol.

    A request from such a user goes to the enrolment page, or is logged out when
    the user has a device (a session verified by password alone cannot be one
    today; it would be one left over from before enforcement).
    """

    # Paths such a user may still reach: enrolling, leaving, logging in as someone
    # else, and static files.
    OPEN_PATHS = ("/static/", "/healthz", "/favicon.ico")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.DEVZONE_ENFORCE_2FA
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(self.OPEN_PATHS)
            and request.path not in (reverse("admin:logout"), reverse("admin:login"))
            and not is_verified(user)
            and needs_two_factor(user)
        ):
            if has_device(user):
                from django.contrib.auth import logout

                logout(request)
                return redirect_to_login(request.get_full_path())
            if request.path != reverse(ENROL_URL_NAME):
                return redirect(ENROL_URL_NAME)
        return self.get_response(request)
