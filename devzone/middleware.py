"""Sessions that end after a working day, or sooner when left idle."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils import timezone
from django.utils.translation import gettext as _

LOGIN_AT = "devzone_login_at"
SEEN_AT = "devzone_seen_at"
# Last activity is written at most this often, not on every request.
SEEN_PRECISION = 60


def start_working_day(sender, request=None, session=None, **kwargs):
    """Stamp the session with its login time (a receiver of ``user_logged_in``)."""
    session = session if session is not None else request.session
    session[LOGIN_AT] = session[SEEN_AT] = timezone.now().timestamp()


class SessionExpiryMiddleware:
    """Log the user out 8 hours after login and after 30 minutes without a request.

    Django's SESSION_COOKIE_AGE alone is renewed whenever the session is saved, so it
    bounds neither: the login time and the last request are kept in the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            reason = self.expiry_reason(request.session, timezone.now().timestamp())
            if reason:
                logout(request)
                messages.warning(request, reason)
                return redirect_to_login(request.get_full_path())
        response = self.get_response(request)
        if request.user.is_authenticated:
            self.record_activity(request.session, timezone.now().timestamp())
        return response

    def expiry_reason(self, session, now):
        login_at = session.get(LOGIN_AT)
        seen_at = session.get(SEEN_AT, login_at)
        if login_at is None:
            return None
        if now - login_at >= settings.SESSION_COOKIE_AGE:
            return _("登录已超过 %(hours)d 小时，请重新登录。") % {
                "hours": settings.SESSION_COOKIE_AGE // 3600
            }
        if now - seen_at >= settings.DEVZONE_SESSION_IDLE_SECONDS:
            return _(
                "已有 %(minutes)d 分钟未操作，为保护数据已自动退出，请重新登录。"
            ) % {"minutes": settings.DEVZONE_SESSION_IDLE_SECONDS // 60}
        return None

    def record_activity(self, session, now):
        if LOGIN_AT not in session:  # a session from before this middleware
            start_working_day(None, session=session)
        elif now - session.get(SEEN_AT, 0) >= SEEN_PRECISION:
            session[SEEN_AT] = now
