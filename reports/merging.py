"""Several reports about the same facts make one case.

There is no Case model (docs/architecture.md, "Case work"): the earliest report of the case, by
``received_at`` and then number, is its lead and carries the workflow; every other report points at
it with ``merged_into``. Chains are never kept: when the lead changes, the reports that followed the
old lead point at the new one, so a report is always at most one step from its lead. Each report
keeps its own reporter, code, messages and evidence (they are sealed under its own key); what the
reporter of a merged report sees as the state of the case is the lead's (``effective_status``).

What may be merged, and why:

* a report that was not accepted (rejected) may not: its reporter has been told the decision, and
  a repeat of a case is declined with its own legal reason ("already under investigation");
* a concluded report, or one whose reporter has had the outcome (fed back), may not: its outcome
  and its feedback are its own, and new facts about it are a new report;
* a report that already follows another lead may be merged only together with that lead (the
  lead then joins this merge): otherwise the staff member is pointed at that lead;
* no report further along the workflow than the earliest report may be merged under it: the case
  would go back a step and so would what its reporter sees. Bring the earliest report at least as
  far first (these are rare: the later report is usually the new one).

Merging reports that are already one case is refused too ("nothing to merge"), so that a double
click does not write a second set of audit events.

Plain module: no request.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import record
from .models import Report, Status

PERMISSION = "reports.merge_report"

#: How far along the workflow each mergeable state is; any other state may not be merged.
MERGEABLE_STATES: dict[str, int] = {
    Status.RECEIVED: 0,
    Status.ACCEPTED: 1,
    Status.ASSIGNED: 2,
    Status.INVESTIGATING: 3,
}


class MergeRefused(Exception):
    """Nothing was merged; ``message`` says why, for staff."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def may_merge(user) -> bool:
    return bool(user.is_active and user.has_perm(PERMISSION))


def arrival_key(report: Report):
    return (report.received_at, report.number or "")


def lead_of(report: Report) -> Report:
    """The report that carries ``report``'s case: itself, or the report it was merged into (as the
    database says now, whatever the instance given remembers)."""
    current = Report.objects.without_ciphertext().get(pk=report.pk)
    seen = {current.pk}
    while current.merged_into_id and current.merged_into_id not in seen:
        seen.add(current.merged_into_id)
        current = Report.objects.without_ciphertext().get(pk=current.merged_into_id)
    return current


def case_reports(report: Report) -> list[Report]:
    """The reports of ``report``'s case in the order they arrived: the lead first, then the others."""
    lead = lead_of(report)
    merged = Report.objects.without_ciphertext().filter(merged_into=lead).exclude(pk=lead.pk)
    return [lead, *sorted(merged, key=arrival_key)]


def effective_status(report: Report) -> Status:
    """The state of ``report``'s case as its reporter should see it: the lead's."""
    return Status(lead_of(report).status)


def merge(reports: Iterable[Report], user) -> Report:
    """Merge ``reports`` (two or more) into one case, as ``user``; returns the lead.

    Raises ``MergeRefused`` and changes nothing if the user may not merge or a report may not be
    merged (module docstring). Locks the reports in arrival order, re-reads them, then points every
    report but the earliest (and every report that followed one of them) at the earliest, with a
    ``report.merge`` audit event on each, in one transaction."""
    if not may_merge(user):
        raise MergeRefused(_("You do not have permission to merge reports."))
    given = list(reports)
    ids = [report.pk for report in given]
    if len(set(ids)) != len(ids):
        raise MergeRefused(_("A report cannot be merged with itself."))
    if len(ids) < 2:
        raise MergeRefused(_("Choose at least two reports to merge."))
    with transaction.atomic():
        locked = list(
            Report.objects.without_ciphertext().select_for_update().filter(pk__in=ids).order_by("received_at", "number")
        )
        if len(locked) != len(ids):
            raise MergeRefused(_("One of the reports no longer exists."))
        in_set = set(ids)
        for report in locked:
            _check_mergeable(report, in_set)
        lead, others = locked[0], locked[1:]
        for report in others:
            if MERGEABLE_STATES[report.status] > MERGEABLE_STATES[lead.status]:
                raise MergeRefused(
                    _(
                        "Report %(number)s is further along (“%(status)s”) than report %(lead)s, the earliest, "
                        "which would lead the case (“%(lead_status)s”). Bring report %(lead)s at least as far "
                        "first."
                    )
                    % {
                        "number": report.number,
                        "status": report.get_status_display(),
                        "lead": lead.number,
                        "lead_status": lead.get_status_display(),
                    }
                )
        followers = list(
            Report.objects.without_ciphertext()
            .select_for_update()
            .filter(merged_into__in=ids)
            .exclude(pk__in=ids)
            .order_by("received_at", "number")
        )
        moving = [report for report in [*others, *followers] if report.merged_into_id != lead.pk]
        if not moving and lead.merged_into_id is None:
            raise MergeRefused(_("These reports are already one case."))
        numbers = {report.pk: report.number for report in locked}
        now = timezone.now()
        if lead.merged_into_id is not None:
            # It followed a later report of this set (only data from before these rules can say so):
            # it leads now, and the change is audited like any other.
            previous = lead.merged_into_id
            Report.objects.filter(pk=lead.pk).update(merged_into=None, updated_at=now)
            lead.merged_into = None
            record("report.merge", actor=user, report=lead, lead=lead.number, previous_lead=numbers.get(previous))
        for report in moving:
            previous = report.merged_into_id
            Report.objects.filter(pk=report.pk).update(merged_into=lead, updated_at=now)
            report.merged_into = lead
            record(
                "report.merge",
                actor=user,
                report=report,
                lead=lead.number,
                previous_lead=numbers.get(previous) if previous else None,
            )
    return lead


def _check_mergeable(report: Report, in_set: set) -> None:
    if report.status == Status.REJECTED:
        raise MergeRefused(
            _("Report %(number)s was not accepted; a report that was not accepted cannot be merged.")
            % {"number": report.number}
        )
    if report.status not in MERGEABLE_STATES:
        raise MergeRefused(
            _("Report %(number)s is “%(status)s”; a concluded case cannot be merged.")
            % {"number": report.number, "status": report.get_status_display()}
        )
    if report.merged_into_id and report.merged_into_id not in in_set:
        lead = Report.objects.without_ciphertext().only("number").get(pk=report.merged_into_id)
        raise MergeRefused(
            _("Report %(number)s is already part of the case of report %(lead)s; merge with report %(lead)s instead.")
            % {"number": report.number, "lead": lead.number}
        )
