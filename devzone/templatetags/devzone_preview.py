"""The import preview's table: each cell with its column, length and error."""

from collections import defaultdict

from django import template

from devzone.spreadsheets.results import preview_rows

register = template.Library()

# A cell longer than this wraps in its column; shorter ones stay on one line.
LONG_CELL = 16


def errors_by_line(result):
    """Return {file line: {column header: [message]}} of the refused rows."""
    numbers = getattr(result, "file_row_numbers", None) or []
    found: defaultdict[int, defaultdict[str, list]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in result.invalid_rows:
        line = numbers[row.number - 1] if 1 <= row.number <= len(numbers) else None
        line = line if line is not None else row.number + 1
        for column, messages in row.error_dict.items():
            found[line][str(column)].extend(str(message) for message in messages)
    return found


@register.simple_tag
def import_preview_table(result):
    """Return the preview's rows, each cell a dict: text, long, error."""
    headers = [str(header) for header in result.preview_headers]
    errors = errors_by_line(result)
    rows = []
    for row in preview_rows(result):
        bad = errors.get(row["line"], {})
        cells = [
            {
                "text": cell,
                "long": len(str(cell or "")) > LONG_CELL,
                "error": "；".join(bad.get(header, [])),
            }
            for header, cell in zip(headers, row["cells"], strict=False)
        ]
        rows.append({**row, "cells": cells})
    return rows
