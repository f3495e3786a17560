"""The case workflow (reports/workflow.py): every allowed transition works, every other one is refused
with a reason and changes nothing."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from disclosures.models import Measure
from reports import intake, workflow
from reports.audit import AuditEvent
from reports.models import Report, Status
from reports.workflow import TRANSITIONS, TransitionRefused

from .builders import make_submission

pytestmark = pytest.mark.django_db


def staff_user(username, *codenames):
    user = get_user_model().objects.create_user(username, password="x")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="reports", codename__in=codenames))
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def people(db):
    return {
        "intake": staff_user("intake", "decide_report", "assign_report", "give_feedback", "view_all_reports"),
        "investigator": staff_user("investigator", "investigate_report"),
        "colleague": staff_user("colleague", "investigate_report"),
        "nobody": staff_user("nobody"),
    }


@pytest.fixture
def received(report_keys):
    return intake.submit(make_submission())


#: A valid set of fields for each action, given the people.
def fields_for(action, people):
    return {
        "accept": {},
        "reject": {"rejection_reason": "no_target_or_facts", "message": "举报未提供具体对象和事实。"},
        "assign": {"assignee": people["investigator"]},
        "refer": {"referred_to": "某省医疗保障局"},
        "start": {},
        "request_info": {"message": "请补充住院日期。"},
        "conclude": {
            "outcome": "substantiated",
            "verified_amount": Decimal("12800.50"),
            "measures": list(Measure.objects.filter(slug__in=["recovery", "fine"])),
        },
        "give_feedback": {"message": "经核查，举报属实，已追回基金并处罚款。"},
    }[action]


def actor_for(action, people):
    return people["investigator"] if TRANSITIONS[action].assignee_only else people["intake"]


def bring_to(report, status, people):
    path = {
        Status.RECEIVED: [],
        Status.ACCEPTED: ["accept"],
        Status.REJECTED: ["reject"],
        Status.ASSIGNED: ["accept", "assign"],
        Status.INVESTIGATING: ["accept", "assign", "start"],
        Status.CONCLUDED: ["accept", "assign", "start", "conclude"],
        Status.FED_BACK: ["accept", "assign", "start", "conclude", "give_feedback"],
    }[status]
    for action in path:
        report = workflow.perform(report, action, actor_for(action, people), **fields_for(action, people))
    return report


def test_a_report_goes_from_received_to_feedback_and_the_reporter_sees_each_message(received, people):
    report = bring_to(received.report, Status.INVESTIGATING, people)
    for action in ("request_info", "conclude", "give_feedback"):
        report = workflow.perform(report, action, actor_for(action, people), **fields_for(action, people))

    report.refresh_from_db()
    assert report.status == Status.FED_BACK
    assert report.outcome == "substantiated" and report.verified_amount == Decimal("12800.50")
    assert sorted(m.slug for m in report.measures.all()) == ["fine", "recovery"]
    assert report.assignee == people["investigator"] and report.concluded_at and report.decided_at
    seen = [(m.kind, m.text) for m in intake.open_with_code(received.code).messages]
    assert seen == [("info_request", "请补充住院日期。"), ("feedback", "经核查，举报属实，已追回基金并处罚款。")]
    actions = list(AuditEvent.objects.filter(report=report).values_list("action", flat=True))
    assert actions == [
        f"report.{a}" for a in ["accept", "assign", "start", "request_info", "conclude", "give_feedback"]
    ]


def test_not_accepting_needs_a_legal_reason_and_tells_the_reporter(received, people):
    with pytest.raises(TransitionRefused) as refused:
        workflow.perform(received.report, "reject", people["intake"], message="不予受理。")
    assert refused.value.field == "rejection_reason"
    with pytest.raises(TransitionRefused):
        workflow.perform(received.report, "reject", people["intake"], rejection_reason="because", message="x")
    workflow.perform(received.report, "reject", people["intake"], **fields_for("reject", people))
    messages = intake.open_with_code(received.code).messages
    assert [(m.kind, m.text) for m in messages] == [("decision", "举报未提供具体对象和事实。")]


ALL_STATES = list(Status.values)


@pytest.mark.parametrize(
    ("action", "state"),
    [(action, state) for action, t in TRANSITIONS.items() for state in ALL_STATES if state not in t.sources],
)
def test_every_action_is_refused_from_every_other_state_and_changes_nothing(received, people, action, state):
    report = bring_to(received.report, state, people)
    before = (Report.objects.get(pk=report.pk).status, AuditEvent.objects.count())
    with pytest.raises(TransitionRefused) as refused:
        workflow.perform(report, action, actor_for(action, people), **fields_for(action, people))
    assert "不可" in refused.value.message or "not possible" in refused.value.message
    assert (Report.objects.get(pk=report.pk).status, AuditEvent.objects.count()) == before


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_action_needs_its_permission(received, people, action):
    state = TRANSITIONS[action].sources[0]
    report = bring_to(received.report, state, people)
    with pytest.raises(TransitionRefused):
        workflow.perform(report, action, people["nobody"], **fields_for(action, people))
    assert Report.objects.get(pk=report.pk).status == state


def test_only_the_assigned_investigator_works_the_case(received, people):
    report = bring_to(received.report, Status.ASSIGNED, people)
    with pytest.raises(TransitionRefused) as refused:
        workflow.perform(report, "start", people["colleague"])
    assert "指派" in refused.value.message or "assigned" in refused.value.message
    assert [t.action for t in workflow.available_actions(report, people["colleague"])] == []
    assert [t.action for t in workflow.available_actions(report, people["investigator"])] == ["start"]


def test_a_report_cannot_be_assigned_to_someone_who_is_not_an_investigator(received, people):
    report = bring_to(received.report, Status.ACCEPTED, people)
    with pytest.raises(TransitionRefused) as refused:
        workflow.perform(report, "assign", people["intake"], assignee=people["nobody"])
    assert refused.value.field == "assignee"


def test_a_substantiated_conclusion_needs_the_verified_amount(received, people):
    report = bring_to(received.report, Status.INVESTIGATING, people)
    with pytest.raises(TransitionRefused) as refused:
        workflow.perform(report, "conclude", people["investigator"], outcome="substantiated")
    assert refused.value.field == "verified_amount"
    with pytest.raises(TransitionRefused):
        workflow.perform(report, "conclude", people["investigator"], outcome="partly", verified_amount=Decimal("1.234"))
    workflow.perform(report, "conclude", people["investigator"], outcome="unfounded")
    assert Report.objects.get(pk=report.pk).status == Status.CONCLUDED


def test_the_audit_trail_of_a_transition_holds_no_message_text(received, people):
    workflow.perform(received.report, "reject", people["intake"], **fields_for("reject", people))
    event = AuditEvent.objects.get(action="report.reject")
    assert event.details["rejection_reason"] == "no_target_or_facts" and event.details["message_sent"] is True
    assert "举报未提供" not in str(event.details)
    assert event.actor == people["intake"]


def test_a_real_name_reporter_is_told_the_decision_with_it(report_keys, people):
    person = intake.Identity(name="王芳", id_number="53090219800101030X", phone="13988776655", contact_preference="sms")
    submitted = intake.submit(make_submission(identity=person))
    with pytest.raises(TransitionRefused) as refused:
        workflow.perform(submitted.report, "accept", people["intake"])
    assert refused.value.field == "message"
    assert Report.objects.get(pk=submitted.report.pk).status == Status.RECEIVED
    workflow.perform(submitted.report, "accept", people["intake"], message="您的举报已受理，我们将依法核查。")
    assert [m.kind for m in intake.open_with_code(submitted.code).messages] == ["decision"]
