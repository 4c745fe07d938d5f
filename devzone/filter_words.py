"""A filter in words, as export logs, file names and the changelist's line show it."""

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from django.contrib import admin
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldDoesNotExist, ValidationError

from devzone.validators import mask_numbers_in_text

NO_FILTER = "全部"

LOOKUP_WORDS = {
    "exact": "",
    "in": "",
    "gte": "≥",
    "lte": "≤",
    "gt": ">",
    "lt": "<",
    "year": "（年）",
    "month": "（月）",
    "day": "（日）",
    "isnull": "为空",
    "contains": "包含",
    "icontains": "包含",
    "startswith": "开头为",
}


def filters_in_words(parts: Iterable[tuple[str, str]], *, none: str = NO_FILTER) -> str:
    """Return (label, text) pairs as "状态：已签约；搜索：普善", numbers masked."""
    text = "；".join(f"{label}：{value}" for label, value in parts)
    return mask_numbers_in_text(text) or none


# Typed as the class it is mixed into; at run time a plain mixin.
if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin
else:
    _ModelAdmin = object


class FilterWordsMixin(_ModelAdmin):
    """Say a ModelAdmin's changelist filters and search in the admin's own words."""

    def describe_filters(self, request):
        """Return the changelist's filter and search in the admin's own Chinese words.

        E.g. "类型：村；搜索：普善" — what the export log records, numbers masked.
        """
        try:
            changelist = self.get_changelist_instance(request)
        except (
            IncorrectLookupParameters,
            DisallowedModelAdminLookup,
            FieldDoesNotExist,
            ValidationError,
        ):  # an invalid lookup: record what was asked, as it was asked
            return (
                mask_numbers_in_text(unquote_plus(request.GET.urlencode())) or NO_FILTER
            )
        return filters_in_words(self.changelist_filters(changelist))

    def describe_changelist(self, changelist):
        """Return a changelist's filters and search in words, "" when there are none."""
        return filters_in_words(self.changelist_filters(changelist), none="")

    def changelist_filters(self, changelist):
        """Return a changelist's filters and search as (label, text) pairs."""
        parts, described = [], set()
        for spec in changelist.filter_specs:
            used = getattr(spec, "used_parameters", None)
            if not used:
                continue
            described.update(used)
            chosen = [
                str(choice["display"])
                for choice in spec.choices(changelist)
                if choice.get("selected") and choice.get("display") is not None
            ]
            if chosen:
                parts.append((str(spec.title), "、".join(chosen)))
            else:  # a filter of its own form (a range): name what it was given
                described.difference_update(used)
        # A lookup typed into the address (or a date-hierarchy step) has no sidebar
        # filter: name its field.
        for lookup, values in changelist.get_filters_params().items():
            if lookup not in described:
                value = "、".join(
                    map(str, values if isinstance(values, list) else [values])
                )
                parts.append((self.lookup_label(lookup), value))
        if changelist.query:
            parts.append(("搜索", changelist.query))
        return parts

    def lookup_label(self, lookup):
        """Return a lookup such as ``project__year__gte`` in words: 搬迁项目·年度≥."""
        opts, words, suffix = self.model._meta, [], ""
        for part in lookup.split("__"):
            try:
                field = opts.get_field(part)
            except FieldDoesNotExist:
                if part in LOOKUP_WORDS:
                    suffix += LOOKUP_WORDS[part]
                else:
                    words.append(part)
                continue
            words.append(str(field.verbose_name))
            if field.is_relation and field.related_model:
                opts = field.related_model._meta
        return "·".join(words) + suffix
