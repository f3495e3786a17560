"""Deadlines per step of a case (reports/case_deadlines.py) and their extension, with fixed dates around
the 2026 National Day holiday: 1–7 October off, Sunday 20 September and Saturday 10 October worked,
Friday 25 September (Mid-Autumn) off."""

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from reports import case_deadlines, deadlines, intake, workflow
from reports.audit import AuditEvent
from reports.case_deadlines import ExtensionRefused, current_deadline, current_step, extend, on_accepted
from reports.models import DeadlineExtension, DeadlineStep, Report, Status

from .builders import make_submission
from .deadline_builders import beijing, plain_report, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(db):
    return staff_user("extender", "extend_deadline", "view_all_reports")


# --- the investigation deadline, set on acceptance -------------------------------------------------


def test_the_investigation_deadline_skips_national_day_and_counts_the_make_up_saturday(settings):
    settings.PORTAL_INVESTIGATION_WORKING_DAYS = 5
    report = Report(status=Status.ACCEPTED)
    changed = on_accepted(report, beijing(2026, 9, 30, 16))
    # 8, 9, 10 (Saturday, worked), 12, 13 October; 1–7 October and Sunday 11 October are off.
    assert report.investigation_due == date(2026, 10, 13)
    assert report.investigation_due_provisional is False
    assert set(changed) == {"investigation_due", "investigation_due_provisional", "reminded_on", "overdue_since"}


def test_the_decision_day_never_counts_and_a_make_up_sunday_does(settings):
    settings.PORTAL_INVESTIGATION_WORKING_DAYS = 1
    report = Report(status=Status.ACCEPTED)
    on_accepted(report, beijing(2026, 9, 19))  # a Saturday off
    assert report.investigation_due == date(2026, 9, 20)  # Sunday, make-up workday


def test_the_default_is_sixty_working_days_by_the_calendar():
    report = Report(status=Status.ACCEPTED)
    on_accepted(report, beijing(2026, 9, 1))
    assert case_deadlines.DEFAULT_INVESTIGATION_WORKING_DAYS == 60
    assert report.investigation_due == deadlines.add_working_days(date(2026, 9, 1), 60)


def test_beyond_the_calendar_the_investigation_deadline_is_a_provisional_estimate():
    report = Report(status=Status.ACCEPTED)
    on_accepted(report, beijing(deadlines.LAST_KNOWN_YEAR, 12, 1))
    assert report.investigation_due.year == deadlines.LAST_KNOWN_YEAR + 1
    assert report.investigation_due_provisional is True


def test_accepting_a_report_sets_its_investigation_deadline_and_starts_reminders_afresh(
    report_keys, settings, monkeypatch
):
    settings.PORTAL_INVESTIGATION_WORKING_DAYS = 5
    decider = staff_user("decider", "decide_report")
    report = intake.submit(make_submission()).report
    Report.objects.filter(pk=report.pk).update(reminded_on=date(2026, 9, 29), overdue_since=date(2026, 9, 29))
    monkeypatch.setattr(timezone, "now", lambda: beijing(2026, 9, 30, 16))
    workflow.perform(report, "accept", decider)
    report.refresh_from_db()
    assert report.status == Status.ACCEPTED
    assert (report.investigation_due, report.investigation_due_provisional) == (date(2026, 10, 13), False)
    assert report.reminded_on is None and report.overdue_since is None


# --- the current step --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (Status.RECEIVED, DeadlineStep.ACCEPTANCE),
        (Status.ACCEPTED, DeadlineStep.INVESTIGATION),
        (Status.ASSIGNED, DeadlineStep.INVESTIGATION),
        (Status.INVESTIGATING, DeadlineStep.INVESTIGATION),
        (Status.REJECTED, None),
        (Status.CONCLUDED, None),
        (Status.FED_BACK, None),
    ],
)
def test_the_current_deadline_is_the_one_of_the_step_the_report_is_in(status, step):
    report = plain_report(
        status=status,
        acceptance_due=date(2026, 9, 30),
        acceptance_due_provisional=True,
        investigation_due=date(2026, 12, 1),
    )
    deadline = current_deadline(report)
    assert current_step(report) == step
    if step is None:
        assert deadline is None
    elif step == DeadlineStep.ACCEPTANCE:
        assert (deadline.due, deadline.provisional) == (date(2026, 9, 30), True)
        assert "15" in str(deadline.rule)
    else:
        assert (deadline.due, deadline.provisional) == (date(2026, 12, 1), False)
        assert "60" in str(deadline.rule)


def test_a_merged_report_and_a_step_without_a_due_date_have_no_current_deadline():
    case = plain_report("2026-900001", status=Status.ACCEPTED, investigation_due=date(2026, 12, 1))
    merged = plain_report("2026-900002", acceptance_due=date(2026, 9, 30), merged_into=case)
    assert current_deadline(merged) is None and current_step(merged) is None
    assert current_deadline(plain_report("2026-900003", status=Status.ACCEPTED)) is None


# --- extending ---------------------------------------------------------------------------------


@pytest.fixture
def investigating():
    return plain_report(
        status=Status.INVESTIGATING,
        investigation_due=date(2026, 9, 30),
        investigation_due_provisional=True,
        overdue_since=date(2026, 10, 1),
    )


def test_an_extension_moves_the_due_date_to_a_later_working_day_and_is_recorded(investigating, officer):
    # Saturday 10 October is a make-up workday.
    extension = extend(
        investigating,
        DeadlineStep.INVESTIGATION,
        date(2026, 10, 10),
        "  需调取外院病历。  ",
        officer,
        today=date(2026, 9, 28),
    )
    investigating.refresh_from_db()
    assert investigating.investigation_due == date(2026, 10, 10)
    assert investigating.investigation_due_provisional is False and investigating.overdue_since is None
    stored = DeadlineExtension.objects.get()
    assert stored == extension
    assert (stored.step, stored.previous_due, stored.new_due) == (
        "investigation",
        date(2026, 9, 30),
        date(2026, 10, 10),
    )
    assert (stored.reason, stored.approved_by) == ("需调取外院病历。", officer)
    event = AuditEvent.objects.get(action="deadline.extend")
    assert event.report_id == investigating.pk and event.actor == officer
    assert event.details == {
        "step": "investigation",
        "previous_due": "2026-09-30",
        "new_due": "2026-10-10",
        "reason": "需调取外院病历。",
        "extension": extension.pk,
    }


@pytest.mark.parametrize(
    ("new_due", "why"),
    [
        (date(2026, 9, 30), "later"),  # the current due date
        (date(2026, 9, 29), "later"),
        (date(2026, 10, 5), "working day"),  # Monday inside the National Day holiday
        (date(2026, 10, 11), "working day"),  # Sunday
        (datetime(2026, 10, 12, 9, tzinfo=UTC), "date"),
    ],
)
def test_an_extension_to_an_earlier_date_or_a_day_off_is_refused(investigating, officer, new_due, why):
    with pytest.raises(ExtensionRefused) as refused:
        extend(investigating, DeadlineStep.INVESTIGATION, new_due, "理由", officer, today=date(2026, 9, 28))
    assert refused.value.field == "new_due"
    assert why in refused.value.message or any("\u4e00" <= c <= "\u9fff" for c in refused.value.message)
    assert not DeadlineExtension.objects.exists() and not AuditEvent.objects.exists()
    assert Report.objects.get(pk=investigating.pk).investigation_due == date(2026, 9, 30)


def test_an_extension_beyond_the_holiday_calendar_is_refused_with_the_reason(investigating, officer):
    beyond = date(deadlines.LAST_KNOWN_YEAR + 1, 3, 2)
    with pytest.raises(ExtensionRefused) as refused:
        extend(investigating, DeadlineStep.INVESTIGATION, beyond, "理由", officer, today=date(2026, 9, 28))
    assert str(deadlines.LAST_KNOWN_YEAR) in refused.value.message
    assert refused.value.field == "new_due" and not DeadlineExtension.objects.exists()


def test_an_extension_into_the_past_is_refused(investigating, officer):
    with pytest.raises(ExtensionRefused):
        extend(investigating, DeadlineStep.INVESTIGATION, date(2026, 10, 8), "理由", officer, today=date(2026, 10, 9))


def test_an_extension_needs_the_permission_the_current_step_and_a_reason(investigating, officer):
    nobody = staff_user("nobody", "view_all_reports")
    with pytest.raises(ExtensionRefused):
        extend(investigating, DeadlineStep.INVESTIGATION, date(2026, 10, 12), "理由", nobody, today=date(2026, 9, 28))
    with pytest.raises(ExtensionRefused) as refused:
        extend(investigating, DeadlineStep.ACCEPTANCE, date(2026, 10, 12), "理由", officer, today=date(2026, 9, 28))
    assert refused.value.field == "step"
    for reason in ("", "   ", "x" * (case_deadlines.REASON_MAX_LENGTH + 1)):
        with pytest.raises(ExtensionRefused) as refused:
            extend(investigating, DeadlineStep.INVESTIGATION, date(2026, 10, 12), reason, officer)
        assert refused.value.field == "reason"
    concluded = plain_report("2026-900009", status=Status.CONCLUDED, investigation_due=date(2026, 9, 30))
    with pytest.raises(ExtensionRefused):
        extend(concluded, DeadlineStep.INVESTIGATION, date(2026, 10, 12), "理由", officer, today=date(2026, 9, 28))
    assert not DeadlineExtension.objects.exists()


def test_the_acceptance_deadline_can_be_extended_while_the_report_is_received(officer):
    report = plain_report(acceptance_due=date(2026, 9, 24), acceptance_due_provisional=False)
    extend(report, DeadlineStep.ACCEPTANCE, date(2026, 9, 28), "需补充材料", officer, today=date(2026, 9, 21))
    report.refresh_from_db()
    assert report.acceptance_due == date(2026, 9, 28)


# --- the staff screen --------------------------------------------------------------------------


def member(username, group):
    user = get_user_model().objects.create_user(username, password="x")
    user.groups.add(Group.objects.get(name=group))
    return user


def test_an_intake_officer_extends_a_deadline_on_its_screen(client, investigating, monkeypatch):
    monkeypatch.setattr(case_deadlines, "today_in_china", lambda: date(2026, 9, 28))
    client.force_login(member("shouli", "受理员"))
    url = reverse("reports_admin:extend_deadline", args=[investigating.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert investigating.number in page.content.decode()
    response = client.post(url, {"step": "investigation", "new_due": "2026-10-10", "reason": "案情复杂"})
    assert response.status_code == 302
    assert response["Location"] == reverse("reports_admin:case", args=[investigating.pk])
    assert Report.objects.get(pk=investigating.pk).investigation_due == date(2026, 10, 10)


def test_the_screen_shows_a_refusal_and_changes_nothing(client, investigating):
    client.force_login(member("shouli", "受理员"))
    url = reverse("reports_admin:extend_deadline", args=[investigating.pk])
    response = client.post(url, {"step": "investigation", "new_due": "2026-09-29", "reason": "案情复杂"})
    assert response.status_code == 200 and response.context["form"].errors["new_due"]
    assert Report.objects.get(pk=investigating.pk).investigation_due == date(2026, 9, 30)


def test_the_screen_needs_the_permission_and_a_visible_report(client, investigating):
    investigator = member("hecha", "核查员")
    client.force_login(investigator)
    url = reverse("reports_admin:extend_deadline", args=[investigating.pk])
    assert client.get(url).status_code == 404  # not theirs
    Report.objects.filter(pk=investigating.pk).update(assignee=investigator)
    # Theirs, but investigators do not extend deadlines: Wagtail turns the refusal into a redirect to
    # the dashboard with its "no permission" message.
    refused = client.post(url, {"step": "investigation", "new_due": "2026-10-12", "reason": "x"})
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    assert not DeadlineExtension.objects.exists()


def test_the_overdue_filter_looks_at_the_current_step_only():
    late_decision = plain_report("2026-900001", acceptance_due=date(2026, 9, 30))
    late_investigation = plain_report("2026-900002", status=Status.ASSIGNED, investigation_due=date(2026, 9, 30))
    plain_report("2026-900003", acceptance_due=date(2026, 10, 8))  # due today
    plain_report("2026-900004", status=Status.ACCEPTED, acceptance_due=date(2026, 9, 1))  # decided in time
    plain_report("2026-900005", status=Status.CONCLUDED, investigation_due=date(2026, 9, 1))
    plain_report("2026-900006", acceptance_due=date(2026, 9, 1), merged_into=late_decision)
    overdue = Report.objects.filter(case_deadlines.overdue_filter(date(2026, 10, 8)))
    assert set(overdue) == {late_decision, late_investigation}
