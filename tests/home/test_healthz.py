import pytest
from django.db import OperationalError

from home import health
from home.tasks import record_worker_heartbeat

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def _checks(response):
    return {name: check["ok"] for name, check in response.json()["checks"].items()}


def test_healthy_portal_reports_every_check_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "ok"
    assert _checks(response) == {"database": True, "cache": True, "broker": True}


def test_health_is_never_cached(client):
    cache_control = client.get("/healthz")["Cache-Control"]

    assert "no-cache" in cache_control
    assert "no-store" in cache_control
    assert "max-age=0" in cache_control


def test_cache_down_makes_the_portal_unavailable(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": UNREACHABLE_REDIS}
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert _checks(response) == {"database": True, "cache": False, "broker": True}
    assert "no-store" in response["Cache-Control"]


def test_broker_down_makes_the_portal_unavailable(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = UNREACHABLE_REDIS

    response = client.get("/healthz")

    assert response.status_code == 503
    assert _checks(response) == {"database": True, "cache": True, "broker": False}


def test_database_down_makes_the_portal_unavailable(client, monkeypatch):
    class BrokenConnection:
        vendor = "broken"

        def cursor(self):
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(health, "connection", BrokenConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "detail": "OperationalError"}


def test_worker_heartbeat_age_is_reported_once_a_worker_ran(client):
    assert client.get("/healthz").json()["worker_heartbeat_age_seconds"] is None

    record_worker_heartbeat.apply()

    age = client.get("/healthz").json()["worker_heartbeat_age_seconds"]
    assert age is not None
    assert 0 <= age < 5
