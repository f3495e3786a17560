"""Health checks for /healthz: each returns (ok, detail) and never raises."""

import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from kombu import Connection

HEARTBEAT_CACHE_KEY = "health:worker-heartbeat"


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means the database is unusable
        return False, type(exc).__name__
    return True, connection.vendor


def check_cache() -> tuple[bool, str]:
    token = secrets.token_hex(8)
    try:
        cache.set("health:probe", token, 10)
        ok = cache.get("health:probe") == token
    except Exception as exc:
        return False, type(exc).__name__
    return ok, "ok" if ok else "value not read back"


def check_broker() -> tuple[bool, str]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True, "eager"
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return False, type(exc).__name__
    return True, "ok"


def worker_heartbeat_age() -> float | None:
    """Seconds since a worker last ran the heartbeat task, None if never seen."""
    try:
        seen = cache.get(HEARTBEAT_CACHE_KEY)
    except Exception:
        return None
    return None if seen is None else max(0.0, time.time() - float(seen))
