"""The security log (``AuditEvent``): logins, refusals, changes of rights, log reads.

Each event says who, when, what, the result and the client's address
(``devzone.client_ip``, as login throttling counts it). Logins and logouts come from
Django's auth signals; a refused request from ``DeniedRequestMiddleware``; a read of
a log from the log admins (``LogReadMixin``); a change to a user, a group or their
permissions from model signals, the one place every path (admin, shell, commands)
passes: the auth models carry no history of their own, and a history of User would
keep every password hash.
"""

import re
from typing import Any
from urllib.parse import unquote_plus

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest
from simple_history.models import HistoricalRecords

from devzone.client_ip import client_ip, valid_address
from devzone.models import AuditEvent
from devzone.validators import mask_numbers_in_text

SUCCESS = "成功"


def audit_event_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    user: Any = None,
    username: str = "",
    target: str = "",
    result: str = SUCCESS,
) -> AuditEvent:
    """Write one event; who and from where come from the request unless given."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    address = valid_address(client_ip(request)) if request is not None else None
    return AuditEvent.objects.create(
        user=user,
        username=username or (user.get_username() if user is not None else ""),
        action=action,
        target=target[:10_000],
        result=result[:200],
        client_ip=address,
    )


# Control characters a decoded address may carry (%00 …): shown escaped, as
# PostgreSQL's text refuses NUL and a log line must stay one line.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def masked(text: str) -> str:
    """Return a request's address or query as logged: decoded, every ID or phone
    number in it masked (a search for a person must not put the number in clear
    into the security log), control characters escaped."""
    decoded = mask_numbers_in_text(unquote_plus(text))
    return CONTROL_CHARACTERS.sub(lambda m: f"\\x{ord(m.group()):02x}", decoded)


def masked_path(request: HttpRequest) -> str:
    return masked(request.get_full_path())


def current_request() -> HttpRequest | None:
    """Return the request being served, as simple-history's middleware keeps it."""
    return getattr(HistoricalRecords.context, "request", None)


def logged_in(sender, request, user, **kwargs):
    audit_event_record(action=AuditEvent.Action.LOGIN, request=request, user=user)


def logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_event_record(action=AuditEvent.Action.LOGOUT, request=request, user=user)


def login_failed(sender, credentials, request=None, **kwargs):
    # Whatever was typed as the user name, masked: staff type ID numbers in the
    # wrong field too.
    username = masked(str(credentials.get("username", "")))[:150]
    audit_event_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        request=request,
        username=username,
        target=username,
        result="用户名或密码错误，或已被锁定",
    )


def rights_changed(target: str, result: str = SUCCESS) -> None:
    audit_event_record(
        action=AuditEvent.Action.USER_CHANGE,
        request=current_request(),
        target=target,
        result=result,
    )


def user_saved(sender, instance, created, update_fields=None, **kwargs):
    # Django stamps last_login at each login, which the login event records.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    what = "新增" if created else "修改"
    fields = f"（{'、'.join(sorted(update_fields))}）" if update_fields else ""
    rights_changed(f"{what}用户 {instance.get_username()}{fields}")


def group_saved(sender, instance, created, **kwargs):
    rights_changed(f"{'新增' if created else '修改'}组 {instance.name}")


def deleted(sender, instance, **kwargs):
    kind = "用户" if isinstance(instance, get_user_model()) else "组"
    rights_changed(f"删除{kind} {instance}")


def members_changed(sender, instance, action, model, pk_set, reverse, **kwargs):
    """Record a change of a user's groups or permissions, or a group's."""
    verbs = {"post_add": "加入", "post_remove": "移除", "post_clear": "清空"}
    if action not in verbs:
        return
    names = (
        sorted(str(each) for each in model._default_manager.filter(pk__in=pk_set))
        if pk_set
        else []
    )
    rights_changed(f"{instance}：{verbs[action]} {'、'.join(names)}".rstrip())


def connect() -> None:
    """Connect the receivers (from ``DevzoneConfig.ready``)."""
    user = get_user_model()
    user_logged_in.connect(logged_in, dispatch_uid="devzone_audit_login")
    user_logged_out.connect(logged_out, dispatch_uid="devzone_audit_logout")
    user_login_failed.connect(login_failed, dispatch_uid="devzone_audit_failed")
    post_save.connect(user_saved, sender=user, dispatch_uid="devzone_audit_user")
    post_save.connect(group_saved, sender=Group, dispatch_uid="devzone_audit_group")
    for model in (user, Group):
        post_delete.connect(deleted, sender=model, dispatch_uid=f"devzone_del_{model}")
    for through in (
        user.groups.through,
        user.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(
            members_changed, sender=through, dispatch_uid=f"devzone_m2m_{through}"
        )
    # The same changes of rights are refused when they would give one person two
    # of the three administrators' duties: connected with the receivers that log
    # them, so that every path meets both.
    from devzone.accounts import separation

    separation.connect()


class DeniedRequestMiddleware:
    """Record every request answered 403 (a permission, CSRF or scope refusal)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            audit_event_record(
                action=AuditEvent.Action.DENIED,
                request=request,
                target=f"{request.method} {masked_path(request)}"[:2000],
                result="403 拒绝访问",
            )
        return response
