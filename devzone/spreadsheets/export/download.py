"""One download: a Resource's export columns over a queryset, logged, then streamed."""

from collections.abc import Iterator

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.http import StreamingHttpResponse

from devzone.services import export_log_create
from devzone.spreadsheets.cells import as_download
from devzone.spreadsheets.export.csv_file import copy_chunks, csv_chunks
from devzone.spreadsheets.export.files import CONTENT_TYPES, XLSX
from devzone.spreadsheets.export.rows import decrypted_rows, python_rows
from devzone.spreadsheets.export.sql import (
    decrypted_column,
    select_columns,
    sheet_row,
    sql_column,
    without_distinct,
)
from devzone.spreadsheets.export.xlsx_file import (
    WIDTH_SAMPLE,
    column_widths,
    sheet_columns,
    xlsx_chunks,
    xlsx_copy_chunks,
)


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

    def decrypted_columns(self):
        """Return SQL columns with the sealed ones read to decrypt, or None.

        An unmasked CSV on PostgreSQL: SQL renders every cell it can, Python
        decrypts the ID numbers and phones (and writes the CSV); None if another
        column needs Python too.
        """
        if connections[self.queryset.db].vendor != "postgresql":
            return None
        columns = []
        for field in self.fields:
            column = sql_column(self.resource, field)
            if column is None:
                column = decrypted_column(self.resource, field)
            if column is None:
                return None
            columns.append(column)
        return columns

    def rows(self):
        """Yield each record's cells (dates as dates in XLSX), computed in Python."""
        return python_rows(
            self.resource,
            self.fields,
            self.queryset,
            self.selected,
            native=self.file_format == XLSX,
        )

    def sheet_columns(self):
        return sheet_columns(self.resource, self.fields, self.headers)

    def sheet_row(self):
        """Return each row's sheet XML as one SQL expression, or None."""
        if connections[self.queryset.db].vendor != "postgresql":
            return None
        return sheet_row(self.resource, self.fields, self.sheet_columns())

    def xlsx_chunks(self, title):
        columns = self.sheet_columns()
        row = self.sheet_row()
        if row is not None:
            try:
                select = select_columns(self.queryset, [row])
            except EmptyResultSet:
                return xlsx_chunks(columns, iter(()), title)
            # The widths fit the first rows, read as Python reads them.
            sample = python_rows(
                self.resource,
                self.fields,
                self.queryset[:WIDTH_SAMPLE],
                self.selected,
                native=True,
            )
            widths = column_widths(columns, list(sample))
            return xlsx_copy_chunks(columns, widths, select, self.queryset.db, title)
        return xlsx_chunks(columns, self.rows(), title)

    def chunks(self, title="数据") -> Iterator[bytes]:
        """Yield the file's bytes."""
        if self.file_format == XLSX:
            return self.xlsx_chunks(title)
        columns = self.sql_columns()
        if columns is None:
            decrypted = self.decrypted_columns()
            if decrypted is not None:
                return csv_chunks(
                    self.headers,
                    decrypted_rows(
                        self.resource, self.fields, self.queryset, decrypted
                    ),
                )
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
