"""A real Celery worker process, started by the fixture, takes tasks from Redis."""

import time

import pytest

from home.tasks import record_worker_heartbeat

from ..celery_worker import new_queue, running_worker

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def worker_queue():
    """Start `celery worker` on a queue of its own, so it takes only this run's tasks."""
    queue = new_queue()
    with running_worker(queue):
        yield queue


def test_worker_process_runs_a_task_sent_through_the_broker(worker_queue):
    sent_at = time.time()
    # Not eager here (REDIS_URL is set), so only the worker process can produce this result.
    result = record_worker_heartbeat.apply_async(queue=worker_queue)
    ran_at = result.get(timeout=60)
    assert sent_at <= ran_at <= time.time()


@pytest.mark.django_db
def test_healthz_sees_the_worker_heartbeat(worker_queue, client):
    record_worker_heartbeat.apply_async(queue=worker_queue).get(timeout=60)
    body = client.get("/healthz").json()
    assert body["checks"]["broker"] == {"ok": True, "detail": "ok"}
    assert body["checks"]["cache"]["ok"] is True
    assert 0 <= body["worker_heartbeat_age_seconds"] < 30
