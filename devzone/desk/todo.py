"""我的待办: what is due today within a user's scope, each item a link to its rows.

Every item counts the rows of an app's QuerySet method (``TodoSource.rows``) within
the user's ``Scope`` — the same method the linked list's filter calls, so the count
on the 工作台 is the count of the list it opens.
"""

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from devzone import registry
from devzone.registry import TodoSource
from devzone.scope import Scope, community_path

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RECORDS_SHOWN = 5


@dataclass(frozen=True)
class Link:
    """A labelled link with a count (a record has none)."""

    label: str
    url: str
    count: int | None = None


@dataclass
class TodoItem:
    """One kind of due rows: their count, their list, the first few records."""

    source: TodoSource
    count: int
    url: str
    records: list[Link] = field(default_factory=list)
    by_community: list[Link] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.source.label


def changelist_url(source: TodoSource, **extra: str) -> str:
    """Return the admin list filtered to the source's due rows (and ``extra``)."""
    opts = source.model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{urlencode({**source.changelist_query, **extra})}"


def change_url(record) -> str:
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])


def readable(user: "User", source: TodoSource) -> bool:
    opts = source.model._meta
    return user.has_perm(f"{opts.app_label}.view_{opts.model_name}")


def per_community(source: TodoSource, rows) -> list[Link]:
    """Return the rows' count per community, each a link to its part of the list."""
    path = community_path(source.model)
    if path is None or path == "pk":
        return []
    counts = rows.order_by().values(path, f"{path}__name").annotate(total=Count("pk"))
    # Sorted here, not by the database's collation: the same order on every
    # database, the records with no community last.
    links = []
    for row in sorted(
        counts, key=lambda r: (r[path] is None, r[f"{path}__name"] or "")
    ):
        community_id, name = row[path], row[f"{path}__name"]
        if community_id is None:
            links.append(
                Link(
                    _("（未填村/社区）"),
                    changelist_url(source, **{f"{path}__isnull": "True"}),
                    row["total"],
                )
            )
        else:
            links.append(
                Link(
                    name,
                    changelist_url(source, **{f"{path}__id__exact": str(community_id)}),
                    row["total"],
                )
            )
    return links


def todo_items(
    user: "User", on: datetime.date | None = None, *, details: bool = True
) -> list[TodoItem]:
    """Return the user's to-do on a day (today by default): items with rows only.

    ``details`` adds the first few records and, for zone-wide users (leaders,
    departments), the count per community.
    """
    on = on or timezone.localdate()
    scope = Scope.of(user)
    items = []
    for source in sorted(
        registry.todo_sources.values(), key=lambda s: (s.order, s.key)
    ):
        if not readable(user, source):
            continue
        rows = scope.filter(source.rows(on))
        count = rows.count()
        if not count:
            continue
        item = TodoItem(source=source, count=count, url=changelist_url(source))
        if details:
            item.records = [
                Link(str(record), change_url(record)) for record in rows[:RECORDS_SHOWN]
            ]
            if scope.is_whole_zone:
                item.by_community = per_community(source, rows)
        items.append(item)
    return items


def todo_total(items: list[TodoItem]) -> int:
    """Return the number of due rows in all items (the badge)."""
    return sum(item.count for item in items)
