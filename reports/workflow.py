"""The case workflow as a table: from which states an action may be taken, the state it leads to, the
permission it needs, the fields it requires and the audit event it writes.

``perform(report, action, user, **fields)`` is the only way a report changes state. It locks the row,
checks everything before changing anything, and writes the change, the audit event and any message
to the reporter in one transaction; a refusal (``TransitionRefused``, with a message for staff)
changes nothing. Plain module: no request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import case_deadlines, intake
from .merging import case_reports
from .models import MessageKind, Outcome, RejectionReason, Report, Status


class TransitionRefused(Exception):
    """The action is not allowed now, for this user, or with these fields; nothing was changed."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    permission: str
    required: tuple[str, ...] = ()
    #: Only the investigator the report is assigned to may take it.
    assignee_only: bool = False
    #: The kind of message the reporter receives with it (the ``message`` field), if any.
    message_kind: str | None = None
    optional: tuple[str, ...] = field(default=())

    @property
    def audit_action(self) -> str:
        return f"report.{self.action}"


TRANSITIONS = {
    transition.action: transition
    for transition in (
        Transition(
            "accept",
            gettext_lazy("Accept"),
            (Status.RECEIVED,),
            Status.ACCEPTED,
            "reports.decide_report",
            optional=("message",),
            message_kind=MessageKind.DECISION,
        ),
        Transition(
            "reject",
            gettext_lazy("Do not accept"),
            (Status.RECEIVED,),
            Status.REJECTED,
            "reports.decide_report",
            required=("rejection_reason", "message"),
            message_kind=MessageKind.DECISION,
        ),
        Transition(
            "assign",
            gettext_lazy("Assign to an investigator"),
            (Status.ACCEPTED,),
            Status.ASSIGNED,
            "reports.assign_report",
            required=("assignee",),
        ),
        Transition(
            "refer",
            gettext_lazy("Refer to another authority"),
            (Status.ACCEPTED,),
            Status.ASSIGNED,
            "reports.assign_report",
            required=("referred_to",),
        ),
        Transition(
            "start",
            gettext_lazy("Start the investigation"),
            (Status.ASSIGNED,),
            Status.INVESTIGATING,
            "reports.investigate_report",
            assignee_only=True,
        ),
        Transition(
            "request_info",
            gettext_lazy("Ask the reporter for more information"),
            (Status.INVESTIGATING,),
            Status.INVESTIGATING,
            "reports.investigate_report",
            required=("message",),
            assignee_only=True,
            message_kind=MessageKind.INFO_REQUEST,
        ),
        Transition(
            "conclude",
            gettext_lazy("Conclude the investigation"),
            (Status.INVESTIGATING,),
            Status.CONCLUDED,
            "reports.investigate_report",
            required=("outcome",),
            optional=("verified_amount", "measures"),
            assignee_only=True,
        ),
        Transition(
            "give_feedback",
            gettext_lazy("Give the reporter the outcome"),
            (Status.CONCLUDED,),
            Status.FED_BACK,
            "reports.give_feedback",
            required=("message",),
            message_kind=MessageKind.FEEDBACK,
        ),
    )
}


def available_actions(report: Report, user) -> list[Transition]:
    """The actions ``user`` may take on ``report`` now (for the buttons on the case page)."""
    return [transition for transition in TRANSITIONS.values() if _refusal(report, transition, user) is None]


def _refusal(report: Report, transition: Transition, user) -> str | None:
    if report.merged_into_id:
        return _("This report was merged into report %(number)s; work on that one.") % {
            "number": report.merged_into.number
        }
    if report.status not in transition.sources:
        return _("“%(action)s” is not possible while the report is “%(status)s”.") % {
            "action": transition.label,
            "status": report.get_status_display(),
        }
    if not user.has_perm(transition.permission):
        return _("You do not have permission to “%(action)s”.") % {"action": transition.label}
    if transition.assignee_only and report.assignee_id != user.pk:
        return _("Only the investigator this report is assigned to may do this.")
    return None


def _clean_fields(transition: Transition, fields: dict) -> dict:
    allowed = set(transition.required) | set(transition.optional)
    unexpected = set(fields) - allowed
    if unexpected:
        raise TransitionRefused(
            _("“%(action)s” does not take: %(fields)s.")
            % {"action": transition.label, "fields": ", ".join(sorted(unexpected))}
        )
    for name in transition.required:
        value = fields.get(name)
        if value in (None, "", [], ()) or (isinstance(value, str) and not value.strip()):
            raise TransitionRefused(
                _("This field is required for “%(action)s”.") % {"action": transition.label}, field=name
            )
    cleaned = dict(fields)
    if "rejection_reason" in cleaned and cleaned["rejection_reason"] not in RejectionReason.values:
        raise TransitionRefused(_("Choose one of the legal reasons for not accepting."), field="rejection_reason")
    if "assignee" in cleaned:
        assignee = cleaned["assignee"]
        if not isinstance(assignee, get_user_model()) or not assignee.is_active:
            raise TransitionRefused(_("Choose an active staff member."), field="assignee")
        if not assignee.has_perm("reports.investigate_report"):
            raise TransitionRefused(_("%(name)s is not an investigator.") % {"name": assignee}, field="assignee")
    if "outcome" in cleaned and cleaned["outcome"] not in Outcome.values:
        raise TransitionRefused(_("Choose the outcome of the investigation."), field="outcome")
    amount = cleaned.get("verified_amount")
    if amount is not None and (not isinstance(amount, Decimal) or amount < 0 or amount.as_tuple().exponent < -2):
        raise TransitionRefused(
            _("Give the amount in yuan, at most two decimals, not negative."), field="verified_amount"
        )
    if cleaned.get("outcome") in (Outcome.SUBSTANTIATED, Outcome.PARTLY) and amount is None:
        raise TransitionRefused(
            _("A substantiated report needs the verified amount (0 when no money was involved)."),
            field="verified_amount",
        )
    return cleaned


def perform(report: Report, action: str, user, **fields) -> Report:
    """Take ``action`` on ``report`` as ``user``; returns the report as saved."""
    from .audit import record

    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionRefused(_("Unknown action."))
    cleaned = _clean_fields(transition, fields)
    with transaction.atomic():
        locked = Report.objects.without_ciphertext().select_for_update().get(pk=report.pk)
        refusal = _refusal(locked, transition, user)
        if refusal:
            raise TransitionRefused(refusal)
        if transition.message_kind == MessageKind.DECISION and locked.real_name and not cleaned.get("message"):
            # A real-name reporter must be told the decision (DOMAIN.md: within 5 working days); telling
            # them with the decision itself cannot be late.
            raise TransitionRefused(
                _("This is a real-name report: write the reporter a message telling them the decision."),
                field="message",
            )
        now = timezone.now()
        previous = locked.status
        changed = ["status", "status_changed_at", "updated_at"]
        locked.status, locked.status_changed_at = transition.target, now
        for name in ("rejection_reason", "referred_to", "outcome", "verified_amount"):
            if name in cleaned:
                setattr(locked, name, cleaned[name])
                changed.append(name)
        if "assignee" in cleaned:
            locked.assignee = cleaned["assignee"]
            changed.append("assignee")
        if transition.target == Status.ACCEPTED:
            locked.decided_at = now
            changed.append("decided_at")
            changed += case_deadlines.on_accepted(locked, now)
        if transition.target == Status.REJECTED:
            locked.decided_at = now
            changed.append("decided_at")
        if transition.target == Status.CONCLUDED:
            locked.concluded_at = now
            changed.append("concluded_at")
        locked.save(update_fields=changed)
        if "measures" in cleaned:
            locked.measures.set(cleaned["measures"])
        if transition.message_kind and cleaned.get("message"):
            # A decision or an outcome concerns every reporter of the case, each told through their own
            # sealed channel; a question goes to the lead's reporter only.
            recipients = [locked] if transition.message_kind == MessageKind.INFO_REQUEST else case_reports(locked)
            for recipient in recipients:
                intake.post_staff_message(recipient, cleaned["message"], kind=transition.message_kind, author=user)
        record(
            transition.audit_action,
            actor=user,
            report=locked,
            from_status=previous,
            to_status=transition.target,
            **_audit_details(cleaned),
        )
    return locked


def _audit_details(cleaned: dict) -> dict:
    """What the audit event keeps of the fields: choices and ids, never the text sent to the reporter."""
    details = {}
    for name in ("rejection_reason", "referred_to", "outcome"):
        if name in cleaned:
            details[name] = cleaned[name]
    if "assignee" in cleaned:
        details["assignee"] = cleaned["assignee"].pk
    if cleaned.get("verified_amount") is not None:
        details["verified_amount"] = str(cleaned["verified_amount"])
    if "measures" in cleaned:
        details["measures"] = sorted(measure.slug for measure in cleaned["measures"])
    if cleaned.get("message"):
        details["message_sent"] = True
    return details
