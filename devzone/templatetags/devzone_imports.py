from django import template

from devzone.spreadsheets.results import (
    PREVIEW_ROWS,
    error_lines,
    preview_counts,
    preview_rows,
)

register = template.Library()


@register.simple_tag
def import_error_lines(result):
    """Return every error of the result as a line naming its row and column."""
    return error_lines(result)


@register.simple_tag
def import_totals(result):
    """Return how many rows are new, updated, unchanged and refused."""
    return preview_counts(result)


@register.simple_tag
def import_preview_rows(result):
    """Return the first rows of a preview; a 100,000-row page is one nobody can open."""
    return preview_rows(result)


@register.simple_tag
def preview_limit():
    return PREVIEW_ROWS
