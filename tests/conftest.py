import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

SAMPLES = "fixtures/samples"


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
