"""A changelist that shows, above its rows, the sums of the rows filtered."""

from typing import TYPE_CHECKING, Any

from django.db.models import Count

from devzone.admin_base import ZoneAdmin
from devzone.admin_columns import total_text

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


class TotalsAdmin(ZoneAdmin):
    """``totals`` maps a label to ``(aggregate expression, unit)``."""

    totals: "dict[StrOrPromise, tuple[Any, str]]" = {}
    totals_noun: "StrOrPromise" = "条记录"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        changelist = context.get("cl")
        if changelist is not None and self.totals:
            sums = changelist.queryset.aggregate(
                rows=Count("pk"),
                **{
                    f"total_{i}": expression
                    for i, (expression, _unit) in enumerate(self.totals.values())
                },
            )
            context["totals"] = {
                "rows": sums["rows"],
                "noun": self.totals_noun,
                "items": [
                    (label, total_text(sums[f"total_{i}"], unit))
                    for i, (label, (_expression, unit)) in enumerate(
                        self.totals.items()
                    )
                ],
            }
        return response
