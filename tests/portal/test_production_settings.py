"""portal.settings.production must refuse to start on a missing or unsafe environment.
Each case imports the settings in a fresh interpreter, as gunicorn would."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Everything the settings (and Django itself) read from the environment; the test decides each.
# DJANGO_ALLOW_ASYNC_UNSAFE would fail the deploy checks, so it is never passed on.
SETTINGS_ENV = {
    "ALLOWED_HOSTS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "CACHE_KEY_PREFIX",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DB_CONN_MAX_AGE",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "LOG_LEVEL",
    "MEDIA_ROOT",
    "MEDIA_STORAGE_BACKEND",
    "MEDIA_URL",
    "PORTAL_CODE_PEPPER",
    "PORTAL_KEYRING",
    "PORTAL_RECEIPT_KEYS",
    "PORTAL_REQUIRE_TWO_FACTOR",
    "PORTAL_ROLE",
    "PORTAL_S3_ACCESS_KEY_ID",
    "PORTAL_S3_ADDRESSING_STYLE",
    "PORTAL_S3_BUCKET",
    "PORTAL_S3_ENDPOINT_URL",
    "PORTAL_S3_REGION",
    "PORTAL_S3_SECRET_ACCESS_KEY",
    "PORTAL_CSP_MEDIA_ORIGINS",
    "PORTAL_LOGIN_MAX_FAILURES",
    "PORTAL_LOGIN_WINDOW_SECONDS",
    "CACHE_SOCKET_TIMEOUT",
    "CELERY_VISIBILITY_TIMEOUT",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
    "PORTAL_VAR_DIR",
    "REDIS_URL",
    "SECRET_KEY",
    "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_AGE",
    "STATIC_ROOT",
    "WAGTAILADMIN_BASE_URL",
    "WAGTAIL_SITE_NAME",
}

GOOD_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
    "ALLOWED_HOSTS": "portal.example.cn",
    "DATABASE_URL": "postgres://u@localhost/db",
    "REDIS_URL": "redis://localhost:6379/0",
    "PORTAL_KEYRING": "/tmp/k",  # noqa: S108 - only a path to name; settings never open it
    "PORTAL_CODE_PEPPER": secrets.token_urlsafe(48),
    "PORTAL_RECEIPT_KEYS": "/tmp/r",  # noqa: S108 - only a path to name; settings never open it
}


def run(args, **overrides):
    """Run `python <args>` under production settings with GOOD_ENV changed by `overrides`
    (a value of None removes the variable)."""
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_ENV}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.production"
    for key, value in {**GOOD_ENV, **overrides}.items():
        if value is not None:
            env[key] = value
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def setup_django(**overrides):
    return run(["-c", "import django; django.setup()"], **overrides)


def test_good_environment_starts():
    assert len(GOOD_ENV["SECRET_KEY"]) == 64
    result = setup_django()

    assert result.returncode == 0, result.stderr


def test_two_factor_and_argon2_are_on_in_production():
    result = run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.PORTAL_REQUIRE_TWO_FACTOR, settings.PASSWORD_HASHERS[0])",
        ]
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "django.contrib.auth.hashers.Argon2PasswordHasher"]


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "   "}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-development-only-never-use-in-production"}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + secrets.token_urlsafe(48)}, "SECRET_KEY"),
        ({"SECRET_KEY": secrets.token_urlsafe(36)}, "SECRET_KEY"),  # 48 characters
        ({"SECRET_KEY": "ab" * 40}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": "portal.example.cn, *"}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:////tmp/portal.sqlite3"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://u@localhost/db"}, "DATABASE_URL"),
        ({"REDIS_URL": None}, "REDIS_URL"),
        ({"PORTAL_ROLE": "staff", "PORTAL_KEYRING": None}, "PORTAL_KEYRING"),
        ({"PORTAL_ROLE": "all", "PORTAL_KEYRING": None}, "PORTAL_KEYRING"),
        ({"PORTAL_ROLE": "bogus"}, "PORTAL_ROLE"),
        ({"PORTAL_CODE_PEPPER": None}, "PORTAL_CODE_PEPPER"),
        ({"PORTAL_CODE_PEPPER": None, "PORTAL_ROLE": "public", "PORTAL_KEYRING": None}, "PORTAL_CODE_PEPPER"),
        ({"PORTAL_CODE_PEPPER": secrets.token_urlsafe(24)}, "PORTAL_CODE_PEPPER"),  # 32 characters
        ({"PORTAL_CODE_PEPPER": "ab" * 30}, "PORTAL_CODE_PEPPER"),
        ({"PORTAL_CODE_PEPPER": GOOD_ENV["SECRET_KEY"]}, "PORTAL_CODE_PEPPER"),
        ({"PORTAL_RECEIPT_KEYS": None}, "PORTAL_RECEIPT_KEYS"),
        ({"PORTAL_RECEIPT_KEYS": None, "PORTAL_ROLE": "public"}, "PORTAL_RECEIPT_KEYS"),
        ({"PORTAL_RECEIPT_KEYS": None, "PORTAL_ROLE": "staff"}, "PORTAL_RECEIPT_KEYS"),
        ({"PORTAL_REQUIRE_TWO_FACTOR": "false"}, "PORTAL_REQUIRE_TWO_FACTOR"),
        ({"PORTAL_REQUIRE_TWO_FACTOR": "0", "PORTAL_ROLE": "staff"}, "PORTAL_REQUIRE_TWO_FACTOR"),
    ],
)
def test_unsafe_environment_is_refused(overrides, named):
    result = setup_django(**overrides)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_public_tier_needs_the_public_export_of_the_keyring():
    result = setup_django(PORTAL_ROLE="public", PORTAL_KEYRING=None)

    assert result.returncode != 0
    assert "public export" in result.stderr


def test_deploy_checks_pass():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
