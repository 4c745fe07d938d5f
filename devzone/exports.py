"""Writing records to spreadsheets: formula escaping and streamed CSV/XLSX files.

Nothing here holds a whole table in memory: CSV is streamed row by row, XLSX is written
by openpyxl's write-only workbook into a temporary file that spills to disk.
"""

import csv
import datetime
import re
import tempfile
from urllib.parse import quote

from django.http import FileResponse, StreamingHttpResponse
from django.utils.cache import add_never_cache_headers
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# OWASP (CSV injection) and ASVS 1.2.10: a text cell starting with one of these can run
# as a formula in Excel or WPS; the leading apostrophe makes it plain text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def escape_formula(value):
    """Return a text value that no spreadsheet will evaluate; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unescape_formula(text):
    """Return an exported text cell to what was stored (the inverse of escape_formula)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def xlsx_safe(value):
    """Return a value XLSX can hold: text loses the control characters it cannot.

    Such characters are refused on the way in; a value stored by an older path must
    still not make every export that includes its row fail.
    """
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


class Echo:
    def write(self, value):
        return value


def csv_safe(value):
    """Return a value for a CSV cell; a NUL (which no reader accepts) is dropped."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def csv_chunks(rows):
    """Yield a UTF-8 CSV with BOM (so Excel reads the Chinese), a row at a time."""
    writer = csv.writer(Echo())
    yield "\ufeff".encode()
    for row in rows:
        yield writer.writerow(
            ["" if value is None else csv_safe(value) for value in row]
        ).encode()


def column_width(header):
    """Return a column's width in characters for its header: wide enough for an ID."""
    if "身份证" in header:
        return 22
    wide = sum(2 if ord(char) > 0x2E80 else 1 for char in header)
    return min(max(wide + 2, 12), 40)


def xlsx_file(rows, sheet_title="数据"):
    """Return a temporary file holding rows as an XLSX workbook, header row in bold."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\\/*?:\[\]]", "、", sheet_title)[:31])
    # The header stays in view, and columns are wide enough to read without
    # dragging: set from the header before any row is written (write-only mode).
    sheet.freeze_panes = "A2"
    for index, row in enumerate(rows):
        if index == 0:
            for column, value in enumerate(row, start=1):
                sheet.column_dimensions[get_column_letter(column)].width = column_width(
                    str(value)
                )
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=xlsx_safe(value))
                cell.font = Font(bold=True)
                cells.append(cell)
            sheet.append(cells)
            continue
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=xlsx_safe(value))
            if isinstance(value, str):
                # Text stays text: an ID or phone number is never turned into a number,
                # and a leading "=" is never read as a formula.
                cell.data_type = "s"
            elif isinstance(value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 2**20)  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    return spool


def safe_filename(name):
    """Return a file name without characters that file systems or browsers refuse."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "、", name).strip(" .、")
    return name or "export"


def content_disposition(filename):
    filename = safe_filename(filename)
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def as_download(response, filename):
    """Return the response as an attachment that no browser or proxy keeps a copy of.

    Downloads hold records, some with personal data: ``Cache-Control: no-store``
    keeps them out of shared caches and the browser's cache on office computers.
    """
    response["Content-Disposition"] = content_disposition(filename)
    add_never_cache_headers(response)
    return response


def csv_response(rows, filename):
    response = StreamingHttpResponse(
        csv_chunks(rows), content_type="text/csv; charset=utf-8"
    )
    return as_download(response, filename)


def xlsx_response(rows, filename, sheet_title="数据"):
    response = FileResponse(
        xlsx_file(rows, sheet_title),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return as_download(response, filename)


class CountingRows:
    """Wrap a row iterator and count the data rows (all but the header) it yields."""

    def __init__(self, rows):
        self.rows = rows
        self.count = 0

    def __iter__(self):
        for index, row in enumerate(self.rows):
            if index:
                self.count += 1
            yield row
