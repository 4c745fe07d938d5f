"""devzone's spreadsheet paths beside PostgreSQL's own COPY, in one table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/devzone \\
        .venv/bin/python benchmarks/spreadsheets.py        # 100,000 / 1,000,000 rows
    DATABASE_URL=… .venv/bin/python benchmarks/spreadsheets.py --import-rows 10000 \\
        --export-rows 10000 --import-repeat 2                 # the smoke run of make test

Each operation is measured in the same run as its baseline, on the same rows, in a
throwaway database (``<name>_benchmark``): the imports of households, recipients and cases
through ``manage.py import_file`` (every check, a batch, history rows): new rows,
the unchanged file again and the file with a tenth of its rows edited, against
``COPY FROM STDIN`` of the same rows into the same table (``imports.py``: each import
in a child process, whose own peak memory is reported; each import three times, the
run of the median ratio shown, ``--import-repeat``); the CSV and XLSX exports (the
admin's and the export centre's one pipeline) against ``COPY (SELECT …) TO STDOUT``.
Peak memory is the process's high-water mark during the operation.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devzone.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

from benchmarks.exports import measure_exports  # noqa: E402
from benchmarks.households import setup_database  # noqa: E402
from benchmarks.imports import measure_imports  # noqa: E402

HEADER = (
    "| operation | rows | devzone | baseline | baseline time | ratio | peak memory |\n"
    "| --- | ---: | ---: | --- | ---: | ---: | ---: |"
)


def table_row(row):
    return (
        f"| {row['operation']} | {row['rows']:,} | {row['devzone_s']:.2f} s "
        f"| {row.get('baseline', 'COPY (SELECT …) TO STDOUT')} | {row['baseline_s']:.2f} s | {row['ratio']:.1f}× "
        f"| {row['peak_mib']:.0f} MiB |"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--export-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--import-repeat",
        type=int,
        default=3,
        help="runs of each import beside its COPY; the run of the median ratio is shown",
    )
    args = parser.parse_args(argv)
    django.setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["localhost"]
    setup_database()
    print(HEADER)
    for row in measure_imports(args.import_rows, repeat=args.import_repeat):
        print(table_row(row), flush=True)
    for row in measure_exports(args.export_rows):
        print(table_row(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
