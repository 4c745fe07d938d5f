"""Imports of households, recipients and cases beside PostgreSQL's own COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/devzone \\
        .venv/bin/python benchmarks/imports.py --rows 100000 [200000 …] [--repeat 3]

For each dataset, in the throwaway database of ``households.setup_database``, three
files go through ``manage.py import_file`` as a superuser (every check, an import
batch, a history row per written record): ``count`` new rows into an empty table,
the same file again (nothing changes), and the file with every tenth row edited.
The baseline is ``COPY FROM STDIN`` of the same rows (as the first import stored
them) into the same table with its indexes, emptied first, run right after each
import (the machine's load moves from minute to minute). The three imports run
``--repeat`` times (3), and each row shows the run of the median ratio with every
run's ratio: on a shared machine one ratio moves by a tenth or more.

Each import runs in a child process of its own (Django set up before the clock
starts); its peak memory is that process's high-water mark of resident memory
(``VmHWM`` in ``/proc/self/status``, kept by the kernel), Django and the interpreter
included. Not ``ru_maxrss``: Linux carries it over ``exec`` from the parent that
forked the child, which would report the parent's size.
``spreadsheets.py`` (``make bench``) prints these rows in its table.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devzone.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

from benchmarks import households  # noqa: E402

COMMUNITIES = ["高楼社区", "联观村", "普善村", "马陵村", "六都村", "祈钦村"]


def recipient_rows(count: int) -> Iterator[list]:
    for i in range(count):
        community = COMMUNITIES[i % len(COMMUNITIES)]
        yield [
            f"对象{i}",
            households.id_number(i),
            f"138{i % 100000000:08d}",
            community,
            f"{community}{i % 9}组{i % 97}号",
            "困难户",
            "因病",
            2021,
            "第二批",
            "2021-07-02",
            "",
            "",
            1 + i % 5,
            "在册",
            "",
            "结对帮扶，定期走访",
            "",
        ]


def case_rows(count: int) -> Iterator[list]:
    start = datetime.date(2020, 1, 1)
    for i in range(count):
        community = COMMUNITIES[i % len(COMMUNITIES)]
        opened = start + datetime.timedelta(days=i % 1500)
        yield [
            f"BM-{i:07d}",
            "市容整治",
            f"{community}第{i}号市容整治",
            f"{community}{i % 40}号路",
            community,
            "",
            f"当事人{i % 5000}",
            f"{opened:%Y-%m-%d}",
            f"{opened + datetime.timedelta(days=7):%Y-%m-%d}",
            "整改中",
            "",
            "责令限期整改",
            f"{i % 20 * 50}.00",
            "",
        ]


@dataclass(frozen=True)
class Dataset:
    name: str  # in the table: "households"
    key: str  # the registry's dataset key, as manage.py import_file takes it
    model: str  # app_label.ModelName
    columns: list[str]
    rows: Callable[[int], Iterator[list]]
    edited: int  # the column a tenth of the rows change in the edited file


DATASETS = [
    Dataset(
        "households",
        "projects.relocationhousehold",
        "projects.RelocationHousehold",
        households.COLUMNS,
        households.household_rows,
        households.COLUMNS.index("房屋坐落"),
    ),
    Dataset(
        "recipients",
        "welfare.welfarerecipient",
        "welfare.WelfareRecipient",
        [
            "姓名",
            "身份证号",
            "联系电话",
            "村/社区",
            "住址",
            "帮扶类别",
            "致困原因",
            "认定年度",
            "认定批次",
            "认定日期",
            "监护人",
            "监护人电话",
            "家庭人口（人）",
            "状态",
            "退出日期",
            "帮扶措施",
            "备注",
        ],
        recipient_rows,
        4,  # 住址
    ),
    Dataset(
        "cases",
        "governance.environmentalcase",
        "governance.EnvironmentalCase",
        [
            "案件编号",
            "类别",
            "案件名称",
            "地点",
            "所在村/社区",
            "河道",
            "当事单位或个人",
            "立案日期",
            "整改期限",
            "状态",
            "办结日期",
            "整改措施",
            "罚款金额（元）",
            "备注",
        ],
        case_rows,
        3,  # 地点
    ),
]


def write_file(path: Path, dataset: Dataset, count: int, *, edited: bool) -> None:
    """Write the dataset's CSV as Excel saves it (UTF-8 with BOM), row by row."""
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(dataset.columns)
        for i, row in enumerate(dataset.rows(count)):
            if edited and i % 10 == 0:
                row[dataset.edited] = f"{row[dataset.edited]}（已核）"
            writer.writerow(row)


def model_of(dataset: Dataset):
    from django.apps import apps

    return apps.get_model(dataset.model)


def truncate(model) -> None:
    from django.db import connection

    from devzone.append_only import install_triggers, uninstall_triggers
    from devzone.models import AuditSeal

    tables = [model._meta.db_table, model.history.model._meta.db_table]
    tables.append(AuditSeal._meta.db_table)
    # The history table is a log (devzone.append_only): the benchmark, its
    # throwaway database's owner, lifts the triggers to empty it.
    uninstall_triggers()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
    install_triggers()


def stored_rows(model) -> tuple[str, bytes]:
    """Return the table's columns and its rows as COPY's text, as they are stored."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        query = f'COPY (SELECT {columns} FROM "{model._meta.db_table}" ORDER BY "id") TO STDOUT'
        with raw.copy(query) as copy:
            for chunk in copy:
                buffer.write(chunk)
    return columns, buffer.getvalue()


def copy_seconds(model, columns: str, data: bytes) -> float:
    """Time COPY FROM STDIN of the rows into the emptied, indexed table; keep them."""
    from django.db import connection, transaction

    truncate(model)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        query = f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN'
        with cursor.cursor.copy(query) as copy:
            view = memoryview(data)
            for offset in range(0, len(view), 1 << 20):
                copy.write(view[offset : offset + (1 << 20)])
    return time.perf_counter() - start


def child_environment() -> dict[str, str]:
    """Return the environment of a child that imports into the benchmark's database."""
    from benchmarks.households import benchmark_database

    url = urlsplit(os.environ["DATABASE_URL"])
    bench = url._replace(path="/" + benchmark_database())
    env = {**os.environ, "DATABASE_URL": urlunsplit(bench)}
    return env


def import_in_child(dataset: Dataset, path: Path) -> tuple[float, float, str]:
    """Import the file in a fresh process; return (seconds, peak MiB, its output)."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", dataset.key, str(path)],
        cwd=ROOT,
        env=child_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = process.communicate()
    if process.returncode:
        raise RuntimeError(f"{dataset.name}: the import failed:\n{stderr[-3000:]}")
    report = json.loads(stdout.splitlines()[-1])
    return report["seconds"], report["peak_mib"], report["output"]


def measure(dataset: Dataset, count: int, workdir: Path, repeat: int = 1) -> list[dict]:
    """Return the table's rows of one dataset at count rows.

    The three imports run ``repeat`` times, each beside its own COPY; a row gives
    the run with the median ratio (and the highest peak of them all): the
    machine's load moves a single ratio by a tenth or more.
    """
    model = model_of(dataset)
    fresh = workdir / f"{dataset.name}.csv"
    edited = workdir / f"{dataset.name}-edited.csv"
    write_file(fresh, dataset, count, edited=False)
    write_file(edited, dataset, count, edited=True)
    tenth = len(range(0, count, 10))
    cases = [
        (f"import {count:,} new {dataset.name}", fresh, f"新增 {count:,} 条"),
        (f"re-import {count:,} unchanged {dataset.name}", fresh, f"未变 {count:,} 条"),
        (f"import {count:,} {dataset.name}, 10% edited", edited, f"更新 {tenth:,} 条"),
    ]
    runs: dict[str, list[dict]] = {operation: [] for operation, _p, _e in cases}
    seals: list[dict] = []
    stored: tuple[str, bytes] | None = None
    for _round in range(repeat):
        truncate(model)
        # The machine is shared: each import is compared with a COPY run right
        # after it, not with one COPY for the three. COPY leaves the rows stored
        # as the first import stored them, as the unchanged and the edited file
        # expect (and the next round's new import after emptying the table).
        for operation, path, expected in cases:
            seconds, peak, output = import_in_child(dataset, path)
            assert expected in output, output
            assert model._default_manager.count() == count
            if operation.startswith("import") and "edited" not in operation:
                # Sealing the import's history rows (devzone.audit_seal) runs
                # beside the import, not in it: its cost, against the import's
                # own, before the COPY below empties the history table.
                seal = households.measure_seal(count, seconds)
                seal["operation"] = f"seal {count:,} {dataset.name} history rows"
                seals.append(seal)
            stored = stored or stored_rows(model)
            baseline = copy_seconds(model, *stored)
            runs[operation].append(
                {
                    "operation": operation,
                    "rows": count,
                    "baseline": "COPY FROM STDIN",
                    "baseline_s": baseline,
                    "devzone_s": seconds,
                    "ratio": seconds / baseline,
                    "peak_mib": peak,
                }
            )
    truncate(model)
    rows = []
    for operation, measured in runs.items():
        row = dict(median_run(measured))
        row["peak_mib"] = max(run["peak_mib"] for run in measured)
        if repeat > 1:
            row["ratios"] = [run["ratio"] for run in measured]
        rows.append(row)
        if operation.startswith("import") and "edited" not in operation:
            rows.append(median_run(seals))
    return rows


def median_run(runs: list[dict]) -> dict:
    """Return the run whose ratio is the median (the lower middle one of an even number)."""
    ordered = sorted(runs, key=lambda run: run["ratio"])
    return ordered[(len(ordered) - 1) // 2]


def measure_imports(
    counts: list[int], names: list[str] | None = None, repeat: int = 1
) -> Iterator[dict]:
    """Yield the rows of every dataset (or those named) at each count."""
    households.bench_user()
    with tempfile.TemporaryDirectory() as workdir:
        for count in counts:
            for dataset in DATASETS:
                if names and dataset.name not in names:
                    continue
                yield from measure(dataset, count, Path(workdir), repeat)


def child(key: str, path: str) -> None:
    """Import one file as the benchmark's superuser; print seconds and peak memory."""
    from django.core.management import call_command

    output = io.StringIO()
    start = time.perf_counter()
    call_command(
        "import_file", key, path, user="bench", stdout=output, stderr=io.StringIO()
    )
    seconds = time.perf_counter() - start
    peak = households.peak_mib()
    report = {"seconds": seconds, "peak_mib": peak, "output": output.getvalue()}
    print(json.dumps(report, ensure_ascii=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--only", nargs="*", choices=[d.name for d in DATASETS])
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each import; the median is shown"
    )
    parser.add_argument("--child", nargs=2, metavar=("DATASET", "FILE"))
    args = parser.parse_args(argv)
    django.setup()
    if args.child:
        child(*args.child)
        return 0
    from django.test.utils import setup_test_environment

    setup_test_environment()
    households.setup_database()
    for row in measure_imports(args.rows, args.only, args.repeat):
        ratios = row.get("ratios")
        runs = f" (runs: {', '.join(f'{r:.2f}×' for r in ratios)})" if ratios else ""
        print(
            f"{row['operation']}: COPY {row['baseline_s']:.2f} s, "
            f"devzone {row['devzone_s']:.2f} s ({row['ratio']:.1f}× COPY), "
            f"peak {row['peak_mib']:.0f} MiB{runs}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
