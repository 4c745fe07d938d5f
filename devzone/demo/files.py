"""Demo CSV and XLSX files written with the columns of a Resource, and read back."""

import csv
import datetime
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from import_export.resources import ModelResource
from openpyxl import Workbook

from devzone.validators import yes_no

Row = Mapping[str, object] | Sequence[object]


def columns(resource_class: type[ModelResource]) -> dict[str, str]:
    """Return the Resource's export columns as field name → header, in file order."""
    resource = resource_class()
    return dict(
        zip(resource.get_export_order(), resource.get_export_headers(), strict=True)
    )


def text(value: object) -> str:
    """Return a cell as staff write it: ISO dates, 是/否, empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def cells(row: Row, fields: Sequence[str]) -> list:
    """Return a row's cells in column order; a mapping is keyed by field name."""
    if isinstance(row, Mapping):
        return [row[field] for field in fields]
    if len(row) != len(fields):
        raise ValueError(f"{len(row)} cells for {len(fields)} columns: {row!r}")
    return list(row)


def write_csv(
    path: Path,
    resource_class: type[ModelResource],
    rows: Iterable[Row],
    *,
    encoding: str = "utf-8-sig",
) -> Path:
    """Write rows under the Resource's headers (UTF-8 with BOM unless told)."""
    header = columns(resource_class)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header.values())
        fields = list(header)
        writer.writerows([text(cell) for cell in cells(row, fields)] for row in rows)
    return path


def spreadsheet_cell(value: Any, *, number: bool, date: bool) -> object:
    """Return a value as staff type it in Excel: numbers and dates as such."""
    if value in (None, ""):
        return value
    if date:
        return datetime.date.fromisoformat(text(value))
    if number:
        return float(value) if "." in text(value) else int(value)
    return text(value)


def write_xlsx(
    path: Path,
    resource_class: type[ModelResource],
    rows: Iterable[Row],
    *,
    numbers: Iterable[str] = (),
    dates: Iterable[str] = (),
) -> Path:
    """Write rows to one sheet under the Resource's headers; text cells as text."""
    header = columns(resource_class)
    fields = list(header)
    numbers, dates = set(numbers), set(dates)
    workbook = Workbook()
    sheet: Any = workbook.active  # a new Workbook always has its one sheet
    sheet.title = str(resource_class._meta.model._meta.verbose_name)
    sheet.append(list(header.values()))
    for row in rows:
        sheet.append(
            [
                spreadsheet_cell(value, number=name in numbers, date=name in dates)
                for name, value in zip(fields, cells(row, fields), strict=True)
            ]
        )
    # Excel would turn a long ID number typed into a general cell into 3.21181E+17.
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.number_format = "@"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def read_csv(path: Path, resource_class: type[ModelResource]) -> list[dict[str, str]]:
    """Return a CSV written with the Resource's headers as rows keyed by field name."""
    by_header = {header: name for name, header in columns(resource_class).items()}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [
            {by_header[header]: value for header, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def names(text: str) -> list[str]:
    """Return the names of a list written in the code, separated by spaces."""
    return text.split()


def parse_rows(table: str) -> list[list[str]]:
    """Return the rows of a comma-separated table written in the code."""
    return list(csv.reader(table.strip().splitlines()))
