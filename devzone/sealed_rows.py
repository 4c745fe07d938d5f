"""Sealing the stored rows in place: the data migration and the key rotation.

Both read a table's sealed columns in chunks of primary keys, and write back each
row whose ciphertext is not under the current data key (or is still in clear) or
whose siblings (digest, masked copy, birth) differ from what its clear value gives.
A row already right is not written, so either can be run again, or resumed.

History tables are append-only (``devzone.append_only``): their triggers are lifted
for the statement's transaction and put back after it, which only the tables' owner
can do — the role that runs migrations, never the application's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, transaction

from devzone import sealing

CHUNK = 2000


@dataclass
class Resealed:
    table: str
    rows: int = 0  # rows read
    written: int = 0  # rows rewritten


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sealed_fields(model: type[models.Model]) -> list[Any]:
    from devzone.fields import SealedCharField

    return [f for f in model._meta.concrete_fields if isinstance(f, SealedCharField)]


def row_values(fields: list[Any], row: tuple, clear: bool) -> list:
    """Return the new values of the sealed columns and their siblings of a row."""
    values: list = []
    current = sealing.current_key_id()
    for field, value in zip(fields, row, strict=False):
        plain = field.plain(value)
        if clear:
            values.append(plain)
        elif sealing.key_id_of(value) == current:
            values.append(value)  # sealed under the current key already
        else:
            values.append(sealing.seal(plain))
        values += [field.derive(kind, plain) for kind in field.sibling_kinds]
    return values


def reseal_model(
    model: type[models.Model],
    *,
    using: str = "default",
    clear: bool = False,
    chunk: int = CHUNK,
    lift_triggers: bool = False,
    restore_triggers: bool = False,
) -> Resealed:
    """Seal (or, ``clear``, unseal) every sealed column of a model's table in place.

    Only columns (not the model's Python behaviour) are read and written, so it
    works on a migration's historical models as on the current ones.
    """
    fields = sealed_fields(model)
    opts = model._meta
    result = Resealed(opts.db_table)
    if not fields:
        return result
    connection = connections[using]
    table, pk = quote(opts.db_table), quote(opts.pk.column)
    columns = [f.column for f in fields]
    written = []
    for field in fields:
        written.append(field.column)
        written += [
            field.model._meta.get_field(name).column
            for name in field.sibling_names().values()
        ]
    read = ", ".join(quote(c) for c in written)
    assign = ", ".join(f"{quote(c)} = %s" for c in written)
    last = None
    while True:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            if lift_triggers:
                lift(cursor, model, connection.vendor)
            where, params = "", list[Any]()
            if last is not None:
                where, params = f"WHERE {pk} > %s", [last]
            cursor.execute(
                f"SELECT {pk}, {read} FROM {table} {where} ORDER BY {pk} LIMIT %s",
                [*params, chunk],
            )
            rows = cursor.fetchall()
            updates = []
            for row in rows:
                stored = list(row[1:])
                by_field = [stored[written.index(c)] for c in columns]
                new = row_values(fields, tuple(by_field), clear)
                if new != stored:
                    updates.append([*new, row[0]])
            if updates:
                cursor.executemany(
                    f"UPDATE {table} SET {assign} WHERE {pk} = %s", updates
                )
            if restore_triggers:
                restore(cursor, model, connection.vendor)
        if not rows:
            return result
        result.rows += len(rows)
        result.written += len(updates)
        last = rows[-1][0]


def log_table_of(model: type[models.Model]) -> Any:
    from devzone.append_only import LogTable, log_tables

    for log in log_tables():
        if log.table == model._meta.db_table:
            return log
    return LogTable(model, "history_date") if is_history(model) else None


def is_history(model: type[models.Model]) -> bool:
    names = {f.name for f in model._meta.concrete_fields}
    return {"history_id", "history_date", "history_type"} <= names


def lift(cursor: Any, model: type[models.Model], vendor: str) -> None:
    from devzone.append_only import uninstall_sql

    log = log_table_of(model)
    if log is not None:
        for statement in uninstall_sql(vendor, [log]):
            cursor.execute(statement)


def restore(cursor: Any, model: type[models.Model], vendor: str) -> None:
    from devzone.append_only import install_sql

    log = log_table_of(model)
    if log is not None:
        for statement in install_sql(vendor, [log]):
            cursor.execute(statement)


def sealed_models(get_models: Callable[[], Iterable[type[models.Model]]]) -> list:
    """Return the models with a sealed field, records before their histories."""
    found = [model for model in get_models() if sealed_fields(model)]
    return sorted(found, key=lambda model: (is_history(model), model._meta.label))


def migration(app_label: str, model_names: list[str], *, clear: bool = False):
    """Return a RunPython function sealing (``clear``: unsealing) the named models."""

    def run(apps: Any, schema_editor: Any) -> None:
        for name in model_names:
            model = apps.get_model(app_label, name)
            reseal_model(
                model,
                using=schema_editor.connection.alias,
                clear=clear,
                lift_triggers=is_history(model),
            )

    return run
