import os
import subprocess
import sys

import pytest
from django.db import connection

PRODUCTION = {
    "DJANGO_SECRET_KEY": "k" * 20
    + "-production-like-secret-key-with-enough-entropy-9f3a7c",
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "devzone.example.gov.cn",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://devzone.example.gov.cn",
    "DJANGO_SETTINGS_MODULE": "devzone.settings",
    "DEVZONE_DATA_KEYS": "p1:" + "7f" * 16,
    "DEVZONE_BLIND_INDEX_KEY": "production-like-blind-index-key-0123456789",
}


def manage(*args, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


@pytest.mark.parametrize("key", ["", "devzone-insecure-development-key"])
def test_start_up_is_refused_without_a_real_secret_key_when_debug_is_off(key):
    result = manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": key})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_runs_with_the_development_key():
    result = manage(
        "check", DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="devzone.settings"
    )
    assert result.returncode == 0, result.stderr


def test_settings_are_chinese_and_shanghai(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.IMPORT_EXPORT_IMPORT_PERMISSION_CODE == "import"
    assert settings.IMPORT_EXPORT_EXPORT_PERMISSION_CODE == "export"


def test_whitenoise_serves_the_admin_with_debug_off():
    # given static files collected as production would
    env = {
        **PRODUCTION,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    static = manage("collectstatic", "--noinput", **env)
    assert static.returncode == 0, static.stderr
    # when WhiteNoise serves the admin's stylesheet through the WSGI application
    code = (
        "from django.test import Client;"
        "c=Client(HTTP_HOST='127.0.0.1');"
        "r=c.get('/static/admin/css/base.css');"
        "print(r.status_code, r.get('Content-Type'));"
        "r=c.get('/admin/login/');print(r.status_code)"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environ.update(env)
    result = subprocess.run(
        [sys.executable, "-c", "import django;django.setup();" + code],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )
    # then it answers without DEBUG
    assert result.stdout.split() == ["200", "text/css;", 'charset="utf-8"', "200"], (
        result.stderr
    )


def test_a_bare_checkout_runs_manage_py_with_debug():
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.DEBUG)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"


def test_a_server_with_a_secret_key_runs_without_debug_unless_asked():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_DEBUG"}
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.DEBUG)", **env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.django_db
def test_postgresql_connections_do_not_jit_compile_page_queries():
    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


@pytest.mark.parametrize(
    "key", ["k" * 49, "a-short-but-random-looking-key-9f3a7c", "ab" * 40]
)
def test_start_up_is_refused_with_a_weak_secret_key_when_debug_is_off(key):
    result = manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": key})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak: use at least 50 random characters" in (
        result.stderr
    )


def test_the_second_factor_is_enforced_in_production_and_warned_about_when_off():
    shell = "from django.conf import settings; print(settings.DEVZONE_ENFORCE_2FA)"
    production = manage("shell", "-c", shell, **PRODUCTION)
    demo = manage("shell", "-c", shell, DJANGO_DEBUG="1")
    turned_off = manage("check", "--deploy", **PRODUCTION, DEVZONE_ENFORCE_2FA="0")

    assert production.stdout.strip().endswith("True"), production.stderr
    assert demo.stdout.strip().endswith("False"), demo.stderr
    assert "devzone.W010" in turned_off.stdout + turned_off.stderr


def test_sslmode_verify_full_in_the_database_url_reaches_the_driver():
    shell = (
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS'])"
    )
    url = (
        "postgres://devzone:pw@db.zone.example:5432/devzone"
        "?sslmode=verify-full&sslrootcert=/etc/devzone/tls/db-ca.pem"
    )

    result = manage("shell", "-c", shell, **PRODUCTION, DATABASE_URL=url)

    options = result.stdout.strip().splitlines()[-1]
    assert "'sslmode': 'verify-full'" in options, result.stderr
    assert "'sslrootcert': '/etc/devzone/tls/db-ca.pem'" in options
    assert "jit=off" in options
