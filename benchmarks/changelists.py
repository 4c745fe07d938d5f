"""Time the record lists, the annual report and the export centre at full size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/devzone_bench \\
        .venv/bin/python benchmarks/changelists.py            # the data already there
    DATABASE_URL=… .venv/bin/python benchmarks/changelists.py --generate 2000

``--generate N`` fills a throwaway database (``<name>_changelists``) with N rows of
each kind through ``manage.py generate_data`` first; without it the script measures
the database as it is (fill it once with ``manage.py generate_data``). Each page is
requested through Django's test client, logged in as a superuser and as a community
worker whose staff profile names two communities; the figure is the median server
time of ``--repeat`` requests. The baseline, measured in the same run, is the same
user's plain first page of that list; the ratio is case ÷ baseline.

Then the load test (``benchmarks/load.py``): ``--load-users`` staff for
``--load-seconds`` against gunicorn on loopback, each kind of request beside the
same request made alone. ``--generate`` also works on SQLite: ``make test`` runs
the whole script on a few rows so that it never rots.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devzone.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

LISTS = {
    "搬迁户": (
        "projects_relocationhousehold",
        "head_name",
        {
            "status": "status__exact=signed",
            "community": "community__id__exact={community}",
            "two filters": "status__exact=signed&resettlement__exact=cash",
        },
        None,
    ),
    "帮扶对象": (
        "welfare_welfarerecipient",
        "name",
        {
            "category": "category__exact=hardship",
            "status": "status__exact=active",
            "community": "community__id__exact={community}",
            "batch year": "batch_year=2021",
            "two filters": "category__exact=hardship&cause__exact=illness",
        },
        "identified_on",
    ),
    "志愿服务活动": (
        "governance_volunteeractivity",
        "title",
        {
            "category": "category__exact=culture",
            "community": "community__id__exact={community}",
            "two filters": "category__exact=culture&team__id__exact={team}",
        },
        "date",
    ),
    "环境与城管案件": (
        "governance_environmentalcase",
        "party_concerned",
        {
            "status": "status__exact=filed",
            "category": "category__exact=city",
            "river": "river=大运河",
            "overdue": "overdue=yes",
            "two filters": "status__exact=filed&community__id__exact={community}",
        },
        "opened_on",
    ),
}
ID_LISTS = {"搬迁户": "id_number", "帮扶对象": "id_number"}


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def setup_database(generate):
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql" and not generate:
        sys.exit("Benchmarks run against PostgreSQL: set DATABASE_URL.")
    if generate:
        name = f"{settings.DATABASES['default']['NAME']}_changelists"
        settings.DATABASES["default"]["TEST"]["NAME"] = name
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        call_command("setup_roles", verbosity=0)
        call_command(
            "generate_data",
            households=generate,
            recipients=generate,
            activities=generate,
            cases=generate,
            stdout=open(os.devnull, "w"),  # noqa: SIM115
            stderr=open(os.devnull, "w"),  # noqa: SIM115
        )
    else:
        call_command("setup_roles", verbosity=0)


def users():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from devzone.models import Community, StaffProfile
    from devzone.roles import COMMUNITY_STAFF

    User = get_user_model()
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    worker, _ = User.objects.get_or_create(
        username="bench-worker", defaults={"is_staff": True}
    )
    worker.groups.add(Group.objects.get(name=COMMUNITY_STAFF))
    profile, _ = StaffProfile.objects.get_or_create(
        user=worker, defaults={"department": StaffProfile.Department.COMMUNITY}
    )
    communities = list(Community.objects.order_by("name")[:2])
    profile.communities.set(communities)
    return {"超级管理员": admin, "社区工作人员": worker}, communities[0].pk


def sample_values(table, name_column):
    from django.apps import apps

    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    row = model.objects.order_by("pk").values(name_column, "pk").first()
    name = row[name_column]
    id_number = (
        model.objects.filter(pk=row["pk"]).values_list("id_number", flat=True).first()
        if hasattr(model, "id_number")
        else None
    )
    return model, name, id_number


def cases(label, community, team):
    table, name_column, filters, date_field = LISTS[label]
    model, name, id_number = sample_values(table, name_column)
    opts = model._meta
    url = f"/admin/{opts.app_label}/{opts.model_name}/"
    two = name[:2]
    three = name[:3] if len(name) >= 3 else name + "明"
    found = [("plain first page", url)]
    for key, query in filters.items():
        found.append(
            (f"filter: {key}", f"{url}?{query.format(community=community, team=team)}")
        )
    found += [
        (f"search 2 chars ({two})", f"{url}?q={two}"),
        (f"search 3 chars ({three})", f"{url}?q={three}"),
    ]
    if id_number:
        found.append(("search exact ID", f"{url}?q={id_number}"))
    if date_field:
        found.append(
            ("date drill-down", f"{url}?{date_field}__year=2020&{date_field}__month=5")
        )
    found.append(("deep page", f"{url}?p=DEEP"))
    return found


def measure(client, url, repeat):
    from django.db import connection

    client.get(url)  # warm: templates, the planner's caches
    timings, counter = [], QueryCounter()
    for _ in range(repeat):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
    return statistics.median(timings) * 1000, counter.count, response


def deep_page(response):
    """Return the deepest page a list offers (page 5000 when it has that many)."""
    paginator = response.context["cl"].paginator
    return min(5000, paginator.num_pages)


def measure_lists(repeat, only=None):
    from django.test import Client

    from governance.models import VolunteerTeam

    team = VolunteerTeam.objects.order_by("pk").values_list("pk", flat=True).first()
    people, community = users()
    rows = []
    for label in LISTS:
        if only and label not in only:
            continue
        for who, user in people.items():
            client = Client()
            client.force_login(user)
            baseline = None
            for case, url in cases(label, community, team):
                if "DEEP" in url:
                    _ms, _q, first = measure(client, url.replace("?p=DEEP", ""), 1)
                    url = url.replace("DEEP", str(deep_page(first)))
                    case = f"deep page ({url.rsplit('=', 1)[1]})"
                ms, queries, _response = measure(client, url, repeat)
                baseline = baseline or ms
                rows.append((label, who, case, ms, baseline, queries))
    return rows


def measure_reports(repeat):
    from django.test import Client

    people, _community = users()
    client = Client()
    client.force_login(people["超级管理员"])
    pages = [
        ("annual report 2021", "/reports/annual/?year=2021"),
        ("export centre", "/reports/exports/"),
        ("export preview: 搬迁户", "/reports/exports/projects.relocationhousehold/"),
        ("export preview: 帮扶对象", "/reports/exports/welfare.welfarerecipient/"),
        (
            "export preview: 案件 filtered",
            "/reports/exports/governance.environmentalcase/?status=filed",
        ),
    ]
    rows = []
    for case, url in pages:
        ms, queries, _response = measure(client, url, repeat)
        rows.append(("报告与导出", "超级管理员", case, ms, None, queries))
    return rows


def print_table(rows, stream=sys.stdout):
    stream.write(
        "| list | user | case | devzone ms | baseline ms | ratio | queries / notes |\n"
        "| --- | --- | --- | ---: | ---: | ---: | ---: |\n"
    )
    for label, who, case, ms, baseline, queries in rows:
        base = f"{baseline:.0f}" if baseline else ""
        ratio = f"{ms / baseline:.2f}" if baseline else ""
        stream.write(
            f"| {label} | {who} | {case} | {ms:.0f} | {base} | {ratio} | {queries} |\n"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate", type=int, default=0, metavar="N")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--only", action="append", choices=[*LISTS, "报告与导出"], metavar="LIST"
    )
    parser.add_argument("--load-users", type=int, default=20, metavar="N")
    parser.add_argument(
        "--load-seconds", type=int, default=60, metavar="S", help="0: no load test"
    )
    parser.add_argument("--load-workers", type=int, default=4, metavar="N")
    args = parser.parse_args()
    django.setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    setup_database(args.generate)
    rows = measure_lists(args.repeat, args.only)
    if not args.only or "报告与导出" in args.only:
        rows += measure_reports(args.repeat)
    errors = []
    if args.load_seconds:
        from benchmarks import load

        load_rows, errors = load.run(
            args.load_users, args.load_seconds, args.load_workers, args.repeat
        )
        rows += [
            ("负载", "多名工作人员", case, ms, alone, note)
            for case, ms, alone, note in load_rows
        ]
    print_table(rows)
    for error in errors[:20]:
        sys.stderr.write(f"error: {error}\n")
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
