"""Reward decisions and payment (issue 7): eligibility, separation of duties, sending back, claim and
waiver by code with the payee sealed, lapse, the finance export, and the status page."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from reports import intake, merging, reward_flow, workflow
from reports.audit import AuditEvent
from reports.case_deadlines import today_in_china
from reports.models import Status
from reports.reward_decisions import DecisionLocked, DecisionState, RewardDecision
from reports.reward_flow import Payee, RewardRefused

from .builders import make_submission

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
ACCOUNT = "6222020200112233445"


def staff_user(username, *codenames):
    user = get_user_model().objects.create_user(username, password="x")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="reports", codename__in=codenames))
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def people(db):
    return {
        "intake": staff_user(
            "intake", "decide_report", "assign_report", "give_feedback", "view_all_reports", "merge_report"
        ),
        "investigator": staff_user("investigator", "investigate_report", "propose_reward", "review_reward"),
        "reviewer1": staff_user("reviewer1", "propose_reward", "review_reward", "view_all_reports"),
        "reviewer2": staff_user("reviewer2", "propose_reward", "review_reward"),
        "approver": staff_user("approver", "approve_reward", "review_reward"),
        "finance": staff_user("finance", "export_reward_payments", "mark_reward_paid"),
        "nobody": staff_user("nobody"),
    }


def conclude(report, people, outcome="substantiated", amount=Decimal("20000")):
    for action, fields, actor in (
        ("accept", {}, people["intake"]),
        ("assign", {"assignee": people["investigator"]}, people["intake"]),
        ("start", {}, people["investigator"]),
        ("conclude", {"outcome": outcome, "verified_amount": amount}, people["investigator"]),
    ):
        report = workflow.perform(report, action, actor, **fields)
    return report


@pytest.fixture
def concluded(report_keys, people):
    submitted = intake.submit(make_submission())
    conclude(submitted.report, people)
    submitted.report.refresh_from_db()
    return submitted


def propose(report, people, **kwargs):
    kwargs.setdefault("scheme", "hefei-2023")
    kwargs.setdefault("subject_type", "individual")
    return reward_flow.propose(report, people["reviewer1"], **kwargs)


def approved(report, people):
    decision = propose(report, people)
    reward_flow.review(decision, people["reviewer2"])
    return reward_flow.approve(decision, people["approver"])


def payee(**overrides):
    values = {"name": "张三", "id_number": ID_NUMBER, "bank_name": "中国工商银行临沧分行", "account": ACCOUNT}
    values.update(overrides)
    return Payee(**values)


# --- eligibility ---------------------------------------------------------------------------------


def test_a_substantiated_first_report_gets_the_scheme_amount_with_its_reasoning(concluded, people):
    decision = propose(concluded.report, people)
    assert decision.state == DecisionState.PROPOSED
    assert decision.amount == Decimal("2500.00")  # Hefei, individual, 20,000 → 10% + 500
    assert decision.case_value == Decimal("20000.00")
    assert decision.scheme_version.scheme.slug == "hefei-2023"
    assert all(check["passed"] for check in decision.checks)
    assert {check["name"] for check in decision.checks} == {
        "substantiated",
        "first_reporter",
        "not_excluded",
        "not_already_rewarded",
    }
    event = AuditEvent.objects.get(action="reward.propose")
    assert event.details["amount"] == "2500.00" and event.details["decision"] == decision.pk


def test_an_unfounded_report_is_refused(report_keys, people):
    submitted = intake.submit(make_submission())
    conclude(submitted.report, people, outcome="unfounded", amount=None)
    checks = {c.name: c.passed for c in reward_flow.eligibility(submitted.report)}
    assert checks["substantiated"] is False
    with pytest.raises(RewardRefused):
        propose(submitted.report, people)
    assert not RewardDecision.objects.exists()


def test_the_second_reporter_of_a_merged_case_is_refused(report_keys, people):
    first = intake.submit(make_submission())
    second = intake.submit(make_submission(description="同一家医院挂床住院，我也看到了。"))
    merging.merge([first.report, second.report], people["intake"])
    conclude(first.report, people)
    with pytest.raises(RewardRefused) as refused:
        propose(second.report, people)
    assert "本案最先举报人" in refused.value.message
    assert propose(first.report, people).report_id == first.report.pk


def test_an_excluded_reporter_is_refused_and_a_case_is_rewarded_once(concluded, people):
    with pytest.raises(RewardRefused) as refused:
        propose(concluded.report, people, excluded_reason="举报人系该医院医保科工作人员，负有报告义务。")
    assert "举报人不属于排除情形" in refused.value.message
    propose(concluded.report, people)
    with pytest.raises(RewardRefused):
        propose(concluded.report, people)


# --- separation of duties --------------------------------------------------------------------------


def test_the_same_user_cannot_take_two_steps(concluded, people):
    decision = propose(concluded.report, people)
    with pytest.raises(RewardRefused):
        reward_flow.review(decision, people["reviewer1"])
    reward_flow.review(decision, people["reviewer2"])
    with pytest.raises(RewardRefused):
        reward_flow.approve(decision, people["reviewer2"])
    reward_flow.approve(decision, people["approver"])
    decision.refresh_from_db()
    assert decision.state == DecisionState.APPROVED
    assert decision.claim_due == today_in_china() + timedelta(days=90)
    assert {decision.proposed_by, decision.reviewed_by, decision.approved_by} == {
        people["reviewer1"],
        people["reviewer2"],
        people["approver"],
    }


def test_the_approver_cannot_also_have_reviewed(concluded, people):
    decision = propose(concluded.report, people)
    reward_flow.review(decision, people["approver"])  # holds review_reward too
    people["approver"] = get_user_model().objects.get(pk=people["approver"].pk)
    with pytest.raises(RewardRefused):
        reward_flow.approve(decision, people["approver"])


def test_the_investigator_and_case_handlers_cannot_take_any_step(concluded, people):
    with pytest.raises(RewardRefused) as refused:
        reward_flow.propose(concluded.report, people["investigator"], scheme="hefei-2023", subject_type="individual")
    assert "核查人员" in refused.value.message
    decision = propose(concluded.report, people)
    with pytest.raises(RewardRefused):
        reward_flow.review(decision, people["investigator"])
    # The intake officer who accepted and assigned the case, even with the permission.
    handler = people["intake"]
    handler.user_permissions.add(Permission.objects.get(codename="review_reward"))
    handler = get_user_model().objects.get(pk=handler.pk)
    with pytest.raises(RewardRefused) as refused:
        reward_flow.review(decision, handler)
    assert "办理过本案" in refused.value.message


def test_each_step_needs_its_permission(concluded, people):
    with pytest.raises(RewardRefused):
        reward_flow.propose(concluded.report, people["nobody"], scheme="hefei-2023", subject_type="individual")
    decision = propose(concluded.report, people)
    with pytest.raises(RewardRefused):
        reward_flow.review(decision, people["finance"])
    reward_flow.review(decision, people["reviewer2"])
    with pytest.raises(RewardRefused):
        reward_flow.approve(decision, people["nobody"])


def test_sending_back_needs_a_reason_and_a_new_proposal_starts_again(concluded, people):
    decision = propose(concluded.report, people)
    with pytest.raises(RewardRefused):
        reward_flow.send_back(decision, people["reviewer2"], " ")
    reward_flow.send_back(decision, people["reviewer2"], "等级认定偏低，请重新评估。")
    decision.refresh_from_db()
    assert decision.state == DecisionState.SENT_BACK and decision.sent_back_reason
    assert AuditEvent.objects.filter(action="reward.send_back").count() == 1
    again = propose(concluded.report, people)
    assert again.pk != decision.pk and again.state == DecisionState.PROPOSED
    reward_flow.review(again, people["reviewer2"])
    reward_flow.send_back(again, people["approver"], "案值需复核。")
    again.refresh_from_db()
    assert again.state == DecisionState.SENT_BACK


# --- the reporter -----------------------------------------------------------------------------------


def test_claim_by_code_seals_the_payee_and_finance_sees_it_only_in_the_export(concluded, people):
    decision = approved(concluded.report, people)
    opened = intake.open_with_code(concluded.code)
    with pytest.raises(ValidationError) as invalid:
        reward_flow.claim(opened, payee(id_number="110105194912310021", account="12345"))
    assert set(invalid.value.message_dict) == {"id_number", "account"}
    reward_flow.claim(opened, payee())
    decision.refresh_from_db()
    assert decision.state == DecisionState.CLAIMED
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT payee FROM {RewardDecision._meta.db_table} WHERE id = %s", [decision.pk])  # noqa: S608
        raw = bytes(cursor.fetchone()[0])
    for secret in (ACCOUNT, ID_NUMBER, "张三"):
        assert secret.encode("utf-8") not in raw
    claim_event = AuditEvent.objects.get(action="reward.claim")
    assert ACCOUNT not in str(claim_event.details) and ID_NUMBER not in str(claim_event.details)

    with pytest.raises(RewardRefused):
        reward_flow.export_payments(people["reviewer1"])
    data = reward_flow.export_payments(people["finance"])
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("decision", "report_number", "amount")
    assert rows[1][1] == concluded.report.number
    assert Decimal(str(rows[1][2])) == Decimal("2500")
    assert rows[1][3:7] == ("张三", ID_NUMBER, "中国工商银行临沧分行", ACCOUNT)
    export = AuditEvent.objects.get(action="reward.export")
    assert export.actor == people["finance"] and export.details["decisions"] == [decision.pk]


def test_waiver_by_code(concluded, people):
    decision = approved(concluded.report, people)
    reward_flow.waive(intake.open_with_code(concluded.code))
    decision.refresh_from_db()
    assert decision.state == DecisionState.WAIVED and decision.waived
    with pytest.raises(RewardRefused):
        reward_flow.claim(intake.open_with_code(concluded.code), payee())


def test_an_unclaimed_reward_lapses_after_the_deadline_with_a_reminder_before(concluded, people):
    decision = approved(concluded.report, people)
    due = decision.claim_due
    assert reward_flow.lapse_overdue(due) == []
    assert list(reward_flow.due_for_reminder(due - timedelta(days=15))) == []
    assert reward_flow.send_reminders(due - timedelta(days=14)) == 1
    assert reward_flow.send_reminders(due - timedelta(days=13)) == 0
    texts = [m.text for m in intake.open_with_code(concluded.code).messages]
    assert any(due.isoformat() in text for text in texts)
    assert [d.pk for d in reward_flow.lapse_overdue(due + timedelta(days=1))] == [decision.pk]
    decision.refresh_from_db()
    assert decision.state == DecisionState.LAPSED


def test_a_paid_reward_cannot_change(concluded, people):
    decision = approved(concluded.report, people)
    reward_flow.claim(intake.open_with_code(concluded.code), payee())
    with pytest.raises(RewardRefused):
        reward_flow.mark_paid(decision, people["reviewer1"])
    reward_flow.mark_paid(decision, people["finance"])
    decision.refresh_from_db()
    assert decision.state == DecisionState.PAID and decision.paid_by == people["finance"]
    with pytest.raises(RewardRefused):
        reward_flow.mark_paid(decision, people["finance"])
    decision.amount = Decimal("1")
    with pytest.raises(DecisionLocked):
        decision.save()
    with pytest.raises(DecisionLocked):
        decision.delete()
    assert RewardDecision.objects.get(pk=decision.pk).amount == Decimal("2500.00")
    assert AuditEvent.objects.filter(action="reward.pay").count() == 1


# --- the status page ---------------------------------------------------------------------------------


def test_the_status_page_shows_the_approved_amount_and_accepts_a_claim(concluded, people, client):
    propose_only = propose(concluded.report, people)
    page = client.post(reverse("reports:status"), {"code": concluded.code})
    assert page.status_code == 200 and "reward-claim" not in page.content.decode()  # not yet approved
    reward_flow.review(propose_only, people["reviewer2"])
    reward_flow.approve(propose_only, people["approver"])

    html = client.post(reverse("reports:status"), {"code": concluded.code}).content.decode()
    assert "2,500.00" in html and "reward-claim" in html
    assert propose_only.reasoning[-1] in html or "2,500.00" in html

    bad = client.post(
        reverse("reports:reward_claim"),
        {
            "code": concluded.code,
            "payee_name": "张三",
            "payee_id_number": ID_NUMBER,
            "payee_bank_name": "工行",
            "payee_account": "12",
        },
    )
    assert bad.status_code == 400
    assert RewardDecision.objects.get().state == DecisionState.APPROVED

    done = client.post(
        reverse("reports:reward_claim"),
        {
            "code": concluded.code,
            "payee_name": "张三",
            "payee_id_number": ID_NUMBER,
            "payee_bank_name": "工行",
            "payee_account": ACCOUNT,
        },
    )
    assert done.status_code == 200
    assert RewardDecision.objects.get().state == DecisionState.CLAIMED
    assert "reward-claim" not in done.content.decode() and "reward-state" in done.content.decode()
    assert ACCOUNT not in done.content.decode()


def test_the_reporter_can_waive_on_the_status_page(concluded, people, client):
    approved(concluded.report, people)
    refused = client.post(reverse("reports:reward_waive"), {"code": concluded.code})
    assert refused.status_code == 400
    client.post(reverse("reports:reward_waive"), {"code": concluded.code, "confirm": "1"})
    assert RewardDecision.objects.get().state == DecisionState.WAIVED


# --- staff screens -----------------------------------------------------------------------------------


def member(username, group):
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username, password="x")
    user.groups.add(Group.objects.get(name=group))
    return user


def test_three_group_members_decide_on_the_case_page_and_finance_pays(concluded, people, client):
    proposer, reviewer = member("shenhe1", "奖励审核员"), member("shenhe2", "奖励审核员")
    approver, finance = member("shenpi", "奖励审批人"), member("caiwu", "财务")
    case_url = reverse("reports_admin:case", args=[concluded.report.pk])

    client.force_login(proposer)
    page = client.get(case_url).content.decode()
    assert "case-reward" in page and 'name="excluded_reason"' in page
    client.post(
        reverse("reports_admin:reward_propose", args=[concluded.report.pk]),
        {"scheme": "hefei-2023", "subject_type": "individual", "grade": ""},
    )
    decision = RewardDecision.objects.get()
    assert decision.amount == Decimal("2500.00") and decision.proposed_by == proposer

    client.force_login(reviewer)
    client.post(reverse("reports_admin:reward_step", args=[decision.pk, "review"]))
    client.force_login(approver)
    assert "2500.00" in client.get(case_url).content.decode()
    client.post(reverse("reports_admin:reward_step", args=[decision.pk, "approve"]))
    decision.refresh_from_db()
    assert decision.state == DecisionState.APPROVED
    reward_flow.claim(intake.open_with_code(concluded.code), payee())

    client.force_login(finance)
    listing = client.get(reverse("reports_admin:reward_payments"))
    assert listing.status_code == 200 and concluded.report.number in listing.content.decode()
    export = client.post(reverse("reports_admin:reward_payments_export"))
    assert export.status_code == 200
    assert ACCOUNT in [
        c for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True) for c in row
    ]
    client.post(reverse("reports_admin:reward_mark_paid", args=[decision.pk]))
    decision.refresh_from_db()
    assert decision.state == DecisionState.PAID

    client.force_login(approver)
    assert client.get(reverse("reports_admin:reward_payments")).status_code == 404


def test_reward_staff_do_not_see_cases_before_their_outcome(report_keys, people, client):
    submitted = intake.submit(make_submission())
    client.force_login(member("shenhe1", "奖励审核员"))
    assert client.get(reverse("reports_admin:case", args=[submitted.report.pk])).status_code == 404
    assert submitted.report.status == Status.RECEIVED


def test_the_daily_task_lapses_unclaimed_rewards(monkeypatch):
    from reports import reward_flow, tasks_rewards

    monkeypatch.setattr(reward_flow, "lapse_overdue", lambda: ["a", "b"])
    monkeypatch.setattr(reward_flow, "send_reminders", lambda: 3)
    assert tasks_rewards.lapse_and_remind() == {"lapsed": 2, "reminded": 3}


def test_when_the_first_reporter_is_excluded_the_next_one_is_rewarded(report_keys, people):
    first = intake.submit(make_submission())
    second = intake.submit(make_submission(description="同一家医院挂床住院，我也看到了。"))
    merging.merge([first.report, second.report], people["intake"])
    conclude(first.report, people)
    reward_flow.exclude(first.report, people["reviewer2"], "举报人系该医院医保科工作人员，负有报告义务。")
    with pytest.raises(RewardRefused) as refused:
        propose(first.report, people)
    assert "举报人不属于排除情形" in refused.value.message
    decision = propose(second.report, people)
    assert decision.report_id == second.report.pk
    assert AuditEvent.objects.filter(action="reward.exclude", report=first.report).exists()


def test_an_exclusion_is_recorded_from_the_case_page(client, concluded, people):
    people["reviewer1"].user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(people["reviewer1"])
    url = reverse("reports_admin:reward_propose", args=[concluded.report.pk])
    data = {"scheme": "hefei-2023", "subject_type": "individual", "excluded_reason": "举报人参与了违法行为。"}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith(f"/admin/cases/{concluded.report.pk}/")
    assert concluded.report.reward_exclusion.reason == "举报人参与了违法行为。"
    assert not RewardDecision.objects.exists()
