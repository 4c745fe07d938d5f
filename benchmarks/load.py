"""Many members of staff at once: gunicorn on loopback, logged-in staff in threads.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/devzone_bench \\
        .venv/bin/python benchmarks/load.py --users 20 --seconds 60 --workers 4

Starts gunicorn (DEBUG off, as deployed) on a free port of 127.0.0.1 and logs
``--users`` staff in through the login form: half superusers, half community
workers whose staff profile names two communities. Each then requests, until
``--seconds`` have passed, a mix of record lists with filters and searches, change
forms, saves of a record of their own (the form as the page gave it, CSRF token
and version included), the annual report and a CSV export of a month of cases.
The baseline of each kind, measured in the same run, is one user alone. Any
answer other than the expected status is an error. Loopback only; every request
has a 30 s timeout and the run its fixed length.
"""

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devzone.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # this process only prepares the staff

from benchmarks.browser import (  # noqa: E402
    Browser,
    Server,
    collect_static,
    database_url,
    server_environment,
)

LIST_URLS = [
    "/admin/projects/relocationhousehold/",
    "/admin/projects/relocationhousehold/?status__exact=signed",
    "/admin/projects/relocationhousehold/?q=王伟",
    "/admin/welfare/welfarerecipient/?category__exact=hardship",
    "/admin/welfare/welfarerecipient/?batch_year=2021&status__exact=active",
    "/admin/welfare/welfarerecipient/?q=张",
    "/admin/governance/volunteeractivity/?category__exact=culture",
    "/admin/governance/volunteeractivity/?q=义诊",
    "/admin/governance/volunteeractivity/?date__year=2020&date__month=5",
    "/admin/governance/environmentalcase/?status__exact=filed",
    "/admin/governance/environmentalcase/?overdue=yes&category__exact=city",
]
# A deep page of cases, as deep as a community worker's list goes (up to 150).
DEEP_PAGE = "/admin/governance/environmentalcase/?p={page}"
REPORT_URL = "/reports/annual/?year=2021"
EXPORT_URL = (
    "/reports/exports/governance.environmentalcase/"
    "?opened_on_after=2021-05-01&opened_on_before=2021-05-31&format=csv"
)
# (kind, weight) of what a superuser does; community workers read lists only.
MIX = [("list", 12), ("change form", 4), ("save", 2), ("report", 1), ("export", 1)]
KINDS = [kind for kind, _weight in MIX]


def prepare(users):
    """Create the staff (fresh passwords) and pick the records they open and save."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from devzone.models import Community, StaffProfile
    from devzone.roles import COMMUNITY_STAFF
    from governance.models import EnvironmentalCase, VolunteerActivity

    call_command("setup_roles", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    User = get_user_model()
    password = secrets.token_urlsafe(16)
    communities = list(Community.objects.order_by("name")[:2])
    workers = Group.objects.get(name=COMMUNITY_STAFF)
    staff = []
    for number in range(users):
        admin = number % 2 == 0
        user, _ = User.objects.update_or_create(
            username=f"load-staff-{number:02d}",
            defaults={"is_staff": True, "is_superuser": admin, "is_active": True},
        )
        user.set_password(password)
        user.save()
        if not admin:
            user.groups.add(workers)
            profile, _ = StaffProfile.objects.get_or_create(
                user=user, defaults={"department": StaffProfile.Department.COMMUNITY}
            )
            profile.communities.set(communities)
        staff.append((user.username, admin))
    latest = VolunteerActivity.objects.order_by("-pk").values_list("pk", flat=True)
    # Each superuser saves activities of their own: no two save the same record.
    saves = list(latest[: users * 5])
    opens = [
        f"/admin/governance/environmentalcase/{pk}/change/"
        for pk in EnvironmentalCase.objects.order_by("-pk").values_list(
            "pk", flat=True
        )[:200]
    ]
    seen = EnvironmentalCase.objects.filter(community__in=communities)
    page = max(1, min(150, seen[:7500].count() // 50))
    LIST_URLS.append(DEEP_PAGE.format(page=page))
    return password, staff, saves, opens


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.timings = {kind: [] for kind in KINDS}
        self.errors = []

    def add(self, kind, seconds, error=None):
        with self.lock:
            self.timings[kind].append(seconds)
            if error:
                self.errors.append(f"{kind}: {error}")


def do(browser, kind, rng, saves, opens):
    """Make one request of ``kind``; return an error message or None."""
    if kind == "list":
        url = rng.choice(LIST_URLS)
        status, headers, _d = browser.get(url)
        return None if status == 200 else f"{url} {status} {headers.get('Location')}"
    if kind == "change form":
        status, _h, _d = browser.get(rng.choice(opens))
        return None if status == 200 else f"change form {status}"
    if kind == "report":
        status, _h, _d = browser.get(REPORT_URL)
        return None if status == 200 else f"report {status}"
    if kind == "export":
        status, headers, data = browser.get(EXPORT_URL)
        ok = status == 200 and "csv" in headers.get("Content-Type", "") and data
        return None if ok else f"export {status}"
    path = f"/admin/governance/volunteeractivity/{rng.choice(saves)}/change/"
    status, fields = browser.form(path)
    if status != 200:
        return f"save form {status}"
    fields = [(k, v) for k, v in fields if k != "people_served"]
    fields += [("people_served", str(rng.randrange(5, 120))), ("_save", "保存")]
    status, _h, data = browser.post(path, fields)
    return None if status == 302 else f"save {status}: {data[:200]!r}"


def run_user(port, username, password, admin, saves, opens, until, results, seed):
    rng = random.Random(seed)
    try:
        browser = Browser(port).log_in(username, password)
    except (OSError, RuntimeError) as exc:
        results.add("list", 0, f"login: {exc!r}")
        return
    kinds, weights = zip(*MIX, strict=True)
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0] if admin else "list"
        start = time.perf_counter()
        try:
            error = do(browser, kind, rng, saves, opens)
        except Exception as exc:  # noqa: BLE001 - every failure is an error counted
            error = repr(exc)
        results.add(kind, time.perf_counter() - start, error)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def baseline(port, username, password, saves, opens, repeat):
    """Return {kind: median seconds} of one superuser alone."""
    browser = Browser(port).log_in(username, password)
    rng = random.Random(1)
    medians = {}
    for kind in KINDS:
        timings = []
        for _ in range(repeat):
            start = time.perf_counter()
            if error := do(browser, kind, rng, saves, opens):
                raise SystemExit(f"baseline {kind}: {error}")
            timings.append(time.perf_counter() - start)
        medians[kind] = statistics.median(timings)
    return medians


def run(users=20, seconds=60, workers=4, repeat=5, log=None):
    """Return the load test's rows: (case, figure ms, baseline ms, note)."""
    password, staff, saves, opens = prepare(users)
    from django.db import connection

    with tempfile.TemporaryDirectory(prefix="devzone-load-") as tmp:
        env = server_environment(
            DATABASE_URL=database_url(connection.settings_dict),
            DJANGO_STATIC_ROOT=Path(tmp) / "static",
            DEVZONE_UPLOAD_DIR=Path(tmp) / "uploads",
        )
        collect_static(env)
        with Server(env, workers=workers, log=log) as server:
            admin = next(name for name, is_admin in staff if is_admin)
            alone = baseline(server.port, admin, password, saves, opens, repeat)
            results = Results()
            until = time.monotonic() + seconds
            admins = [i for i, (_n, is_admin) in enumerate(staff) if is_admin]
            threads = []
            for number, (username, is_admin) in enumerate(staff):
                own = saves[admins.index(number) :: len(admins)] if is_admin else []
                thread = threading.Thread(
                    target=run_user,
                    args=(server.port, username, password, is_admin, own, opens),
                    kwargs={"until": until, "results": results, "seed": number},
                    daemon=True,
                )
                thread.start()
                threads.append(thread)
            started = time.monotonic()
            for thread in threads:
                thread.join(timeout=seconds + 120)
            elapsed = time.monotonic() - started
    everything = [t for timings in results.timings.values() for t in timings]
    rows = [
        (
            f"{users} staff, {workers} workers, {seconds} s: "
            f"{len(everything):,} requests, {len(everything) / elapsed:.1f}/s, "
            f"{len(results.errors)} errors; p50",
            statistics.median(everything) * 1000,
            statistics.median(alone.values()) * 1000,
            f"p95 {percentile(everything, 0.95) * 1000:.0f} ms",
        )
    ]
    for kind in KINDS:
        timings = results.timings[kind]
        if timings:
            rows.append(
                (
                    f"under load: {kind} ({len(timings):,}) p50",
                    statistics.median(timings) * 1000,
                    alone[kind] * 1000,
                    f"p95 {percentile(timings, 0.95) * 1000:.0f} ms",
                )
            )
    return rows, results.errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    rows, errors = run(args.users, args.seconds, args.workers, log=sys.stderr)
    print("| case | devzone ms | alone ms | ratio | notes |")
    print("| --- | ---: | ---: | ---: | --- |")
    for case, ms, alone, note in rows:
        print(f"| {case} | {ms:.0f} | {alone:.0f} | {ms / alone:.2f} | {note} |")
    for error in errors[:20]:
        print("error:", error, file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
