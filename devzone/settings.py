"""Settings for devzone, read from the environment (see README.md and .env.example)."""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "devzone-insecure-development-key"


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip() or DEV_SECRET_KEY
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a long random value when DJANGO_DEBUG is off."
    )
# Django's deployment check only warns about a short key; a server refuses to start.
if not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak: use at least 50 random characters "
        f"(this one has {len(SECRET_KEY)}), e.g. from "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "localhost"
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "devzone.apps.AdminConfig",
    "django.contrib.auth",
    "axes",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "import_export",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "devzone",
    "projects",
    "governance",
    "welfare",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "devzone.accounts.networks.AdminNetworkMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Outside the session checks below: it records the superuser's requests they
    # answer too.
    "devzone.accounts.separation.SuperuserAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Every 403 into the security log, with the user the auth middleware found.
    "devzone.audit_events.DeniedRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "devzone.middleware.SessionExpiryMiddleware",
    "devzone.accounts.two_factor.TwoFactorMiddleware",
    "devzone.accounts.passwords.PasswordChangeRequiredMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "devzone.urls"
WSGI_APPLICATION = "devzone.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "devzone" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "").strip()
        or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the admin read while an import writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    # JIT compiling pays off on queries that run for seconds; a list page's queries
    # run for milliseconds, and the search's costly gram function made the planner
    # compile them (30 ms and more each).
    # Kept beside any options the URL gives (?sslmode=require, ?options=…).
    database_options = DATABASES["default"].setdefault("OPTIONS", {})
    database_options["options"] = (
        database_options.get("options", "") + " -c jit=off"
    ).strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The database cache holds uploads between an import's preview and its confirmation:
# it works when several processes serve the admin, and its entries expire by themselves.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "devzone_cache",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "admin:login"

# A second factor (devzone.accounts.two_factor) for whoever administers or sees
# personal data in full, and for everyone when DEVZONE_REQUIRE_2FA is on. Enforced
# unless DEBUG (`make run`'s demo logs in with passwords, and says so).
DEVZONE_ENFORCE_2FA = env_bool("DEVZONE_ENFORCE_2FA", not DEBUG)
DEVZONE_REQUIRE_2FA = env_bool("DEVZONE_REQUIRE_2FA", False)
OTP_TOTP_ISSUER = (
    os.environ.get("DEVZONE_OTP_ISSUER", "").strip() or "开发区综合管理系统"
)
# The device admins never show a secret, even to the superuser.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "devzone.accounts.passwords.CharacterClassesValidator"},
    {"NAME": "devzone.accounts.passwords.PasswordHistoryValidator"},
]
# A password is changed after 90 days and never to one of the last five; an account
# nobody logged into for 90 days is disabled (`manage.py disable_inactive_accounts`).
DEVZONE_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("DEVZONE_PASSWORD_MAX_AGE_DAYS", 90))
DEVZONE_PASSWORD_HISTORY = int(os.environ.get("DEVZONE_PASSWORD_HISTORY", 5))
DEVZONE_ACCOUNT_INACTIVE_DAYS = int(os.environ.get("DEVZONE_ACCOUNT_INACTIVE_DAYS", 90))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# django-filter ships its catalogue as zh_CN, which zh-hans never loads; ours does.
LOCALE_PATHS = [BASE_DIR / "devzone" / "locale"]
FORMAT_MODULE_PATH = ["devzone.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(
    os.environ.get("DJANGO_STATIC_ROOT", "").strip() or BASE_DIR / "staticfiles"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = BASE_DIR / "media"


def photo_storage(environ):
    """Return the STORAGES entry photos are kept in, from the environment.

    S3-compatible object storage (django-storages) when DEVZONE_S3_BUCKET is set,
    which every app server then shares; else a local folder, DEVZONE_MEDIA_DIR.
    Neither has a public URL: photos are served only by devzone.photos.views.
    """
    bucket = environ.get("DEVZONE_S3_BUCKET", "").strip()
    if not bucket:
        location = environ.get("DEVZONE_MEDIA_DIR", "").strip() or BASE_DIR / "var"
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": Path(location) / "photos",
                "base_url": None,
                "file_permissions_mode": 0o640,
                "directory_permissions_mode": 0o750,
            },
        }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": environ.get("DEVZONE_S3_ENDPOINT_URL", "").strip() or None,
            "region_name": environ.get("DEVZONE_S3_REGION", "").strip() or None,
            "access_key": environ.get("DEVZONE_S3_ACCESS_KEY_ID", "").strip() or None,
            "secret_key": environ.get("DEVZONE_S3_SECRET_ACCESS_KEY", "").strip()
            or None,
            "location": environ.get("DEVZONE_S3_PREFIX", "photos").strip(),
            # MinIO and most county object stores want bucket names in the path.
            "addressing_style": environ.get("DEVZONE_S3_ADDRESSING_STYLE", "path"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }


STORAGES["photos"] = photo_storage(os.environ)
# Photos on site (devzone.photos): the largest file accepted, the most pixels Pillow
# may decode (Image.MAX_IMAGE_PIXELS: above it an upload is refused as a
# decompression bomb; 64 million covers a 48-megapixel phone camera), and how long
# a deleted photo's files are kept before `manage.py purge_photos` removes them.
DEVZONE_PHOTO_MAX_BYTES = int(os.environ.get("DEVZONE_PHOTO_MAX_BYTES", 10 * 2**20))
DEVZONE_PHOTO_MAX_PIXELS = int(os.environ.get("DEVZONE_PHOTO_MAX_PIXELS", 64_000_000))
DEVZONE_PHOTO_RETENTION_DAYS = int(os.environ.get("DEVZONE_PHOTO_RETENTION_DAYS", 180))
DEVZONE_PHOTOS_PER_UPLOAD = int(os.environ.get("DEVZONE_PHOTOS_PER_UPLOAD", 10))

# Uploads: a spreadsheet larger than this is refused before it is read.
DEVZONE_IMPORT_MAX_BYTES = int(os.environ.get("DEVZONE_IMPORT_MAX_BYTES", 50 * 2**20))
# What a file may hold once read: an XLSX is a zip, so its compressed size bounds
# nothing. Checked from the zip directory and the sheet's dimension before parsing.
DEVZONE_IMPORT_MAX_UNPACKED_BYTES = int(
    os.environ.get("DEVZONE_IMPORT_MAX_UNPACKED_BYTES", 100 * 2**20)
)
DEVZONE_IMPORT_MAX_ROWS = int(os.environ.get("DEVZONE_IMPORT_MAX_ROWS", 200_000))
DEVZONE_IMPORT_MAX_COLUMNS = int(os.environ.get("DEVZONE_IMPORT_MAX_COLUMNS", 100))
# Sheets of one workbook (a ledger keeps one a community); rows count over them all.
DEVZONE_IMPORT_MAX_SHEETS = int(os.environ.get("DEVZONE_IMPORT_MAX_SHEETS", 100))
# Excel's own limit for one cell.
DEVZONE_IMPORT_MAX_CELL_CHARS = int(
    os.environ.get("DEVZONE_IMPORT_MAX_CELL_CHARS", 32_767)
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 2**20

IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_SKIP_ADMIN_LOG = True
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False  # devzone escapes cells itself
IMPORT_EXPORT_TMP_STORAGE_CLASS = "devzone.spreadsheets.uploads.UploadFileStorage"
# Uploads wait here between preview and confirmation: a folder every app server
# shares (e.g. NFS), readable only by devzone; abandoned ones go after an hour.
DEVZONE_UPLOAD_DIR = Path(
    os.environ.get("DEVZONE_UPLOAD_DIR", "").strip() or BASE_DIR / "var" / "uploads"
)
# Answers about a full ID or phone number that a user without the personal-data
# permission may have a day: searches, export-centre filters, import rows checked
# against stored numbers, forms (devzone.personal; each one is logged).
DEVZONE_PERSONAL_LOOKUPS_PER_DAY = int(
    os.environ.get("DEVZONE_PERSONAL_LOOKUPS_PER_DAY", 20)
)
DEVZONE_UPLOAD_LIFETIME = int(os.environ.get("DEVZONE_UPLOAD_LIFETIME", 3600))

# Where ``manage.py backup`` writes (deploy/README.md: 备份).
DEVZONE_BACKUP_DIR = Path(
    os.environ.get("DEVZONE_BACKUP_DIR", "").strip() or BASE_DIR / "var" / "backups"
)

# Login throttling (django-axes): five failures lock that username from that address
# only, so colleagues behind the same office NAT can still log in. An administrator
# unlocks it in the admin (访问尝试) or with `manage.py axes_reset_username`.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Logs are append-only (devzone.append_only): axes must not prune its failure log
# per user (it deletes the oldest past the limit), nor stamp logout times on its
# access log (an UPDATE). Logins and logouts go to devzone's AuditEvent instead.
AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT = 2**31 - 1
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_TEMPLATE = "devzone/lockout.html"
# The lockout's log line names the username and address, so that it can be acted on.
AXES_SENSITIVE_PARAMETERS: list[str] = []
AXES_CLIENT_IP_CALLABLE = "devzone.client_ip.client_ip"
# Reverse proxies in front of the application that append to X-Forwarded-For; with 0
# the connection's address is used and the header is ignored (it can be forged).
DEVZONE_TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
# The address ranges the system may be used from (e.g. "10.0.0.0/8,192.168.1.0/24");
# empty: any (devzone.accounts.networks; nginx holds the same list).
DEVZONE_ADMIN_ALLOWED_NETWORKS = env_list("DEVZONE_ADMIN_ALLOWED_NETWORKS")

# The logs (history, personal-data access, exports, security events, axes' logs)
# are kept this many days at least; purge_audit removes older rows. Never below
# 180 (等保 2.0 第三级).
DEVZONE_AUDIT_RETENTION_DAYS = int(os.environ.get("DEVZONE_AUDIT_RETENTION_DAYS", 180))
if DEVZONE_AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured("DEVZONE_AUDIT_RETENTION_DAYS must be at least 180.")
# The key of the logs' hash chain (devzone.audit_seal), kept outside the database.
DEVZONE_AUDIT_KEY = os.environ.get("DEVZONE_AUDIT_KEY", "")
DEVZONE_AUDIT_KEY_FILE = os.environ.get("DEVZONE_AUDIT_KEY_FILE", "").strip()

# The keys of the personal data encrypted at rest (devzone.sealing), kept outside
# the database: the data keys ("k2:<32 hex>,k1:<32 hex>", the first sealing) and
# the blind index's key. DEBUG derives development keys from the secret key.
DEVZONE_DATA_KEYS = os.environ.get("DEVZONE_DATA_KEYS", "").strip()
DEVZONE_DATA_KEYS_FILE = os.environ.get("DEVZONE_DATA_KEYS_FILE", "").strip()
DEVZONE_BLIND_INDEX_KEY = os.environ.get("DEVZONE_BLIND_INDEX_KEY", "").strip()
DEVZONE_BLIND_INDEX_KEY_FILE = os.environ.get(
    "DEVZONE_BLIND_INDEX_KEY_FILE", ""
).strip()
if not DEBUG and not (DEVZONE_DATA_KEYS or DEVZONE_DATA_KEYS_FILE):
    raise ImproperlyConfigured(
        "DEVZONE_DATA_KEYS or DEVZONE_DATA_KEYS_FILE must be set when DJANGO_DEBUG "
        "is off: ID numbers and phones are stored encrypted under it "
        "(deploy/README.md, 个人信息加密存储)."
    )
if not DEBUG and not (DEVZONE_BLIND_INDEX_KEY or DEVZONE_BLIND_INDEX_KEY_FILE):
    raise ImproperlyConfigured(
        "DEVZONE_BLIND_INDEX_KEY or DEVZONE_BLIND_INDEX_KEY_FILE must be set when "
        "DJANGO_DEBUG is off: ID numbers and phones are searched through it "
        "(deploy/README.md, 个人信息加密存储)."
    )

# A session ends 8 hours after login (a working day) or after 30 minutes without a
# request, whichever comes first (devzone.middleware.SessionExpiryMiddleware).
# Expired sessions are removed daily (`manage.py clearsessions`, deploy/).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
DEVZONE_SESSION_IDLE_SECONDS = int(
    os.environ.get("DEVZONE_SESSION_IDLE_SECONDS", 30 * 60)
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # The load balancer asks each app server over plain HTTP on its own port.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
}

# Reminders (manage.py send_reminders) always write in-app notices; they also send
# email only where an outgoing mail server is configured: many county intranets
# have none, and Django's default (localhost:25) would fail every run.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "devzone@localhost")
DEVZONE_EMAIL_ENABLED = bool(EMAIL_HOST)
