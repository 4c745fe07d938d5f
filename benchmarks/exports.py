"""Measure devzone's CSV and XLSX exports against PostgreSQL's own COPY TO STDOUT.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/devzone \\
        .venv/bin/python benchmarks/exports.py --rows 1000000

It builds a throwaway database (``<name>_exports``), writes ``--rows`` households into
it with ``COPY FROM STDIN`` (benchmarks/households.py's rows), then times:
- the baseline: ``COPY (SELECT <the export's columns> …) TO STDOUT WITH (FORMAT csv)``,
  the stored values of the same columns (natural keys joined), in the same order;
- devzone's CSV download of the same rows as a user without the personal-data
  permission gets it (IDs and phones masked, Chinese choice labels, formulae escaped,
  the log written first), read to its last byte in a fresh process;
- devzone's XLSX download of the same rows, the same way;
- devzone's CSV download unmasked (a user with the permission): the ID numbers and
  phones are stored encrypted, so these columns are decrypted in Python.
Each download runs in a child process, whose peak resident memory is reported; XLSX is
also measured at a tenth of the rows (flat memory: the two peaks are close).
``measure_exports(rows)`` returns the figures as a list of dicts for other scripts.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devzone.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

USERNAME = "bench-exporter"


def setup_database(rows):
    """Create the throwaway database, fill it with ``rows`` households; name it."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    from benchmarks.households import PROJECT, copy_in
    from devzone.demo import load_zone
    from devzone.models import Community
    from projects.models import RelocationProject

    if connection.vendor != "postgresql":
        sys.exit(
            "The export benchmark compares with COPY: set a PostgreSQL DATABASE_URL."
        )
    name = f"{settings.DATABASES['default']['NAME']}_exports"
    settings.DATABASES["default"]["TEST"]["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    load_zone()
    RelocationProject.objects.create(
        name=PROJECT,
        year=2021,
        status=RelocationProject.Status.ONGOING,
        community=Community.objects.get(name="高楼社区"),
    )
    get_user_model().objects.create_user(USERNAME, is_staff=True)
    copy_in(rows)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return name


def export_setup(file_format, unmasked=False):
    from devzone.spreadsheets.export import Export
    from projects.models import RelocationHousehold
    from projects.resources import RelocationHouseholdResource

    return Export(
        RelocationHouseholdResource(unmasked=unmasked),
        RelocationHousehold.objects.all(),
        file_format,
    )


def copy_baseline():
    """Return the seconds COPY takes to write the export's columns, stored values."""
    import psycopg
    from django.db import connection

    from devzone.spreadsheets.export import value_path

    export = export_setup("csv")
    paths = [value_path(export.resource, field) for field in export.fields]
    select = export.queryset.values_list(*paths)
    sql, params = select.query.get_compiler(using=select.db).as_sql()
    start = time.perf_counter()
    size = 0
    with connection.cursor() as cursor:
        query = psycopg.ClientCursor(cursor.cursor.connection).mogrify(sql, params)
        with cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                size += len(block)
    return time.perf_counter() - start


def download_in_child(database, file_format, rows, unmasked=False):
    """Run one download in a fresh process; return (seconds, peak RSS in MiB)."""
    env = {
        **os.environ,
        "BENCH_DATABASE": database,
        "BENCH_FORMAT": file_format,
        "BENCH_ROWS": str(rows),
        "BENCH_UNMASKED": "1" if unmasked else "",
    }
    out = subprocess.run(
        [sys.executable, __file__, "--child"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(out.splitlines()[-1])
    return figures["seconds"], figures["peak_mib"]


def child():
    """Stream one download to its last byte and print its time and peak memory."""
    import resource

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    from projects.models import RelocationHousehold

    settings.DATABASES["default"]["NAME"] = os.environ["BENCH_DATABASE"]
    connection.close()
    file_format = os.environ["BENCH_FORMAT"]
    rows = int(os.environ["BENCH_ROWS"])
    export = export_setup(file_format, unmasked=bool(os.environ["BENCH_UNMASKED"]))
    if rows < RelocationHousehold.objects.count():
        # A LIMIT changes the plan: only the smaller run, for its memory, has one.
        export.queryset = export.queryset[:rows]
    user = get_user_model().objects.get(username=USERNAME)
    # ru_maxrss carries the peak of the process this one was forked from: the
    # high-water mark is reset here, then read from /proc at the end.
    Path("/proc/self/clear_refs").write_text("5")
    start = time.perf_counter()
    response = export.response(
        user=user,
        model=RelocationHousehold,
        filters="全部",
        filename=f"benchmark.{file_format}",
    )
    size = sum(len(chunk) for chunk in response.streaming_content)
    response.close()
    seconds = time.perf_counter() - start
    status = Path("/proc/self/status").read_text()
    peak_kib = int(
        next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[
            1
        ]
    )
    usage_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mib": peak_kib / 1024,
                "ru_maxrss_mib": usage_kib / 1024,
                "bytes": size,
            }
        )
    )


def measure_exports(rows):
    """Return the CSV and XLSX export figures at ``rows`` rows, beside COPY's."""
    database = setup_database(rows)
    baseline = min(copy_baseline() for _ in range(3))
    results = []
    for file_format in ("csv", "xlsx"):
        seconds, peak = download_in_child(database, file_format, rows)
        tenth_seconds, tenth_peak = download_in_child(
            database, file_format, max(rows // 10, 1)
        )
        results.append(
            {
                "operation": f"export {file_format.upper()}",
                "rows": rows,
                "baseline_s": baseline,
                "devzone_s": seconds,
                "ratio": seconds / baseline,
                "peak_mib": peak,
                "peak_mib_tenth": tenth_peak,
            }
        )
    # Unmasked, the ID numbers and phones are decrypted in Python, row by row
    # (devzone.sealing): the one export that cannot be written by COPY.
    seconds, peak = download_in_child(database, "csv", rows, unmasked=True)
    tenth_seconds, tenth_peak = download_in_child(
        database, "csv", max(rows // 10, 1), unmasked=True
    )
    results.append(
        {
            "operation": "export CSV unmasked",
            "rows": rows,
            "baseline_s": baseline,
            "devzone_s": seconds,
            "ratio": seconds / baseline,
            "peak_mib": peak,
            "peak_mib_tenth": tenth_peak,
        }
    )
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    django.setup()
    if args.child:
        child()
        return
    from django.test.utils import setup_test_environment

    setup_test_environment()
    print(
        f"{'operation':<12} {'rows':>10} {'COPY s':>8} {'devzone s':>10} "
        f"{'ratio':>6} {'peak MiB':>9} {'at 1/10':>8}"
    )
    for row in measure_exports(args.rows):
        print(
            f"{row['operation']:<12} {row['rows']:>10,} {row['baseline_s']:>8.2f} "
            f"{row['devzone_s']:>10.2f} {row['ratio']:>5.1f}× "
            f"{row['peak_mib']:>9.0f} {row['peak_mib_tenth']:>8.0f}"
        )


if __name__ == "__main__":
    main()
