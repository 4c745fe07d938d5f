"""The benchmark script (``make bench``) at a tiny size, so that it never rots."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_runs_every_case_at_a_small_size(tmp_path):
    # given: a throwaway database of the kind the suite runs on
    if connection.vendor == "postgresql":
        url = os.environ["DATABASE_URL"]
    else:
        url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "devzone.settings",
    }
    for name in ["DJANGO_SECRET_KEY", "DJANGO_DEBUG"]:  # set by tests.settings
        env.pop(name, None)

    # when
    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/changelists.py",
            "--generate",
            "2000",
            "--repeat",
            "1",
            "--load-users",
            "2",
            "--load-seconds",
            "2",
            "--load-workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    # then: every list, the report, the exports and the load test have a row
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout
    for label in ["搬迁户", "帮扶对象", "志愿服务活动", "环境与城管案件"]:
        for who in ["超级管理员", "社区工作人员"]:
            assert f"| {label} | {who} | plain first page |" in table
            assert f"| {label} | {who} | deep page" in table
    assert "| annual report 2021 |" in table
    assert "| export preview: 帮扶对象 |" in table
    assert ", 0 errors; p50 |" in table


def test_the_spreadsheet_benchmark_runs_at_ten_thousand_rows():
    # The table compares with PostgreSQL's own COPY: it needs PostgreSQL.
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's: the spreadsheet benchmark runs there")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "devzone.settings"}
    for name in ["DJANGO_SECRET_KEY", "DJANGO_DEBUG"]:  # set by tests.settings
        env.pop(name, None)

    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/spreadsheets.py",
            "--import-rows",
            "10000",
            "--export-rows",
            "10000",
            "--import-repeat",
            "2",  # the median of more than one run, so that it never rots
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )

    # then: each operation has its row (the imports of three datasets: new rows,
    # the unchanged file, a tenth edited), with devzone's time, the baseline, a ratio
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    operations = [row.split("|")[1].strip() for row in rows[2:]]
    imports = [
        case.format(name)
        for name in ["households", "recipients", "cases"]
        for case in [
            "import 10,000 new {}",
            "seal 10,000 {} history rows",
            "re-import 10,000 unchanged {}",
            "import 10,000 {}, 10% edited",
        ]
    ]
    assert operations == [*imports, "export CSV", "export XLSX", "export CSV unmasked"]
    for row in rows[2:]:
        cells = [cell.strip() for cell in row.split("|")[1:-1]]
        assert cells[1] == "10,000"
        assert cells[2].endswith(" s") and cells[4].endswith(" s")
        assert cells[5].endswith("×") and float(cells[5][:-1]) > 0
        assert cells[6].endswith(" MiB")
