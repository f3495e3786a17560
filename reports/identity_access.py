"""Seeing a real-name reporter's identity: a reasoned request, decided by a custodian, for a while.

A real-name reporter's name, ID number and telephone are hidden from everyone working the case. A
staff member who needs them (``request_identity``: the investigators) asks with a reason; a custodian
(``grant_identity``), never the requester, grants or refuses. A grant lets that one person see that
one report's identity for ``GRANT_VALIDITY``; afterwards a new request is needed. Requests,
decisions and every showing of the identity are audited (``identity.request``, ``identity.grant``,
``identity.refuse``, ``report.view_identity`` — the last written by the screen that shows it). The
audit details keep ids and dates, never the reason or the note, which are staff text and stay in
the request itself.

Plain module: no request.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import case_views
from .audit import record
from .models import AccessDecision, IdentityAccessRequest, Report

#: How long a grant lets its requester see the identity. A constant, not a setting, on purpose: the
#: period is part of the rule custodians apply, not of a deployment.
GRANT_VALIDITY = timedelta(days=7)
MIN_REASON_LENGTH = 10
MAX_REASON_LENGTH = 2000
MAX_NOTE_LENGTH = 2000

REQUEST_PERMISSION = "reports.request_identity"
GRANT_PERMISSION = "reports.grant_identity"


class IdentityAccessRefused(Exception):
    """Nothing was changed; ``message`` says why, for staff."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def may_request(user) -> bool:
    return bool(user.is_active and user.has_perm(REQUEST_PERMISSION))


def may_decide(user) -> bool:
    return bool(user.is_active and user.has_perm(GRANT_PERMISSION))


def _visible_to(report: Report, user) -> bool:
    return case_views.visible_reports(user).filter(pk=report.pk).exists()


def current_grant(report: Report, user) -> IdentityAccessRequest | None:
    """``user``'s granted, unexpired request for ``report``, if any."""
    if not may_request(user):
        return None
    return (
        IdentityAccessRequest.objects.filter(
            report=report, requested_by=user, decision=AccessDecision.GRANTED, valid_until__gt=timezone.now()
        )
        .order_by("-valid_until")
        .first()
    )


def may_see_identity(report: Report, user) -> bool:
    """Whether ``user`` holds a granted, unexpired request to see ``report``'s identity (and may still
    ask for one: a grant does not outlive the permission)."""
    return current_grant(report, user) is not None


def request_access(report: Report, user, reason: str) -> IdentityAccessRequest:
    """Ask, as ``user``, to see ``report``'s identity, giving ``reason``; audited ``identity.request``."""
    if not may_request(user):
        raise IdentityAccessRefused(_("You do not have permission to ask for a reporter's identity."))
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise IdentityAccessRefused(
            _("Give the reason for your request in at least %(count)s characters.") % {"count": MIN_REASON_LENGTH},
            field="reason",
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise IdentityAccessRefused(
            _("Keep the reason within %(count)s characters.") % {"count": MAX_REASON_LENGTH}, field="reason"
        )
    with transaction.atomic():
        # The report's row lock makes "one pending request per person and report" hold under a
        # double click as well.
        locked = Report.objects.without_ciphertext().select_for_update().filter(pk=report.pk).first()
        if locked is None or not _visible_to(locked, user):
            raise IdentityAccessRefused(_("You may not work on this report."))
        if not locked.real_name:
            raise IdentityAccessRefused(_("This report is anonymous: there is no identity to see."))
        mine = IdentityAccessRequest.objects.filter(report=locked, requested_by=user)
        if mine.filter(decision=AccessDecision.PENDING).exists():
            raise IdentityAccessRefused(_("You have already asked; a custodian has not decided yet."))
        if mine.filter(decision=AccessDecision.GRANTED, valid_until__gt=timezone.now()).exists():
            raise IdentityAccessRefused(_("You may already see this identity."))
        access = IdentityAccessRequest.objects.create(
            report=locked, requested_by=user, reason=reason, created_at=timezone.now()
        )
        record("identity.request", actor=user, report=locked, request=access.pk)
    return access


def decide(access: IdentityAccessRequest, custodian, grant: bool, note: str = "") -> IdentityAccessRequest:
    """Grant or refuse ``access`` as ``custodian``; audited ``identity.grant`` or ``identity.refuse``.

    A refusal needs a note (the requester reads it); a grant may have one. A grant is refused when
    the reporter has withdrawn their name meanwhile, or when the requester may no longer see the
    report (it was reassigned): there would be nothing, or nothing of theirs, to see."""
    if not may_decide(custodian):
        raise IdentityAccessRefused(_("You do not have permission to decide on requests for an identity."))
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise IdentityAccessRefused(
            _("Keep the note within %(count)s characters.") % {"count": MAX_NOTE_LENGTH}, field="note"
        )
    if not grant and not note:
        raise IdentityAccessRefused(_("Say why the request is refused; the requester reads it."), field="note")
    with transaction.atomic():
        locked = IdentityAccessRequest.objects.select_for_update().get(pk=access.pk)
        if locked.requested_by_id == custodian.pk:
            raise IdentityAccessRefused(_("You cannot decide on your own request; another custodian must."))
        if locked.decision != AccessDecision.PENDING:
            raise IdentityAccessRefused(
                _("This request was already decided (%(decision)s).") % {"decision": locked.get_decision_display()}
            )
        report = Report.objects.without_ciphertext().get(pk=locked.report_id)
        locked.report = report
        if grant and not report.real_name:
            raise IdentityAccessRefused(
                _("The reporter has withdrawn their name; there is no identity to see any more.")
            )
        if grant and not _visible_to(report, locked.requested_by):
            raise IdentityAccessRefused(
                _("%(name)s no longer works on report %(number)s; the request cannot be granted.")
                % {"name": locked.requested_by, "number": report.number}
            )
        now = timezone.now()
        locked.decision = AccessDecision.GRANTED if grant else AccessDecision.REFUSED
        locked.decided_by = custodian
        locked.decided_at = now
        locked.decision_note = note
        locked.valid_until = now + GRANT_VALIDITY if grant else None
        locked.save(update_fields=["decision", "decided_by", "decided_at", "decision_note", "valid_until"])
        details = {"request": locked.pk, "requested_by": locked.requested_by_id}
        if grant:
            details["valid_until"] = locked.valid_until.isoformat()
        record("identity.grant" if grant else "identity.refuse", actor=custodian, report=report, **details)
    return locked


def pending_requests():
    """Every request waiting for a custodian, oldest first."""
    return (
        IdentityAccessRequest.objects.filter(decision=AccessDecision.PENDING)
        .select_related("requested_by")
        # The number is all a custodian needs of the report (and loading it would load its blobs).
        .annotate(report_number=F("report__number"))
        .order_by("created_at", "pk")
    )
