"""Measure devzone's household import and export against PostgreSQL's own COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/devzone \\
        .venv/bin/python benchmarks/households.py --import-rows 10000 --export-rows 100000

It builds a throwaway database (``devzone_benchmark``), and reports:
- import: COPY of the same rows, then devzone's import of the same file as a user
  would upload it (every check kept), with the ratio and the queries per row;
- export: ``COPY (SELECT …) TO STDOUT``, then devzone's streamed CSV export of the
  same rows, with the ratio and the peak memory of the exporting process at two sizes
  (flat memory means the two peaks are close);
- the household changelist at the export size: time and query count.
"""

import argparse
import csv
import datetime
import io
import os
import statistics
import subprocess
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


def setup_database():
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("Benchmarks run against PostgreSQL: set DATABASE_URL.")
    settings.DATABASES["default"]["TEST"]["NAME"] = "devzone_benchmark"
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
            copy.write_row([values.get(f.attname) for f in fields])
    return time.perf_counter() - start


def truncate():
    from django.db import connection

    from projects.models import RelocationHousehold

    with connection.cursor() as cursor:
        cursor.execute(f'TRUNCATE "{RelocationHousehold._meta.db_table}"')


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure_import(count):
    from django.db import connection

    from devzone.imports import read_dataset
    from projects.models import RelocationHousehold
    from projects.resources import RelocationHouseholdResource

    truncate()
    copy_seconds = copy_in(count)
    truncate()

    data = csv_file(count)
    counter = QueryCounter()
    start = time.perf_counter()
    with connection.execute_wrapper(counter):
        dataset = read_dataset(data, "households.csv")
        result = RelocationHouseholdResource(unmasked=True).import_data(dataset)
    seconds = time.perf_counter() - start
    assert not result.has_errors() and not result.has_validation_errors()
    assert RelocationHousehold.objects.count() == count
    truncate()
    return {
        "rows": count,
        "copy_s": copy_seconds,
        "import_s": seconds,
        "ratio": seconds / copy_seconds,
        "queries_per_row": counter.count / count,
    }


def export_in_child(count):
    """Run the streamed export in a fresh process; return (seconds, peak RSS in MiB)."""
    env = {**os.environ, "BENCH_EXPORT_ROWS": str(count)}
    out = subprocess.run(
        [sys.executable, __file__, "--export-child"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), float(out[1])


def export_child():
    from django.conf import settings
    from django.db import connection

    settings.DATABASES["default"]["NAME"] = "devzone_benchmark"
    connection.close()
    from devzone.spreadsheets.export import Export
    from projects.models import RelocationHousehold
    from projects.resources import RelocationHouseholdResource

    count = int(os.environ["BENCH_EXPORT_ROWS"])
    queryset = RelocationHousehold.objects.order_by("pk")[:count]
    # ru_maxrss survives fork and exec, so it would report the parent's peak: reset
    # this process's high-water mark and read it from /proc instead.
    Path("/proc/self/clear_refs").write_text("5")
    start = time.perf_counter()
    size = 0
    for chunk in Export(
        RelocationHouseholdResource(unmasked=True), queryset, "csv"
    ).chunks():
        size += len(chunk)
    seconds = time.perf_counter() - start
    status = Path("/proc/self/status").read_text()
    peak_kib = int(
        next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[
            1
        ]
    )
    print(seconds, peak_kib / 1024, size)


def measure_export(count):
    from django.db import connection

    from projects.models import RelocationHousehold

    truncate()
    copy_in(count)
    table = RelocationHousehold._meta.db_table
    start = time.perf_counter()
    size = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f'COPY (SELECT * FROM "{table}" ORDER BY id) TO STDOUT WITH CSV HEADER'
        ) as copy,
    ):
        for block in copy:
            size += len(block)
    copy_seconds = time.perf_counter() - start
    small_seconds, small_peak = export_in_child(max(count // 10, 1))
    seconds, peak = export_in_child(count)
    return {
        "rows": count,
        "copy_s": copy_seconds,
        "export_s": seconds,
        "ratio": seconds / copy_seconds,
        "peak_mib": peak,
        "peak_mib_tenth": small_peak,
        "tenth_s": small_seconds,
    }


def measure_changelist():
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    user = get_user_model().objects.create_superuser("bench", password="bench-pw-1")
    client = Client()
    client.force_login(user)
    url = reverse("admin:projects_relocationhousehold_changelist")
    client.get(url, HTTP_HOST="localhost")  # warm the caches once
    timings = []
    for _ in range(5):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            response = client.get(url, HTTP_HOST="localhost")
            timings.append(time.perf_counter() - start)
        assert response.status_code == 200
    return {"median_ms": statistics.median(timings) * 1000, "queries": counter.count}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--export-rows", type=int, default=1_000_000)
    parser.add_argument("--export-child", action="store_true")
    args = parser.parse_args()
    django.setup()
    if args.export_child:
        export_child()
        return
    from django.conf import settings
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["localhost"]
    setup_database()

    imported = measure_import(args.import_rows)
    print(
        f"import {imported['rows']:,} households: COPY {imported['copy_s']:.2f} s, "
        f"devzone {imported['import_s']:.2f} s ({imported['ratio']:.1f}× COPY), "
        f"{imported['queries_per_row']:.2f} queries/row"
    )
    exported = measure_export(args.export_rows)
    print(
        f"export {exported['rows']:,} households: COPY {exported['copy_s']:.2f} s, "
        f"devzone CSV {exported['export_s']:.2f} s ({exported['ratio']:.1f}× COPY); "
        f"peak RSS of the exporting process {exported['peak_mib']:.0f} MiB "
        f"(at a tenth of the rows: {exported['peak_mib_tenth']:.0f} MiB)"
    )
    page = measure_changelist()
    print(
        f"household changelist at {exported['rows']:,} rows: "
        f"{page['median_ms']:.0f} ms median, {page['queries']} queries"
    )


if __name__ == "__main__":
    main()
