"""The deadline reminders go through the real broker to a real Celery worker process, which reads the
test database and writes its mails to a directory this test reads (PORTAL_TEST_EMAIL_DIR,
portal/settings/test.py)."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from reports.models import Report, Status
from reports.tasks_deadlines import send_deadline_reminders

from ..celery_worker import database_url, mails_in, new_queue, running_worker
from .deadline_builders import plain_report

pytestmark = [pytest.mark.integration, pytest.mark.shared_database, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A `celery worker` on a queue of its own, on the test database, writing mails to a directory.
    Requested after the database fixture, so it stops before the tables are emptied."""
    queue = new_queue("test-deadlines")
    outbox = tmp_path / "mail"
    outbox.mkdir()
    with running_worker(
        queue,
        DATABASE_URL=database_url(connection.settings_dict),
        DB_CONN_MAX_AGE="0",
        PORTAL_TEST_EMAIL_DIR=str(outbox),
        PORTAL_REMINDER_WORKING_DAYS="3",
        PORTAL_INTAKE_NOTIFY_EMAILS="",
        WAGTAILADMIN_BASE_URL="https://staff.bureau.example",
    ):
        yield queue, outbox


def test_the_worker_sends_each_reminder_once_and_marks_the_overdue_report(worker, mailoutbox):
    queue, outbox = worker
    group, _ = Group.objects.get_or_create(name="受理员")
    officer = get_user_model().objects.create_user("shouli", email="intake@bureau.example", password="x")
    officer.groups.add(group)
    investigator = get_user_model().objects.create_user("hecha", email="hecha@bureau.example", password="x")
    # Due on Monday 12 October: from Friday 9 October, 10 (make-up Saturday) and 12 are left.
    due_soon = plain_report(
        "2026-900001", status=Status.INVESTIGATING, investigation_due=date(2026, 10, 12), assignee=investigator
    )
    # Decision due on 30 September, before the holiday: overdue from 1 October.
    overdue = plain_report("2026-900002", acceptance_due=date(2026, 9, 30))
    # Due on 20 October: outside the window.
    plain_report("2026-900003", status=Status.ACCEPTED, investigation_due=date(2026, 10, 20))

    result = send_deadline_reminders.apply_async(kwargs={"today": "2026-10-09"}, queue=queue)
    assert result.get(timeout=90) == {"reminded": 2, "overdue": 1}
    again = send_deadline_reminders.apply_async(kwargs={"today": "2026-10-09"}, queue=queue)
    assert again.get(timeout=60) == {"reminded": 0, "overdue": 0}

    mails = mails_in(outbox)
    by_recipient = {m["To"].addresses[0].addr_spec: m for m in mails}
    assert sorted(by_recipient) == ["hecha@bureau.example", "intake@bureau.example"]
    assert len(mails) == 2
    soon = by_recipient["hecha@bureau.example"]
    assert "2026-900001" in soon["Subject"]
    assert f"https://staff.bureau.example/admin/cases/{due_soon.pk}/" in soon.get_body().get_content()
    assert "2026-900002" in by_recipient["intake@bureau.example"]["Subject"]

    due_soon.refresh_from_db()
    overdue.refresh_from_db()
    assert due_soon.reminded_on == date(2026, 10, 9) and due_soon.overdue_since is None
    assert overdue.reminded_on == date(2026, 10, 9) and overdue.overdue_since == date(2026, 10, 1)
    assert Report.objects.get(number="2026-900003").reminded_on is None
    # The worker process did the work: nothing was sent from this one.
    assert not mailoutbox
