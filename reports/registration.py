"""Registering a report taken by another channel: the 12393 hotline, a letter or a visit.

An intake officer types in what the reporter gives, on the reporter's behalf. The report is stored
exactly as an online one is (``intake.submit``: sealed, numbered, receipt signed, intake officers
notified after commit), marked with its channel and with the officer who registered it, and the
tracking code comes back once, to be read out to the reporter. The code is never stored in clear,
never logged and never put in the audit trail.

One transaction covers the submission, ``registered_by`` and the audit event: a registered report
never exists without them. ``intake.submit`` opens its own atomic block, which becomes a savepoint
of ours; its slow scrypt wrap still runs before any row is written, so no lock is held meanwhile
(an open transaction that has not written holds none). The report-number counter's row lock, taken
last inside ``submit``, is then held for one more UPDATE and the audit insert until our commit.

Plain module: no request.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from . import intake
from .audit import record
from .models import Channel, Report

#: The channels a staff member registers reports for; online reports come in by themselves.
REGISTRATION_CHANNELS: tuple[str, ...] = (Channel.HOTLINE, Channel.LETTER, Channel.VISIT)

PERMISSION = "reports.register_report"


class RegistrationRefused(Exception):
    """The report was not registered; ``message`` says why, for staff."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def may_register(user) -> bool:
    return bool(user.is_active and user.has_perm(PERMISSION))


def register(submission: intake.Submission, *, channel: str, user) -> intake.Submitted:
    """Store ``submission`` as a report received by ``channel`` and registered by ``user``.

    Returns the ``Submitted`` result: its ``code`` is to be shown once and forgotten."""
    if not may_register(user):
        raise RegistrationRefused(_("You do not have permission to register reports."))
    if channel not in REGISTRATION_CHANNELS:
        raise RegistrationRefused(_("Choose how the report was received: hotline, letter or visit."), field="channel")
    with transaction.atomic():
        result = intake.submit(submission, channel=channel)
        report = result.report
        Report.objects.filter(pk=report.pk).update(registered_by=user)
        report.registered_by = user
        record(
            "report.register",
            actor=user,
            report=report,
            channel=channel,
            real_name=submission.identity is not None,
            files=len(submission.files),
        )
    return result
