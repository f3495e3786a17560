"""The suite runs against what DATABASE_URL and REDIS_URL name; prove it, so a green PostgreSQL
pass can never be SQLite in disguise."""

import os

import pytest
from celery import current_app
from django.conf import settings
from django.core.cache import caches
from django.db import connection


@pytest.mark.django_db
def test_database_is_the_one_configured():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if expected == "postgresql" else "SELECT sqlite_version()")
        assert cursor.fetchone()[0]


def test_celery_is_eager_exactly_when_redis_is_absent():
    has_redis = bool(os.environ.get("REDIS_URL"))
    # The app reads it from settings; tests/conftest.py forces it on for the app in most tests.
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not has_redis)
    assert current_app.conf.broker_url.startswith("redis://" if has_redis else "memory://")


def test_cache_backend_follows_redis_url():
    backend = type(caches["default"]).__name__
    assert backend == ("RedisCache" if os.environ.get("REDIS_URL") else "LocMemCache")
