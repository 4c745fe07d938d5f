"""XLSX: a workbook streamed as a zip while its sheet's rows are read.

The sheet's rows come from Python (``xlsx_chunks``) or, on PostgreSQL, as XML that
the SELECT itself builds and COPY streams (``xlsx_copy_chunks``): Python then only
deflates. Both write the same cells with the same styles (a test reads them back).
"""

import datetime
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from xml.sax.saxutils import escape

import psycopg
from django.db import connections, models
from django.utils import timezone
from django.utils.encoding import force_str
from isal import isal_zlib
from openpyxl.utils import get_column_letter

from devzone.personal import resolve
from devzone.spreadsheets.cells import xlsx_safe
from devzone.spreadsheets.export.files import CHUNK_BYTES
from devzone.spreadsheets.widgets import (
    DecimalWidget,
    IntegerWidget,
    NaturalKeyWidget,
    TextWidget,
)

# XLSX is written here rather than by openpyxl: its write-only workbook keeps every
# distinct text in a shared-strings table until the end (a million ID numbers and
# names do not fit a flat memory) and can only write the zip once every row is in.
# Text goes inline, and the zip is streamed as the sheet is written.
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Cell styles (indexes into cellXfs below).
PLAIN, HEADER, DATE, COUNT, MONEY, TEXT = 0, 1, 2, 3, 4, 5
# A decimal's style by its places: 0 → #,##0, 2 → #,##0.00 (money), …
DECIMAL_STYLES = {0: COUNT, 1: 6, 2: MONEY, 3: 7, 4: 8}
STYLE_PLACES = {COUNT: 0, 6: 1, MONEY: 2, 7: 3, 8: 4}
NUMBER_FORMATS = (
    '<numFmts count="4"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="#,##0.0"/>'
    '<numFmt numFmtId="166" formatCode="#,##0.000"/>'
    '<numFmt numFmtId="167" formatCode="#,##0.0000"/></numFmts>'
)
# numFmtId 3 is Excel's built-in #,##0, 4 #,##0.00, 49 text (@).
XFS = [(0, 0), (0, 1), (164, 0), (3, 0), (4, 0), (49, 0), (165, 0), (166, 0), (167, 0)]
STYLES = (
    f'<styleSheet xmlns="{NS}">{NUMBER_FORMATS}'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
    "</border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    f'</cellStyleXfs><cellXfs count="{len(XFS)}">'
    + "".join(
        f'<xf numFmtId="{fmt}" fontId="{font}" fillId="0" borderId="0" xfId="0"'
        + (' applyNumberFormat="1"' if fmt else "")
        + (' applyFont="1"' if font else "")
        + "/>"
        for fmt, font in XFS
    )
    + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
    'builtinId="0"/></cellStyles></styleSheet>'
)
XLSX_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        f'ContentType="{CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{DOC_RELS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": STYLES,
}
SHEET = "xl/worksheets/sheet1.xml"
EXCEL_EPOCH = datetime.date(1899, 12, 30)
XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# xml:space="preserve" keeps a text's edge spaces and line breaks; text entered
# through a form or an import is stripped, so only text that needs it carries the
# attribute (in SQL: the columns of multi-line text fields). A sheet of a million
# rows is a third smaller without it on every cell.
TEXT_OPEN = '<c t="inlineStr"><is><t>'
TEXT_OPEN_PRESERVE = '<c t="inlineStr"><is><t xml:space="preserve">'
TEXT_CLOSE = "</t></is></c>"
# The rows whose content sets the columns' widths.
WIDTH_SAMPLE = 200
WIDTH_MAX = 60


@dataclass(frozen=True)
class SheetColumn:
    """A column of the sheet: its header and how its numbers are shown."""

    header: str
    number_style: int = PLAIN  # the style of a number cell (COUNT, MONEY, …)
    text: bool = False  # formatted as text (@): what is typed in stays text

    def width(self, values):
        """Return the width (in characters) that fits the header and the values."""
        widest = max(
            [display_width(self.header) + 2]
            + [self.shown_width(value) for value in values],
        )
        return min(widest + 2, WIDTH_MAX)

    def shown_width(self, value):
        if value is None or value == "":
            return 0
        if isinstance(value, datetime.date):
            return 10
        if isinstance(value, bool):
            return 2
        if isinstance(value, int | float | Decimal):
            places = STYLE_PLACES.get(self.number_style)
            if places is None:
                return len(str(value))
            return len(f"{value:,.{places}f}")
        return max(
            display_width(line) for line in force_str(value).splitlines() or [""]
        )


def display_width(text):
    """Return the width of text in a spreadsheet: a Chinese character is two."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def column_widths(columns, sample):
    """Return each column's width for the sample rows (as Python writes them)."""
    by_column = list(zip(*sample, strict=True)) if sample else [()] * len(columns)
    return [
        column.width(values) for column, values in zip(columns, by_column, strict=True)
    ]


def sheet_title(title):
    """Return a sheet name Excel accepts: no []:*?/\\, at most 31 characters."""
    return re.sub(r"[\\/*?:\[\]]", "、", title)[:31] or "数据"


def last_cell(columns, rows):
    return f"{get_column_letter(max(len(columns), 1))}{rows + 1}"


def workbook_xml(title, columns, rows):
    """Return the workbook part: its one sheet, and the range its filter covers."""
    name = sheet_title(title)
    quoted = escape(name, {'"': "&quot;"})
    reference = "'" + name.replace("'", "''") + "'"
    end = last_cell(columns, rows)
    column, row = re.match(r"([A-Z]+)([0-9]+)", end).groups()  # type: ignore[union-attr]
    filter_range = escape(f"{reference}!$A$1:${column}${row}")
    return (
        f'<workbook xmlns="{NS}" xmlns:r="{DOC_RELS}"><sheets>'
        f'<sheet name="{quoted}" sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" '
        f'hidden="1">{filter_range}</definedName></definedNames></workbook>'
    )


def sheet_head(columns, widths):
    """Return the sheet's XML up to its first data row: frozen header, widths."""
    cols = "".join(
        f'<col min="{n}" max="{n}" width="{width}" customWidth="1"'
        + (f' style="{TEXT}"' if column.text else "")
        + "/>"
        for n, (column, width) in enumerate(zip(columns, widths, strict=True), start=1)
    )
    header = "".join(text_cell(column.header, f' s="{HEADER}"') for column in columns)
    return (
        f'{XML_HEAD}<worksheet xmlns="{NS}">'
        # Printed landscape, every column on the page's width.
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        f"</sheetView></sheetViews>{f'<cols>{cols}</cols>' if cols else ''}"
        f'<sheetData><row r="1">{header}</row>'
    )


def sheet_tail(columns, rows):
    """Return the sheet's XML after its last row: the header's autofilter."""
    return (
        f'</sheetData><autoFilter ref="A1:{last_cell(columns, rows)}"/>'
        '<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.5" header="0.3" '
        'footer="0.3"/><pageSetup paperSize="9" orientation="landscape" '
        'fitToWidth="1" fitToHeight="0"/></worksheet>'
    )


def text_cell(value, style=""):
    text = xlsx_safe(value)
    space = ' xml:space="preserve"' if needs_preserve(text) else ""
    text = text.translate(XML_ESCAPES)
    return f'<c t="inlineStr"{style}><is><t{space}>{text}</t></is></c>'


def needs_preserve(text):
    return text != text.strip() or "\n" in text or "\t" in text or "  " in text


def cell_xml(value, number_style=PLAIN):
    """Return one cell: text stays text, numbers numbers (formatted), dates dates."""
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, str):
        return text_cell(value)
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        days = value - datetime.datetime.combine(EXCEL_EPOCH, datetime.time())
        return f'<c s="{DATE}"><v>{days.total_seconds() / 86400!r}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c s="{DATE}"><v>{(value - EXCEL_EPOCH).days}</v></c>'
    if isinstance(value, int | float | Decimal):
        style = f' s="{number_style}"' if number_style else ""
        return f"<c{style}><v>{value}</v></c>"
    return text_cell(force_str(value))


def row_xml(number, values, styles):
    cells = "".join(
        cell_xml(value, style) for value, style in zip(values, styles, strict=True)
    )
    return f'<row r="{number}">{cells}</row>'


class Sink:
    """A write-only file that hands out what was written to it since last asked."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        return data


def workbook_chunks(columns, widths, body, title):
    """Yield an XLSX workbook whose sheet rows ``body`` yields as (XML, row count)."""
    sink = Sink()
    # Level 1: the sheet's XML is most of the time spent; a smaller file is not
    # worth a slower one.
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, xml in XLSX_PARTS.items():
            archive.writestr(name, XML_HEAD + xml)
        rows = 0
        with archive.open(SHEET, "w", force_zip64=True) as sheet:
            deflate_with_isal(sheet)
            sheet.write(sheet_head(columns, widths).encode())
            for data, count in body:
                sheet.write(data)
                rows += count
                if sink.size >= CHUNK_BYTES:
                    yield sink.take()
            sheet.write(sheet_tail(columns, rows).encode())
        # The workbook part names the filtered range, known once the rows are in:
        # a zip's parts may come in any order.
        archive.writestr(
            "xl/workbook.xml", XML_HEAD + workbook_xml(title, columns, rows)
        )
    yield sink.take()


def deflate_with_isal(entry):
    """Let ISA-L deflate a zip entry being written: the same format, 5–10× faster.

    Deflating the sheet was a third of a million-row export with zlib. zipfile has
    no public hook for its compressor; ``_ZipWriteFile._compressor`` is named in
    tests/devzone/test_library_contract.py and fails there the day it changes.
    """
    entry._compressor = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)


def sampled(rows):
    """Return the first rows (for the widths) and all the rows, read once."""
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    return sample, chain(sample, rows)


def xlsx_chunks(columns, rows, title):
    """Yield an XLSX workbook of Python rows, header bold, frozen and filtered."""
    sample, rows = sampled(rows)
    styles = [column.number_style for column in columns]

    def body():
        batch = []
        for number, row in enumerate(rows, start=2):
            batch.append(row_xml(number, row, styles))
            if len(batch) == 500:
                yield "".join(batch).encode(), len(batch)
                batch = []
        yield "".join(batch).encode(), len(batch)

    return workbook_chunks(columns, column_widths(columns, sample), body(), title)


# COPY writes each row's XML as one CSV field. Quote and delimiter are two control
# characters that XLSX cannot hold: a field is quoted only when it holds one of them
# or a line break, and deleting every such character from the bytes (which no UTF-8
# sequence contains) leaves the XML as built, without what XLSX cannot hold.
COPY_XML = "COPY ({}) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')"
CONTROL_BYTES = bytes([*range(1, 9), 11, 12, *range(14, 32)])
BLOCK_BYTES = 256 * 1024


def xlsx_copy_chunks(columns, widths, select, using, title):
    """Yield an XLSX workbook whose sheet rows PostgreSQL builds and COPY streams."""

    def body():
        sql, params = select
        with connections[using].cursor() as cursor:
            raw = cursor.cursor
            query = psycopg.ClientCursor(raw.connection).mogrify(sql, params)
            block = bytearray()
            with raw.copy(COPY_XML.format(query)) as copy:
                for data in copy:
                    block += data
                    if len(block) >= BLOCK_BYTES:
                        yield xml_rows(block)
                        block.clear()
            yield xml_rows(block)

    return workbook_chunks(columns, widths, body(), title)


def xml_rows(block):
    data = bytes(block).translate(None, CONTROL_BYTES)
    # A text's "<" is escaped: every "</row>" ends a row.
    return data, data.count(b"</row>")


def sheet_columns(resource, fields, headers):
    """Return the sheet's columns: money and counts with separators, IDs as text."""
    model = resource._meta.model
    columns = []
    for field, header in zip(fields, headers, strict=True):
        widget = field.widget
        model_field = resolve(model, field.attribute) if field.attribute else None
        number_style = PLAIN
        if isinstance(widget, DecimalWidget):
            places = getattr(model_field, "decimal_places", 2)
            number_style = DECIMAL_STYLES.get(places, MONEY)
        elif isinstance(widget, IntegerWidget) and not is_year(field):
            number_style = COUNT
        text = isinstance(widget, TextWidget | NaturalKeyWidget) or isinstance(
            model_field, models.CharField
        )
        columns.append(SheetColumn(str(header), number_style, text))
    return columns


def is_year(field):
    """Return True for a year column (2021, never 2,021)."""
    name = (field.attribute or "").rsplit("__", 1)[-1]
    return name == "year" or name.endswith("_year")
