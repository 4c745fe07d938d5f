"""Import results and messages: refusals, errors by row and column, counts."""

import dataclasses

from django.db import DatabaseError
from django.utils.encoding import force_str
from import_export.results import Result, RowResult

PREVIEW_ROWS = 100  # rows of an import's preview page
PREVIEW_CHARS = 200  # characters of a cell on the preview page
PROBLEM_ROWS = 300  # rows named per problem; a huge file's total is given beside


class ImportResult(Result):
    """An import's result, with the file's row numbers and the preview's columns."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_row_numbers = None
        self.preview_headers = []
        # Rows and columns of the file left out: titles, totals, unknown columns.
        self.file_notes = []
        # The file's columns no name matched, those the user's mapping read, and
        # the columns they may be mapped to (``spreadsheets.mapping``).
        self.unmatched_columns = []
        self.mapped_columns = []
        self.mapping_choices = []
        # Counted by the set-based import (devzone.spreadsheets.engine), which keeps
        # a row result only for the rows the preview shows; None: count the rows.
        self.counts = None


class ImportRowResult(RowResult):
    """A row's result; the first PREVIEW_ROWS rows keep their cells for the preview."""

    def __init__(self):
        super().__init__()
        self.preview_cells = None
        self.note = None  # e.g. this person has another record already


class ImportFileError(Exception):
    """A file that cannot be imported at all; the message is shown to the user."""


class PersonalLookupRefused(ImportFileError):
    """A file refused because its lookups by full number exceed the day's quota.

    ``devzone.personal.lookup`` has logged the refusal already.
    """


def error_text(error):
    """Return an error for a person: a database's own refusal gets a Chinese sentence."""
    if isinstance(error, DatabaseError):
        return f"数据库拒绝保存这些数据，没有保存任何数据。请把以下信息发给系统管理员：{error}"
    return force_str(error)


def file_row_numbers(dataset):
    """Return the row number in the file of each of the dataset's rows."""
    numbers = getattr(dataset, "row_numbers", None)
    if numbers is None or len(numbers) != len(dataset):
        return list(range(2, len(dataset) + 2))
    return numbers


@dataclasses.dataclass(frozen=True, order=True)
class SheetLine:
    """A row of a workbook whose rows come from several sheets: its sheet and line."""

    order: int  # the sheet's place in the workbook
    line: int
    sheet: str = dataclasses.field(compare=False)

    def __str__(self):
        return f"“{self.sheet}”表第 {self.line} 行"


def rows_text(rows):
    """Return rows as a person reads them: 第 3–48、50 行, or by sheet and row."""
    by_sheet: dict[str | None, list[int]] = {}
    for row in sorted(set(rows)):
        if isinstance(row, SheetLine):
            by_sheet.setdefault(row.sheet, []).append(row.line)
        else:
            by_sheet.setdefault(None, []).append(row)
    return "、".join(
        f"{'' if sheet is None else f'“{sheet}”表'}第 {row_ranges(lines)} 行"
        for sheet, lines in by_sheet.items()
    )


def row_ranges(numbers):
    """Return row numbers as a person reads them: 3–48、50、52–53."""
    numbers = sorted(set(numbers))
    parts, start = [], None
    for index, number in enumerate(numbers):
        if start is None:
            start = number
        if index + 1 == len(numbers) or numbers[index + 1] != number + 1:
            parts.append(str(start) if start == number else f"{start}–{number}")
            start = None
    return "、".join(parts)


def error_lines(result):
    """Return every error of an import result as a line a person can act on.

    The same message on many rows is one line naming them all ("第 3–48 行 · …"),
    so a file with one mistake copied down a column does not give a thousand lines.
    """
    numbers = getattr(result, "file_row_numbers", None)

    def file_row(number):
        if numbers and 1 <= number <= len(numbers):
            return numbers[number - 1]
        return number + 1

    lines = [error_text(error.error) for error in result.base_errors]
    grouped: dict[
        tuple, list
    ] = {}  # (column, message) -> file rows, in the order first seen
    for number, errors in result.row_errors():
        for error in errors:
            row = file_row(error.number or number)
            grouped.setdefault((None, error_text(error.error)), []).append(row)
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            for message in messages:
                grouped.setdefault((column, message), []).append(file_row(row.number))
    entries = sorted(grouped.items(), key=lambda item: min(item[1]))
    for (column, message), rows in entries:
        rows = sorted(set(rows))
        if len(rows) > PROBLEM_ROWS:
            where = f"{rows_text(rows[:PROBLEM_ROWS])}等，共 {len(rows)} 行"
        else:
            where = rows_text(rows)
        lines.append(
            f"{where}：{message}"
            if column is None
            else f"{where} · {column}：{message}"
        )
    return lines


def import_counts(result):
    """Return how many rows an import adds, updates and leaves unchanged."""
    totals = result.totals
    return {
        "new": totals[RowResult.IMPORT_TYPE_NEW],
        "update": totals[RowResult.IMPORT_TYPE_UPDATE],
        "skip": totals[RowResult.IMPORT_TYPE_SKIP],
    }


PREVIEW_STATUS = {
    RowResult.IMPORT_TYPE_NEW: "新增",
    RowResult.IMPORT_TYPE_UPDATE: "更新",
    RowResult.IMPORT_TYPE_SKIP: "未变",
}
INVALID_STATUS = "有误"


def refused_rows(result):
    """Return the numbers (in the dataset) of the rows refused with an error."""
    numbers = {row.number for row in result.invalid_rows}
    numbers.update(number for number, _errors in result.row_errors())
    return numbers


def preview_counts(result):
    """Return how many rows an import adds, updates, leaves unchanged and refuses.

    A row the final unique check refused was counted as new or updated by the
    library; here it counts as refused only.
    """
    if getattr(result, "counts", None) is not None:
        return dict(result.counts)
    refused = refused_rows(result)
    counts = {"new": 0, "update": 0, "skip": 0, "invalid": len(refused)}
    for number, row_result in enumerate(result.rows, start=1):
        if number not in refused and row_result.import_type in counts:
            counts[row_result.import_type] += 1
    return counts


def preview_rows(result):
    """Return the preview's first rows: their line in the file, status and cells."""
    numbers = getattr(result, "file_row_numbers", None) or []
    refused = refused_rows(result)
    rows = []
    for number, row_result in enumerate(result.rows[:PREVIEW_ROWS], start=1):
        cells = getattr(row_result, "preview_cells", None)
        if cells is None:
            continue
        kind = "invalid" if number in refused else row_result.import_type
        status = PREVIEW_STATUS.get(kind, INVALID_STATUS)
        note = getattr(row_result, "note", None)
        if note and kind != "invalid":
            status = f"{status}（{note}）"
        line = numbers[number - 1] if number <= len(numbers) else number + 1
        rows.append({"line": line, "kind": kind, "status": status, "cells": cells})
    return rows
