"""Reward decisions (issue 7, "Decision and payment"): eligibility, the three-person decision, the
reporter's claim or waiver by tracking code, lapse, and payment by finance.

``propose`` → ``review`` → ``approve`` are taken by three different users holding ``propose_reward``,
``review_reward`` and ``approve_reward``; none of them may be the case's investigator (the assignee)
nor anyone who took a workflow step on the case (a ``report.*`` audit event of theirs on any report
of the case). Each step may instead ``send_back`` with a reason; a new proposal then starts again.
The reporter ``claim``s (payee details validated, sealed under the report's own key) or ``waive``s
the approved reward; an unclaimed one ``lapse``s after ``claim_due``. Finance exports the claimed
rewards (the only place the payee is decrypted, audited) and marks them paid; a paid decision never
changes. Every step writes a ``reward.*`` audit event with ids and the amount as a string, never
payee data. Plain module: no request.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import case_deadlines, crypto, intake, keys, rewards
from .audit import AuditEvent, record
from .identity import validate_id_number
from .merging import case_reports, lead_of
from .models import Outcome, Report
from .reward_decisions import PAYEE_FIELD, DecisionLocked, DecisionState, RewardDecision, RewardExclusion
from .reward_models import NoVersionInForce, RewardScheme

DEFAULT_CLAIM_DAYS = 90
DEFAULT_SCHEME = "hefei-2023"
REMINDER_DAYS = 14

_ACCOUNT = re.compile(r"\d{12,30}")


class RewardRefused(Exception):
    """Nothing was changed; ``message`` says why (for staff or the reporter)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def label(self) -> str:
        """The check as staff read it (``name`` stays stable for the stored record)."""
        return str(CHECK_LABELS.get(self.name, self.name))


CHECK_LABELS = {
    "substantiated": gettext_lazy("The report was substantiated"),
    "first_reporter": gettext_lazy("First reporter of the case"),
    "not_excluded": gettext_lazy("The reporter is not excluded"),
    "not_already_rewarded": gettext_lazy("Not already rewarded for the same facts"),
}


@dataclass(frozen=True)
class Payee:
    name: str
    id_number: str
    bank_name: str
    account: str


def claim_days() -> int:
    value = getattr(settings, "PORTAL_REWARD_CLAIM_DAYS", DEFAULT_CLAIM_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"settings.PORTAL_REWARD_CLAIM_DAYS must be a positive number of days, got {value!r}.")
    return value


def default_scheme_slug() -> str:
    return getattr(settings, "PORTAL_REWARD_SCHEME", DEFAULT_SCHEME)


# --- eligibility -----------------------------------------------------------------------------------


def _live_decisions(reports):
    return RewardDecision.objects.filter(report__in=reports).exclude(state=DecisionState.SENT_BACK)


def eligibility(report: Report, *, excluded_reason: str = "", ignore=None) -> list[Check]:
    """The checks of the national measures, each with its result (``ignore``: a decision not to count
    as an earlier reward, the one being reviewed)."""
    lead = lead_of(report)
    reports = case_reports(report)
    substantiated = lead.outcome in (Outcome.SUBSTANTIATED, Outcome.PARTLY)
    excluded = set(RewardExclusion.objects.filter(report__in=reports).values_list("report_id", flat=True))
    # The first reporter of the case who is not excluded (national measures: first eligible reporter).
    first = next((candidate for candidate in reports if candidate.pk not in excluded), reports[0])
    others = _live_decisions(reports)
    if ignore is not None:
        others = others.exclude(pk=ignore.pk)
    return [
        Check(
            "substantiated",
            substantiated,
            lead.get_outcome_display() if lead.outcome else _("The investigation has not concluded."),
        ),
        Check(
            "first_reporter",
            first.pk == report.pk,
            _("Report %(number)s is the first eligible report of this case.") % {"number": first.number},
        ),
        Check(
            "not_excluded",
            report.pk not in excluded and not excluded_reason.strip(),
            excluded_reason.strip() or (_("Excluded earlier.") if report.pk in excluded else ""),
        ),
        Check(
            "not_already_rewarded",
            not others.exists(),
            _("Another reward decision exists for this case.") if others.exists() else "",
        ),
    ]


# --- separation of duties --------------------------------------------------------------------------


def _conflict(decision_or_report, user, permission: str, label: str, decision: RewardDecision | None = None) -> None:
    report = decision_or_report
    if not user.is_active or not user.has_perm(permission):
        raise RewardRefused(_("You do not have permission to %(step)s a reward.") % {"step": label})
    lead = lead_of(report)
    reports = case_reports(report)
    if lead.assignee_id == user.pk or any(r.assignee_id == user.pk for r in reports):
        raise RewardRefused(_("The investigator of the case may not take part in its reward."))
    handled = AuditEvent.objects.filter(report__in=reports, actor=user, action__startswith="report.").exclude(
        action__in=("report.view_content", "report.view_evidence", "report.view_identity")
    )
    if handled.exists():
        raise RewardRefused(_("You handled this case, so you may not take part in its reward."))
    if decision is not None and user.pk in (decision.proposed_by_id, decision.reviewed_by_id, decision.approved_by_id):
        raise RewardRefused(_("Proposal, review and approval must be done by three different people."))


def _locked(decision: RewardDecision) -> RewardDecision:
    return RewardDecision.objects.select_for_update().get(pk=decision.pk)


# --- staff steps -------------------------------------------------------------------------------------


def exclude(report: Report, user, reason: str) -> RewardExclusion:
    """Record that this report's reporter may not be rewarded, so the next reporter of the case can be."""
    _conflict(report, user, "reports.propose_reward", _("propose"))
    reason = (reason or "").strip()
    if not reason:
        raise RewardRefused(_("Give the reason for excluding the reporter."), field="excluded_reason")
    with transaction.atomic():
        if RewardExclusion.objects.filter(report=report).exists():
            raise RewardRefused(_("This reporter is already excluded."))
        exclusion = RewardExclusion.objects.create(report=report, reason=reason[:1000], recorded_by=user)
        record("reward.exclude", actor=user, report=report, exclusion=exclusion.pk)
    return exclusion


def propose(
    report: Report,
    user,
    *,
    scheme: RewardScheme | str | None = None,
    grade: int | None = None,
    subject_type: str | None = None,
    insider: bool = False,
    excluded_reason: str = "",
) -> RewardDecision:
    _conflict(report, user, "reports.propose_reward", _("propose"))
    checks = eligibility(report, excluded_reason=excluded_reason)
    failed = [check for check in checks if not check.passed]
    if failed:
        raise RewardRefused(
            _("The report is not eligible for a reward: %(checks)s.")
            % {"checks": _(", ").join(check.label for check in failed)}
        )
    if not isinstance(scheme, RewardScheme):
        try:
            scheme = RewardScheme.objects.get(slug=scheme or default_scheme_slug())
        except RewardScheme.DoesNotExist:
            raise RewardRefused(_("Unknown reward scheme."), field="scheme") from None
    try:
        version = scheme.version_for_received(report.received_at)
    except NoVersionInForce:
        raise RewardRefused(
            _("The scheme has no version in force on the day the report arrived."), field="scheme"
        ) from None
    lead = lead_of(report)
    case_value = lead.verified_amount or Decimal("0")
    try:
        quote = rewards.calculate_reward(
            rewards.SchemeRules.from_version(version), case_value, grade, subject_type or None, insider
        )
    except rewards.RewardInputError as error:
        raise RewardRefused(str(error)) from None
    with transaction.atomic():
        Report.objects.select_for_update().filter(pk=lead.pk).first()
        if _live_decisions(case_reports(report)).exists():
            raise RewardRefused(_("Another reward decision exists for this case."))
        decision = RewardDecision.objects.create(
            report=report,
            scheme_version=version,
            case_value=case_value,
            grade=grade,
            subject_type=subject_type or "",
            insider=insider,
            amount=quote.amount,
            reasoning=[str(line) for line in quote.lines],
            checks=[check.as_dict() for check in checks],
            excluded_reason=excluded_reason.strip(),
            proposed_by=user,
            proposed_at=timezone.now(),
        )
        record(
            "reward.propose",
            actor=user,
            report=report,
            decision=decision.pk,
            amount=str(decision.amount),
            scheme=scheme.slug,
            version=version.number,
        )
    return decision


def review(decision: RewardDecision, user) -> RewardDecision:
    with transaction.atomic():
        decision = _locked(decision)
        if decision.state != DecisionState.PROPOSED:
            raise RewardRefused(_("Only a proposed reward can be reviewed."))
        _conflict(decision.report, user, "reports.review_reward", _("review"), decision)
        decision.state, decision.reviewed_by, decision.reviewed_at = DecisionState.REVIEWED, user, timezone.now()
        decision.save()
        record("reward.review", actor=user, report=decision.report, decision=decision.pk, amount=str(decision.amount))
    return decision


def approve(decision: RewardDecision, user) -> RewardDecision:
    with transaction.atomic():
        decision = _locked(decision)
        if decision.state != DecisionState.REVIEWED:
            raise RewardRefused(_("Only a reviewed reward can be approved."))
        _conflict(decision.report, user, "reports.approve_reward", _("approve"), decision)
        now = timezone.now()
        decision.state, decision.approved_by, decision.approved_at = DecisionState.APPROVED, user, now
        decision.claim_due = case_deadlines.today_in_china() + timedelta(days=claim_days())
        decision.save()
        record(
            "reward.approve",
            actor=user,
            report=decision.report,
            decision=decision.pk,
            amount=str(decision.amount),
            claim_due=decision.claim_due.isoformat(),
        )
    return decision


def _send_back_permission(state: str) -> tuple[str, str] | None:
    if state == DecisionState.PROPOSED:
        return "reports.review_reward", _("review")
    if state == DecisionState.REVIEWED:
        return "reports.approve_reward", _("approve")
    return None


def send_back(decision: RewardDecision, user, reason: str) -> RewardDecision:
    """The reviewer (of a proposal) or the approver (of a reviewed reward) returns it with a reason."""
    if not (reason or "").strip():
        raise RewardRefused(_("Give the reason for sending the reward back."), field="reason")
    with transaction.atomic():
        decision = _locked(decision)
        step = _send_back_permission(decision.state)
        if step is None:
            raise RewardRefused(_("Only a proposed or reviewed reward can be sent back."))
        _conflict(decision.report, user, step[0], step[1], decision)
        previous = decision.state
        decision.state, decision.sent_back_reason = DecisionState.SENT_BACK, reason.strip()
        decision.sent_back_by, decision.sent_back_at = user, timezone.now()
        decision.save()
        record("reward.send_back", actor=user, report=decision.report, decision=decision.pk, from_state=previous)
    return decision


# --- the reporter ---------------------------------------------------------------------------------


def current_decision(report: Report) -> RewardDecision | None:
    """The decision the reporter of ``report`` sees: approved or later (never one still in review)."""
    return (
        RewardDecision.objects.filter(report=report)
        .filter(
            state__in=[
                DecisionState.APPROVED,
                DecisionState.CLAIMED,
                DecisionState.WAIVED,
                DecisionState.LAPSED,
                DecisionState.PAID,
            ]
        )
        .order_by("-proposed_at")
        .first()
    )


def validate_payee(payee: Payee) -> Payee:
    errors = {}
    name = payee.name.strip()
    if not name:
        errors["name"] = _("Give the payee's name.")
    id_number = payee.id_number.strip().upper()
    if not id_number:
        errors["id_number"] = _("Give the payee's resident ID number.")
    else:
        try:
            validate_id_number(id_number)
        except ValidationError as error:
            errors["id_number"] = error.messages[0]
    if not payee.bank_name.strip():
        errors["bank_name"] = _("Give the name of the bank.")
    account = re.sub(r"[\s-]", "", payee.account)
    if not _ACCOUNT.fullmatch(account):
        errors["account"] = _("A bank account number has 12 to 30 digits.")
    if errors:
        raise ValidationError(errors)
    return Payee(name=name, id_number=id_number, bank_name=payee.bank_name.strip(), account=account)


def _approved_for(opened: intake.OpenedReport) -> RewardDecision:
    decision = RewardDecision.objects.select_for_update().filter(report=opened.report).order_by("-proposed_at").first()
    if decision is None or decision.state != DecisionState.APPROVED:
        raise RewardRefused(_("There is no reward waiting to be claimed for this report."))
    if decision.claim_due and case_deadlines.today_in_china() > decision.claim_due:
        raise RewardRefused(_("The deadline to claim this reward has passed."))
    return decision


def claim(opened: intake.OpenedReport, payee: Payee) -> RewardDecision:
    """The reporter, with the code, claims the approved reward; raises ``ValidationError`` for bad
    payee details and ``RewardRefused`` when nothing can be claimed."""
    payee = validate_payee(payee)
    with transaction.atomic():
        decision = _approved_for(opened)
        document = json.dumps(asdict(payee), ensure_ascii=False, sort_keys=True).encode("utf-8")
        decision.payee = crypto.seal(opened.dek, document, report_id=opened.report_id, field=PAYEE_FIELD)
        decision.state, decision.claimed_at = DecisionState.CLAIMED, timezone.now()
        decision.save()
        record("reward.claim", report=opened.report, decision=decision.pk, amount=str(decision.amount))
    return decision


def waive(opened: intake.OpenedReport) -> RewardDecision:
    with transaction.atomic():
        decision = _approved_for(opened)
        decision.state, decision.waived, decision.waived_at = DecisionState.WAIVED, True, timezone.now()
        decision.save()
        record("reward.waive", report=opened.report, decision=decision.pk)
    return decision


# --- deadlines -------------------------------------------------------------------------------------


def lapse_overdue(today: date | None = None) -> list[RewardDecision]:
    """Approved rewards not claimed by ``claim_due`` lapse the day after."""
    today = today or case_deadlines.today_in_china()
    lapsed = []
    for pk in RewardDecision.objects.filter(state=DecisionState.APPROVED, claim_due__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            decision = RewardDecision.objects.select_for_update().get(pk=pk)
            if decision.state != DecisionState.APPROVED or decision.claim_due >= today:
                continue
            decision.state, decision.lapsed_on = DecisionState.LAPSED, today
            decision.save()
            record("reward.lapse", report=decision.report, decision=decision.pk)
            lapsed.append(decision)
    return lapsed


def due_for_reminder(today: date | None = None, days: int = REMINDER_DAYS):
    """Approved, unclaimed rewards due within ``days`` days and not yet reminded."""
    today = today or case_deadlines.today_in_china()
    return RewardDecision.objects.filter(
        state=DecisionState.APPROVED,
        claim_due__gte=today,
        claim_due__lte=today + timedelta(days=days),
        reminded_on__isnull=True,
    ).select_related("report")


def send_reminders(today: date | None = None) -> int:
    """A sealed message to each reporter whose reward is due soon (staff tier: needs the keyring)."""
    today = today or case_deadlines.today_in_china()
    sent = 0
    for decision in due_for_reminder(today):
        with transaction.atomic():
            locked = RewardDecision.objects.select_for_update().get(pk=decision.pk)
            if locked.reminded_on is not None or locked.state != DecisionState.APPROVED:
                continue
            intake.post_staff_message(
                locked.report,
                _(
                    "Reminder: your reward of %(amount)s yuan can be claimed on this page until %(due)s. "
                    "After that day it lapses."
                )
                % {"amount": f"{locked.amount:,.2f}", "due": locked.claim_due.isoformat()},
            )
            locked.reminded_on = today
            locked.save()
            record("reward.remind", report=locked.report, decision=locked.pk)
            sent += 1
    return sent


# --- finance ---------------------------------------------------------------------------------------


def open_payee(decision: RewardDecision) -> Payee:
    """Decrypt the payee with the bureau's key (staff tier only)."""
    report = decision.report
    wrap = Report.objects.values_list("staff_key_wrap", flat=True).get(pk=report.pk)
    dek = keys.staff_keyring().unwrap(wrap, report_id=report.report_id)
    raw = crypto.open_sealed(dek, bytes(decision.payee), report_id=report.report_id, field=PAYEE_FIELD)
    return Payee(**json.loads(raw))


def claimed_unpaid():
    return RewardDecision.objects.filter(state=DecisionState.CLAIMED).select_related("report").order_by("claimed_at")


def export_payments(user) -> bytes:
    """The claimed, unpaid rewards with their payees, as XLSX; audited with the decision ids."""
    from openpyxl import Workbook

    if not user.is_active or not user.has_perm("reports.export_reward_payments"):
        raise RewardRefused(_("You do not have permission to export reward payments."))
    decisions = list(claimed_unpaid())
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("payments")
    sheet.append(
        ["decision", "report_number", "amount", "payee_name", "id_number", "bank_name", "account", "claimed_at"]
    )
    for decision in decisions:
        payee = open_payee(decision)
        sheet.append(
            [
                decision.pk,
                decision.report.number,
                decision.amount,
                payee.name,
                payee.id_number,
                payee.bank_name,
                payee.account,
                timezone.localtime(decision.claimed_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    record("reward.export", actor=user, decisions=[decision.pk for decision in decisions])
    return buffer.getvalue()


def mark_paid(decision: RewardDecision, user) -> RewardDecision:
    if not user.is_active or not user.has_perm("reports.mark_reward_paid"):
        raise RewardRefused(_("You do not have permission to mark rewards as paid."))
    with transaction.atomic():
        decision = _locked(decision)
        if decision.state == DecisionState.PAID:
            raise RewardRefused(_("This reward is already paid and cannot change."))
        if decision.state != DecisionState.CLAIMED:
            raise RewardRefused(_("Only a claimed reward can be paid."))
        decision.state, decision.paid_by, decision.paid_at = DecisionState.PAID, user, timezone.now()
        decision.save()
        record("reward.pay", actor=user, report=decision.report, decision=decision.pk, amount=str(decision.amount))
    return decision


__all__ = ["Check", "DecisionLocked", "Payee", "RewardRefused"]
