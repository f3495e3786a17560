"""Faults of Redis and of Celery workers, on servers these tests start and break themselves (a private
redis-server, a real worker process), never the machine's shared ones.

- Redis stopped during a submission: the reporter still gets the result page with a tracking code,
  the report is stored whole, public pages still render (uncached); once Redis is back, the sweep does
  the missed work exactly once.
- A worker killed in the middle of a task, or after its work but before acknowledging it: the task,
  acknowledged late, is handed out again after the visibility timeout, a new worker runs it, and its
  effect (the intake e-mail, ``processed_at``) happens once.
"""

import contextlib
import json
import re
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.urls import reverse

from disclosures.models import ViolationCategory
from portal.celery import app
from reports import codes, crypto, intake, tasks
from reports.models import Report

from ..celery_worker import database_url, mails_in, running_worker
from ..faults import private_redis
from ..reports.builders import make_submission, photo

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CODE_PATTERN = re.compile(r'id="tracking-code"[^>]*>([0-9A-Z-]+)<')
#: A documentation address (RFC 5737) as the reporter's: only a header value, nothing is sent to it.
REPORTER_ADDRESS = "203.0.113.77"
INTAKE_ADDRESS = "intake@bureau.example"
#: Seconds after which the broker hands an unacknowledged task out again (CELERY_VISIBILITY_TIMEOUT).
VISIBILITY_TIMEOUT = 4


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch):
    monkeypatch.setattr(crypto, "CODE_KDF_COST", crypto.ScryptCost(n_log2=4, r=1, p=1))


@contextlib.contextmanager
def celery_producer_on(url: str):
    """Publish this process's tasks to the broker at ``url`` (as tests/reports/test_broker_outage.py)."""
    previous = app.conf.broker_url
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.broker_url = previous
        app._pool = None
        app.amqp._producer_pool = None


@pytest.fixture
def redis_server():
    with private_redis() as server:
        yield server


@pytest.fixture
def portal_on_private_redis(redis_server, settings):
    """This process's cache (page cache, site lookup, throttle, Wagtail) and Celery producer use the
    private Redis; the backend and its options stay those of the settings."""
    assert not settings.CELERY_TASK_ALWAYS_EAGER, "needs the real broker configuration (REDIS_URL)"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis_server.url}}
    with celery_producer_on(redis_server.url):
        yield redis_server


def wait_for_publishers() -> None:
    for thread in threading.enumerate():
        if thread.name == tasks.PUBLISHER_THREAD:
            thread.join(timeout=60)


def form_data() -> dict:
    return {
        "party_type": "institution",
        "party_name": "某县第一人民医院",
        "region": "临翔区",
        "categories": [str(ViolationCategory.objects.get(slug="phantom-inpatients").pk)],
        "occurred_on": "2026-10-08",
        "amount": "48000",
        "description": "住院部有多名病人白天不在病房，只在夜间回来签字，怀疑挂床住院。",
        "identity_mode": "anonymous",
        "intake_token": intake.new_intake_token(),
        "evidence": [SimpleUploadedFile("签到表.jpg", photo(), content_type="image/jpeg")],
    }


# --- Redis stopped during a submission ------------------------------------------------------------


def test_with_redis_down_public_pages_render_uncached_and_health_says_so(client, demo, portal_on_private_redis):
    assert client.get("/").status_code == 200
    assert client.get("/")["X-Cache"] == "HIT", "the page cache works while Redis is up"

    portal_on_private_redis.stop()
    for path in ("/", reverse("reports:submit"), reverse("reports:status")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.get("X-Cache") != "HIT", path
    assert "我要举报" in client.get("/").content.decode()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["checks"]["cache"]["ok"] is False

    portal_on_private_redis.start()
    assert client.get("/")["X-Cache"] == "MISS"
    assert client.get("/")["X-Cache"] == "HIT", "the page cache is back by itself"
    assert client.get("/healthz").json()["checks"]["cache"]["ok"] is True


def test_a_report_sent_while_redis_is_down_is_stored_whole_and_processed_once_by_the_sweep(
    client, demo, report_keys, settings, mailoutbox, caplog, portal_on_private_redis
):
    settings.PORTAL_INTAKE_NOTIFY_EMAILS = [INTAKE_ADDRESS]
    assert client.get(reverse("reports:submit")).status_code == 200
    data = form_data()

    portal_on_private_redis.stop()
    caplog.set_level("WARNING")
    response = client.post(reverse("reports:submit"), data, REMOTE_ADDR=REPORTER_ADDRESS)
    wait_for_publishers()  # its attempt to queue the task fails: the broker is the stopped Redis

    assert response.status_code == 200
    match = CODE_PATTERN.search(response.content.decode())
    assert match, "the reporter gets the usual result page with the tracking code"
    code = codes.normalise(match.group(1))
    report = Report.objects.get()
    assert report.number in response.content.decode()
    opened = intake.open_with_code(code)
    assert opened.content["description"] == data["description"]
    assert opened.content["amount"] == "48000" and opened.content["party_name"] == "某县第一人民医院"
    assert [evidence.name for evidence in opened.evidence] == ["签到表.jpg"]
    assert report.processed_at is None and not mailoutbox, "the task was not queued"

    # The reporter can look the report up and add to it too (the lookup throttle fails open as well).
    status = client.post(reverse("reports:status"), {"code": code}, REMOTE_ADDR=REPORTER_ADDRESS)
    assert status.status_code == 200 and report.number in status.content.decode()
    reply = {"code": code, "reply_token": intake.new_intake_token(), "text": "补充：护士站有签到表。"}
    replied = client.post(reverse("reports:reply"), reply, REMOTE_ADDR=REPORTER_ADDRESS)
    assert replied.status_code == 200 and "您的留言已发送" in replied.content.decode()
    assert [message.text for message in intake.open_with_code(code).messages] == [reply["text"]]

    warnings = [r for r in caplog.records if r.name == "reports.throttle" and r.levelname == "WARNING"]
    assert warnings and "submit" in warnings[0].getMessage(), "operators are told that counting is off"
    logged = "\n".join(caplog.text.splitlines() + [r.getMessage() for r in caplog.records])
    for secret in (REPORTER_ADDRESS, match.group(1), code, data["description"], data["party_name"], reply["text"]):
        assert secret not in logged, "nothing about the reporter or the report reaches the logs"

    portal_on_private_redis.start()
    Report.objects.filter(pk=report.pk).update(received_at=report.received_at - timedelta(minutes=10))
    assert tasks.sweep_reports() == 1
    assert len(mailoutbox) == 1 and report.number in mailoutbox[0].subject
    assert mailoutbox[0].to == [INTAKE_ADDRESS]
    processed_at = Report.objects.get(pk=report.pk).processed_at
    assert processed_at is not None

    # Nothing is done twice: not by the next sweep, nor by the original task arriving late.
    assert tasks.sweep_reports() == 0
    assert tasks.process_report(str(report.pk)) is False
    assert len(mailoutbox) == 1
    assert Report.objects.get(pk=report.pk).processed_at == processed_at
    assert Report.objects.count() == 1


# --- a worker killed in the middle of a task --------------------------------------------------------


def _wait_until(condition, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.1)


class RowLock:
    """The report's row locked FOR UPDATE on a database connection of its own, until released.

    ``process_report`` locks that row first thing inside its transaction: while this lock is held, a
    worker that took the task waits in the middle of it, before any e-mail."""

    def __init__(self, report: Report):
        self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
        self._connection.set_autocommit(False)
        with self._connection.cursor() as cursor:
            table = self._connection.ops.quote_name(Report._meta.db_table)
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [report.pk])  # noqa: S608 - model's table
            cursor.execute("SELECT pg_backend_pid()")
            self._pid = cursor.fetchone()[0]

    def waiters(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [self._pid])
            return cursor.fetchone()[0]

    def release(self) -> None:
        if self._connection is not None:
            self._connection.rollback()
            self._connection.close()
            self._connection = None


@pytest.fixture
def worker_setup(redis_server, report_keys, tmp_path):
    """A report whose ``process_report`` task waits in the private broker, and how to run workers on it
    (the test database, mails written to a directory, the visibility timeout made short)."""
    outbox = tmp_path / "mail"
    outbox.mkdir()
    env = {
        "REDIS_URL": redis_server.url,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "DATABASE_URL": database_url(connection.settings_dict),
        "DB_CONN_MAX_AGE": "0",
        "PORTAL_TEST_EMAIL_DIR": str(outbox),
        "PORTAL_INTAKE_NOTIFY_EMAILS": INTAKE_ADDRESS,
    }
    broker = redis.Redis.from_url(redis_server.url)
    queue = app.conf.task_default_queue  # the private Redis serves this test alone
    with celery_producer_on(redis_server.url):
        report = intake.submit(make_submission()).report  # queues process_report after the commit
        wait_for_publishers()
    assert broker.llen(queue) == 1
    task_id = json.loads(broker.lindex(queue, 0))["headers"]["id"]
    lock = RowLock(report)
    yield SimpleNamespace(report=report, task_id=task_id, env=env, outbox=outbox, broker=broker, queue=queue, lock=lock)
    lock.release()
    broker.close()


def _processed_at(report):
    return Report.objects.get(pk=report.pk).processed_at


def _result(broker, task_id):
    """What the worker stored as the task's result (the private Redis is the result backend too)."""
    raw = broker.get(f"celery-task-meta-{task_id}")
    return None if raw is None else json.loads(raw)


def _wait_out_the_visibility_timeout(killed_at: float) -> None:
    # The task was taken before the kill: once the timeout has passed since the kill, it has passed
    # since the task was taken, and a worker starting now hands it out again at once.
    time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))


@pytest.mark.shared_database
def test_a_task_whose_worker_is_killed_mid_task_runs_again_on_a_new_worker_and_mails_once(worker_setup, mailoutbox):
    job = worker_setup
    with running_worker(job.queue, **job.env) as first:
        _wait_until(lambda: job.lock.waiters() == 1, "the worker is in the middle of the task")
        first.kill()
        first.wait()
    killed_at = time.monotonic()
    job.lock.release()
    assert job.broker.llen(job.queue) == 0 and job.broker.hlen("unacked") == 1, "taken, not acknowledged"
    assert _processed_at(job.report) is None and not mails_in(job.outbox)

    _wait_out_the_visibility_timeout(killed_at)
    with running_worker(job.queue, **job.env):
        _wait_until(lambda: _result(job.broker, job.task_id) is not None, "the task runs again")
    assert _result(job.broker, job.task_id)["status"] == "SUCCESS"
    assert _result(job.broker, job.task_id)["result"] is True, "the second run did the work"
    assert job.broker.hlen("unacked") == 0 and job.broker.llen(job.queue) == 0, "acknowledged, nothing left"
    assert _processed_at(job.report) is not None

    mails = mails_in(job.outbox)
    assert len(mails) == 1, "the intake officers are told once"
    assert job.report.number in mails[0]["Subject"]
    assert mails[0]["To"].addresses[0].addr_spec == INTAKE_ADDRESS
    Report.objects.filter(pk=job.report.pk).update(received_at=job.report.received_at - timedelta(minutes=10))
    assert tasks.sweep_reports() == 0, "the sweep finds nothing left over"
    assert not mailoutbox, "the worker processes did the work, not this one"


@pytest.mark.shared_database
def test_a_task_whose_worker_is_killed_after_its_work_but_before_the_ack_runs_again_and_mails_once(
    worker_setup, mailoutbox
):
    job = worker_setup
    with running_worker(job.queue, **job.env) as first:
        _wait_until(lambda: job.lock.waiters() == 1, "the worker is in the middle of the task")
        # Redis takes no more writes: the worker finishes the task, then hangs storing its result
        # and acknowledging the message, which is where it is killed.
        job.broker.client_pause(120_000, all=False)
        try:
            job.lock.release()
            _wait_until(lambda: _processed_at(job.report) is not None, "the worker finishes its work")
            first.kill()
            first.wait()
        finally:
            job.broker.client_unpause()
    killed_at = time.monotonic()
    first_run = _processed_at(job.report)
    assert len(mails_in(job.outbox)) == 1
    assert job.broker.hlen("unacked") == 1, "the work is done but the message was never acknowledged"
    assert _result(job.broker, job.task_id) is None

    _wait_out_the_visibility_timeout(killed_at)
    with running_worker(job.queue, **job.env):
        _wait_until(lambda: _result(job.broker, job.task_id) is not None, "the task runs again")
    assert _result(job.broker, job.task_id)["status"] == "SUCCESS"
    assert _result(job.broker, job.task_id)["result"] is False, "the second run finds the work done"
    assert job.broker.hlen("unacked") == 0 and job.broker.llen(job.queue) == 0, "acknowledged, nothing left"
    assert len(mails_in(job.outbox)) == 1, "the intake officers are still told once"
    assert _processed_at(job.report) == first_run
    assert not mailoutbox
