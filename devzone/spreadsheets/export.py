"""The one export pipeline: a Resource's rows as a logged, streamed CSV or XLSX file."""

import csv
import datetime
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

import psycopg
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connections, models
from django.db.models import Case, F, Func, Q, Value, When
from django.db.models.functions import Cast, Left, Length, NullIf, Ord
from django.db.models.lookups import (
    Exact,
    GreaterThanOrEqual,
    In,
)
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.encoding import force_str

from devzone.personal import TEXT, pipes
from devzone.services import export_log_create
from devzone.spreadsheets.cells import (
    FORMULA_PREFIXES,
    as_download,
    column_width,
    csv_safe,
    escape_formula,
    xlsx_safe,
)
from devzone.spreadsheets.widgets import (
    BooleanWidget,
    ChoiceWidget,
    DateWidget,
    DecimalWidget,
    IntegerWidget,
    NaturalKeyManyWidget,
    NaturalKeyWidget,
    TextWidget,
)

CSV, XLSX = "csv", "xlsx"
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK_BYTES = 64 * 1024
BOM = "\ufeff".encode()
UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\s]+')
FILENAME_MAX = 120


def sanitise_filename(text):
    """Return text fit for a file name on Windows, macOS and Linux."""
    text = UNSAFE_FILENAME.sub("-", text).strip(" .-")
    return text[:FILENAME_MAX] or "export"


def export_filename(label, values, extension, today=None):
    """Return e.g. ``搬迁户_2021_已签约_20261129.xlsx`` from a label and filter values."""
    today = today or timezone.localdate()
    parts = [label, *values, today.strftime("%Y%m%d")]
    stem = "_".join(sanitise_filename(str(part)) for part in parts)
    return f"{stem[: FILENAME_MAX * 2]}.{extension}"


# Rows in Python: values_list where every column is a stored value, else objects.


def value_path(resource, field):
    """Return a field's ``values_list`` path, or None if it needs its object."""
    method = field.get_dehydrate_method(resource.get_field_name(field))
    if getattr(resource, method, None) is not None or not field.attribute:
        return None
    if "__" in field.attribute or isinstance(field.widget, NaturalKeyManyWidget):
        return None
    try:
        model_field = resource._meta.model._meta.get_field(field.attribute)
    except FieldDoesNotExist:
        return None  # a property or a method
    if isinstance(field.widget, NaturalKeyWidget):
        return f"{field.attribute}__{field.widget.field}"
    if model_field.is_relation or not model_field.concrete:
        return None
    return field.attribute


def python_rows(resource, fields, queryset, selected=None, native=False):
    """Yield each record's cells, rendered, masked and escaped by the Resource."""
    paths = [value_path(resource, field) for field in fields]
    if None in paths:
        for obj in resource.iter_queryset(resource.filter_export(queryset)):
            yield resource.export_resource(
                obj, selected_fields=selected, force_native_type=native
            )
        return
    renderers = [
        (field, None if isinstance(field.widget, NaturalKeyWidget) else field.widget)
        for field in fields
    ]
    rows = queryset.values_list(*paths).iterator(chunk_size=resource.get_chunk_size())
    for values in rows:
        yield [
            resource.finish_cell(
                field,
                ("" if value is None else force_str(value))
                if widget is None
                else widget.render(value, force_native_type=native),
            )
            for (field, widget), value in zip(renderers, values, strict=True)
        ]


# Rows in SQL: the same cells computed by PostgreSQL and written by COPY.


def starts_with_formula(value):
    """Return a condition: the text starts with one of FORMULA_PREFIXES."""
    by_length: dict[int, list[str]] = {}
    for prefix in FORMULA_PREFIXES:
        by_length.setdefault(len(prefix), []).append(prefix)
    condition = Q()
    for length, prefixes in sorted(by_length.items()):
        if length == 1:
            # The first character's code point: integers compare faster than text.
            condition |= Q(In(Ord(value), [ord(prefix) for prefix in prefixes]))
        else:
            condition |= Q(In(Left(value, length), prefixes))
    return condition


def sql_escape_formula(value, starts=None):
    """escape_formula in SQL: a "'" before text that starts as a formula.

    ``starts`` is the condition when it is cheaper to read from elsewhere than
    from ``value`` (the stored value of a masked one).
    """
    apostrophe = Case(
        When(starts_with_formula(value) if starts is None else starts, then=Value("'")),
        default=Value(""),
        output_field=TEXT,
    )
    return pipes(apostrophe, value)


class IsoDate(Func):
    """A date as ``YYYY-MM-DD``, as ``date.isoformat()`` writes it."""

    template = "to_char(%(expressions)s, 'YYYY-MM-DD')"
    output_field = TEXT

    def as_postgresql(self, compiler, connection, **extra_context):
        # In the ISO DateStyle (the server's default, reported to the client) a
        # date's own text is YYYY-MM-DD already, and a cast costs less than to_char.
        style = connection.connection.info.parameter_status("DateStyle") or ""
        if style.startswith("ISO"):
            extra_context["template"] = "(%(expressions)s)::text"
        return self.as_sql(compiler, connection, **extra_context)


def is_text(model_field):
    return isinstance(model_field, models.CharField | models.TextField)


def renders_as(widget, widget_class):
    """Return True if the widget renders a value as ``widget_class`` does."""
    return isinstance(widget, widget_class) and type(widget).render is (
        widget_class.render
    )


def sql_column(resource, field):
    """Return the field's cell as a SQL expression, or None if only Python knows it.

    The cell is the one ``python_rows`` gives: rendered by the widget, masked unless
    the Resource is unmasked, formula-escaped; an empty cell is NULL, which COPY
    writes as nothing, as the csv module writes "".
    """
    path = value_path(resource, field)
    if path is None:
        return None
    widget = field.widget
    mask = None if resource.unmasked else resource.personal_masks.get(id(field))
    opts = resource._meta.model._meta
    model_field = opts.get_field(field.attribute)
    value: Any = F(path)
    if isinstance(widget, NaturalKeyWidget):
        target = model_field.related_model._meta.get_field(widget.field)
        if not is_text(target):
            return None
        text = value
    elif renders_as(widget, ChoiceWidget):
        if mask is not None:
            return None
        known = [(key, label) for key, label in widget.labels.items() if key != ""]
        other = value if is_text(model_field) else Cast(value, TEXT)
        return NullIf(
            Case(
                *[
                    When(Exact(value, key), then=Value(escape_formula(label)))
                    for key, label in known
                ],
                default=sql_escape_formula(other) if is_text(model_field) else other,
                output_field=TEXT,
            ),
            Value(""),
            output_field=TEXT,
        )
    elif renders_as(widget, TextWidget) and is_text(model_field):
        text = value
    elif mask is not None:
        return None
    elif renders_as(widget, BooleanWidget):
        return Case(
            When(Exact(value, True), then=Value("是")),
            When(Exact(value, False), then=Value("否")),
            output_field=TEXT,
        )
    elif renders_as(widget, DateWidget) and type(model_field) is models.DateField:
        return IsoDate(value)
    elif (
        renders_as(widget, IntegerWidget)
        and isinstance(model_field, models.IntegerField)
        or (
            renders_as(widget, DecimalWidget)
            and isinstance(model_field, models.DecimalField)
            # Python writes a Decimal below 1e-6 with an exponent; PostgreSQL never does.
            and model_field.decimal_places <= 6
        )
    ):
        return Cast(value, TEXT)
    else:
        return None
    if mask is None:
        escaped = sql_escape_formula(text)
    else:
        escaped = sql_escape_formula(
            mask.sql(text),
            starts=Q(GreaterThanOrEqual(Length(text), mask.shown_from))
            & starts_with_formula(text),
        )
    return NullIf(escaped, Value(""), output_field=TEXT)


def select_columns(queryset, columns):
    """Return the SQL and parameters selecting ``columns`` of the queryset's rows."""
    names = [f"export_{index}" for index in range(len(columns))]
    select = queryset.values(**dict(zip(names, columns, strict=True)))
    return select.query.get_compiler(using=queryset.db).as_sql()


# The files.


def csv_line(writer, row):
    # The csv module quotes a cell holding "\r" only when "\r" ends its lines, as
    # COPY does: lines are written with "\r\n" and end with COPY's "\n".
    line = writer.writerow(["" if value is None else csv_safe(value) for value in row])
    return line[:-2] + "\n"


class Lines:
    def write(self, line):
        return line


def csv_chunks(headers, rows):
    """Yield a UTF-8 CSV with BOM (so Excel reads the Chinese), in 64 KiB chunks."""
    writer = csv.writer(Lines(), lineterminator="\r\n")
    chunk = [csv_line(writer, headers)]
    size = 0
    first = True
    for row in rows:
        line = csv_line(writer, row)
        chunk.append(line)
        size += len(line)
        if size >= CHUNK_BYTES // 4:
            data = "".join(chunk).encode()
            yield BOM + data if first else data
            chunk, size, first = [], 0, False
    data = "".join(chunk).encode()
    yield BOM + data if first else data


def copy_chunks(headers, select, using):
    """Yield a UTF-8 CSV with BOM whose rows PostgreSQL writes with COPY."""
    writer = csv.writer(Lines(), lineterminator="\r\n")
    chunk = bytearray(BOM + csv_line(writer, headers).encode())
    # The COPY runs while the response is sent, on the request's connection: in
    # autocommit, or in the request's transaction. A download broken off ends it by
    # closing this generator, which cancels the COPY and leaves the connection clean.
    sql, params = select
    with connections[using].cursor() as cursor:
        raw = cursor.cursor
        # COPY takes no parameters: psycopg binds them into the statement.
        query = psycopg.ClientCursor(raw.connection).mogrify(sql, params)
        with raw.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                chunk += block
                if len(chunk) >= CHUNK_BYTES:
                    yield bytes(chunk)
                    chunk.clear()
    yield bytes(chunk)


# XLSX is written here rather than by openpyxl: its write-only workbook keeps every
# distinct text in a shared-strings table until the end (a million ID numbers and
# names do not fit a flat memory) and can only write the zip once every row is in.
# Text goes inline, and the zip is streamed as the sheet is written.
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
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
    # Styles: 0 plain, 1 the bold header, 2 a date (yyyy-mm-dd).
    "xl/styles.xml": (
        f'<styleSheet xmlns="{NS}">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
        "</border></borders>"
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
        'xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" '
        'applyFont="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" '
        'xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>"
    ),
}
SHEET = "xl/worksheets/sheet1.xml"
EXCEL_EPOCH = datetime.date(1899, 12, 30)
XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def sheet_title(title):
    """Return a sheet name Excel accepts: no []:*?/\\, at most 31 characters."""
    return re.sub(r"[\\/*?:\[\]]", "、", title)[:31] or "数据"


def workbook_xml(title):
    name = escape(sheet_title(title), {'"': "&quot;"})
    return (
        f'<workbook xmlns="{NS}" xmlns:r="{DOC_RELS}"><sheets>'
        f'<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def sheet_head(headers):
    """Return the sheet's XML up to its first data row: frozen header, widths."""
    widths = "".join(
        f'<col min="{n}" max="{n}" width="{column_width(str(h))}" customWidth="1"/>'
        for n, h in enumerate(headers, start=1)
    )
    cols = f"<cols>{widths}</cols>" if headers else ""
    return (
        f'{XML_HEAD}<worksheet xmlns="{NS}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        f"</sheetView></sheetViews>{cols}<sheetData>"
        + row_xml(1, headers, style=' s="1"')
    )


def text_cell(value, style=""):
    text = xlsx_safe(value).translate(XML_ESCAPES)
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{text}</t></is></c>'


def cell_xml(value, style=""):
    """Return one cell: text stays text, numbers numbers, dates dates."""
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, str):
        return text_cell(value, style)
    if isinstance(value, bool):
        return f'<c t="b"{style}><v>{int(value)}</v></c>'
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        days = value - datetime.datetime.combine(EXCEL_EPOCH, datetime.time())
        return f'<c s="2"><v>{days.total_seconds() / 86400!r}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c s="2"><v>{(value - EXCEL_EPOCH).days}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f"<c{style}><v>{value}</v></c>"
    return text_cell(force_str(value), style)


def row_xml(number, values, style=""):
    cells = "".join(cell_xml(value, style) for value in values)
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


def xlsx_chunks(headers, rows, title):
    """Yield an XLSX workbook, header row in bold and frozen, as its rows are read."""
    sink = Sink()
    # Level 1: the sheet's XML is most of the time spent; a smaller file is not
    # worth a slower one.
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, xml in XLSX_PARTS.items():
            archive.writestr(name, XML_HEAD + xml)
        archive.writestr("xl/workbook.xml", XML_HEAD + workbook_xml(title))
        with archive.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(sheet_head(headers).encode())
            batch = []
            for number, row in enumerate(rows, start=2):
                batch.append(row_xml(number, row))
                if len(batch) == 500:
                    sheet.write("".join(batch).encode())
                    batch = []
                    if sink.size >= CHUNK_BYTES:
                        yield sink.take()
            sheet.write(("".join(batch) + "</sheetData></worksheet>").encode())
    yield sink.take()


def without_distinct(queryset):
    """Return the queryset's rows, ordered, in a query without DISTINCT.

    DISTINCT makes Django select the columns it orders by, beside the asked ones,
    and COPY would write them too: the same rows are found by their keys instead.
    """
    if queryset.query.distinct and not queryset.query.distinct_fields:
        ordering = queryset.query.order_by or queryset.model._meta.ordering
        queryset = queryset.model._default_manager.filter(
            pk__in=queryset.order_by().values("pk")
        ).order_by(*ordering)
    return queryset if queryset.ordered else queryset.order_by("pk")


class Export:
    """One download: a Resource's export columns over a queryset, in one format.

    ``selected`` names the columns chosen on the admin's export form (None: all of
    them). Personal fields are masked unless the Resource was built ``unmasked``.
    """

    def __init__(self, resource, queryset, file_format, selected=None):
        self.resource = resource
        self.queryset = without_distinct(queryset)
        self.file_format = file_format
        self.selected = selected or None
        self.fields = resource.get_export_fields(self.selected)
        self.headers = resource.get_export_headers(self.selected)

    @property
    def personal_data(self):
        """Return True if the file holds personal data unmasked."""
        masks = self.resource.personal_masks
        return self.resource.unmasked and any(
            id(field) in masks for field in self.fields
        )

    def sql_columns(self):
        """Return the columns as SQL expressions, or None if any needs Python."""
        if connections[self.queryset.db].vendor != "postgresql":
            return None
        if len(self.fields) < 2:
            # COPY quotes a lone empty cell's row and a lone "\." where csv does not.
            return None
        columns = [sql_column(self.resource, field) for field in self.fields]
        return None if None in columns else columns

    def rows(self):
        """Yield each record's cells (dates as dates in XLSX), computed in Python."""
        return python_rows(
            self.resource,
            self.fields,
            self.queryset,
            self.selected,
            native=self.file_format == XLSX,
        )

    def chunks(self, title="数据") -> Iterator[bytes]:
        """Yield the file's bytes."""
        if self.file_format == XLSX:
            return xlsx_chunks(self.headers, self.rows(), title)
        columns = self.sql_columns()
        if columns is None:
            return csv_chunks(self.headers, self.rows())
        try:
            select = select_columns(self.queryset, columns)
        except EmptyResultSet:
            # A filter that can match nothing (none(), a number past the column's
            # range) has no SQL to copy from: the file is its header alone.
            return csv_chunks(self.headers, iter(()))
        return copy_chunks(self.headers, select, self.queryset.db)

    def response(self, *, user, model, filters, filename, dataset=None):
        """Log the download, then return it as a streamed attachment.

        The log comes before the first byte: a download broken off half-way has
        still handed out rows, and the log must say how many.
        """
        export_log_create(
            user=user,
            model=model,
            dataset=dataset,
            filters=filters,
            file_format=self.file_format,
            row_count=self.queryset.count(),
            personal_data=self.personal_data,
            columns="、".join(str(header) for header in self.headers),
        )
        title = dataset or str(model._meta.verbose_name)
        response = StreamingHttpResponse(
            self.chunks(title), content_type=CONTENT_TYPES[self.file_format]
        )
        return as_download(response, filename)
