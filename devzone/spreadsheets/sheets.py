"""A workbook of many sheets: the sheets that hold a dataset's rows, read as one.

A ledger often keeps one sheet per community (高楼社区, 东村 …) beside a 说明 or
汇总 sheet. ``formats`` reads every sheet; here each sheet's header is found as a
single sheet's would be, the sheets whose header holds the dataset's key columns
are joined into one set of rows, and the others are named in the preview as left
out. Rows keep their sheet and line (``SheetLine``), so an error names
"“高楼社区”表第 5 行".
"""

from typing import Any

from django.utils.encoding import force_str

from devzone.spreadsheets.formats import (
    PackedRows,
    header_key,
    is_blank,
    line_numbers,
    shown,
)
from devzone.spreadsheets.headers import HeaderNames, drop_footer, locate_header
from devzone.spreadsheets.results import ImportFileError, SheetLine


def header_keys(headers, names: HeaderNames):
    """Return a header's columns (or, for unknown ones, their folded names)."""
    return [
        names.column(header) or header_key(header)
        for header in headers
        if not is_blank(header) and not names.is_left_out(header)
    ]


def sheet_list(names):
    return "、".join(f"“{shown(name, 20)}”" for name in names)


def sheets_merged(dataset, names: HeaderNames, required):
    """Make the dataset the rows of every sheet holding the key columns; return notes.

    Sheets whose header lacks a key column (说明, 汇总) and empty sheets are left
    out and named. Sheets joined must have the same columns, in any order: a sheet
    with the key columns but other columns is refused rather than read in part.
    """
    found, skipped = [], []
    for order, (name, sheet) in enumerate(dataset.sheets):
        sheet_notes = locate_header(sheet, names)
        keys = header_keys(sheet.headers or [], names)
        if not set(required) <= set(keys):
            skipped.append(name)
            continue
        sheet_notes += drop_footer(sheet)
        found.append((order, name, sheet, keys, sheet_notes))
    notes = []
    if skipped:
        notes.append(
            f"未导入的工作表（表头中没有{'、'.join(required)}）：{sheet_list(skipped)}"
        )
    if dataset.empty_sheets:
        notes.append(f"空的工作表，未导入：{sheet_list(dataset.empty_sheets)}")
    if not found:
        return notes  # the first sheet is read on, and refused for its header
    _order, first_name, first, first_keys, _notes = found[0]
    for _order, name, _sheet, keys, _notes in found[1:]:
        if len(set(keys)) != len(keys) or set(keys) != set(first_keys):
            missing = [k for k in first_keys if k not in keys]
            extra = [k for k in keys if k not in first_keys]
            difference = "；".join(
                part
                for part in (
                    f"缺少“{first_name}”表中的列：{'、'.join(missing)}"
                    if missing
                    else "",
                    f"多出的列：{'、'.join(extra)}" if extra else "",
                    "有重复的列" if not (missing or extra) else "",
                )
                if part
            )
            raise ImportFileError(
                f"“{shown(name, 20)}”表的表头与“{shown(first_name, 20)}”表不同"
                f"（{difference}）：几个工作表一起导入时，各表的列须相同。"
                "请统一各表的表头，或删去不导入的工作表后重新上传。"
            )
    many = len(found) > 1
    headers = list(first.headers or [])
    target = {
        key: index
        for index, key in zip(
            [
                i
                for i, h in enumerate(headers)
                if not is_blank(h) and not names.is_left_out(h)
            ],
            first_keys,
            strict=True,
        )
    }
    rows = PackedRows()
    numbers: Any = [] if many else line_numbers()  # SheetLines or lines
    for order, name, sheet, keys, sheet_notes in found:
        notes += (
            [f"“{shown(name, 20)}”表{note}" for note in sheet_notes]
            if many
            else sheet_notes
        )
        columns = [
            i
            for i, h in enumerate(sheet.headers or [])
            if not is_blank(h) and not names.is_left_out(h)
        ]
        source = dict(zip(keys, columns, strict=True))
        lines = getattr(sheet, "row_numbers", None) or range(2, len(sheet) + 2)
        for line, row in zip(lines, sheet, strict=True):
            if sheet is first:
                cells = list(row)
            else:
                cells = [None] * len(headers)
                for key, index in target.items():
                    cells[index] = row[source[key]]
            rows.append_cells(cells)
            numbers.append(SheetLine(order, line, force_str(name)) if many else line)
    header_line = getattr(first, "header_line", 1)
    dataset._data = rows  # the merged rows, packed as build_dataset packs them
    dataset.headers = headers
    dataset.row_numbers = numbers
    dataset.header_line = header_line
    return notes
