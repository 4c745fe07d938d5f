"""The login form: the reason in plain words, and how many tries are left."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WRONG = _("用户名或密码不正确（区分大小写）。")
TRIES_LEFT = _("再错 %(left)d 次，该账号将在本机锁定 %(minutes)d 分钟。")


class LoginForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": WRONG,
        "inactive": _("该账号已停用，请联系管理员。"),
    }

    def get_invalid_login_error(self):
        """Return the refusal naming the tries left for this username and address.

        django-axes has already counted this failure (``user_login_failed``); it
        locks a username on one address (``AXES_LOCKOUT_PARAMETERS``).
        """
        credentials = {"username": self.cleaned_data.get("username")}
        limit = get_failure_limit(self.request, credentials)
        failures = AxesProxyHandler.get_failures(self.request, credentials)
        left = max(limit - failures, 0)
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        message = str(WRONG) + str(TRIES_LEFT) % {"left": left, "minutes": minutes}
        return ValidationError(message, code="invalid_login")
