"""Measure sealing and verifying the audit chain over many history rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/devzone_scratch \\
        .venv/bin/python benchmarks/audit_chain.py --rows 100000 --before b8c1e26

Run it against a scratch database, migrated, as the tables' owner: it empties the
chain, the welfare recipients and the two history tables it fills (communities:
nothing sealed; welfare recipients: an ID number and a phone sealed, a guardian's
phone blank), copying one row of each ``--rows`` times, then times
``seal_pending`` and ``verify_chain``, best of ``--runs``. With ``--before REV``
it times ``devzone/audit_seal.py`` as it was at that commit too, each run beside
one of today's, so that both meet the same load.
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devzone.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

TABLES = ["devzone_historicalcommunity", "welfare_historicalwelfarerecipient"]


def fill(rows: int, table: str) -> None:
    """Leave ``rows`` copies of one history row in ``table``, the other empty."""
    from django.db import connection

    from devzone.append_only import install_triggers, quote, uninstall_triggers
    from devzone.models import Community
    from tests.welfare.factories import WelfareRecipientFactory
    from welfare.models import WelfareRecipient

    uninstall_triggers()
    WelfareRecipient.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM devzone_auditseal")
        for name in TABLES:
            cursor.execute(f"DELETE FROM {quote(name)}")
    recipient = WelfareRecipientFactory(phone="13912345678")
    Community.objects.get(pk=recipient.community_id).save()  # one history row
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [table],
        )
        names = ", ".join(quote(name) for (name,) in cursor if name != "history_id")
        cursor.execute(
            f"INSERT INTO {quote(table)} (history_id, {names}) "
            f"SELECT n + 1000, {names} FROM {quote(table)}, generate_series(1, %s) n",
            [rows - 1],
        )
    install_triggers()


def module_at(revision: str):
    """Return devzone/audit_seal.py as it was at ``revision``, imported."""
    source = subprocess.run(
        ["git", "show", f"{revision}:devzone/audit_seal.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "audit_seal_before.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("audit_seal_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", help="a commit to time beside today's code")
    args = parser.parse_args()
    django.setup()
    from django.db import connection

    from devzone import audit_seal
    from devzone.append_only import install_triggers, uninstall_triggers

    versions = {"now": audit_seal}
    if args.before:
        versions = {"before": module_at(args.before), **versions}

    def seal(module) -> float:
        uninstall_triggers()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM devzone_auditseal")
        install_triggers()
        start = time.perf_counter()
        seals = module.seal_pending()
        took = time.perf_counter() - start
        assert sum(seal.row_count for seal in seals) >= args.rows, seals
        return took

    def verify(module) -> float:
        start = time.perf_counter()
        verdict = module.verify_chain()
        took = time.perf_counter() - start
        assert not verdict.broken, verdict.broken
        return took

    for table in TABLES:
        fill(args.rows, table)
        best: dict[str, list[float]] = {name: [] for name in versions}
        for _ in range(args.runs):
            for name, module in versions.items():
                best[name].append(seal(module))
                best[name].append(verify(module))
        for name, times in best.items():
            sealing, verifying = min(times[::2]), min(times[1::2])
            print(
                f"{table}, {args.rows} rows, {name}: seal_pending {sealing:.2f} s, "
                f"verify_chain {verifying:.2f} s"
            )


if __name__ == "__main__":
    main()
