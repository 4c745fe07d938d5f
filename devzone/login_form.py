"""The login form: the reason in plain words, and how many tries are left.

It also takes the second factor (devzone.accounts.two_factor): a user with a device
types its code, or a backup code, beside the password.
"""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import signals
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from devzone.accounts import two_factor

WRONG = _("用户名、密码或动态口令不正确（区分大小写）。")
TRIES_LEFT = _("再错 %(left)d 次，该账号将在本机锁定 %(minutes)d 分钟。")


class LoginForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": WRONG,
        "inactive": _("该账号已停用，请联系管理员。"),
    }

    otp_token = forms.CharField(
        label=_("动态口令"),
        required=False,
        # No max_length: a field error would be the only answer to a right password
        # with an overlong code, telling the password was right. verify() refuses
        # a code over 16 characters like any wrong one.
        help_text=_("已绑定验证器的账号填写验证器显示的 6 位数字，或一个备用码。"),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "maxlength": 16,
            }
        ),
    )

    def confirm_login_allowed(self, user):
        """Refuse an account outside the admin as a wrong password is refused.

        The admin's own refusal (no ``is_staff``) lacked the tries left and was not
        counted: its answer told that the password was right.
        """
        if not user.is_active or not user.is_staff:
            self.refuse(user)

    def refuse(self, user):
        # Counted by django-axes like a wrong password, and answered alike: the
        # answer never tells that the password was right.
        signals.user_login_failed.send(
            sender=__name__,
            credentials={"username": user.get_username()},
            request=self.request,
        )
        self.user_cache = None
        raise self.get_invalid_login_error()

    def clean(self):
        cleaned_data = super().clean()
        user = self.get_user()
        if user is not None and two_factor.has_device(user):
            device = two_factor.verify(user, self.cleaned_data.get("otp_token", ""))
            if device is None:
                self.refuse(user)
            # django-otp marks the session verified when auth.login() sees this.
            user.otp_device = device  # type: ignore[attr-defined]
        return cleaned_data

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
