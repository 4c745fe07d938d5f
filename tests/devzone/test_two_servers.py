"""Two app servers on one database and one upload folder, as deployed (README)."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from benchmarks.browser import (
    Browser,
    Server,
    collect_static,
    database_url,
    forms_of,
    server_environment,
)
from devzone.models import Community

SAMPLE = Path("fixtures/samples/communities_utf8_bom.csv")
IMPORT = "/admin/devzone/community/import/"


@pytest.fixture
def servers(transactional_db, tmp_path):
    """Start two gunicorn servers sharing the test database and an upload folder."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's test database lives in this process's memory: no other "
            "process can open it. CI runs this test on PostgreSQL."
        )
    env = server_environment(
        DATABASE_URL=database_url(connection.settings_dict),
        DEVZONE_UPLOAD_DIR=tmp_path / "uploads",
        DJANGO_STATIC_ROOT=tmp_path / "static",
        DJANGO_CONN_MAX_AGE=0,
    )
    collect_static(env)
    first, second = Server(env, workers=1), Server(env, workers=1)
    try:
        yield first.wait_ready(), second.wait_ready()
    finally:
        first.stop()
        second.stop()


def test_an_import_previewed_on_one_server_is_confirmed_on_another(servers):
    # given: a clerk logged in through the login form of the first server
    first, second = servers
    # Hashed as the servers hash (tests.settings hashes faster, and they run with
    # devzone.settings).
    User = get_user_model()
    User.objects.create_superuser("clerk", password=None)
    User.objects.filter(username="clerk").update(
        password=PBKDF2PasswordHasher().encode("pw-for-two-servers", "two-servers")
    )
    on_first = Browser(first.port).log_in("clerk", "pw-for-two-servers")
    status, fields = on_first.form(IMPORT)
    assert status == 200
    fields = [(name, value) for name, value in fields if name != "format"]
    fields.append(("format", "0"))  # CSV

    # when: the first server previews the file, and the load balancer sends the
    # confirmation to the second
    status, _headers, page = on_first.post(
        IMPORT, fields, files={"import_file": (SAMPLE.name, SAMPLE.read_bytes())}
    )
    assert status == 200, page[:500]
    confirm_form = next(
        form
        for form in forms_of(page.decode())
        if form["action"].endswith("/process_import/")
    )
    on_second = Browser(second.port)
    on_second.cookies = dict(on_first.cookies)
    status, headers, page = on_second.post(
        confirm_form["action"], confirm_form["fields"]
    )

    # then: the second server found the upload and saved every row
    assert status == 302, page[:500]
    assert (
        Community.objects.count() == len(SAMPLE.read_text("utf-8-sig").splitlines()) - 1
    )
    status, _headers, page = on_second.get("/admin/devzone/community/")
    assert status == 200
    assert Community.objects.order_by("pk").first().name in page.decode()
