"""三员分立: accounts, roles and logs in three hands, and a trail of the superuser.

The three roles are declared with the others in ``devzone.roles``. What keeps them
apart beyond their permissions:
- the user form takes groups, permissions and the superuser flag from superusers
  only: whoever edits accounts cannot grant a role, to others or to himself;
- roles are given from the role's own page (its members), by whoever may change
  groups; a user never changes his own membership there;
- one person holds the duty of one of the three at most, and one group carries
  one duty at most (``DUTIES``, by permissions, whatever the group's name);
  the superuser holds none. The forms refuse it with a message; every other path
  (commands, the shell) is stopped by ``refuse_combined_duties`` on the m2m
  signals, which raises ``ValidationError``;
- nobody but a superuser sees or edits a superuser's account, or the account of
  another holder of one of the three duties;
- an account whose powers call for a second factor (``holds_powers_needing_two_
  factor``) has its password reset, its second factor reset and is re-enabled by
  the superuser alone (``account_keeper_check``): who sets the password of an
  account that has not enrolled a phone yet enrols his own, and holds it;
- a role whose powers call for a second factor is given only to an account whose
  owner has changed the password an administrator set (or that has enrolled a
  phone): the role's page refuses it (``unclaimed_members_validate``);
- every request a superuser makes is a security event (``AuditEvent``, 超级管理员操作).
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.signals import m2m_changed
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from devzone import roles
from devzone.accounts.two_factor import (
    has_device,
    holds_powers_needing_two_factor,
    power_needs_two_factor,
)
from devzone.audit_events import audit_event_record, current_request, masked_path
from devzone.errors import ExplainedRefusal
from devzone.models import AuditEvent, PasswordHistory

# Fields of the user form that give roles and powers: the superuser's alone.
POWER_FIELDS = ("is_superuser", "groups", "user_permissions")

# 三员分立 by powers, not by group names: the permissions that make each of the
# three administrators (devzone.roles), whatever group carries them. One person
# holds the duty of one of them at most, and so does one group: whoever keeps the
# accounts and also reads the log audits his own work, whoever gives roles and
# keeps accounts can become anyone. No other role holds any of these. Reading users
# or groups is no duty: the security administrator picks members from the list.
DUTIES: dict[str, frozenset[str]] = {
    roles.SYSTEM_ADMIN: frozenset(
        roles.grant(("add", "change", "delete"), "auth.user")
    ),
    roles.SECURITY_ADMIN: frozenset(
        roles.grant(("add", "change", "delete"), "auth.group", "auth.permission")
    ),
    roles.AUDIT_ADMIN: frozenset(
        roles.grant(
            roles.READ,
            "devzone.auditevent",
            "devzone.personaldataaccess",
            "axes.accessattempt",
            "axes.accesslog",
            "axes.accessfailurelog",
        )
    ),
}
ALL_DUTIES = frozenset().union(*DUTIES.values())
KEPT_BY_THE_SUPERUSER = gettext_lazy("其密码重置、启用和双因素认证重置")


def duties(powers: Iterable[str]) -> list[str]:
    """Return the administrators (of the three) whose duty ``powers`` carry."""
    held = set(powers)
    return [role for role, duty in DUTIES.items() if held & duty]


def duty_names(permissions: Any) -> set[str]:
    """Return the duties' permissions among ``permissions`` (a queryset), by name."""
    app_labels = {name.split(".")[0] for name in ALL_DUTIES}
    rows = permissions.filter(content_type__app_label__in=app_labels).values_list(
        "content_type__app_label", "codename"
    )
    return {f"{app}.{code}" for app, code in rows} & ALL_DUTIES


def group_powers(groups: Iterable[Any]) -> set[str]:
    """Return the duties' permissions the groups carry."""
    return duty_names(Permission.objects.filter(group__in=[g.pk for g in groups]))


def member_powers(user_ids: Collection[int], *, without: Any = None) -> dict[int, set]:
    """Return each user's duties' permissions, his own and his groups' (all but the
    group ``without``)."""
    powers: dict[int, set] = defaultdict(set)
    memberships = get_user_model().groups.through.objects.filter(user__in=user_ids)
    if without is not None:
        memberships = memberships.exclude(group=without)
    by_group: dict[int, set] = defaultdict(set)
    for user_id, group_id in memberships.values_list("user_id", "group_id"):
        by_group[group_id].add(user_id)
    for group_id, user_set in by_group.items():
        carried = duty_names(Permission.objects.filter(group=group_id))
        for user_id in user_set:
            powers[user_id] |= carried
    own = get_user_model().user_permissions.through.objects.filter(user__in=user_ids)
    for user_id, app, code in own.values_list(
        "user_id", "permission__content_type__app_label", "permission__codename"
    ):
        if f"{app}.{code}" in ALL_DUTIES:
            powers[user_id].add(f"{app}.{code}")
    return powers


def person(user: Any) -> str:
    full_name = user.get_full_name()
    return f"{full_name}（{user.get_username()}）" if full_name else user.get_username()


def combined_message(people: Mapping[Any, list[str]]) -> str:
    """Return the refusal naming each person and the duties he would combine."""
    each = "；".join(
        _("%(person)s 将同时担任%(roles)s")
        % {"person": person(user), "roles": "和".join(held)}
        for user, held in people.items()
    )
    return _("系统管理员、安全管理员和审计管理员须由不同的人担任：%(each)s。") % {
        "each": each
    }


def superuser_message(user: Any, held: list[str]) -> str:
    return _(
        "超级管理员是应急账号，不担任系统管理员、安全管理员或审计管理员："
        "%(person)s 是超级管理员，不能加入担任%(roles)s的组。"
    ) % {"person": person(user), "roles": "和".join(held)}


def merged_message(group: Any, held: list[str]) -> str:
    return _(
        "一个组只能承担系统管理员、安全管理员和审计管理员中的一种职责："
        "这些权限会使“%(group)s”同时承担%(roles)s的职责。"
    ) % {"group": group.name or _("新组"), "roles": "和".join(held)}


def user_duties_validate(
    *,
    user: Any,
    groups: Iterable[Any] | None = None,
    permissions: Iterable[Any] | None = None,
    is_superuser: bool | None = None,
) -> None:
    """Raise ``ValidationError`` (on ``groups``) if the user would hold the duties of
    two of the three administrators, or be a superuser holding one. ``groups``,
    ``permissions`` and ``is_superuser`` are what he would have; his current ones
    where not given."""
    if groups is None:
        groups = user.groups.all() if user.pk else []
    if permissions is None:
        permissions = user.user_permissions.all() if user.pk else []
    superuser = user.is_superuser if is_superuser is None else is_superuser
    own = duty_names(Permission.objects.filter(pk__in=[p.pk for p in permissions]))
    held = duties(group_powers(groups) | own)
    if len(held) > 1:
        raise ValidationError(
            {"groups": combined_message({user: held})}, code="duties_combined"
        )
    if superuser and held:
        raise ValidationError(
            {"groups": superuser_message(user, held)}, code="superuser_duty"
        )


def group_duties_validate(
    *, group: Any, permissions: Iterable[Any], members: Iterable[Any]
) -> None:
    """Raise ``ValidationError`` (on ``permissions`` or ``members``) if the group
    would carry two duties, or make one of its members hold two. ``permissions``
    and ``members`` are what it would have; superusers among the members are
    judged where they join (``user_duties_validate``)."""
    carried = duty_names(Permission.objects.filter(pk__in=[p.pk for p in permissions]))
    merged = duties(carried)
    if len(merged) > 1:
        raise ValidationError(
            {"permissions": merged_message(group, merged)}, code="duties_merged"
        )
    members = [user for user in members if not user.is_superuser]
    others = member_powers([user.pk for user in members], without=group.pk)
    clashing = {}
    for user in members:
        held = duties(others[user.pk] | carried)
        if len(held) > 1:
            clashing[user] = held
    if clashing:
        raise ValidationError(
            {"members": combined_message(clashing)}, code="duties_combined"
        )


def refuse_combined_duties(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Refuse, before it is written, a membership or a permission that would give
    one person or one group two of the three duties (every path: forms validate
    first and show the same message)."""
    if action != "pre_add" or not pk_set:
        return
    User = get_user_model()
    if sender is User.groups.through:
        if not reverse:
            user_duties_validate(
                user=instance,
                groups=Group.objects.filter(Q(user=instance) | Q(pk__in=pk_set)),
            )
            return
        joining = User.objects.filter(pk__in=pk_set)
        for user in joining.filter(is_superuser=True):
            user_duties_validate(user=user, groups=[*user.groups.all(), instance])
        group_duties_validate(
            group=instance,
            permissions=instance.permissions.all(),
            members=joining.filter(is_superuser=False),
        )
    elif sender is User.user_permissions.through:
        if not reverse:
            user_duties_validate(
                user=instance,
                permissions=Permission.objects.filter(
                    Q(user=instance) | Q(pk__in=pk_set)
                ),
            )
            return
        for user in User.objects.filter(pk__in=pk_set):
            user_duties_validate(
                user=user, permissions=[*user.user_permissions.all(), instance]
            )
    elif sender is Group.permissions.through:
        if not reverse:
            groups = [instance]
            adding = Permission.objects.filter(pk__in=pk_set)
        else:
            groups = list(Group.objects.filter(pk__in=pk_set))
            adding = Permission.objects.filter(pk=instance.pk)
        for group in groups:
            group_duties_validate(
                group=group,
                permissions=[*group.permissions.all(), *adding],
                members=group.user_set.all(),
            )


def unclaimed(user: Any) -> bool:
    """Return True if the account's password is still the one an administrator
    set (its owner has not changed it) and it has no second factor yet."""
    latest = PasswordHistory.objects.filter(user=user).first()
    return latest is not None and latest.set_by_other and not has_device(user)


def calls_for_two_factor(permissions: Any) -> bool:
    """Return True if any of ``permissions`` (a queryset) calls for a second factor."""
    rows = permissions.values_list("content_type__app_label", "codename")
    return any(power_needs_two_factor(f"{app}.{code}") for app, code in rows)


def unclaimed_members_validate(
    *, group: Any, permissions: Iterable[Any], members: Iterable[Any]
) -> None:
    """Raise ``ValidationError`` (on ``members``) if the group would give powers that
    call for a second factor to an unclaimed account: whoever set its password
    would log in first and enrol his own phone. ``permissions`` and ``members``
    are what the group would have; judged are the members it would newly give such
    powers to (all of them if the group gains one, else those joining) who held
    none before."""
    rights = Permission.objects.filter(pk__in=[p.pk for p in permissions])
    if not calls_for_two_factor(rights):
        return
    members = list(members)
    if group.pk and calls_for_two_factor(group.permissions.all()):
        current = set(group.user_set.values_list("pk", flat=True))
        members = [user for user in members if user.pk not in current]
    refused = [
        user
        for user in members
        if not user.is_superuser
        and not holds_powers_needing_two_factor(user)
        and unclaimed(user)
    ]
    if refused:
        raise ValidationError(
            {
                "members": _(
                    "%(people)s 仍在使用管理员设置的密码，且未绑定手机验证器：须本人"
                    "先登录修改密码，才能加入须双因素认证的角色（否则设置密码的人可以"
                    "抢先登录、绑定自己的手机）。"
                )
                % {"people": "、".join(person(user) for user in refused)}
            },
            code="unclaimed_account",
        )


def connect() -> None:
    """Connect ``refuse_combined_duties`` (from ``DevzoneConfig.ready``)."""
    User = get_user_model()
    for through in (
        User.groups.through,
        User.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(
            refuse_combined_duties,
            sender=through,
            dispatch_uid=f"devzone_duties_{through._meta.label}",
        )


def kept_by_the_superuser(*, editor: Any, account: Any) -> bool:
    """Return True if ``account``'s password, second factor and re-enabling are the
    superuser's and ``editor`` is not one: its powers call for a second factor
    (anyone keeps his own)."""
    return (
        not editor.is_superuser
        and account.pk != editor.pk
        and holds_powers_needing_two_factor(account)
    )


def account_keeper_check(*, editor: Any, account: Any, what: object) -> None:
    """Raise ``ExplainedRefusal`` naming ``what`` (重置密码 …) if ``account`` is kept
    by the superuser and ``editor`` is not one."""
    if kept_by_the_superuser(editor=editor, account=account):
        raise ExplainedRefusal(keeper_message(account, what))


def keeper_message(account: Any, what: object) -> str:
    return _(
        "%(person)s 持有须双因素认证的权限（管理账号、角色或日志，或查看完整个人"
        "信息）：%(what)s只能由超级管理员操作。"
    ) % {"person": person(account), "what": what}


def refusal_record(*, target: str, reason: str) -> None:
    """Write a security event for a refusal shown on a form (not a 403)."""
    audit_event_record(
        action=AuditEvent.Action.DENIED,
        request=current_request(),
        target=target,
        result=reason,
    )


def holds_a_duty(user: Any) -> bool:
    """Return True if the account holds one of the three administrators' duties."""
    return bool(member_powers([user.pk])[user.pk])


def record_superuser_request(request: HttpRequest, response: HttpResponse) -> None:
    """Write one row for a superuser's request."""
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_superuser:
        return
    audit_event_record(
        action=AuditEvent.Action.SUPERUSER,
        request=request,
        user=user,
        target=f"{request.method} {masked_path(request)}",
        result=str(response.status_code),
    )


class SuperuserAuditMiddleware:
    """Record every request of a superuser (after the response, with its status)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        record_superuser_request(request, response)
        return response
