"""With the real broker configuration (REDIS_URL set), a broker that cannot be reached at submission
loses nothing: the report is stored and the sweep does the missed work later."""

import socket
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings

from portal.celery import app
from reports import intake, tasks
from reports.models import Report

from .builders import make_submission

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unreachable_broker():
    """Point this process's Celery producer at a port nothing listens on (nothing shared is stopped)."""
    assert not settings.CELERY_TASK_ALWAYS_EAGER, "needs a real broker configuration (REDIS_URL)"
    previous = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{unused_port()}/0"
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.broker_url = previous
    app._pool = None
    app.amqp._producer_pool = None


def test_a_report_sent_while_the_broker_is_down_is_kept_and_processed_by_the_sweep(
    report_keys, settings, mailoutbox, unreachable_broker
):
    settings.PORTAL_INTAKE_NOTIFY_EMAILS = ["intake@bureau.example"]
    submission = make_submission()
    started = time.monotonic()
    result = intake.submit(submission)  # commits, then fails to queue: must not raise
    assert time.monotonic() - started < 3, "the reporter does not wait for the broker"
    for thread in threading.enumerate():
        if thread.name == tasks.PUBLISHER_THREAD:
            thread.join(timeout=60)

    report = Report.objects.get(pk=result.report.pk)
    assert report.processed_at is None and not mailoutbox
    assert intake.open_with_code(result.code).content["description"] == submission.description

    Report.objects.filter(pk=report.pk).update(received_at=report.received_at - timedelta(minutes=10))
    assert tasks.sweep_reports() == 1
    assert len(mailoutbox) == 1 and report.number in mailoutbox[0].subject
    assert tasks.sweep_reports() == 0
