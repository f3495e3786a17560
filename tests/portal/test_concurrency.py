"""Concurrent submissions and concurrent staff transitions on PostgreSQL, in threads that each hold a
connection of their own.

The deterministic tests hold the first transaction open at the critical point and wait until
PostgreSQL itself reports the others blocked on its locks (pg_stat_activity) before letting it go:
they prove that the row locks serialise the work, not that the threads happened not to overlap.
The burst tests then start many at once through a barrier."""

from __future__ import annotations

import threading
import time
from collections import Counter
from functools import partial

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection, connections
from django.utils import timezone, translation

from reports import crypto, intake, merging, receipts, workflow
from reports.audit import AuditEvent, verify_chain
from reports.models import Report, ReportCounter, Status
from reports.workflow import TransitionRefused

from ..reports.builders import make_submission

pytestmark = [pytest.mark.integration, pytest.mark.shared_database, pytest.mark.django_db(transaction=True)]

#: How long PostgreSQL gets to show the blocked transactions (a bound on waiting, not on speed).
LOCK_WAIT_LIMIT = 30


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch):
    # The code wrap's scrypt would only make the threads slower; it is not what these tests are about.
    monkeypatch.setattr(crypto, "CODE_KDF_COST", crypto.ScryptCost(n_log2=4, r=1, p=1))


class Worker(threading.Thread):
    """Runs ``target`` on its own database connection, keeps its result or exception, closes the
    connection at the end."""

    def __init__(self, name: str, target, *args, **kwargs):
        super().__init__(name=name, daemon=True)
        self._call = (target, args, kwargs)
        self.result = None
        self.error: BaseException | None = None

    def run(self):
        target, args, kwargs = self._call
        try:
            self.result = target(*args, **kwargs)
        except BaseException as exc:
            self.error = exc
        finally:
            connections.close_all()

    def outcome(self):
        self.join(LOCK_WAIT_LIMIT * 2)
        assert not self.is_alive(), f"{self.name} never finished"
        return self.error if self.error is not None else self.result


def blocked_on_locks() -> int:
    """Other sessions of the test database waiting for a lock held by another transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def wait_until_blocked(count: int) -> None:
    deadline = time.monotonic() + LOCK_WAIT_LIMIT
    while blocked_on_locks() < count:
        if time.monotonic() > deadline:
            pytest.fail(f"{count} transaction(s) should be waiting for the first one's lock; fewer are")
        time.sleep(0.05)


class Pause:
    """Stops the thread named ``first`` inside a function, with its transaction open, until released."""

    def __init__(self):
        self.reached = threading.Event()
        self.release = threading.Event()

    def wrap(self, function):
        def paused(*args, **kwargs):
            result = function(*args, **kwargs)
            if threading.current_thread().name == "first":
                self.reached.set()
                self.release.wait(LOCK_WAIT_LIMIT * 2)
            return result

        return paused

    def wait_reached(self):
        assert self.reached.wait(LOCK_WAIT_LIMIT), "the first transaction never got there"


def staff_user(username, *codenames):
    user = get_user_model().objects.create_user(username, password="x")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="reports", codename__in=codenames))
    return get_user_model().objects.get(pk=user.pk)


def zh(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def year_prefix() -> str:
    return f"{timezone.localdate().year}-"


def race(monkeypatch, pause_at, first_call, *other_calls):
    """Run ``first_call`` until it reaches ``pause_at`` (a module and the name of a function it calls
    inside its transaction), then each of ``other_calls`` until PostgreSQL shows them all waiting for a
    lock the first holds; then let everyone finish. Returns the outcomes, the first's first."""
    module, name = pause_at
    pause = Pause()
    monkeypatch.setattr(module, name, pause.wrap(getattr(module, name)))
    first = Worker("first", first_call)
    others = [Worker(f"other-{i}", call) for i, call in enumerate(other_calls)]
    first.start()
    try:
        pause.wait_reached()
        for worker in others:
            worker.start()
        wait_until_blocked(len(others))
    finally:
        pause.release.set()
    return [worker.outcome() for worker in (first, *others)]


# _refusal runs after the row is locked: the first transaction has checked the state and holds on.
DECIDED = (workflow, "_refusal")


# issue_receipt runs right after the report number is taken, inside the submitting transaction.
NUMBER_TAKEN = (receipts, "issue_receipt")


# --- submissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("counter_exists", [False, True], ids=["first-report-of-the-year", "counter-row-exists"])
def test_submissions_that_wait_for_the_number_get_consecutive_numbers(report_keys, demo, monkeypatch, counter_exists):
    if counter_exists:
        intake.submit(make_submission())
    taken = Report.objects.count()
    # Each of the others stores its report and files and then waits for the counter the first holds.
    submissions = [partial(intake.submit, make_submission()) for _ in range(4)]
    results = race(monkeypatch, NUMBER_TAKEN, *submissions)

    assert all(isinstance(result, intake.Submitted) for result in results), results
    numbers = sorted(result.report.number for result in results)
    assert numbers == [f"{year_prefix()}{n:06d}" for n in range(taken + 1, taken + 5)]
    assert results[0].report.number == f"{year_prefix()}{taken + 1:06d}", "the first to take a number keeps it"
    assert sorted(Report.objects.values_list("number", flat=True)) == sorted(
        [f"{year_prefix()}{n:06d}" for n in range(1, taken + 5)]
    )
    assert ReportCounter.objects.get().last == taken + 4


def test_a_burst_of_submissions_gets_unique_numbers_without_gaps(report_keys, demo):
    count = 12
    start = threading.Barrier(count)

    def submit_together():
        start.wait(LOCK_WAIT_LIMIT)
        return intake.submit(make_submission())

    workers = [Worker(f"reporter-{i}", submit_together) for i in range(count)]
    for worker in workers:
        worker.start()
    results = [worker.outcome() for worker in workers]

    assert all(isinstance(result, intake.Submitted) for result in results), results
    expected = [f"{year_prefix()}{n:06d}" for n in range(1, count + 1)]
    assert sorted(result.report.number for result in results) == expected
    assert sorted(Report.objects.values_list("number", flat=True)) == expected
    # Each reporter's code opens their own report.
    for result in results:
        assert intake.open_with_code(result.code).report.pk == result.report.pk


def test_the_same_form_sent_twice_at_once_stores_one_report_and_shows_one_code(report_keys, demo, monkeypatch):
    token = intake.new_intake_token()
    # The second insert waits on the first's uncommitted row with the same token.
    one, two = race(
        monkeypatch,
        NUMBER_TAKEN,
        partial(intake.submit, make_submission(), intake_token=token),
        partial(intake.submit, make_submission(), intake_token=token),
    )

    assert isinstance(one, intake.Submitted) and isinstance(two, intake.Submitted), (one, two)
    assert not one.repeated and two.repeated
    assert two.code == one.code and two.report.pk == one.report.pk
    assert Report.objects.count() == 1 and ReportCounter.objects.get().last == 1


# --- staff transitions ------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return {
        "officer": staff_user("officer", "decide_report", "assign_report", "view_all_reports"),
        "colleague": staff_user("colleague", "decide_report", "assign_report", "view_all_reports"),
        "investigator": staff_user("investigator", "investigate_report"),
        "other_investigator": staff_user("other_investigator", "investigate_report"),
    }


REJECT = {"rejection_reason": "no_target_or_facts", "message": "举报未提供具体对象和事实，不予受理。"}


def test_two_officers_deciding_one_report_at_once_one_wins_the_other_is_refused(report_keys, staff, monkeypatch):
    submitted = intake.submit(make_submission())
    report = submitted.report
    accepted, rejected = race(
        monkeypatch,
        DECIDED,
        partial(workflow.perform, report, "accept", staff["officer"]),
        partial(workflow.perform, report, "reject", staff["colleague"], **REJECT),
    )

    assert isinstance(accepted, Report) and accepted.status == Status.ACCEPTED
    assert isinstance(rejected, TransitionRefused), rejected
    assert zh(Status.ACCEPTED.label) in rejected.message, "the refusal says the report is already accepted"
    report.refresh_from_db()
    assert report.status == Status.ACCEPTED and report.rejection_reason == ""
    events = AuditEvent.objects.filter(report=report)
    assert [(e.action, e.actor_id) for e in events] == [("report.accept", staff["officer"].pk)]
    # The refused rejection never reached the reporter.
    assert intake.open_with_code(submitted.code).messages == []
    assert verify_chain().ok


def test_two_officers_assigning_one_report_at_once_keep_the_first_assignment(report_keys, staff, monkeypatch):
    report = workflow.perform(intake.submit(make_submission()).report, "accept", staff["officer"])
    first, second = race(
        monkeypatch,
        DECIDED,
        partial(workflow.perform, report, "assign", staff["officer"], assignee=staff["investigator"]),
        partial(workflow.perform, report, "assign", staff["colleague"], assignee=staff["other_investigator"]),
    )

    assert isinstance(first, Report) and isinstance(second, TransitionRefused), (first, second)
    assert zh(Status.ASSIGNED.label) in second.message
    report.refresh_from_db()
    assert report.status == Status.ASSIGNED and report.assignee == staff["investigator"]
    assigned = AuditEvent.objects.filter(report=report, action="report.assign")
    assert [(e.actor_id, e.details["assignee"]) for e in assigned] == [(staff["officer"].pk, staff["investigator"].pk)]
    # Only the investigator of the winning assignment may start; the other one is refused.
    with pytest.raises(TransitionRefused):
        workflow.perform(report, "start", staff["other_investigator"])
    assert workflow.perform(report, "start", staff["investigator"]).status == Status.INVESTIGATING
    assert verify_chain().ok


def test_a_merge_and_a_decision_on_the_same_case_at_once_do_not_both_apply(report_keys, staff, monkeypatch):
    earlier = intake.submit(make_submission()).report
    later = intake.submit(make_submission()).report
    merger = staff_user("merger", "merge_report", "view_all_reports")
    # The merge has locked both reports and is checking them when the officer decides the later one.
    lead, refused = race(
        monkeypatch,
        (merging, "_check_mergeable"),
        partial(merging.merge, [earlier, later], merger),
        partial(workflow.perform, later, "accept", staff["officer"]),
    )

    assert isinstance(lead, Report) and lead.pk == earlier.pk, lead
    assert isinstance(refused, TransitionRefused) and earlier.number in refused.message, refused
    later.refresh_from_db()
    assert later.merged_into_id == earlier.pk and later.status == Status.RECEIVED
    assert list(AuditEvent.objects.filter(report=later).values_list("action", flat=True)) == ["report.merge"]
    assert verify_chain().ok


def test_concurrent_decisions_on_many_reports_keep_one_decision_each_and_an_intact_audit_chain(report_keys, staff):
    reports = [intake.submit(make_submission()).report for _ in range(6)]
    attempts = [
        (report, action, person)
        for report in reports
        for action, person in (("accept", "officer"), ("reject", "colleague"), ("accept", "colleague"))
    ]
    start = threading.Barrier(len(attempts))

    def decide(report, action, person):
        start.wait(LOCK_WAIT_LIMIT)
        return workflow.perform(report, action, staff[person], **(REJECT if action == "reject" else {}))

    workers = [Worker(f"staff-{i}", decide, *attempt) for i, attempt in enumerate(attempts)]
    for worker in workers:
        worker.start()
    outcomes = [worker.outcome() for worker in workers]

    unexpected = [o for o in outcomes if not isinstance(o, Report | TransitionRefused)]
    assert unexpected == []
    wins = Counter(o.pk for o in outcomes if isinstance(o, Report))
    assert wins == {report.pk: 1 for report in reports}, "exactly one decision per report"
    for report in reports:
        report.refresh_from_db()
        decisions = list(AuditEvent.objects.filter(report=report).values_list("action", flat=True))
        assert (
            len(decisions) == 1
            and decisions[0] == f"report.{'accept' if report.status == Status.ACCEPTED else 'reject'}"
        )
    sequences = list(AuditEvent.objects.values_list("sequence", flat=True))
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))
    assert verify_chain().ok
