"""SQL that only PostgreSQL runs: the search's gram function and its GIN indexes.

``devzone_grams(text)`` is the text's characters and character pairs, lower-cased, as
a ``tsvector`` of unparsed lexemes. A ``tsvector`` rather than an array: the GIN
index answers ``@@`` with a plain AND of lexemes exactly, while ``@>`` on an array
rechecks every candidate row by computing its grams again.

Migrations apply these through ``postgresql_only`` so that SQLite (development,
tests) still migrates; there the admin searches without them.
"""

from django.db import migrations

# COST: computing a row's grams is dear; told so, the planner reads the GIN index
# instead of computing them row by row along another index.
GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION devzone_grams(value text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
    SELECT array_to_tsvector(coalesce(array_agg(DISTINCT gram), '{}'))
    FROM (
        SELECT substr(lower(value), position, size) AS gram
        FROM generate_series(1, char_length(value)) AS position,
             (VALUES (1), (2)) AS sizes(size)
        WHERE position + size - 1 <= char_length(value)
    ) AS grams
$$
"""


def postgresql_only(forward, backward=""):
    """Return a migration operation running SQL on PostgreSQL and nothing elsewhere."""

    def run(sql):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql" and sql:
                schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(forward), run(backward), elidable=False)


def gram_index(table, column):
    """Return the operation creating a GIN index of ``column``'s grams."""
    name = f"{table}_{column}_grams"[:63]
    return postgresql_only(
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
        f'USING gin (devzone_grams("{column}"))',
        f'DROP INDEX IF EXISTS "{name}"',
    )
