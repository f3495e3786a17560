"""Work done after a report is stored: telling intake officers, and the sweep that catches up on
whatever the broker missed. Task arguments are report ids only, never content or codes."""

import contextlib
import threading
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Report

#: A report this long unprocessed is taken over by the sweep (its own task is presumed lost).
SWEEP_GRACE = timedelta(minutes=2)
#: How long the copy of a code kept for a reload of the result page may live unconfirmed.
RESEND_LIFETIME = timedelta(hours=24)


#: Name of the threads that publish after commit (tests wait for them).
PUBLISHER_THREAD = "report-queue"


def _publish(report_id: str) -> None:
    # Whatever the broker raises, a stored submission must not fail: the sweep catches up.
    with contextlib.suppress(Exception):
        process_report.apply_async(args=[report_id], retry=False)


def queue_processing(report_id: str) -> None:
    """Queue ``process_report``; with the broker down, do nothing now: the sweep will do it.

    Runs after commit, so the report is already safe whatever happens here. With a real broker the
    message is published from a short-lived thread: reaching a broker that is down takes redis-py
    several seconds of retries, which the reporter must not wait for. Eager (embedded set-up),
    the task runs inline."""
    if process_report.app.conf.task_always_eager:
        _publish(report_id)
    else:
        threading.Thread(target=_publish, args=(report_id,), name=PUBLISHER_THREAD, daemon=True).start()


def intake_recipients() -> list[str]:
    """Addresses told of new reports: the intake officers with an address, plus any configured."""
    addresses = set(settings.PORTAL_INTAKE_NOTIFY_EMAILS)
    users = get_user_model().objects.filter(is_active=True, groups__name=settings.PORTAL_INTAKE_GROUP)
    addresses.update(email for email in users.values_list("email", flat=True) if email)
    return sorted(addresses)


@shared_task(acks_late=True)
def process_report(report_id: str) -> bool:
    """Tell intake officers that a report is waiting; runs once per report even when queued twice
    (by the request and by the sweep) or handed out again after a worker died (acks late). The
    message names the report number only.

    The row lock and ``processed_at`` make every run after the first a no-op. The one window left is
    a worker dying after the mail server took the message and before the commit: the mail is then
    sent again (at least once rather than perhaps never)."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update()
            .only("id", "number", "processed_at")
            .filter(pk=report_id, processed_at__isnull=True)
            .first()
        )
        if report is None:
            return False
        recipients = intake_recipients()
        if recipients:
            send_mail(
                _("New report %(number)s awaits a decision") % {"number": report.number},
                _(
                    "A new report (number %(number)s) has been received and awaits a decision on acceptance. "
                    "Please sign in to the staff site to read it."
                )
                % {"number": report.number},
                None,
                recipients,
            )
        Report.objects.filter(pk=report.pk).update(processed_at=timezone.now())
    return True


@shared_task
def sweep_reports() -> int:
    """Run by beat: process every report whose own task never ran (broker down at submission, worker
    lost), and forget unconfirmed code copies kept for a reload. Returns how many were processed."""
    now = timezone.now()
    Report.objects.filter(code_resend__isnull=False, received_at__lt=now - RESEND_LIFETIME).update(code_resend=None)
    pending = Report.objects.unprocessed().filter(received_at__lt=now - SWEEP_GRACE).values_list("pk", flat=True)
    return sum(process_report(str(pk)) for pk in pending)
