"""The account's own pages: enrolling the second factor."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from devzone.accounts import two_factor


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("验证器显示的 6 位数字"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


@never_cache
@sensitive_post_parameters("code")
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: its QR code and secret, a code, then backup codes.

    A session that logged in without a second factor may enrol only while the user
    has no device: otherwise a password alone could replace the user's phone.
    """
    user = request.user
    enrolled = two_factor.has_device(user)
    if enrolled and not two_factor.is_verified(user):
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": _("双因素认证"),
        "enrolled": enrolled,
        "required": two_factor.needs_two_factor(user),
    }
    if enrolled:
        if request.method == "POST" and request.POST.get("action") == "renew":
            context["backup_codes"] = two_factor.backup_codes_renew(user=user)
            messages.success(request, _("已生成新的备用码，原有备用码全部作废。"))
        return TemplateResponse(
            request, "devzone/accounts/two_factor_setup.html", context
        )

    device = two_factor.pending_totp(user, request.session)
    form = CodeForm(request.POST or None)
    wait = two_factor.seconds_to_wait(device)
    if request.method == "POST" and wait:
        form.is_valid()
        form.add_error(
            None, _("错误次数过多，请 %(seconds)d 秒后再试。") % {"seconds": wait}
        )
    elif request.method == "POST" and form.is_valid():
        codes = two_factor.two_factor_confirm(
            user=user, device=device, code=form.cleaned_data["code"]
        )
        if codes:
            device.refresh_from_db()
            two_factor.mark_verified(request, device)
            context.update(enrolled=True, backup_codes=codes)
            messages.success(request, _("双因素认证已启用。"))
            return TemplateResponse(
                request, "devzone/accounts/two_factor_setup.html", context
            )
        form.add_error(
            "code",
            _(
                "验证码不正确：请输入验证器当前显示的 6 位数字，"
                "并确认手机时间准确；多次错误后需等待片刻才能再试。"
            ),
        )
    context.update(
        form=form,
        qr_code=two_factor.qr_data_uri(two_factor.provisioning_uri(device)),
        secret=two_factor.secret_text(device),
    )
    return TemplateResponse(request, "devzone/accounts/two_factor_setup.html", context)
