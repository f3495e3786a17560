"""A real Celery worker process, started by the fixture, takes tasks from Redis."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from home.tasks import record_worker_heartbeat

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def worker_queue():
    """Start `celery worker` on a queue of its own, so it takes only this run's tasks."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
