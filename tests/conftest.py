import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.backends.base.operations import BaseDatabaseOperations

SAMPLES = "fixtures/samples"


def flush_past_the_triggers(flush):
    """Wrap flush (the transactional tests' teardown) to lift the logs' triggers.

    The log tables refuse DELETE and TRUNCATE (devzone.append_only), as the
    table's owner may choose to undo; the triggers are back before the next test.
    """

    def execute_sql_flush(self, sql_list):
        from devzone.append_only import install_triggers, uninstall_triggers

        alias = self.connection.alias
        uninstall_triggers(alias)
        try:
            flush(self, sql_list)
        finally:
            install_triggers(alias)

    return execute_sql_flush


BaseDatabaseOperations.execute_sql_flush = flush_past_the_triggers(
    BaseDatabaseOperations.execute_sql_flush
)


@pytest.fixture
def make_staff(db):
    """Return a function creating a staff user holding the given permissions.

    Permissions are written ``app_label.codename``, e.g. ``"devzone.view_community"``.
    """

    def make(*perms, username="clerk"):
        user = get_user_model().objects.create_user(
            username=username, password="pw-for-tests", is_staff=True
        )
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        return user

    return make


@pytest.fixture
def role_staff(db):
    """Return a function making a staff account holding the named roles.

    The roles are set up first (``setup_roles``); ``password`` is the account's.
    """
    call_command("setup_roles", stdout=io.StringIO())

    def make(username, *role_names, password, **fields):
        user = get_user_model().objects.create_user(
            username, password=password, is_staff=True, **fields
        )
        for name in role_names:
            user.groups.add(Group.objects.get(name=name))
        return user

    return make


@pytest.fixture
def staff_client(client, make_staff):
    """Return a function logging the test client in as a staff user with ``perms``."""

    def login(*perms, username="clerk"):
        user = make_staff(*perms, username=username)
        client.force_login(user)
        return client

    return login


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """Load the whole demo data once for a module, and remove it afterwards.

    Tests using it must only read: it lives outside their transactions.
    """
    with django_db_blocker.unblock():
        call_command("seed_demo", verbosity=0)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
    # flush recreates content types under new ids; cached ones would be stale.
    ContentType.objects.clear_cache()


@pytest.fixture(scope="session")
def s3_server():
    """Return the endpoint of an S3-compatible server (moto's) running for the session.

    A real server on 127.0.0.1 spoken to over HTTP by boto3, as MinIO would be:
    nothing in the client is mocked.
    """
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="devzone-test",
        aws_secret_access_key="devzone-test-secret",
        region_name="us-east-1",
    ).create_bucket(Bucket="devzone-photos")
    yield endpoint
    server.stop()


@pytest.fixture(params=["local", "s3"])
def photo_storage(request, settings, tmp_path):
    """Keep photos in a fresh local folder, then in S3: each test runs on both.

    The storage comes from the DEVZONE_* variables as in production
    (``devzone.settings.photo_storage``).
    """
    from devzone.settings import photo_storage

    if request.param == "local":
        environ = {"DEVZONE_MEDIA_DIR": str(tmp_path)}
    else:
        environ = {
            "DEVZONE_S3_BUCKET": "devzone-photos",
            "DEVZONE_S3_ENDPOINT_URL": request.getfixturevalue("s3_server"),
            "DEVZONE_S3_REGION": "us-east-1",
            "DEVZONE_S3_ACCESS_KEY_ID": "devzone-test",
            "DEVZONE_S3_SECRET_ACCESS_KEY": "devzone-test-secret",
            "DEVZONE_S3_PREFIX": f"photos-{tmp_path.name}",
        }
    settings.STORAGES = {**settings.STORAGES, "photos": photo_storage(environ)}
    from django.core.files.storage import storages

    return storages["photos"]
