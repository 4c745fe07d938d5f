"""Community scope: which communities' records a user may see and change.

Every path — admin lists and forms, autocomplete, filters, imports, exports, the
export centre and the annual report — asks a ``Scope`` built here, so the rule is
written once: a user whose staff profile names communities works only within them;
a superuser, or department staff with no community named, works across the whole
zone. A community worker (the 社区工作人员 group, or a profile of the 村/社区
department) whose account names no community fails closed: they see nothing, and
every page tells them why (``UNASSIGNED``), rather than the whole zone.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from devzone.roles import SCOPED_ROLES

if TYPE_CHECKING:
    from devzone.models import CommunityScopedQuerySet

UNASSIGNED = gettext_lazy("您的账号尚未分配村/社区，请联系管理员。")


@dataclass(frozen=True)
class Scope:
    """The communities a user works in; ``community_ids`` None means the whole zone.

    ``unassigned`` is a community worker's account that names no community: an
    empty scope, in which no record of any kind lies.
    """

    community_ids: frozenset[int] | None = None
    community_names: tuple[str, ...] = ()
    unassigned: bool = False

    @classmethod
    def of(cls, user: Any) -> "Scope":
        """Return the scope of a user (cached on the user object for the request)."""
        cached = getattr(user, "_devzone_scope", None)
        if cached is not None:
            return cached
        scope = cls._load(user)
        if user is not None:
            user._devzone_scope = scope
        return scope

    @classmethod
    def _load(cls, user: Any) -> "Scope":
        if user is None or not user.is_authenticated or user.is_superuser:
            return cls()
        try:
            profile = user.staff_profile
        except ObjectDoesNotExist:
            profile = None
        communities = (
            list(profile.communities.order_by("name").values_list("pk", "name"))
            if profile is not None
            else []
        )
        if not communities:
            if cls._works_in_communities(user, profile):
                return UNASSIGNED_SCOPE
            return cls()
        return cls(
            community_ids=frozenset(pk for pk, _name in communities),
            community_names=tuple(name for _pk, name in communities),
        )

    @staticmethod
    def _works_in_communities(user: Any, profile: Any) -> bool:
        """Return True if the user's role is bound to communities (a scoped role)."""
        from devzone.models import StaffProfile

        if profile is not None and profile.department == (
            StaffProfile.Department.COMMUNITY
        ):
            return True
        return user.groups.filter(name__in=SCOPED_ROLES).exists()

    @property
    def is_whole_zone(self) -> bool:
        return self.community_ids is None

    def describe(self) -> str:
        """Return the scope in words, for the pages that show it."""
        if self.unassigned:
            return _("未分配村/社区")
        if self.is_whole_zone:
            return _("全区")
        return "、".join(self.community_names)

    def notice(self) -> str | None:
        """Return why the user sees no records, or None when the scope holds some."""
        return str(UNASSIGNED) if self.unassigned else None

    def filter(self, queryset: models.QuerySet) -> models.QuerySet:
        """Return the rows of ``queryset`` within the scope.

        A model is scoped when its QuerySet says where its community is
        (``community_field``, e.g. ``recipient__community``) and ``user_scoped``;
        the communities themselves are scoped by their own key. Other records (key
        projects, deals) belong to the whole zone.
        """
        if self.unassigned:
            return queryset.none()
        if self.is_whole_zone:
            return queryset
        path = community_path(queryset.model)
        if path is None:
            return queryset
        if path == "pk":
            return queryset.filter(pk__in=self.community_ids)
        return cast("CommunityScopedQuerySet", queryset).in_communities(
            self.community_ids
        )

    def allows(self, instance: models.Model) -> bool:
        """Return True if a record (as it would be saved) lies within the scope."""
        if self.unassigned:
            return False
        if self.community_ids is None:  # the whole zone
            return True
        path = community_path(type(instance))
        if path is None:
            return True
        return community_id_of(instance, path) in self.community_ids

    def refusal(self) -> str:
        """Return the message for a record outside the scope; it names no record."""
        if self.unassigned:
            return str(UNASSIGNED)
        return _("超出您的管辖范围：您只能录入和修改 %(communities)s 的记录。") % {
            "communities": self.describe()
        }


WHOLE_ZONE = Scope()
UNASSIGNED_SCOPE = Scope(community_ids=frozenset(), unassigned=True)


def community_path(model: type[models.Model]) -> str | None:
    """Return the lookup path from ``model`` to its community, or None if unscoped."""
    from devzone.models import Community

    if model is Community:
        return "pk"
    queryset_class: type[Any] = type(model._default_manager.get_queryset())
    if not getattr(queryset_class, "user_scoped", False):
        return None
    return queryset_class.community_field


def community_id_of(instance: models.Model, path: str) -> int | None:
    """Return the community id a record points to along ``path`` (None if unset)."""
    if path == "pk":
        return instance.pk
    *relations, last = path.split("__")
    value: Any = instance
    for name in relations:
        value = getattr(value, name, None)
        if value is None:
            return None
    return getattr(value, f"{last}_id", None)
