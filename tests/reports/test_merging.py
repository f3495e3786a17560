"""Reports about the same facts become one case (reports/merging.py): the earliest leads, the others
point at it, chains are flattened, each report keeps its own reporter and messages, and the reporter
of a merged report sees the lead's state."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from reports import intake, merging, workflow
from reports.audit import AuditEvent
from reports.merging import MergeRefused
from reports.models import Report, Status

from .builders import make_submission

pytestmark = pytest.mark.django_db


def member(username, group):
    user = get_user_model().objects.create_user(username, password="x")
    user.groups.add(Group.objects.get(name=group))
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def staff(db):
    return {
        "intake": member("shouli", "受理员"),
        "investigator": member("hecha", "核查员"),
    }


@pytest.fixture
def submit(report_keys):
    """Submit a report received ``hours_ago`` hours ago; returns (report, code)."""
    base = timezone.now()

    def make(hours_ago):
        result = intake.submit(make_submission())
        Report.objects.filter(pk=result.report.pk).update(received_at=base - timedelta(hours=hours_ago))
        return Report.objects.without_ciphertext().get(pk=result.report.pk), result.code

    return make


def fresh(report):
    return Report.objects.without_ciphertext().get(pk=report.pk)


def test_the_earliest_received_leads_whatever_the_numbers_or_the_order_given(submit, staff):
    later, _ = submit(hours_ago=1)
    earliest, _ = submit(hours_ago=5)  # a higher number, but received first (a letter dated earlier)
    middle, _ = submit(hours_ago=3)
    assert later.number < earliest.number

    lead = merging.merge([later, middle, earliest], staff["intake"])

    assert lead.pk == earliest.pk and fresh(earliest).merged_into_id is None
    assert fresh(later).merged_into_id == earliest.pk and fresh(middle).merged_into_id == earliest.pk
    assert [r.pk for r in merging.case_reports(later)] == [earliest.pk, middle.pk, later.pk]
    assert [r.pk for r in merging.case_reports(earliest)] == [earliest.pk, middle.pk, later.pk]
    events = AuditEvent.objects.filter(action="report.merge")
    assert {event.report_id for event in events} == {later.pk, middle.pk}
    assert all(event.details == {"lead": earliest.number, "previous_lead": None} for event in events)
    assert all(event.actor == staff["intake"] for event in events)


def test_equal_times_are_ordered_by_number(submit, staff):
    first, _ = submit(hours_ago=2)
    second, _ = submit(hours_ago=2)
    Report.objects.filter(pk=second.pk).update(received_at=fresh(first).received_at)
    assert merging.merge([fresh(second), fresh(first)], staff["intake"]).pk == first.pk


def test_chains_are_flattened_when_an_earlier_report_joins(submit, staff):
    first, _ = submit(hours_ago=9)
    second, _ = submit(hours_ago=6)
    third, _ = submit(hours_ago=3)
    merging.merge([second, third], staff["intake"])
    assert fresh(third).merged_into_id == second.pk

    lead = merging.merge([first, fresh(second)], staff["intake"])

    assert lead.pk == first.pk
    assert fresh(second).merged_into_id == first.pk and fresh(third).merged_into_id == first.pk
    assert [r.pk for r in merging.case_reports(third)] == [first.pk, second.pk, third.pk]
    moved = AuditEvent.objects.filter(action="report.merge", report=third).order_by("sequence").last()
    assert moved.details == {"lead": first.number, "previous_lead": second.number}


def test_a_report_that_follows_a_lead_joins_only_with_that_lead(submit, staff):
    first, _ = submit(hours_ago=9)
    second, _ = submit(hours_ago=6)
    other, _ = submit(hours_ago=3)
    merging.merge([first, second], staff["intake"])

    with pytest.raises(MergeRefused) as refused:
        merging.merge([fresh(second), other], staff["intake"])
    assert first.number in refused.value.message
    assert fresh(other).merged_into_id is None

    merging.merge([fresh(first), fresh(second), other], staff["intake"])  # the lead is in the set: fine
    assert fresh(other).merged_into_id == first.pk


def test_refusals_change_nothing(submit, staff, settings):
    first, _ = submit(hours_ago=9)
    second, _ = submit(hours_ago=6)
    before = AuditEvent.objects.count()

    with pytest.raises(MergeRefused):
        merging.merge([first, first], staff["intake"])
    with pytest.raises(MergeRefused):
        merging.merge([first], staff["intake"])
    with pytest.raises(MergeRefused):  # investigators may not merge
        merging.merge([first, second], staff["investigator"])

    merging.merge([first, second], staff["intake"])
    with pytest.raises(MergeRefused):  # already one case: nothing to do, nothing audited twice
        merging.merge([fresh(first), fresh(second)], staff["intake"])
    assert AuditEvent.objects.count() == before + 1


@pytest.mark.parametrize("status", [Status.REJECTED, Status.CONCLUDED, Status.FED_BACK])
def test_declined_and_concluded_reports_are_not_merged(submit, staff, status):
    first, _ = submit(hours_ago=9)
    second, _ = submit(hours_ago=6)
    Report.objects.filter(pk=second.pk).update(status=status)
    with pytest.raises(MergeRefused) as refused:
        merging.merge([first, fresh(second)], staff["intake"])
    assert second.number in refused.value.message
    Report.objects.filter(pk=second.pk).update(status=Status.RECEIVED)
    Report.objects.filter(pk=first.pk).update(status=status)
    with pytest.raises(MergeRefused):
        merging.merge([fresh(first), fresh(second)], staff["intake"])
    assert not Report.objects.filter(merged_into__isnull=False).exists()


def test_a_later_report_further_along_is_not_put_under_an_earlier_one(submit, staff):
    first, _ = submit(hours_ago=9)
    second, _ = submit(hours_ago=6)
    workflow.perform(second, "accept", staff["intake"])
    with pytest.raises(MergeRefused) as refused:
        merging.merge([first, fresh(second)], staff["intake"])
    assert first.number in refused.value.message and second.number in refused.value.message
    workflow.perform(first, "accept", staff["intake"])
    assert merging.merge([fresh(first), fresh(second)], staff["intake"]).pk == first.pk


def test_each_report_keeps_its_own_messages_and_the_merged_one_follows_the_leads_state(submit, staff):
    first, first_code = submit(hours_ago=9)
    second, second_code = submit(hours_ago=6)
    merging.merge([first, second], staff["intake"])

    workflow.perform(fresh(first), "accept", staff["intake"], message="您的举报已受理。")

    # The decision reaches both reporters, each through their own channel; a reporter's own message
    # stays in their channel.
    intake.add_reporter_message(intake.open_with_code(first_code), "补充：有住院清单。")
    assert [m.text for m in intake.open_with_code(first_code).messages] == ["您的举报已受理。", "补充：有住院清单。"]
    assert [m.text for m in intake.open_with_code(second_code).messages] == ["您的举报已受理。"]
    merged = fresh(second)
    assert merged.status == Status.RECEIVED, "its own row is left as it was"
    assert merging.effective_status(merged) == Status.ACCEPTED
    assert merging.effective_status(fresh(first)) == Status.ACCEPTED
    # The merged report's own workflow is closed: the lead carries the case.
    assert workflow.available_actions(Report.objects.get(pk=second.pk), staff["intake"]) == []


def test_merging_from_the_case_page_by_number(client, submit, staff):
    first, _ = submit(hours_ago=9)
    second, _ = submit(hours_ago=6)
    client.force_login(staff["intake"])
    page = client.get(reverse("reports_admin:case", args=[second.pk])).content.decode()
    assert reverse("reports_admin:merge", args=[second.pk]) in page

    number = first.number.replace("-0", "－", 1)  # typed with a full-width dash and fewer zeros
    response = client.post(reverse("reports_admin:merge", args=[second.pk]), {"number": number})

    assert response.status_code == 302 and response["Location"] == reverse("reports_admin:case", args=[first.pk])
    assert fresh(second).merged_into_id == first.pk
    lead_page = client.get(reverse("reports_admin:case", args=[first.pk])).content.decode()
    assert lead_page.index(first.number) < lead_page.index(second.number)
    merged_page = client.get(reverse("reports_admin:case", args=[second.pk])).content.decode()
    assert reverse("reports_admin:merge", args=[second.pk]) not in merged_page


def test_the_merge_screen_refuses_unknown_numbers_and_staff_without_the_permission(client, submit, staff):
    first, _ = submit(hours_ago=9)
    second, _ = submit(hours_ago=6)
    client.force_login(staff["intake"])
    client.post(reverse("reports_admin:merge", args=[second.pk]), {"number": "1999-000001"})
    client.post(reverse("reports_admin:merge", args=[second.pk]), {"number": second.number})
    assert not Report.objects.filter(merged_into__isnull=False).exists()

    Report.objects.filter(pk__in=[first.pk, second.pk]).update(assignee=staff["investigator"])
    client.force_login(staff["investigator"])
    response = client.post(reverse("reports_admin:merge", args=[second.pk]), {"number": first.number})
    assert response.status_code == 404 and fresh(second).merged_into_id is None


def test_report_numbers_are_read_as_staff_type_them():
    from reports.staff_views import normalise_number

    assert normalise_number(" 2026-000123 ") == "2026-000123"
    assert normalise_number("２０２６－１２３") == "2026-000123"
    assert normalise_number("2026 123") == "2026-000123"
    assert normalise_number("abc") == "abc"


def test_the_outcome_reaches_every_reporter_of_a_merged_case_but_a_question_only_the_first(report_keys):
    from django.contrib.auth.models import Permission

    User = get_user_model()
    officer = User.objects.create_user("officer-m", password="x")
    officer.user_permissions.set(
        Permission.objects.filter(codename__in=["decide_report", "assign_report", "give_feedback", "merge_report"])
    )
    investigator = User.objects.create_user("investigator-m", password="x")
    investigator.user_permissions.set(Permission.objects.filter(codename="investigate_report"))
    officer, investigator = User.objects.get(pk=officer.pk), User.objects.get(pk=investigator.pk)
    first = intake.submit(make_submission())
    second = intake.submit(make_submission(description="另一位举报人反映了同一家医院挂床住院的问题。"))
    lead = merging.merge([first.report, second.report], officer)
    lead = workflow.perform(lead, "accept", officer)
    lead = workflow.perform(lead, "assign", officer, assignee=investigator)
    lead = workflow.perform(lead, "start", investigator)
    lead = workflow.perform(lead, "request_info", investigator, message="请补充住院日期。")
    lead = workflow.perform(lead, "conclude", investigator, outcome="unfounded")
    workflow.perform(lead, "give_feedback", officer, message="经核查，未发现挂床住院。")
    first_seen = [m.text for m in intake.open_with_code(first.code).messages]
    second_seen = [m.text for m in intake.open_with_code(second.code).messages]
    assert first_seen == ["请补充住院日期。", "经核查，未发现挂床住院。"]
    assert second_seen == ["经核查，未发现挂床住院。"]


def test_the_reporter_of_a_merged_report_sees_the_cases_status(client, submit, staff):
    first, _ = submit(hours_ago=9)
    second, second_code = submit(hours_ago=6)
    merging.merge([first, second], staff["intake"])
    workflow.perform(fresh(first), "accept", staff["intake"])
    page = client.post(reverse("reports:status"), {"code": second_code}).content.decode()
    assert "已受理" in page and second.number in page
