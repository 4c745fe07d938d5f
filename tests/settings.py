"""Settings for the test suite: devzone's own, with a test key and a fast hasher."""

import os
import tempfile

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "devzone-test-suite-key-not-for-production-use-0123456789"
)
os.environ.setdefault("DJANGO_DEBUG", "0")
# The keys of the personal data at rest (devzone.sealing): in the environment, so
# that the servers and commands a test starts read the rows it wrote.
os.environ.setdefault("DEVZONE_DATA_KEYS", "t1:000102030405060708090a0b0c0d0e0f")
os.environ.setdefault("DEVZONE_BLIND_INDEX_KEY", "devzone-test-suite-blind-index-key")

from devzone.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # A folder of the test run's own, whatever DEVZONE_MEDIA_DIR says.
    "photos": photo_storage(  # noqa: F405
        {"DEVZONE_MEDIA_DIR": tempfile.mkdtemp(prefix="devzone-media-")}
    ),
}
WHITENOISE_AUTOREFRESH = True
DEVZONE_UPLOAD_DIR = Path(tempfile.mkdtemp(prefix="devzone-uploads-"))  # noqa: F405
# The recipe's proof (docs/architecture.md): a record type added without touching
# devzone/, installed for the tests only.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.recipe_app"]  # noqa: F405
DEVZONE_AUDIT_KEY = "devzone-test-suite-audit-key"
# The suite's tests of other features log in with force_login, which stands for a
# login already finished; the second factor's own tests turn enforcement on
# (tests/devzone/test_two_factor.py), and so do the browser tests (tests/e2e),
# whose users log in with a code.
DEVZONE_ENFORCE_2FA = False
