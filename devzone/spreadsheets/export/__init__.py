"""The one export pipeline: a Resource's rows as a logged, streamed CSV or XLSX file.

- ``files``: the formats, their content types and the file's name;
- ``rows``: each record's cells computed in Python (the reference);
- ``sql``: the same cells as SQL expressions, for PostgreSQL to compute;
- ``csv_file``: CSV from Python rows or from ``COPY (SELECT …)``;
- ``xlsx_file``: XLSX streamed as a zip, its sheet rows from Python or from ``COPY``;
- ``download``: ``Export``, one logged download.
"""

from devzone.spreadsheets.export.csv_file import BOM, copy_chunks, csv_chunks
from devzone.spreadsheets.export.download import Export
from devzone.spreadsheets.export.files import (
    CHUNK_BYTES,
    CONTENT_TYPES,
    CSV,
    XLSX,
    export_filename,
    sanitise_filename,
)
from devzone.spreadsheets.export.rows import python_rows, value_path
from devzone.spreadsheets.export.sql import (
    select_columns,
    sql_column,
    without_distinct,
)
from devzone.spreadsheets.export.xlsx_file import xlsx_chunks

__all__ = [
    "BOM",
    "CHUNK_BYTES",
    "CONTENT_TYPES",
    "CSV",
    "XLSX",
    "Export",
    "copy_chunks",
    "csv_chunks",
    "export_filename",
    "python_rows",
    "sanitise_filename",
    "select_columns",
    "sql_column",
    "value_path",
    "without_distinct",
    "xlsx_chunks",
]
