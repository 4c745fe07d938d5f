"""What every app's report figures are made of: links to lists, counts, bars."""

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from django.urls import reverse

from devzone.registry import Figure


def changelist_url(model: type[Model], **params: Any) -> str:
    """Return the admin changelist of ``model`` filtered by ``params``.

    A list of values for an ``__in`` lookup is written comma-joined, as the admin
    reads it.
    """
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{urlencode(params, safe=',')}" if params else url


def count_figure(
    key: str,
    label: str,
    queryset: QuerySet,
    url: str,
    unit: str,
    *,
    headline: bool = False,
    zone_wide: bool = False,
) -> Figure:
    """Return the figure counting ``queryset``, whose list ``url`` shows its rows."""
    count = queryset.count()
    return Figure(
        key=key,
        label=label,
        value=count,
        unit=unit,
        url=url,
        rows=count,
        headline=headline,
        zone_wide=zone_wide,
    )


def choice_bars(
    counts: Mapping[Any, int], choices: Iterable[tuple[Any, Any]]
) -> list[tuple[str, int]]:
    """Return a chart's bars: one per choice, in the choices' order, 0 if uncounted."""
    return [(str(label), counts.get(value, 0)) for value, label in choices]
