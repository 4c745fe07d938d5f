"""Measure devzone's household import against PostgreSQL's own COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/devzone \\
        .venv/bin/python benchmarks/households.py --rows 10000

It builds a throwaway database (the configured name + ``_benchmark``), writes the
rows with ``COPY FROM STDIN``, then imports the same rows as a CSV file through
``manage.py import_file`` (every check, a batch, history rows) and imports the
unchanged file again. Its rows and ``COPY`` are shared with ``exports.py``;
``spreadsheets.py`` (``make bench``) prints both in one table.
"""

import argparse
import csv
import datetime
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devzone.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

COLUMNS = [
    "搬迁项目",
    "户主姓名",
    "身份证号",
    "联系电话",
    "所属村/社区",
    "房屋坐落",
    "家庭人口（人）",
    "搬迁面积（平方米）",
    "补偿金额（元）",
    "搬迁状态",
    "签约日期",
    "腾空日期",
    "安置方式",
    "备注",
]
PROJECT = "基准测试项目"


def id_number(index):
    from devzone.validators import id_check_character

    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=index % 20000)
    body = f"321181{birth:%Y%m%d}{index // 20000 % 1000:03d}"
    return body + id_check_character(body)


def household_rows(count):
    for i in range(count):
        yield [
            PROJECT,
            f"户主{i}",
            id_number(i),
            f"139{i % 100000000:08d}",
            "高楼社区",
            f"高楼社区{i % 50}组{i % 97}号",
            1 + i % 6,
            f"{80 + i % 400}.50",
            str(100000 + i),
            "已签约",
            "2021-03-16",
            "",
            "产权调换",
            "",
        ]


def csv_file(count):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(household_rows(count))
    return buffer.getvalue().encode("utf-8-sig")


def benchmark_database():
    """Return the throwaway database's name: the configured one's, with a suffix.

    A name ending in ``_bench`` or ``_benchmark`` names a database kept for
    benchmarks already: it is used (and emptied) as it is.
    """
    from django.conf import settings

    name = settings.DATABASES["default"]["NAME"]
    if name.endswith(("_bench", "_benchmark")):
        return name
    return f"{name}_benchmark"


def setup_database():
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("Benchmarks run against PostgreSQL: set DATABASE_URL.")
    settings.DATABASES["default"]["TEST"]["NAME"] = benchmark_database()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    from devzone.demo import load_zone
    from devzone.models import Community
    from projects.models import RelocationProject

    load_zone()
    RelocationProject.objects.create(
        name=PROJECT,
        year=2021,
        status=RelocationProject.Status.ONGOING,
        community=Community.objects.get(name="高楼社区"),
    )


def table_columns():
    from projects.models import RelocationHousehold

    fields = [f for f in RelocationHousehold._meta.concrete_fields if not f.primary_key]
    return fields, ", ".join(f'"{f.column}"' for f in fields)


def copy_in(count):
    """Write count households with COPY FROM STDIN; return the seconds it took."""
    from django.db import connection
    from django.utils import timezone

    from devzone.bulk_data import sealed_values
    from devzone.models import Community
    from projects.models import RelocationHousehold, RelocationProject

    fields, columns = table_columns()
    project = RelocationProject.objects.get(name=PROJECT).pk
    community = Community.objects.get(name="高楼社区").pk
    now = timezone.now()
    table = RelocationHousehold._meta.db_table
    start = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy,
    ):
        for row in household_rows(count):
            values = {
                "created_at": now,
                "updated_at": now,
                "project_id": project,
                "head_name": row[1],
                "id_number": row[2],
                "phone": row[3],
                "community_id": community,
                "address": row[5],
                "household_size": row[6],
                "floor_area": row[7],
                "compensation": row[8],
                "status": "signed",
                "signed_on": datetime.date(2021, 3, 16),
                "vacated_on": None,
                "resettlement": "property",
                "note": "",
            }
            # Stored as devzone stores them: the number and phone sealed, their
            # digests and masked copies beside them (devzone.fields).
            values = sealed_values(RelocationHousehold, values)
            copy.write_row([values.get(f.attname) for f in fields])
    return time.perf_counter() - start


def truncate():
    from django.db import connection

    from devzone.append_only import install_triggers, uninstall_triggers
    from devzone.models import AuditSeal
    from projects.models import RelocationHousehold

    tables = [RelocationHousehold._meta.db_table]
    tables.append(RelocationHousehold.history.model._meta.db_table)
    tables.append(AuditSeal._meta.db_table)
    # The history table is a log (devzone.append_only): the benchmark, its
    # throwaway database's owner, lifts the triggers to empty it.
    uninstall_triggers()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{table}"' for table in tables))
    install_triggers()


def bench_user():
    """Return the superuser the benchmark imports and browses as."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username="bench").first()
    return user or get_user_model().objects.create_superuser(
        "bench", password="bench-pw-1"
    )


def peak_reset():
    """Reset this process's high-water mark of resident memory (Linux)."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_mib():
    """Return this process's peak resident memory since the last reset, in MiB."""
    status = Path("/proc/self/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM"))
    return int(line.split()[1]) / 1024


def measure_seal(count, import_seconds):
    """Time seal_audit over the import's history rows, against the import itself."""
    from devzone.audit_seal import seal_pending

    peak_reset()
    start = time.perf_counter()
    seals = seal_pending()
    seconds = time.perf_counter() - start
    assert count in {seal.row_count for seal in seals}, seals
    return {
        "operation": f"seal {count:,} history rows",
        "rows": count,
        "baseline": "the import above",
        "baseline_s": import_seconds,
        "devzone_s": seconds,
        "ratio": seconds / import_seconds,
        "peak_mib": peak_mib(),
    }


def measure_imports(count):
    """Time COPY of count households, then the same rows as a file, twice.

    The file goes through ``manage.py import_file`` as a superuser (the path staff
    use: every check, an import batch, a history row per written record); the
    second run brings the unchanged file again. Returns one row per operation.
    """
    import tempfile

    from django.core.management import call_command

    from projects.models import RelocationHousehold

    bench_user()
    truncate()
    copy_seconds = copy_in(count)
    truncate()
    rows = []
    with tempfile.NamedTemporaryFile(suffix=".csv") as upload:
        upload.write(csv_file(count))
        upload.flush()
        for operation, expected in [
            (f"import {count:,} new households", f"新增 {count:,} 条"),
            (f"re-import {count:,} unchanged", f"未变 {count:,} 条"),
        ]:
            output = io.StringIO()
            peak_reset()
            start = time.perf_counter()
            call_command(
                "import_file",
                "projects.relocationhousehold",
                upload.name,
                user="bench",
                stdout=output,
                stderr=io.StringIO(),
            )
            seconds = time.perf_counter() - start
            assert expected in output.getvalue(), output.getvalue()
            rows.append(
                {
                    "operation": operation,
                    "rows": count,
                    "baseline": "COPY FROM STDIN",
                    "baseline_s": copy_seconds,
                    "devzone_s": seconds,
                    "ratio": seconds / copy_seconds,
                    "peak_mib": peak_mib(),
                }
            )
            if operation.startswith("import"):
                rows.append(measure_seal(count, seconds))
    assert RelocationHousehold.objects.count() == count
    truncate()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    setup_database()
    for row in measure_imports(args.rows):
        print(
            f"{row['operation']}: COPY {row['baseline_s']:.2f} s, "
            f"devzone {row['devzone_s']:.2f} s ({row['ratio']:.1f}× COPY), "
            f"peak {row['peak_mib']:.0f} MiB"
        )


if __name__ == "__main__":
    main()
