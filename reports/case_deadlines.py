"""The deadline of each step of a case, and lawful extensions of it.

A report is in at most one deadline step at a time:

- ``acceptance`` while it is received: decide whether to accept it by ``Report.acceptance_due``
  (set at intake, ``deadlines.acceptance_deadline``);
- ``investigation`` while it is accepted, assigned or under investigation: finish by
  ``Report.investigation_due``, ``PORTAL_INVESTIGATION_WORKING_DAYS`` working days after the
  decision to accept (set by ``on_accepted``, which ``workflow.perform`` calls in the same
  transaction as the acceptance).

Rejected, concluded and fed-back reports, and reports merged into another one (whose case carries
the workflow), are in no step and have no current deadline.

Reminder bookkeeping (``reports/tasks_deadlines.py``) belongs to the current step: ``reminded_on``
(last reminder) and ``overdue_since`` (the first calendar day after the due date, set once the due
date has passed) are cleared when the report enters a new step (``on_accepted``) and when the step's
due date is extended (``extend``). When a report leaves the deadline steps (rejected, concluded)
they stay as they were: a record of how late that last step ran.

``extend(report, step, new_due, reason, user)`` moves the current step's due date to a later
working day with its reason, records a ``DeadlineExtension`` and the audit event
``deadline.extend``; a refusal (``ExtensionRefused``, a message for staff) changes nothing.

A plain module: no request.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from . import deadlines
from .deadlines import CalendarUnknown, Deadline
from .models import DeadlineExtension, DeadlineStep, Report, Status

#: Working days for the investigation, counted from the decision to accept. UNCONFIRMED: shared
#: DOMAIN.md has no national figure for finishing an investigation; 60 is a placeholder default,
#: a setting (PORTAL_INVESTIGATION_WORKING_DAYS) so that the bureau can set its own rule.
DEFAULT_INVESTIGATION_WORKING_DAYS = 60

#: The longest reason kept with an extension (it is copied into the audit trail).
REASON_MAX_LENGTH = 500

INVESTIGATION_RULE = ngettext_lazy(
    "Finish the investigation within %(days)d working day of accepting the report",
    "Finish the investigation within %(days)d working days of accepting the report",
    "days",
)

#: The statuses of each step.
STEP_STATUSES: dict[str, tuple[str, ...]] = {
    DeadlineStep.ACCEPTANCE: (Status.RECEIVED,),
    DeadlineStep.INVESTIGATION: (Status.ACCEPTED, Status.ASSIGNED, Status.INVESTIGATING),
}
#: The report fields holding each step's due date and whether it is an estimate.
STEP_FIELDS: dict[str, tuple[str, str]] = {
    DeadlineStep.ACCEPTANCE: ("acceptance_due", "acceptance_due_provisional"),
    DeadlineStep.INVESTIGATION: ("investigation_due", "investigation_due_provisional"),
}
#: Every status in which a report is in some deadline step.
OPEN_STATUSES: tuple[str, ...] = tuple(status for statuses in STEP_STATUSES.values() for status in statuses)


class ExtensionRefused(Exception):
    """The extension is not allowed (permission, step, date or reason); nothing was changed."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _rule_text(message, days: int):
    """``message`` with its number filled in, translated when shown."""
    return lazy(lambda: message % {"days": days}, str)()


def investigation_days() -> int:
    # deadlines._setting checks the value the same way as the acceptance and notification settings.
    return deadlines._setting("PORTAL_INVESTIGATION_WORKING_DAYS", DEFAULT_INVESTIGATION_WORKING_DAYS)


def investigation_deadline(decided_at: datetime) -> Deadline:
    """When the investigation of a report accepted at ``decided_at`` is due. Never raises
    ``CalendarUnknown``: beyond the holiday calendar the date is a provisional Monday–Friday estimate."""
    days = investigation_days()
    return deadlines.deadline_for(deadlines.local_date(decided_at), days, _rule_text(INVESTIGATION_RULE, days))


def on_accepted(report: Report, now: datetime) -> list[str]:
    """Set the investigation deadline of a report being accepted at ``now``; returns the names of the
    fields it changed, for the caller's ``save(update_fields=…)`` (``workflow.perform``)."""
    due = investigation_deadline(now)
    report.investigation_due, report.investigation_due_provisional = due.due, due.provisional
    # A new step: the reminders and lateness of the acceptance step do not carry over.
    report.reminded_on = None
    report.overdue_since = None
    return ["investigation_due", "investigation_due_provisional", "reminded_on", "overdue_since"]


def current_step(report: Report) -> str | None:
    """The deadline step (a ``DeadlineStep`` value) the report is in, or None."""
    if report.merged_into_id:
        return None
    for step, statuses in STEP_STATUSES.items():
        if report.status in statuses:
            return step
    return None


def _rule_for(step: str):
    if step == DeadlineStep.ACCEPTANCE:
        days = deadlines._setting("PORTAL_ACCEPTANCE_WORKING_DAYS", deadlines.DEFAULT_ACCEPTANCE_WORKING_DAYS)
        return _rule_text(deadlines.ACCEPTANCE_RULE, days)
    return _rule_text(INVESTIGATION_RULE, investigation_days())


def current_deadline(report: Report) -> Deadline | None:
    """The deadline of the step the report is in (as stored, extensions included), or None when it is
    in no step or the step has no due date (a report accepted before due dates were kept)."""
    step = current_step(report)
    if step is None:
        return None
    due_field, provisional_field = STEP_FIELDS[step]
    due = getattr(report, due_field)
    if due is None:
        return None
    return Deadline(due=due, rule=_rule_for(step), provisional=getattr(report, provisional_field))


def today_in_china() -> date:
    return deadlines.local_date(timezone.now())


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _check_new_due(new_due, current: date, today: date) -> None:
    if isinstance(new_due, datetime) or not isinstance(new_due, date):
        raise ExtensionRefused(_("Give the new due date as a date."), field="new_due")
    if new_due <= current:
        raise ExtensionRefused(
            _("The new due date must be later than the current one (%(current)s).") % {"current": _day(current)},
            field="new_due",
        )
    if new_due < today:
        raise ExtensionRefused(_("The new due date must not be in the past."), field="new_due")
    try:
        working = deadlines.is_working_day(new_due)
    except CalendarUnknown:
        raise ExtensionRefused(
            _(
                "The holiday calendar does not cover %(date)s yet, so it cannot be checked that it is a "
                "working day. Choose a date up to the end of %(year)d, or ask the administrator to update "
                "the holiday calendar once the State Council has published its notice."
            )
            % {"date": _day(new_due), "year": deadlines.LAST_KNOWN_YEAR},
            field="new_due",
        ) from None
    if not working:
        raise ExtensionRefused(
            _("%(date)s is not a working day (a weekend or public holiday); choose a working day.")
            % {"date": _day(new_due)},
            field="new_due",
        )


def _clean_reason(reason) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ExtensionRefused(_("Give the reason and legal basis of the extension."), field="reason")
    if len(text) > REASON_MAX_LENGTH:
        raise ExtensionRefused(_("Keep the reason to %(max)d characters.") % {"max": REASON_MAX_LENGTH}, field="reason")
    if "\x00" in text:
        raise ExtensionRefused(_("The reason contains a character that cannot be stored."), field="reason")
    return text


def extend(report: Report, step: str, new_due: date, reason: str, user, *, today: date | None = None):
    """Move the due date of ``step`` (which must be the report's current step) to ``new_due``, a later
    working day, not in the past; returns the ``DeadlineExtension``. ``today`` (Beijing) is for tests.

    The new date is checked against the holiday calendar, so it is exact: the step's ``provisional``
    flag is cleared. ``overdue_since`` is cleared (the step is no longer overdue)."""
    from .audit import record

    if not user.has_perm("reports.extend_deadline"):
        raise ExtensionRefused(_("You do not have permission to extend deadlines."))
    if step not in STEP_FIELDS:
        raise ExtensionRefused(_("Unknown step."), field="step")
    text = _clean_reason(reason)
    today = today or today_in_china()
    with transaction.atomic():
        locked = Report.objects.without_ciphertext().select_for_update().get(pk=report.pk)
        if current_step(locked) != step:
            raise ExtensionRefused(
                _("The report is no longer in the step “%(step)s”; reload the case and try again.")
                % {"step": DeadlineStep(step).label},
                field="step",
            )
        due_field, provisional_field = STEP_FIELDS[step]
        previous = getattr(locked, due_field)
        if previous is None:
            raise ExtensionRefused(_("This step has no due date to extend."), field="step")
        _check_new_due(new_due, previous, today)
        extension = DeadlineExtension.objects.create(
            report=locked,
            step=step,
            previous_due=previous,
            new_due=new_due,
            reason=text,
            approved_by=user,
            created_at=timezone.now(),
        )
        setattr(locked, due_field, new_due)
        setattr(locked, provisional_field, False)
        locked.overdue_since = None
        locked.save(update_fields=[due_field, provisional_field, "overdue_since", "updated_at"])
        record(
            "deadline.extend",
            actor=user,
            report=locked,
            step=step,
            previous_due=previous.isoformat(),
            new_due=new_due.isoformat(),
            reason=text,
            extension=extension.pk,
        )
    return extension


def overdue_filter(today: date) -> Q:
    """Reports whose current step is past its due date on ``today`` (for a queue filter: unlike
    ``overdue_since``, which the reminder task sets, this needs no task to have run)."""
    wanted = Q()
    for step, statuses in STEP_STATUSES.items():
        due_field, _provisional = STEP_FIELDS[step]
        wanted |= Q(status__in=statuses, **{f"{due_field}__lt": today})
    return wanted & Q(merged_into__isnull=True)


def first_overdue_day(due: date) -> date:
    """The first day a step due on ``due`` is past due (the calendar day after it)."""
    return due + timedelta(days=1)
