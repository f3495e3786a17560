"""Deadline reminders (reports/tasks_deadlines.py), run in-process with fixed dates around the 2026
National Day holiday: 1–7 October off, Saturday 10 October worked, Sunday 11 October off."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import formats

from reports import intake, workflow
from reports.models import Report, Status
from reports.tasks_deadlines import send_deadline_reminders

from .builders import make_submission
from .deadline_builders import plain_report, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def recipients(settings):
    """An intake officer with an address (the fallback recipients), and three working days' notice."""
    settings.PORTAL_REMINDER_WORKING_DAYS = 3
    settings.PORTAL_INTAKE_NOTIFY_EMAILS = []
    group, _ = Group.objects.get_or_create(name=settings.PORTAL_INTAKE_GROUP)
    officer = get_user_model().objects.create_user("shouli", email="intake@bureau.example", password="x")
    officer.groups.add(group)
    return officer


def investigating(number="2026-900001", due=date(2026, 10, 13), **fields):
    return plain_report(number, status=Status.INVESTIGATING, investigation_due=due, **fields)


def test_the_window_counts_working_days_across_national_day(mailoutbox):
    report = investigating(due=date(2026, 10, 13))
    # 30 September: 8, 9, 10, 12, 13 October are still to come, five working days.
    assert send_deadline_reminders(today=date(2026, 9, 30)) == {"reminded": 0, "overdue": 0}
    # Thursday 8 October: 9, 10 (the make-up Saturday), 12, 13 — four, still outside the window.
    assert send_deadline_reminders(today=date(2026, 10, 8)) == {"reminded": 0, "overdue": 0}
    # Friday 9 October: 10, 12, 13 — three.
    assert send_deadline_reminders(today=date(2026, 10, 9)) == {"reminded": 1, "overdue": 0}
    report.refresh_from_db()
    assert report.reminded_on == date(2026, 10, 9) and report.overdue_since is None
    assert len(mailoutbox) == 1


def test_a_reminder_names_the_number_step_due_date_and_case_link_and_nothing_else(report_keys, mailoutbox):
    submission = make_submission()
    report = intake.submit(submission).report
    mailoutbox.clear()  # the new-report notice
    Report.objects.filter(pk=report.pk).update(acceptance_due=date(2026, 10, 12))
    send_deadline_reminders(today=date(2026, 10, 8))
    (mail,) = mailoutbox
    text = f"{mail.subject}\n{mail.body}"
    assert report.number in mail.subject
    assert formats.date_format(date(2026, 10, 12), "DATE_FORMAT") in text
    assert "受理答复" in text or "Decision on acceptance" in text
    assert f"/admin/cases/{report.pk}/" in mail.body
    assert submission.description not in text and submission.party_name not in text
    assert mail.to == ["intake@bureau.example"]


def test_at_most_one_reminder_a_day_per_report(mailoutbox):
    investigating(due=date(2026, 10, 13))
    assert send_deadline_reminders(today=date(2026, 10, 9))["reminded"] == 1
    assert send_deadline_reminders(today=date(2026, 10, 9))["reminded"] == 0
    assert send_deadline_reminders(today="2026-10-09")["reminded"] == 0
    # The make-up Saturday is a new day: one more.
    assert send_deadline_reminders(today=date(2026, 10, 10))["reminded"] == 1
    assert len(mailoutbox) == 2


def test_the_investigator_is_reminded_rather_than_the_intake_officers(mailoutbox):
    investigator = staff_user("hecha", "investigate_report", email="hecha@bureau.example")
    investigating(due=date(2026, 10, 13), assignee=investigator)
    without_address = staff_user("hecha2", "investigate_report")
    investigating("2026-900002", due=date(2026, 10, 13), assignee=without_address)
    send_deadline_reminders(today=date(2026, 10, 12))
    assert sorted(tuple(mail.to) for mail in mailoutbox) == [("hecha@bureau.example",), ("intake@bureau.example",)]


def test_an_overdue_report_is_marked_from_the_day_after_its_due_date_and_reminded_daily(mailoutbox):
    report = investigating(due=date(2026, 9, 30))
    # The task did not run over the holiday; the mark is still the first day past due.
    assert send_deadline_reminders(today=date(2026, 10, 8)) == {"reminded": 1, "overdue": 1}
    report.refresh_from_db()
    assert report.overdue_since == date(2026, 10, 1) and report.reminded_on == date(2026, 10, 8)
    assert "2026-900001" in mailoutbox[0].subject
    assert send_deadline_reminders(today=date(2026, 10, 8)) == {"reminded": 0, "overdue": 0}
    assert send_deadline_reminders(today=date(2026, 10, 9)) == {"reminded": 1, "overdue": 0}
    report.refresh_from_db()
    assert report.overdue_since == date(2026, 10, 1)


def test_the_due_day_itself_is_not_overdue(mailoutbox):
    report = investigating(due=date(2026, 10, 10))
    assert send_deadline_reminders(today=date(2026, 10, 10)) == {"reminded": 1, "overdue": 0}
    # Sunday 11 October is a day off, but already past the due date.
    assert send_deadline_reminders(today=date(2026, 10, 11)) == {"reminded": 1, "overdue": 1}
    report.refresh_from_db()
    assert report.overdue_since == date(2026, 10, 11)


def test_closed_and_merged_reports_get_no_reminder(mailoutbox):
    case = investigating(due=date(2026, 12, 31))
    for number, status in [("2026-900002", Status.REJECTED), ("2026-900003", Status.CONCLUDED)]:
        plain_report(number, status=status, acceptance_due=date(2026, 9, 30), investigation_due=date(2026, 9, 30))
    plain_report("2026-900004", status=Status.FED_BACK, investigation_due=date(2026, 9, 30))
    plain_report("2026-900005", acceptance_due=date(2026, 9, 30), merged_into=case)
    assert send_deadline_reminders(today=date(2026, 10, 8)) == {"reminded": 0, "overdue": 0}
    assert not mailoutbox
    assert not Report.objects.exclude(overdue_since=None).exists()


def test_a_received_report_is_reminded_of_its_acceptance_deadline_only(mailoutbox):
    # The investigation date of a received report means nothing yet.
    plain_report(acceptance_due=date(2026, 12, 31), investigation_due=date(2026, 9, 30))
    assert send_deadline_reminders(today=date(2026, 10, 8)) == {"reminded": 0, "overdue": 0}


def test_without_anyone_to_tell_nothing_is_marked_as_reminded(recipients, mailoutbox):
    recipients.groups.clear()
    report = investigating(due=date(2026, 10, 13))
    assert send_deadline_reminders(today=date(2026, 10, 9))["reminded"] == 0
    assert Report.objects.get(pk=report.pk).reminded_on is None


def test_accepting_a_report_starts_its_reminders_afresh(report_keys, mailoutbox, settings, monkeypatch):
    settings.PORTAL_INVESTIGATION_WORKING_DAYS = 60
    report = intake.submit(make_submission()).report
    Report.objects.filter(pk=report.pk).update(acceptance_due=date(2026, 9, 30))
    send_deadline_reminders(today=date(2026, 10, 8))
    report.refresh_from_db()
    assert report.overdue_since == date(2026, 10, 1)
    workflow.perform(report, "accept", staff_user("decider", "decide_report"))
    report.refresh_from_db()
    assert report.overdue_since is None and report.reminded_on is None and report.investigation_due is not None
