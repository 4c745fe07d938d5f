"""The set-based import: a whole file checked and written in a few SQL statements.

The library imports a file row by row: a model instance, ``full_clean`` and a diff for
each. Here the rows go through three stages, each over the whole file at once:

1. **Cells, in Python.** Each column's widget reads its cells (ID check, Excel repairs,
   names of related records) and the model field checks the value, once per distinct
   value of a column, since most columns repeat (a project, a status, a date).
2. **Rows, in SQL.** The cleaned rows go into a temporary staging table (``COPY`` on
   PostgreSQL), which is matched to the stored records by natural key in one join.
   The model's own rules are then asked of the staging table, each as one query:
   every ``CheckConstraint`` compiled from ``Meta.constraints``, every unique rule by a
   window over the file and a join to the stored rows, the user's communities, and
   the versions the preview saw. Each failing row is reported with its row number.
3. **Writes, in SQL.** Only when no row failed: one ``UPDATE … FROM`` of the rows
   whose values differ (``IS DISTINCT FROM``: an unchanged file writes nothing), one
   ``INSERT … SELECT`` of the new rows, and their history rows naming the import
   batch, written from the rows the statements return.

Every Resource imports this way. A model's rules that no constraint states are its
declared ``row_rules`` (``devzone.rules``), run over the rows in stage 2 as forms run
them; many-to-many columns are written in stage 3, after their rows.
"""

from __future__ import annotations

import array
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat
from typing import Any

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ImproperlyConfigured,
    ValidationError,
)
from django.db import DatabaseError, connection, models, transaction
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.db.models.fields import NOT_PROVIDED
from django.db.models.sql import Query
from django.utils import timezone
from django.utils.encoding import force_str
from import_export.results import Result, RowResult

from devzone import sealing
from devzone.constraints import error_field, referenced_fields, unique_sets
from devzone.fields import IdNumberField, SealedCharField
from devzone.import_templates import EXAMPLE_ROW, example_text
from devzone.scope import community_path
from devzone.spreadsheets.formats import PackedRows, blocks_of
from devzone.spreadsheets.results import PREVIEW_ROWS, file_row_numbers
from devzone.spreadsheets.runs import stale_row_error, version_from

DEVZONE_WIDGETS = "devzone.spreadsheets.widgets"  # what a set import reads cells with
STAGING = "devzone_import_rows"
SEALED = "devzone_import_sealed"  # the sealed cells of the rows to be written
ROW, TARGET, BAD, CHANGED = "dz_row", "dz_target", "dz_bad", "dz_changed"
PROGRESS_EVERY = 1000
STAGING_CHUNK = 5000  # rows cleaned before each COPY into the staging table
SEALED_CHUNK = 10000  # rows encrypted while the rows before them are written
LOOKUP_ROWS = 500  # row numbers named in one query
MEMO_VALUES = 4096  # the distinct values of a column whose cleaning is remembered,
MEMO_MAX_VALUES = 65536  # and of a column that repeats its values (column_cleaner)
TEXT_CELLS = frozenset({str, type(None)})  # a column of these is known by its cells


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def written() -> str:
    """Return SQL true for the staged rows that will be written: new or changed."""
    return f"({quote(TARGET)} IS NULL OR {quote(CHANGED)})"


def distinct_from() -> str:
    """Return the null-safe "differs" operator of the database."""
    return "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"


def compared(field: models.Field) -> models.Field:
    """Return the field whose column a row is matched and compared by.

    A sealed field (``devzone.fields``) is compared by its digest: its ciphertext
    differs at every sealing of the same value.
    """
    if isinstance(field, SealedCharField):
        return field.sibling("digest")
    return field


def condition_sql(model: type[models.Model], condition: Any) -> tuple[str, list]:
    """Return a ``Q`` as SQL over the model's columns, unqualified (as in a CHECK)."""
    query = Query(model=model, alias_cols=False)
    where = query.build_where(condition)
    compiler = query.get_compiler(connection=connection)
    sql, params = where.as_sql(compiler, connection)
    return sql, list(params)


class ImportEngine:
    """Import a checked dataset (headers normalised, keys primed) as one set."""

    def __init__(
        self,
        resource: Any,  # a devzone.spreadsheets.resources.ZoneResource
        dataset: Any,
        *,
        dry_run: bool,
    ) -> None:
        self.resource = resource
        self.dataset = dataset
        self.dry_run = dry_run
        self.model = resource._meta.model
        self.opts = self.model._meta
        headers = list(dataset.headers or [])
        self.headers = headers
        read = [
            (field, self.opts.get_field(field.attribute))
            for field in resource.get_import_fields()
            if field.column_name in headers and field.attribute
        ]
        self.file_fields = [field for field, mf in read if not mf.many_to_many]
        self.positions = [headers.index(f.column_name) for f in self.file_fields]
        self.model_fields = [self.opts.get_field(f.attribute) for f in self.file_fields]
        # Many-to-many columns: {field name: each row's set of related pks}, written
        # after the rows themselves.
        self.many_fields = [mf for _field, mf in read if mf.many_to_many]
        self.many_columns = [
            (field, headers.index(field.column_name))
            for field, mf in read
            if mf.many_to_many
        ]
        self.many_values: dict[str, list] = {}
        file_names = {mf.name for mf in self.model_fields}
        # The siblings of the file's sealed columns (digest, masked copy…), staged
        # beside them, computed from each cell's clear value as it is staged.
        self.sealed = [
            (position, mf)
            for position, mf in enumerate(self.model_fields)
            if isinstance(mf, SealedCharField)
        ]
        self.derived_fields = [
            self.opts.get_field(name)
            for _position, mf in self.sealed
            for name in mf.sibling_names().values()
        ]
        file_names |= {mf.name for mf in self.derived_fields}
        self.kept_fields = [
            mf
            for mf in self.opts.concrete_fields
            if not mf.primary_key
            and mf.name not in file_names
            and mf.name not in ("created_at", "updated_at")
            and not getattr(mf, "generated", False)
        ]
        self.written_fields = self.model_fields + self.derived_fields
        self.columns = self.written_fields + self.kept_fields
        self.reported = 0  # the hook before_import reports none done
        self.errors: defaultdict[int, dict[str, list]] = defaultdict(dict)
        self.replaced: dict[int, ValidationError] = {}
        self.duplicates: set[int] = set()
        self.writes_rows = True  # whether any row will be written (mark_changed)
        self.values: list[list] = []  # the cleaned values of the preview's rows
        self.sealed_plain = PackedRows()  # each row's clear values of sealed columns

    def progress(self, done: int, total: int) -> None:
        """Report how far the import has come (rows' worth of work), once per step."""
        if self.resource.run is not None and done != self.reported:
            self.reported = done
            self.resource.run.progress(done, total)

    # Stage 1: cells.

    def cleaned_blocks(self) -> Iterator[tuple[range, list[list]]]:
        """Yield each block of rows' numbers and cleaned values (file columns, column
        by column); record the cells' errors.

        One pass over the file, a block of rows (``formats.ROWS_PER_BLOCK``) at a
        time, so that the rows stream into the staging table and no second copy of
        the file is kept: of the cleaned values only the preview's rows are kept
        whole (the row rules read theirs from the staging table). A block is
        cleaned a column at a time (``column_cleaner``).
        """
        total = len(self.dataset)
        cleaners = [
            (self.column_cleaner(field, model_field), position)
            for field, model_field, position in zip(
                self.file_fields, self.model_fields, self.positions, strict=True
            )
        ]
        examples = self.example_texts()
        related: dict[str, list] = {
            field.attribute: [] for field, _c in self.many_columns
        }
        self.many_values = related
        start = 0
        for block in blocks_of(self.dataset):
            columns = [clean(block, position, start) for clean, position in cleaners]
            self.refuse_examples(block, start, examples)
            for offset, cells in enumerate(block):
                for field, column in self.many_columns:
                    name = field.attribute
                    try:
                        found = field.clean({field.column_name: cells[column]})
                    except ValueError as exc:
                        self.refuse(
                            start + offset, name, ValidationError(force_str(exc))
                        )
                        related[name].append(None)
                        continue
                    related[name].append(frozenset(obj.pk for obj in found))
            if start < PREVIEW_ROWS:
                shown = min(len(block), PREVIEW_ROWS - start)
                self.values += [
                    [column[offset] for column in columns] for offset in range(shown)
                ]
            numbers = range(start + 1, start + len(block) + 1)
            start += len(block)
            self.progress(start // 2, total)
            yield numbers, columns
        self.progress(total // 2, total)

    def column_cleaner(self, field: Any, model_field: models.Field) -> Any:
        """Return the function cleaning a column of a block: (block, position, first
        row's index) → the column's values, its cells' errors recorded.

        Each distinct cell is cleaned once per block, and once per file while the
        column is remembered (``memo``): its first ``MEMO_VALUES`` distinct cells,
        more (up to ``MEMO_MAX_VALUES``) only while the column repeats its cells more
        often than not. A column of names or ID numbers repeats none and is soon
        not remembered. A cell is known by its value, and by its type too unless it
        is text (1, 1.0 and True are equal otherwise).
        """
        name = model_field.name
        errors_of = self.errors
        if getattr(field.widget, "reads_row", False):  # it reads the row's other cells
            headers = self.headers

            def clean_rows(block: list, position: int, start: int) -> list:
                values = []
                for offset, cells in enumerate(block):
                    row = dict(zip(headers, cells, strict=False))
                    value, errors = self.clean_cell(field, model_field, row)
                    if errors:
                        errors_of[start + offset][name] = errors
                    values.append(value)
                return values

            return clean_rows
        read = self.cell_reader(field)
        memo: dict[Any, Any] = {}  # cell → cleaned value
        memo_errors: dict[Any, list] = {}  # cell → its errors, for refused cells only
        hits = 0  # cells found remembered

        def clean_column(block: list, position: int, start: int) -> list:
            nonlocal hits
            column = [cells[position] for cells in block]
            keys = (
                column
                if set(map(type, column)) <= TEXT_CELLS
                else [
                    raw if raw is None or type(raw) is str else (type(raw), raw)
                    for raw in column
                ]
            )
            try:
                distinct = set(keys)
            except TypeError:  # an unhashable cell: every cell cleaned on its own
                distinct = None
            if distinct is None:
                values, errors = [], []
                for raw in column:
                    value, cell_errors = self.checked_cell(read, model_field, raw)
                    values.append(value)
                    errors.append(cell_errors)
                for offset, cell_errors in enumerate(errors):
                    if cell_errors:
                        errors_of[start + offset][name] = cell_errors
                return values
            known = {key: memo[key] for key in distinct if key in memo}
            hits += len(column) - len(distinct) + len(known)
            failed = {key: memo_errors[key] for key in known if key in memo_errors}
            fresh = distinct.difference(known)
            remember = len(memo) < MEMO_VALUES or (
                len(memo) < MEMO_MAX_VALUES and hits > len(memo)
            )
            for key in fresh:
                raw = key[1] if type(key) is tuple else key
                value, cell_errors = self.checked_cell(read, model_field, raw)
                known[key] = value
                if cell_errors:
                    failed[key] = cell_errors
                if remember and len(memo) < MEMO_MAX_VALUES:
                    memo[key] = value
                    if cell_errors:
                        memo_errors[key] = cell_errors
            if failed:
                for offset, key in enumerate(keys):
                    if key in failed:
                        errors_of[start + offset][name] = list(failed[key])
            return list(map(known.__getitem__, keys))

        return clean_column

    def refuse_examples(self, block: list, start: int, examples: list) -> None:
        """Refuse the rows holding a template's example text (示例…) in its column."""
        refused: set[int] = set()
        for position, text in examples:
            column = [cells[position] for cells in block]
            # The containment test first, over the whole column at once: the
            # example is almost never there.
            try:
                present = text in "\x00".join(column)
            except TypeError:  # not all text
                present = any(type(cell) is str and text in cell for cell in column)
            if not present:
                continue
            for offset, cell in enumerate(column):
                if offset in refused or type(cell) is not str:
                    continue
                if cell.strip() == text:
                    refused.add(offset)
        for offset in sorted(refused):
            self.refuse(start + offset, NON_FIELD_ERRORS, EXAMPLE_ROW)

    def example_texts(self) -> list[tuple[int, str]]:
        """Return (position, text) of the template's example texts (示例…)."""
        return [
            (position, example_text(mf))
            for position, mf in zip(self.positions, self.model_fields, strict=True)
            if isinstance(mf, models.CharField | models.TextField) and not mf.choices
        ]

    def cell_reader(self, field: Any) -> Any:
        """Return the function reading one cell of the field's column.

        The widget itself, when the field adds nothing to it (no default for a
        blank cell): the library's ``Field.clean`` builds a row for every cell. A
        widget reads only its cell unless it says it reads the row (``reads_row``).
        """
        if field.default is NOT_PROVIDED:
            return field.widget.clean
        return lambda raw: field.clean({field.column_name: raw})

    def clean_cell(self, field: Any, model_field: models.Field, raw: Any):
        """Return (value for the database, errors) of one cell, as full_clean would.

        ``raw`` is the cell, or the whole row (a dict) for a widget that reads the
        row's other cells too (``reads_row``, e.g. a recipient's category).
        """
        row = raw if isinstance(raw, dict) else {field.column_name: raw}
        return self.checked_cell(field.clean, model_field, row)

    def checked_cell(self, read: Any, model_field: models.Field, raw: Any):
        """Return (value for the database, errors) of a cell read by ``read``."""
        try:
            value = read(raw)
        except ValueError as exc:
            return None, [ValidationError(force_str(exc), code="invalid")]
        except ValidationError as exc:
            return None, list(exc.error_list)
        if isinstance(value, models.Model):
            return value.pk, []  # found by its natural key: it exists
        return self.checked_value(model_field, value)

    def checked_value(self, model_field: models.Field, value: Any):
        errors: list[ValidationError] = []
        if not (model_field.blank and value in model_field.empty_values):
            try:
                value = model_field.clean(value, None)
            except ValidationError as exc:
                for error in exc.error_list:
                    if error.code == "null":
                        error = ValidationError(
                            model_field.error_messages["blank"], code="blank"
                        )
                    errors.append(error)
        if not errors:
            errors = self.model.cell_errors(model_field, value)
        return (None if errors else value), errors

    # Stage 2: rows.

    def create_staging(self, cursor: Any) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(STAGING)}")
        definitions = [f"{quote(ROW)} integer", f"{quote(TARGET)} bigint"]
        definitions += [f"{quote(BAD)} boolean", f"{quote(CHANGED)} boolean"]
        for model_field in self.columns:
            kind = model_field.db_type(connection)
            if isinstance(model_field, models.CharField):
                kind = "text"  # lengths were checked with the cell
            definitions.append(f"{quote(model_field.column)} {kind}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {quote(STAGING)} ({', '.join(definitions)})"
        )

    def staged_rows(
        self, blocks: Iterable[tuple[range, list[list]]]
    ) -> Iterable[tuple]:
        """Yield each row as it is staged: its number, no target yet, whether a cell
        was refused, not changed, the file's cells, their siblings, the defaults."""
        defaults = [repeat(self.default_of(mf)) for mf in self.kept_fields]
        for numbers, columns in blocks:
            derived = self.digested_columns(columns) if self.sealed else []
            bad = [number - 1 in self.errors for number in numbers]
            yield from zip(
                numbers, repeat(None), bad, repeat(False), *columns, *derived, *defaults
            )

    def digested_columns(self, columns: list[list]) -> list[list]:
        """Stage a block's sealed columns as their digests; return their siblings.

        A sealed cell is staged as its digest, which matching and comparing read
        (in its own column and its digest's); its masked copy (and birth date) are
        staged as they will be written. Its clear value is kept packed
        (``sealed_plain``) for the row rules, and encrypted only for the new and
        changed rows, as they are written (``sealed_chunks``): a preview and an
        unchanged row encrypt nothing. ``columns`` is changed in place.
        """
        plain = [columns[position] for position, _mf in self.sealed]
        self.sealed_plain.append_rows(zip(*plain, strict=True))
        derived: list[list] = []
        for (position, mf), values in zip(self.sealed, plain, strict=True):
            siblings = [
                list(map(mf.sibling_function(kind), values))
                for kind in mf.sibling_kinds
            ]
            columns[position] = siblings[mf.sibling_kinds.index("digest")]
            derived += siblings
        return derived

    def sealed_chunks(self, cursor: Any) -> Iterator[tuple[int, int]]:
        """Encrypt the sealed cells of the rows to be written, a chunk at a time.

        The new and changed rows' clear values are encrypted as the file is
        written, into a temporary table of their own (``SEALED``: row number,
        ciphertext…), which the INSERT and the UPDATE of ``write`` join to the
        staging table. Yield each chunk's first and last row number once it is
        there: the next chunk is encrypted in a thread meanwhile, while the
        database writes this one (the wait for it lets the thread run).
        """
        names = [quote(ROW), *(quote(mf.column) for _position, mf in self.sealed)]
        cursor.execute(f"DROP TABLE IF EXISTS {quote(SEALED)}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {quote(SEALED)} ({quote(ROW)} integer PRIMARY KEY, "
            + ", ".join(f"{name} text" for name in names[1:])
            + ")"
        )
        cursor.execute(
            f"SELECT {quote(ROW)} FROM {quote(STAGING)} "
            f"WHERE {written()} ORDER BY {quote(ROW)}"
        )
        # Read a row at a time: a list of 200,000 tuples cost 18 MiB at the peak.
        numbers = array.array("l", (number for (number,) in cursor))
        rows = self.sealed_rows(numbers)
        marks = ", ".join(["%s"] * len(names))
        with ThreadPoolExecutor(max_workers=1) as encrypting:
            sealed = encrypting.submit(list, itertools.islice(rows, SEALED_CHUNK))
            while chunk := sealed.result():
                sealed = encrypting.submit(list, itertools.islice(rows, SEALED_CHUNK))
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy(
                        f"COPY {quote(SEALED)} ({', '.join(names)}) FROM STDIN"
                    ) as copy:
                        for row in chunk:
                            copy.write_row(row)
                else:
                    cursor.executemany(
                        f"INSERT INTO {quote(SEALED)} ({', '.join(names)}) "
                        f"VALUES ({marks})",
                        chunk,
                    )
                yield chunk[0][0], chunk[-1][0]
        cursor.execute(f"DROP TABLE {quote(SEALED)}")

    def sealed_rows(self, numbers: Any) -> Iterable[tuple]:
        """Yield (row, ciphertext…) of each numbered row, in order."""
        seal = sealing.sealer()
        wanted = iter(numbers)
        number = next(wanted, None)
        for index, plain in enumerate(self.sealed_plain.iter_cells()):
            if number is None:
                return
            if index + 1 != number:
                continue
            # Cleaned cells: normalised already, so sealed as they are.
            yield (number, *(seal(value) if value else value for value in plain))
            number = next(wanted, None)

    def default_of(self, model_field: models.Field) -> Any:
        value = model_field.get_default()
        return value.pk if isinstance(value, models.Model) else value

    def load(self, cursor: Any, blocks: Iterable[tuple[range, list[list]]]) -> None:
        names = ", ".join(
            quote(n)
            for n in [ROW, TARGET, BAD, CHANGED, *(f.column for f in self.columns)]
        )
        rows = self.staged_rows(blocks)
        if connection.vendor == "postgresql":
            # In chunks: cleaning a cell may ask the database (a related record's
            # key not primed, a many-to-many column), which it cannot do while the
            # connection is in a COPY. A chunk bounds what is held meanwhile.
            while chunk := list(itertools.islice(rows, STAGING_CHUNK)):
                with cursor.cursor.copy(
                    f"COPY {quote(STAGING)} ({names}) FROM STDIN"
                ) as copy:
                    for row in chunk:
                        copy.write_row(row)
            # The rules and the writes read ranges of rows: indexed once loaded.
            cursor.execute(f"CREATE INDEX ON {quote(STAGING)} ({quote(ROW)})")
            # Autovacuum never analyzes a temporary table: without statistics the
            # planner guesses its size for every join to the stored records.
            cursor.execute(f"ANALYZE {quote(STAGING)}")
            return
        marks = ", ".join(["%s"] * (4 + len(self.columns)))
        # A sealed column's staged digest is not encrypted: it is sealed as it is
        # written (``sealed_chunks``).
        staged = [
            models.CharField() if isinstance(mf, SealedCharField) else mf
            for mf in self.columns
        ]
        prepared = (
            (
                *row[:4],
                *(
                    model_field.get_db_prep_save(value, connection)
                    for model_field, value in zip(staged, row[4:], strict=True)
                ),
            )
            for row in rows
        )
        while chunk := list(itertools.islice(prepared, PROGRESS_EVERY)):
            cursor.executemany(
                f"INSERT INTO {quote(STAGING)} ({names}) VALUES ({marks})", chunk
            )
        cursor.execute(
            f"CREATE INDEX {quote(STAGING + '_row')} ON {quote(STAGING)} ({quote(ROW)})"
        )

    def filled(self, fields: list, alias: str = "") -> str:
        """Return SQL true when every one of the columns holds a value (not blank)."""
        parts = []
        for field in fields:
            column = alias + quote(field.column)
            parts.append(f"{column} IS NOT NULL")
            if isinstance(field, models.CharField | models.TextField):
                parts.append(f"{column} <> ''")
        return " AND ".join(parts)

    def refuse_duplicate_keys(self, cursor: Any) -> None:
        """Refuse each later row naming the same record as an earlier one."""
        keys = [
            self.opts.get_field(name) for name in self.resource.get_import_id_fields()
        ]
        partition = ", ".join(quote(compared(f).column) for f in keys)
        cursor.execute(
            f"SELECT {quote(ROW)}, first FROM (SELECT {quote(ROW)}, MIN({quote(ROW)}) "
            f"OVER (PARTITION BY {partition}) AS first FROM {quote(STAGING)} "
            f"WHERE {self.filled([compared(f) for f in keys])}) s "
            f"WHERE {quote(ROW)} <> first ORDER BY {quote(ROW)}"
        )
        numbers = file_row_numbers(self.dataset)
        for number, first in cursor.fetchall():
            self.duplicates.add(number - 1)
            self.refuse(
                number - 1,
                keys[0].name,
                self.resource.duplicate_key_message(numbers[first - 1]),
            )

    def match(self, cursor: Any) -> None:
        """Find each row's stored record by natural key; fill the columns it keeps."""
        table = quote(self.opts.db_table)
        keys = [
            self.opts.get_field(name) for name in self.resource.get_import_id_fields()
        ]
        joined = " AND ".join(
            f"t.{quote(compared(f).column)} = {quote(STAGING)}.{quote(compared(f).column)}"
            for f in keys
        )
        assignments = [f"{quote(TARGET)} = t.{quote(self.opts.pk.column)}"]
        assignments += [
            f"{quote(f.column)} = t.{quote(f.column)}" for f in self.kept_fields
        ]
        cursor.execute(
            f"UPDATE {quote(STAGING)} SET {', '.join(assignments)} "
            f"FROM {table} t WHERE {joined}"
        )

    def refuse(self, index: int, field: str, message: Any) -> None:
        self.errors[index].setdefault(field, []).append(
            message
            if isinstance(message, ValidationError)
            else ValidationError(message)
        )

    def failed_cells(self, index: int, names: Iterable[str]) -> bool:
        """Return True if a cell the rule reads was refused on this row already.

        A refused cell is staged as NULL: a rule reading it would judge a blank that
        the file does not hold. Every other rule still runs on the row, so a file's
        errors all come at once.
        """
        errors = self.errors.get(index) or {}
        return any(name in errors for name in names)

    def rows_where(
        self, cursor: Any, sql: str, params: list | None = None
    ) -> list[int]:
        cursor.execute(sql, params or [])
        return [number - 1 for (number,) in cursor.fetchall()]

    def check_scope(self, cursor: Any) -> None:
        scope = self.resource.scope
        if scope.unassigned:
            # No record of any kind lies in an unassigned scope: every row gets
            # the one message saying why, whatever else is wrong with it.
            refusal = ValidationError({NON_FIELD_ERRORS: [scope.refusal()]})
            for index in self.rows_where(
                cursor, f"SELECT {quote(ROW)} FROM {quote(STAGING)}"
            ):
                self.replaced[index] = refusal
            return
        if scope.is_whole_zone:
            return
        path = community_path(self.model)
        if path is None:
            return
        visible = scope.filter(self.model._default_manager.all()).values("pk")
        sql, params = visible.query.sql_with_params()
        refusal = ValidationError({NON_FIELD_ERRORS: [scope.refusal()]})
        for index in self.rows_where(
            cursor,
            f"SELECT {quote(ROW)} FROM {quote(STAGING)} WHERE {quote(TARGET)} IS NOT NULL "
            f"AND {quote(TARGET)} NOT IN ({sql})",
            list(params),
        ):
            self.replaced[index] = refusal
        if path == "pk":
            # A new community lies outside every scope but the whole zone's.
            outside = f"{quote(TARGET)} IS NULL"
            ids: list[int] = []
        else:
            first, _, rest = path.partition("__")
            local = self.opts.get_field(first)
            column = quote(local.column)
            ids = sorted(scope.community_ids or ())
            allowed = ", ".join(["%s"] * len(ids)) or "NULL"
            if rest and ids:
                # A community reached through a related record (a rating's branch).
                within = local.related_model._base_manager.filter(
                    **{f"{rest}__in": ids}
                ).values("pk")
                allowed, within_params = within.query.sql_with_params()
                ids = list(within_params)
            outside = f"{column} IS NULL OR {column} NOT IN ({allowed})"
        read = [path.partition("__")[0]] if path != "pk" else []
        for index in self.rows_where(
            cursor,
            f"SELECT {quote(ROW)} FROM {quote(STAGING)} WHERE ({outside})",
            ids,
        ):
            if index not in self.replaced and not self.failed_cells(index, read):
                self.refuse(index, NON_FIELD_ERRORS, scope.refusal())

    def check_versions(self, cursor: Any) -> None:
        """Record each matched row's record version; at a confirmation, refuse moved ones.

        A preview records the versions (a new row's is None, left out); a
        confirmation compares them with the preview's (``run.expected``). A
        confirmation without a preview (``import_file``) has nothing to compare.
        """
        run = self.resource.run
        if run is None or (not self.dry_run and run.expected is None):
            return
        stamp = self.opts.get_field("updated_at")
        column = stamp.get_col(self.opts.db_table)
        converters = connection.ops.get_db_converters(column)
        cursor.execute(
            f"SELECT s.{quote(ROW)}, t.{quote(self.opts.pk.column)}, "
            f"t.{quote(stamp.column)} FROM {quote(STAGING)} s "
            f"JOIN {quote(self.opts.db_table)} t "
            f"ON t.{quote(self.opts.pk.column)} = s.{quote(TARGET)}"
        )
        versions: dict[int, Any] = {}
        while chunk := cursor.fetchmany(STAGING_CHUNK):
            for number, pk, changed in chunk:
                for converter in converters:
                    changed = converter(changed, column, connection)
                versions[number] = version_from(pk, changed)
        run.versions = versions
        if run.expected is None:
            return
        expected = {int(number): v for number, v in run.expected.items() if v}
        for number in sorted(versions.keys() | expected.keys()):
            if number - 1 in self.replaced:
                continue
            error = stale_row_error(expected.get(number), versions.get(number))
            if error is not None:
                self.replaced[number - 1] = error

    def check_defaults(self, cursor: Any) -> None:
        """A column the file lacks gets its default on a new row: it must be valid."""
        for model_field in self.kept_fields:
            value = self.default_of(model_field)
            if model_field.is_relation and value is None and model_field.blank:
                continue
            _value, errors = (
                (value, [])
                if model_field.is_relation and value is not None
                else self.checked_value(model_field, value)
            )
            if not errors:
                continue
            for index in self.rows_where(
                cursor,
                f"SELECT {quote(ROW)} FROM {quote(STAGING)} "
                f"WHERE {quote(TARGET)} IS NULL",
            ):
                self.errors[index].setdefault(model_field.name, []).extend(errors)

    def check_constraints(self, cursor: Any) -> None:
        """Ask each CHECK constraint of the rows that will be written.

        A row that leaves its record as it is writes nothing (the library's row
        loop did not validate a skipped row either), and the stored record holds
        every constraint already.
        """
        checks = [
            constraint
            for constraint in self.opts.constraints
            if isinstance(constraint, models.CheckConstraint)
        ]
        if not checks or not self.writes_rows:
            return
        # All of them in one pass over the rows: a column per constraint, true
        # where the row breaks it (a CHECK whose condition is NULL holds).
        compiled = [condition_sql(self.model, c.condition) for c in checks]
        broken = ", ".join(
            f"COALESCE(NOT ({sql}), FALSE) AS b{k}"
            for k, (sql, _params) in enumerate(compiled)
        )
        params = [param for _sql, given in compiled for param in given]
        any_broken = " OR ".join(f"b{k}" for k in range(len(checks)))
        cursor.execute(
            f"SELECT * FROM (SELECT {quote(ROW)} AS n, {broken} FROM {quote(STAGING)} "
            f"WHERE {written()}) s WHERE {any_broken} ORDER BY n",
            params,
        )
        refusals = [
            (
                constraint,
                referenced_fields(constraint.condition),
                ValidationError(
                    constraint.get_violation_error_message(),
                    code=constraint.violation_error_code,
                ),
            )
            for constraint in checks
        ]
        for number, *flags in cursor.fetchall():
            index = number - 1
            for flag, (constraint, read, message) in zip(flags, refusals, strict=True):
                if flag and not self.failed_cells(index, read):
                    self.refuse(index, error_field(constraint), message)

    def check_row_rules(self, cursor: Any) -> None:
        """Run the model's declared row rules (``devzone.rules``) on every row.

        The same functions a form runs through ``TimeStampedModel.clean``, given the
        row as a record: the file's values over the stored ones, ``pk`` the matched
        record's. A chunk of rows at a time, with the stored records (and what the
        rules prepare of them) of that chunk only, so that memory stays bounded.
        Only the rows that will be written: one leaving its record as it is writes
        nothing, as ``check_constraints`` says.
        """
        rules = getattr(self.model, "row_rules", ())
        if not rules or not self.writes_rows:
            return
        read = {name for rule in rules for name in rule.reads}
        # The staging table holds every column a rule reads: the file's, and the
        # stored record's (``match``) or the default (a new row) for the others.
        read_fields = [mf for mf in self.columns if mf.name in read]
        template = dict(self.model().__dict__)
        del template["_state"]
        total = len(self.dataset)
        columns = [quote(mf.column) for mf in read_fields]
        attnames = [mf.attname for mf in read_fields]
        # Read back as the ORM reads a column (dates on SQLite are text).
        staged = [mf.get_col(STAGING) for mf in read_fields]
        # Only the columns that have converters (dates on SQLite) go through them.
        converters = [
            (position, col, convert)
            for position, (mf, col) in enumerate(zip(read_fields, staged, strict=True))
            if (
                convert := connection.ops.get_db_converters(col)
                + mf.get_db_converters(connection)
            )
        ]
        # A sealed column of the file is staged as its digest: its clear value is
        # read from the engine's own copy (``digested_columns``).
        file_sealed = {mf.name: k for k, (_p, mf) in enumerate(self.sealed)}
        plain_at = [
            (position, file_sealed[mf.name])
            for position, mf in enumerate(read_fields)
            if mf.name in file_sealed
        ]
        for start in range(0, total, STAGING_CHUNK):
            stop = min(start + STAGING_CHUNK, total)
            cursor.execute(
                f"SELECT {', '.join([quote(ROW), quote(TARGET), *columns])} "
                f"FROM {quote(STAGING)} WHERE {quote(ROW)} > %s AND {quote(ROW)} <= %s "
                f"AND {written()}",
                [start, stop],
            )
            targets, values = {}, {}
            for number, target, *cells in cursor.fetchall():
                targets[number] = target
                for position, col, convert in converters:
                    for converter in convert:
                        cells[position] = converter(cells[position], col, connection)
                if plain_at:
                    plain = self.sealed_plain.cells(number - 1)
                    for position, k in plain_at:
                        cells[position] = plain[k]
                values[number] = cells
            # The chunk's matched records as a subquery, for the rules that compare
            # with them: thousands of pks as parameters cost more to send than the
            # query costs to run.
            matched = RawSQL(
                f"SELECT {quote(TARGET)} FROM {quote(STAGING)} WHERE {quote(ROW)} > %s "
                f"AND {quote(ROW)} <= %s AND {quote(TARGET)} IS NOT NULL "
                f"AND {quote(CHANGED)}",
                [start, stop],
            )
            any_matched = any(t is not None for t in targets.values())
            known = {
                id(rule): rule.prepare(matched) if any_matched else {}
                for rule in rules
                if rule.prepare is not None
            }
            for number, target in targets.items():
                index = number - 1
                if index in self.replaced:
                    continue
                # A copy of one new record's attributes: Model.__init__ per row
                # cost a third of the rules' time. Its own state, so that a related
                # record one row's rule reads is not another row's.
                # The values go straight into its attributes: through them, a
                # sealed field would derive its siblings (a digest, a mask) that
                # no rule reads unless it says so, and then it reads them staged.
                instance = self.model.__new__(self.model)
                instance.__dict__.update(template)
                instance.__dict__.update(zip(attnames, values[number], strict=True))
                instance._state = ModelState()
                instance.pk = target
                for rule in rules:
                    # (A row with no refused cell, as most are, is not looked into.)
                    if index in self.errors and self.failed_cells(index, rule.reads):
                        continue
                    message = rule.refusal(instance, known.get(id(rule)))
                    if message is not None:
                        self.refuse(index, rule.field, message)

    def check_unique(self, cursor: Any) -> None:
        """Refuse the rows to be written that break a unique set, within the file
        or with a stored record.

        Only the rows to be written are judged: an unchanged row's record keeps
        the rule already, so it stands as a stored record that a written row may
        collide with (a record whose row changes it does not); two rows naming
        one record are refused as a key given twice (``refuse_duplicate_keys``).
        """
        if not self.writes_rows:
            return
        table = quote(self.opts.db_table)
        pk = quote(self.opts.pk.column)
        for names, condition, message, field in unique_sets(self.model):
            fields = [compared(self.opts.get_field(name)) for name in names]
            columns = [quote(f.column) for f in fields]
            filled = self.filled(fields)
            where = filled
            params: list = []
            if condition is not None:
                sql, params = condition_sql(self.model, condition)
                where += f" AND ({sql})"
            staged = f"SELECT * FROM {quote(STAGING)} WHERE {written()} AND {where}"
            stored = f"SELECT * FROM {table} WHERE {filled}"
            stored_params: list = []
            if condition is not None:
                stored += f" AND ({sql})"
                stored_params = list(params)
            partition = ", ".join(columns)
            within = self.rows_where(
                cursor,
                f"SELECT {quote(ROW)} FROM (SELECT {quote(ROW)}, ROW_NUMBER() OVER "
                f"(PARTITION BY {partition} ORDER BY {quote(ROW)}) AS n FROM ({staged}) s) r "
                "WHERE n > 1",
                params,
            )
            joined = " AND ".join(f"t.{c} = s.{c}" for c in columns)
            against = self.rows_where(
                cursor,
                f"SELECT s.{quote(ROW)} FROM ({staged}) s JOIN ({stored}) t ON {joined} "
                f"WHERE (s.{quote(TARGET)} IS NULL OR t.{pk} <> s.{quote(TARGET)}) "
                f"AND t.{pk} NOT IN (SELECT {quote(TARGET)} FROM {quote(STAGING)} "
                f"WHERE {quote(TARGET)} IS NOT NULL AND {quote(CHANGED)})",
                [*params, *stored_params],
            )
            read = set(names) | (
                referenced_fields(condition) if condition is not None else set()
            )
            for index in sorted(set(within) | set(against)):
                if index not in self.duplicates and not self.failed_cells(index, read):
                    self.refuse(index, field, message)

    def mark_changed(self, cursor: Any) -> None:
        table = quote(self.opts.db_table)
        differs = (
            " OR ".join(
                f"t.{quote(compared(f).column)} {distinct_from()} "
                f"{quote(STAGING)}.{quote(compared(f).column)}"
                for f in self.model_fields
            )
            or "FALSE"
        )
        cursor.execute(
            f"UPDATE {quote(STAGING)} SET {quote(CHANGED)} = TRUE FROM {table} t "
            f"WHERE t.{quote(self.opts.pk.column)} = {quote(STAGING)}.{quote(TARGET)} "
            f"AND ({differs})"
        )
        if self.many_fields:
            self.mark_many_changed(cursor)
        if connection.vendor == "postgresql":
            # The statistics taken as the rows were staged know no changed row:
            # the checks and writes that join the changed rows would plan for one.
            cursor.execute(
                f"ANALYZE {quote(STAGING)} ({quote(TARGET)}, {quote(CHANGED)})"
            )
        # Whether any row will be written: the rules of the rows to be written
        # (constraints, unique sets, row rules) have nothing to judge otherwise,
        # as when a file is imported again unchanged.
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {quote(STAGING)} WHERE {written()})"
        )
        self.writes_rows = bool(cursor.fetchone()[0])

    def stored_many(self, pks: list) -> dict[str, dict[Any, frozenset]]:
        """Return {field name: {record pk: its related pks}} of the stored records."""
        found: dict[str, dict[Any, frozenset]] = {}
        for mf in self.many_fields:
            through = mf.remote_field.through
            own, other = mf.m2m_column_name(), mf.m2m_reverse_name()
            sets: dict[Any, set] = defaultdict(set)
            for start in range(0, len(pks), 1000):
                rows = through._default_manager.filter(
                    **{f"{own}__in": pks[start : start + 1000]}
                ).values_list(own, other)
                for pk, related in rows:
                    sets[pk].add(related)
            found[mf.name] = {pk: frozenset(v) for pk, v in sets.items()}
        return found

    def mark_many_changed(self, cursor: Any) -> None:
        """Mark the rows whose many-to-many columns name other records than stored."""
        cursor.execute(
            f"SELECT {quote(ROW)}, {quote(TARGET)} FROM {quote(STAGING)} "
            f"WHERE {quote(TARGET)} IS NOT NULL"
        )
        targets = dict(cursor.fetchall())
        stored = self.stored_many(sorted(set(targets.values())))
        changed = sorted(
            number
            for number, target in targets.items()
            for mf in self.many_fields
            if self.many_values[mf.name][number - 1] is not None
            and self.many_values[mf.name][number - 1]
            != stored[mf.name].get(target, frozenset())
        )
        for start in range(0, len(changed), 500):
            chunk = changed[start : start + 500]
            cursor.execute(
                f"UPDATE {quote(STAGING)} SET {quote(CHANGED)} = TRUE "
                f"WHERE {quote(ROW)} IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )

    def write_many(self, cursor: Any) -> None:
        """Write the many-to-many columns of the rows just inserted or changed."""
        keys = [
            self.opts.get_field(name) for name in self.resource.get_import_id_fields()
        ]
        joined = " AND ".join(
            f"t.{quote(compared(f).column)} = s.{quote(compared(f).column)}"
            for f in keys
        )
        cursor.execute(
            f"SELECT s.{quote(ROW)}, t.{quote(self.opts.pk.column)} "
            f"FROM {quote(STAGING)} s JOIN {quote(self.opts.db_table)} t ON {joined} "
            f"WHERE s.{quote(TARGET)} IS NULL OR s.{quote(CHANGED)}"
        )
        written = dict(cursor.fetchall())
        for mf in self.many_fields:
            through = mf.remote_field.through
            own, other = mf.m2m_column_name(), mf.m2m_reverse_name()
            through._default_manager.filter(
                **{f"{own}__in": list(written.values())}
            ).delete()
            through._default_manager.bulk_create(
                through(**{own: pk, other: related})
                for number, pk in written.items()
                for related in sorted(self.many_values[mf.name][number - 1] or ())
            )

    def count(self, result: Result, cursor: Any) -> None:
        """Count what the file adds, changes, leaves as it is and refuses."""
        kind = (
            f"CASE WHEN {quote(TARGET)} IS NULL THEN 'new' "
            f"WHEN {quote(CHANGED)} THEN 'update' ELSE 'skip' END"
        )
        cursor.execute(f"SELECT {kind}, COUNT(*) FROM {quote(STAGING)} GROUP BY 1")
        counts = {"new": 0, "update": 0, "skip": 0}
        counts.update(cursor.fetchall())
        # A refused row counts as refused only, whatever it would have done.
        refused = sorted(number + 1 for number in self.errors)
        for start in range(0, len(refused), LOOKUP_ROWS):
            chunk = refused[start : start + LOOKUP_ROWS]
            cursor.execute(
                f"SELECT {kind}, COUNT(*) FROM {quote(STAGING)} "
                f"WHERE {quote(ROW)} IN ({', '.join(['%s'] * len(chunk))}) GROUP BY 1",
                chunk,
            )
            for name, number in cursor.fetchall():
                counts[name] -= number
        counts["invalid"] = len(self.errors)
        result.counts = counts
        for name, number in counts.items():
            result.totals[name] = number

    # Stage 3: writes.

    def write(self, cursor: Any) -> None:
        table = quote(self.opts.db_table)
        pk = quote(self.opts.pk.column)
        staging = quote(STAGING)
        now = timezone.now()
        stamp = self.opts.get_field("updated_at")
        now_db = stamp.get_db_prep_save(now, connection)
        # The sealed cells' ciphertext comes from their own table (sealed_chunks),
        # a range of rows at a time.
        joined, rows = staging, ""
        if self.sealed:
            joined += (
                f" JOIN {quote(SEALED)} x ON x.{quote(ROW)} = {staging}.{quote(ROW)}"
            )
            rows = f" AND {staging}.{quote(ROW)} BETWEEN %s AND %s"
        assignments = ", ".join(self.assignment(f, table) for f in self.written_fields)
        changed = (
            f"UPDATE {table} SET {assignments}, {quote(stamp.column)} = %s "
            f"FROM {joined} WHERE {table}.{pk} = {staging}.{quote(TARGET)} "
            f"AND {staging}.{quote(CHANGED)}{rows}"
        )
        columns = [f.column for f in self.columns]
        inserted_columns = ", ".join(
            quote(c) for c in [*columns, "created_at", "updated_at"]
        )
        selected = ", ".join(self.source(f) for f in self.columns)
        new = (
            f"INSERT INTO {table} ({inserted_columns}) "
            f"SELECT {selected}, %s, %s FROM {joined} "
            f"WHERE {staging}.{quote(TARGET)} IS NULL{rows} "
            f"ORDER BY {staging}.{quote(ROW)}"
        )
        ranges = self.sealed_chunks(cursor) if self.sealed else [()]
        for span in ranges:
            self.write_with_history(cursor, changed, [now_db, *span], "~", now_db)
            self.write_with_history(cursor, new, [now_db, now_db, *span], "+", now_db)
        if self.many_fields:
            self.write_many(cursor)

    def sealed_in_file(self, field: models.Field) -> bool:
        return any(field is mf for _position, mf in self.sealed)

    def source(self, field: models.Field) -> str:
        """Return the column a written value is read from: staged, or sealed.

        A sealed column of the file is read encrypted; one the file leaves out
        keeps what was staged for it, the stored ciphertext or the default.
        """
        if self.sealed_in_file(field):
            return f"x.{quote(field.column)}"
        return f"{quote(STAGING)}.{quote(field.column)}"

    def assignment(self, field: models.Field, table: str) -> str:
        """Return an UPDATE's SET of one column from the staging table.

        A sealed value whose digest is the stored one keeps its stored ciphertext:
        sealed again it would differ (a new nonce), and its history with it.
        """
        column, written = quote(field.column), self.source(field)
        if not self.sealed_in_file(field):
            return f"{column} = {written}"
        digest = quote(compared(field).column)
        same = "IS" if connection.vendor == "sqlite" else "IS NOT DISTINCT FROM"
        return (
            f"{column} = CASE WHEN {table}.{digest} {same} {quote(STAGING)}.{digest} "
            f"THEN {table}.{column} ELSE {written} END"
        )

    def write_or_report(self, cursor: Any, result: Result) -> None:
        """Write the rows; a refusal by the database (a race) leaves nothing written."""
        try:
            with transaction.atomic():
                self.write(cursor)
        except DatabaseError as exc:
            result.append_base_error(self.resource.get_error_result_class()(exc))

    def history_columns(self, history_type: str, now: Any) -> tuple[list, list, list]:
        """Return the history table's columns, what each is written from, its params.

        A historical row copies the record's own columns (``w`` is the written row)
        and says when, what, who and which import batch, as simple-history's bulk
        helpers do.
        """
        history = self.model.history.model._meta
        own = {f.column for f in self.opts.concrete_fields}
        run = self.resource.run
        user = self.resource.user
        given = {
            "history_date": now,
            "history_type": history_type,
            "history_user": user.pk if getattr(user, "pk", None) else None,
            "import_batch": getattr(run.batch, "pk", None) if run is not None else None,
        }
        names: list[str] = []
        sources: list[str] = []
        params: list = []
        for field in history.concrete_fields:
            if field.primary_key:
                continue
            names.append(quote(field.column))
            if field.column in own:
                sources.append(f"w.{quote(field.column)}")
            elif field.name in given:
                sources.append("%s")
                params.append(given[field.name])
            elif field.null:
                sources.append("NULL")
            else:
                raise ImproperlyConfigured(
                    f"{history.label}.{field.name}: the set-based import cannot fill it."
                )
        return names, sources, params

    def write_with_history(
        self, cursor: Any, statement: str, params: list, history_type: str, now: Any
    ) -> None:
        """Run an INSERT or UPDATE and write a historical row for each row it wrote."""
        names, sources, history_params = self.history_columns(history_type, now)
        table = quote(self.opts.db_table)
        pk = quote(self.opts.pk.column)
        insert = (
            f"INSERT INTO {quote(self.model.history.model._meta.db_table)} "
            f"({', '.join(names)}) SELECT {', '.join(sources)} FROM "
        )
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH w AS ({statement} RETURNING {table}.*) {insert} w",
                [*params, *history_params],
            )
            return
        cursor.execute(f"{statement} RETURNING {pk}", params)
        ids = [pk_value for (pk_value,) in cursor.fetchall()]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(
                f"{insert} {table} w WHERE w.{pk} IN ({', '.join(['%s'] * len(chunk))})",
                [*history_params, *chunk],
            )

    # The whole import.

    def run(self) -> Result:
        resource = self.resource
        total = len(self.dataset)
        result = resource.get_result_class()()
        result.total_rows = total
        resource.before_import(self.dataset, dry_run=self.dry_run)
        # A failed statement rolls the staging table back with everything else.
        with transaction.atomic(), connection.cursor() as cursor:
            self.create_staging(cursor)
            self.load(cursor, self.cleaned_blocks())
            self.refuse_duplicate_keys(cursor)
            self.match(cursor)
            self.check_scope(cursor)
            self.check_versions(cursor)
            self.mark_changed(cursor)
            self.check_defaults(cursor)
            self.check_constraints(cursor)
            self.check_unique(cursor)
            self.check_row_rules(cursor)
            for index, error in self.replaced.items():
                self.errors[index] = error.update_error_dict({})
            self.count(result, cursor)
            self.preview_rows(result, cursor)
            self.progress(total * 3 // 4, total)
            if self.errors:
                self.report_errors(result)
            elif not self.dry_run:
                self.write_or_report(cursor, result)
            cursor.execute(f"DROP TABLE {quote(STAGING)}")
        resource.after_import(self.dataset, result, dry_run=self.dry_run)
        return result

    def report_errors(self, result: Result) -> None:
        headers = list(self.dataset.headers or [])
        for index in sorted(self.errors):
            errors = self.errors[index]
            row = dict(zip(headers, self.dataset[index], strict=False))
            result.append_invalid_row(
                index + 1, row, self.resource.errors_by_column(ValidationError(errors))
            )

    def preview_rows(self, result: Result, cursor: Any) -> None:
        """Give the preview its first rows: what each will do, and the file's cells."""
        cursor.execute(
            f"SELECT {quote(ROW)}, {quote(TARGET)}, {quote(CHANGED)} "
            f"FROM {quote(STAGING)} WHERE {quote(ROW)} <= %s",
            [PREVIEW_ROWS],
        )
        outcome = {
            number: RowResult.IMPORT_TYPE_NEW
            if target is None
            else RowResult.IMPORT_TYPE_UPDATE
            if changed
            else RowResult.IMPORT_TYPE_SKIP
            for number, target, changed in cursor.fetchall()
        }
        headers = list(self.dataset.headers or [])
        updated = {
            number
            for number, kind in outcome.items()
            if kind == RowResult.IMPORT_TYPE_UPDATE and number - 1 not in self.errors
        }
        stored = self.stored_records(cursor, updated)
        seconds = self.second_records(cursor, outcome)
        for number, cells in enumerate(self.dataset[:PREVIEW_ROWS], start=1):
            row_result = self.resource.get_row_result_class()()
            row_result.import_type = (
                RowResult.IMPORT_TYPE_INVALID
                if number - 1 in self.errors
                else outcome.get(number, RowResult.IMPORT_TYPE_INVALID)
            )
            row = dict(zip(headers, cells, strict=False))
            row_result.preview_cells = self.resource.preview_cells(row)
            if number in stored:
                self.show_changes(row_result, number - 1, stored[number])
            if number in seconds:
                row_result.note = seconds[number]
            result.rows.append(row_result)

    def second_records(self, cursor: Any, outcome: dict[int, str]) -> dict[int, str]:
        """Return {row number: note} for 新增 rows whose person already has a record.

        A person is named by an ID number that is part of the key (a recipient's
        key is the number and the category): a new key for a stored number is
        either a second record or a mistake, and the clerk should say which. The
        note names the stored record's key and community, masked as the user sees
        them. Only records within the user's scope are named, and only at a preview,
        whose rows ``charge_personal_lookups`` has counted already.
        """
        run = self.resource.run
        if run is not None and run.expected is not None:
            return {}
        keys = list(self.resource.get_import_id_fields())
        people = [
            mf
            for mf in self.model_fields
            if isinstance(mf, IdNumberField) and mf.name in keys
        ]
        if not people or len(keys) < 2:
            return {}
        person = people[0]
        new = {
            number
            for number, kind in outcome.items()
            if kind == RowResult.IMPORT_TYPE_NEW and number - 1 not in self.errors
        }
        if not new:
            return {}
        visible = self.resource.scope.filter(self.model._default_manager.all())
        cursor.execute(
            f"SELECT s.{quote(ROW)}, t.{quote(self.opts.pk.column)} "
            f"FROM {quote(STAGING)} s JOIN {quote(self.opts.db_table)} t "
            f"ON t.{quote(compared(person).column)} = s.{quote(compared(person).column)} "
            f"WHERE s.{quote(TARGET)} IS NULL AND s.{quote(ROW)} <= %s",
            [PREVIEW_ROWS],
        )
        found = [(n, pk) for n, pk in cursor.fetchall() if n in new]
        if not found:
            return {}
        records = {
            r.pk: r
            for r in self.resource.filter_export(
                visible.filter(pk__in=[pk for _n, pk in found])
            )
        }
        others = [f for f in self.resource.get_import_fields() if f.attribute in keys]
        others = [f for f in others if f.attribute != person.name]
        path = community_path(self.model)
        notes: dict[int, list[str]] = defaultdict(list)
        for number, pk in found:
            record = records.get(pk)
            if record is None:
                continue  # outside the user's communities: no answer about it
            parts = [str(self.resource.export_field(f, record)) for f in others]
            community = record
            for step in (path or "").split("__"):
                community = getattr(community, step, None) if step else None
            where = f"（{community}）" if community not in (None, record) else ""
            notes[number].append("、".join(parts) + where)
        label = self.opts.verbose_name
        return {
            number: f"此人已有{label}：{'；'.join(texts)}。请确认是另一条记录而非填错"
            for number, texts in notes.items()
        }

    def stored_records(self, cursor: Any, numbers: set[int]) -> dict[int, Any]:
        """Return {row number: the stored record it updates} for the preview's rows."""
        if not numbers:
            return {}
        cursor.execute(
            f"SELECT {quote(ROW)}, {quote(TARGET)} FROM {quote(STAGING)} "
            f"WHERE {quote(ROW)} <= %s AND {quote(TARGET)} IS NOT NULL",
            [PREVIEW_ROWS],
        )
        targets = {n: t for n, t in cursor.fetchall() if n in numbers}
        records = self.resource.filter_export(
            self.model._base_manager.filter(pk__in=list(targets.values()))
        )
        by_pk = {record.pk: record for record in records}
        return {n: by_pk[t] for n, t in targets.items() if t in by_pk}

    def show_changes(self, row_result: Any, index: int, record: Any) -> None:
        """Write each changed cell of an 更新 row as 旧值 → 新值, masked as the user sees.

        The old value is the record's, rendered as an export renders it (masks from
        ``devzone.personal`` for a user who sees numbers masked).
        """
        shown_headers = self.resource.preview_headers
        cells = row_result.preview_cells
        changes = []
        for field, mf, value in zip(
            self.file_fields, self.model_fields, self.values[index], strict=True
        ):
            if getattr(record, mf.attname) == value:
                continue
            changes.append(field)
        for mf in self.many_fields:
            new = self.many_values[mf.name][index]
            old = frozenset(getattr(record, mf.name).values_list("pk", flat=True))
            if new is not None and new != old:
                changes.extend(
                    f
                    for f in self.resource.get_import_fields()
                    if f.attribute == mf.name
                )
        for field in changes:
            if field.column_name not in shown_headers:
                continue
            position = shown_headers.index(field.column_name)
            old_text = self.resource.export_field(field, record)
            cells[position] = f"{old_text or '（空）'} → {cells[position] or '（空）'}"
        row_result.changed_columns = [f.column_name for f in changes]
