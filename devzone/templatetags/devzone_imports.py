import re

from django import template

from devzone.spreadsheets.results import PREVIEW_ROWS, error_lines, import_counts

register = template.Library()
TAGS = re.compile(r"<[^>]+>")


@register.simple_tag
def import_error_lines(result):
    """Return every error of the result as a line naming its row and column."""
    return error_lines(result)


@register.simple_tag
def import_totals(result):
    return import_counts(result)


@register.filter
def preview_rows(rows):
    """Return the first rows of a preview; a 100,000-row page is one nobody can open."""
    return list(rows)[:PREVIEW_ROWS]


@register.simple_tag
def preview_limit():
    return PREVIEW_ROWS


@register.filter
def preview_cell(value):
    """Return a preview cell; an empty one is empty, not the word "None"."""
    # The library's diff wraps an empty value as <span>None</span>.
    if value is None or TAGS.sub("", str(value)).strip() in {"None", ""}:
        return ""
    return value
