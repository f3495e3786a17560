"""Deadline reminders, run by beat (``CELERY_BEAT_SCHEDULE`` "deadline-reminders").

``send_deadline_reminders`` looks at every open report (received, accepted, assigned or under
investigation, not merged into another) whose current step (``case_deadlines.current_step``) is due
within ``PORTAL_REMINDER_WORKING_DAYS`` working days or already overdue, and

- e-mails one reminder a day per report (``Report.reminded_on``) to its investigator, or, without
  one (or without an address), to the intake officers (``tasks.intake_recipients``); with nobody to
  tell, nothing is marked as reminded and the next run tries again;
- sets ``Report.overdue_since`` to the first calendar day after the due date, once that date has
  passed (the day is the same however late the task runs).

A reminder holds the report number, the step, the due date and the link to the case page: never
anything the reporter wrote. Each report is handled in its own transaction with its row locked and
checked again, so runs that overlap (two beats, a retry) send one reminder, not two. This module is
imported by the worker through ``CELERY_IMPORTS`` (autodiscovery finds ``reports.tasks`` only).
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import case_deadlines, deadlines
from .models import DeadlineStep, Report
from .tasks import intake_recipients

DEFAULT_REMINDER_WORKING_DAYS = 3


def reminder_days() -> int:
    return deadlines._setting("PORTAL_REMINDER_WORKING_DAYS", DEFAULT_REMINDER_WORKING_DAYS)


def _as_date(today) -> date:
    if today is None:
        return case_deadlines.today_in_china()
    if isinstance(today, str):  # through the broker a date travels as its ISO string
        return date.fromisoformat(today)
    return today


def case_link(report: Report) -> str:
    """The case page in the staff admin, absolute when WAGTAILADMIN_BASE_URL is set."""
    try:
        path = reverse("reports_admin:case", args=[report.pk])
    except NoReverseMatch:  # a worker on the public role has no admin URLs
        path = f"/admin/cases/{report.pk}/"
    base = (getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")
    return f"{base}{path}"


def reminder_recipients(report: Report) -> list[str]:
    assignee = report.assignee
    if assignee is not None and assignee.is_active and assignee.email:
        return [assignee.email]
    return intake_recipients()


def _candidates(today: date, horizon: date):
    """Reports that may need a reminder or an overdue mark today (each is checked again, locked)."""
    wanted = Q()
    for step, statuses in case_deadlines.STEP_STATUSES.items():
        due_field, _provisional = case_deadlines.STEP_FIELDS[step]
        not_reminded_today = Q(reminded_on__isnull=True) | Q(reminded_on__lt=today)
        overdue_unmarked = Q(overdue_since__isnull=True, **{f"{due_field}__lt": today})
        wanted |= Q(status__in=statuses, **{f"{due_field}__lte": horizon}) & (not_reminded_today | overdue_unmarked)
    return (
        Report.objects.without_ciphertext()
        .filter(merged_into__isnull=True)
        .filter(wanted)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)
    )


def _message(report: Report, step: str, deadline: deadlines.Deadline, left: int) -> tuple[str, str]:
    values = {
        "number": report.number,
        "step": DeadlineStep(step).label,
        "due": formats.date_format(deadline.due, "DATE_FORMAT"),
        "link": case_link(report),
    }
    if left < 0:
        subject = _("Overdue: report %(number)s, “%(step)s” was due on %(due)s") % values
        status = _("The step “%(step)s” of report %(number)s was due on %(due)s and is overdue.") % values
    elif left == 0:
        subject = _("Due today: report %(number)s, “%(step)s”") % values
        status = _("The step “%(step)s” of report %(number)s is due today, %(due)s.") % values
    else:
        subject = _("Reminder: report %(number)s, “%(step)s” due on %(due)s") % values
        status = ngettext(
            "The step “%(step)s” of report %(number)s is due on %(due)s: %(left)d working day left.",
            "The step “%(step)s” of report %(number)s is due on %(due)s: %(left)d working days left.",
            left,
        ) % {**values, "left": left}
    lines = [status]
    if deadline.provisional:
        lines.append(_("The due date is an estimate: the holiday calendar does not cover all of the days counted yet."))
    lines += [
        _("Open the case: %(link)s") % values,
        "",
        _("This reminder names the report number only. Sign in to the staff site to read the report."),
    ]
    return subject, "\n".join(lines)


def _handle(report_id, today: date, window: int) -> tuple[bool, bool]:
    """Remind and mark one report; returns (reminded, marked overdue)."""
    with transaction.atomic():
        report = (
            Report.objects.without_ciphertext()
            .select_related("assignee")
            .select_for_update(of=("self",))
            .filter(pk=report_id, merged_into__isnull=True, status__in=case_deadlines.OPEN_STATUSES)
            .first()
        )
        if report is None:
            return False, False
        step = case_deadlines.current_step(report)
        deadline = case_deadlines.current_deadline(report)
        if step is None or deadline is None:
            return False, False
        changed = []
        marked = False
        if deadline.due < today and report.overdue_since is None:
            report.overdue_since = case_deadlines.first_overdue_day(deadline.due)
            changed.append("overdue_since")
            marked = True
        reminded = False
        left = deadlines.days_left(deadline, today)
        if left <= window and (report.reminded_on is None or report.reminded_on < today):
            recipients = reminder_recipients(report)
            if recipients:
                subject, body = _message(report, step, deadline, left)
                send_mail(subject, body, None, recipients)
                report.reminded_on = today
                changed.append("reminded_on")
                reminded = True
        if changed:
            # No auto_now "updated_at": a reminder is not a change of the case.
            Report.objects.filter(pk=report.pk).update(**{name: getattr(report, name) for name in changed})
        return reminded, marked


@shared_task
def send_deadline_reminders(today: str | date | None = None) -> dict:
    """Send the day's deadline reminders and mark overdue reports; safe to run any number of times a
    day. ``today`` (a Beijing date or its ISO string) is for tests; by default, today in Beijing.
    Returns how many reports were reminded and how many were newly marked overdue."""
    today = _as_date(today)
    window = reminder_days()
    # The last day a due date may fall on and still be within the window (Monday–Friday estimated
    # beyond the calendar, as days_left counts).
    horizon = deadlines.deadline_for(today, window, "").due
    reminded = overdue = 0
    for report_id in list(_candidates(today, horizon)):
        was_reminded, was_marked = _handle(report_id, today, window)
        reminded += was_reminded
        overdue += was_marked
    return {"reminded": reminded, "overdue": overdue}
