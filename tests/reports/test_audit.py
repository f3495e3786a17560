"""The append-only, hash-chained audit trail (reports/audit.py, migration 0003, manage.py verify_audit)."""

import hashlib
import json
import threading
from contextlib import contextmanager
from datetime import UTC
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import ProtectedError

from reports import audit, intake
from reports.audit import AppendOnlyError, AuditEvent, InvalidAuditEvent, record, verify_chain

from .builders import make_submission

TABLE = "reports_auditevent"


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def flushable_audit_table(transactional_db):
    """Transactional tests end with Django's flush, a TRUNCATE on PostgreSQL, which the audit table's
    trigger refuses unless the table's owner sets portal.audit_allow_truncate in the session."""
    if on_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('portal.audit_allow_truncate', 'on', false)")


@contextmanager
def tampering():
    """A cursor that goes past every guard, as someone with the database's credentials could: on
    PostgreSQL the table's triggers are disabled inside a transaction that is rolled back at the end,
    so whatever is checked must be checked inside the block."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            if on_postgresql():
                # Foreign-key checks pending from the test's inserts would block the ALTER.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            yield cursor
        transaction.set_rollback(True)


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("intake-officer", password="x")


@pytest.fixture
def report(report_keys):
    return intake.submit(make_submission()).report


def record_some(count, **kwargs):
    return [record("report.view_content", n=index, **kwargs) for index in range(count)]


def documented_hash(event) -> str:
    """The hash as the module docstring describes it, computed without the module."""
    document = {
        "sequence": event.sequence,
        "created_at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": None if event.actor_id is None else str(event.actor_id),
        "actor_label": event.actor_label,
        "action": event.action,
        "report": None if event.report_id is None else str(event.report_id),
        "details": event.details,
        "previous_hash": event.previous_hash,
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# The chain


def test_each_event_holds_the_hash_of_the_one_before(user, report):
    record("report.accept", actor=user, report=report, from_status="received", to_status="accepted")
    record("report.view_content", actor=user, report=report)
    record("keys.rotate", new_key="x25519-abc", reports=3, measures=("fine", "recovery"), dry_run=False)
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [e.sequence for e in events] == [1, 2, 3]
    assert events[0].previous_hash == "0" * 64
    assert [e.previous_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert all(e.hash == documented_hash(e) for e in events)
    first, _, last = events
    assert (first.actor, first.actor_label, first.report_id) == (user, "intake-officer", report.pk)
    assert first.details == {"from_status": "received", "to_status": "accepted"}
    assert last.actor is None and last.actor_label == "" and last.report is None
    assert last.details == {"new_key": "x25519-abc", "reports": 3, "measures": ["fine", "recovery"], "dry_run": False}
    result = verify_chain()
    assert (result.ok, result.checked, result.first_bad_sequence, result.reason) == (True, 3, None, None)
    assert (result.last_sequence, result.last_hash) == (3, last.hash)


def test_an_empty_trail_verifies(db):
    assert verify_chain() == audit.VerifyResult(ok=True, checked=0)


def test_verify_reads_in_batches(db):
    record_some(7)
    assert verify_chain(batch_size=2).checked == 7


def test_the_event_keeps_the_user_name_of_its_time(user):
    record("report.view_identity", actor=user)
    user.username = "renamed"
    user.save()
    event = AuditEvent.objects.get()
    assert (event.actor, event.actor_label) == (user, "intake-officer")
    assert verify_chain().ok


def test_an_anonymous_user_is_no_actor(db):
    event = record("export.csv", actor=AnonymousUser())
    assert (event.actor_id, event.actor_label) == (None, "")


def test_the_event_commits_or_rolls_back_with_the_audited_change(user):
    record("report.accept", actor=user)

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        user.username = "changed"
        user.save()
        record("report.assign", actor=user)
        raise Abandoned
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["report.accept"]
    assert record("report.reject").sequence == 2
    assert verify_chain().ok


def test_details_and_actions_are_checked(db):
    for bad in ["", "accept", "Report.Accept", "report.", "report accept", "report." + "x" * 64]:
        with pytest.raises(InvalidAuditEvent):
            record(bad)
    for details in [
        {"amount": 1.5},
        {"amount": Decimal("1.50")},
        {"when": object()},
        {"nested": {1: "x"}},
        {"text": "a\x00b"},
        {"text": "\ud800"},
        {"big": "x" * audit.MAX_DETAILS_BYTES},
    ]:
        with pytest.raises(InvalidAuditEvent):
            record("report.accept", **details)
    assert not AuditEvent.objects.exists()


# What a changed or removed row looks like


def test_a_changed_row_is_named_by_its_sequence(db):
    record_some(5)
    with tampering() as cursor:
        cursor.execute("UPDATE reports_auditevent SET details = %s WHERE sequence = 3", ['{"n": 99}'])
        result = verify_chain()
    assert (result.ok, result.first_bad_sequence, result.checked) == (False, 3, 3)
    assert result.first_bad_action == "report.view_content"
    assert "changed" in result.reason
    assert (result.last_sequence, result.last_hash) == (2, AuditEvent.objects.get(sequence=2).hash)


def test_a_changed_action_is_named_by_its_sequence(db):
    record_some(5)
    with tampering() as cursor:
        cursor.execute("UPDATE reports_auditevent SET action = 'report.reject' WHERE sequence = 4")
        result = verify_chain()
    assert (result.ok, result.first_bad_sequence, result.first_bad_action) == (False, 4, "report.reject")
    assert "content does not match its hash" in result.reason


def test_a_changed_row_with_a_recomputed_hash_breaks_the_next_link(db):
    record_some(5)
    event = AuditEvent.objects.get(sequence=2)
    event.details = {"n": 42}
    forged = event.compute_hash()
    with tampering() as cursor:
        cursor.execute(
            "UPDATE reports_auditevent SET details = %s, hash = %s WHERE sequence = 2", ['{"n": 42}', forged]
        )
        result = verify_chain()
    assert (result.ok, result.first_bad_sequence) == (False, 3)
    assert "not the hash of event 2" in result.reason


def test_a_removed_row_shows_as_a_gap(db):
    record_some(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM reports_auditevent WHERE sequence = 3")
        result = verify_chain()
    assert (result.ok, result.first_bad_sequence) == (False, 4)
    assert result.reason == "event 3 is missing: a row was removed"


def test_removed_first_rows_show_as_a_gap(db):
    record_some(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM reports_auditevent WHERE sequence <= 2")
        result = verify_chain()
    assert (result.ok, result.first_bad_sequence) == (False, 3)
    assert result.reason == "events 1 to 2 are missing: a row was removed"


# The guards


def test_the_model_refuses_to_change_or_delete_an_event(db):
    event, *_ = record_some(3)
    event.details = {"n": 7}
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.save(update_fields=["details"])
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(sequence=1).update(action="report.reject")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["details"])
    assert AuditEvent.objects.count() == 3
    assert verify_chain().ok


def test_events_are_added_only_through_record(db):
    fields = {"sequence": 1, "action": "report.accept", "previous_hash": "0" * 64, "hash": "0" * 64}
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.create(**fields)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(**fields)])
    assert not AuditEvent.objects.exists()


def test_users_and_reports_in_the_trail_cannot_be_deleted(user, report):
    record("report.accept", actor=user, report=report)
    with pytest.raises(ProtectedError):
        user.delete()
    with pytest.raises(ProtectedError):
        report.delete()
    user.is_active = False
    user.save()


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_update_delete_and_truncate_on_postgresql(flushable_audit_table):
    record_some(3)
    with connection.cursor() as cursor:
        if on_postgresql():
            for sql in [
                "UPDATE reports_auditevent SET details = '{}' WHERE sequence = 2",
                "DELETE FROM reports_auditevent WHERE sequence = 2",
                "TRUNCATE reports_auditevent",
            ]:
                with pytest.raises(DatabaseError, match="audit events are append-only"), transaction.atomic():
                    # Without the test suite's escape, which flushable_audit_table turned on.
                    cursor.execute("SET LOCAL portal.audit_allow_truncate = 'off'")
                    cursor.execute(sql)
            assert verify_chain().checked == 3
            # The owner's escape for the test suite's flush, tried in a transaction that is undone.
            with transaction.atomic():
                cursor.execute("TRUNCATE reports_auditevent")
                transaction.set_rollback(True)
            assert verify_chain().ok
        else:
            # The triggers exist only on PostgreSQL; here the chain is what shows the change.
            cursor.execute("UPDATE reports_auditevent SET details = '{}' WHERE sequence = 2")
            result = verify_chain()
            assert (result.ok, result.first_bad_sequence) == (False, 2)
            cursor.execute("DELETE FROM reports_auditevent WHERE sequence = 2")
            result = verify_chain()
            assert (result.ok, result.first_bad_sequence, result.reason) == (
                False,
                3,
                "event 2 is missing: a row was removed",
            )


# Concurrency


@pytest.mark.django_db(transaction=True)
def test_concurrent_recording_neither_repeats_a_sequence_nor_forks_the_chain(flushable_audit_table):
    threads_count, per_thread = 2, 20
    if on_postgresql():
        start = threading.Barrier(threads_count)
        errors = []

        def work(thread):
            try:
                start.wait()
                for index in range(per_thread):
                    record("report.view_content", thread=thread, n=index)
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                connections.close_all()

        workers = [threading.Thread(target=work, args=(t,)) for t in range(threads_count)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert errors == []
    else:
        # SQLite's write lock serialises writers; an in-memory test database cannot be shared
        # between threads, so the same records are made one after the other.
        for thread in range(threads_count):
            for index in range(per_thread):
                record("report.view_content", thread=thread, n=index)
    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, threads_count * per_thread + 1))
    result = verify_chain()
    assert (result.ok, result.checked) == (True, threads_count * per_thread)


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_for_the_first_to_commit(flushable_audit_table):
    if on_postgresql():
        holding, release = threading.Event(), threading.Event()
        errors = []

        def first():
            try:
                with transaction.atomic():
                    record("report.accept", writer="first")
                    holding.set()
                    release.wait(timeout=10)
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                connections.close_all()

        def second():
            try:
                holding.wait(timeout=10)
                # Without the lock this would read an empty trail, take sequence 1 and fail on the
                # unique index once the first writer commits.
                record("report.assign", writer="second")
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                connections.close_all()

        workers = [threading.Thread(target=first), threading.Thread(target=second)]
        for worker in workers:
            worker.start()
        holding.wait(timeout=10)
        workers[1].join(timeout=0.5)
        assert workers[1].is_alive(), "the second writer did not wait for the first"
        release.set()
        for worker in workers:
            worker.join(timeout=10)
        assert errors == []
    else:
        # SQLite: the first writer's transaction holds the database's write lock until it commits.
        with transaction.atomic():
            record("report.accept", writer="first")
        record("report.assign", writer="second")
    first_event, second_event = AuditEvent.objects.order_by("sequence")
    assert (first_event.details, second_event.details) == ({"writer": "first"}, {"writer": "second"})
    assert second_event.previous_hash == first_event.hash
    assert verify_chain().checked == 2


# manage.py verify_audit


def test_the_command_reports_an_intact_chain(db, capsys):
    call_command("verify_audit")
    assert capsys.readouterr().out.splitlines() == ["Audit chain intact: 0 events."]
    *_, last = record_some(3)
    call_command("verify_audit", "--batch-size", "2")
    assert capsys.readouterr().out.splitlines() == [
        "Audit chain intact: 3 events.",
        f"Last event: sequence 3, hash {last.hash}.",
    ]


def test_the_command_names_the_first_bad_event_and_never_its_details(db, capsys):
    record_some(2)
    record("report.accept", marker="secret-looking-detail")
    record_some(2)
    with tampering() as cursor:
        cursor.execute("UPDATE reports_auditevent SET details = %s WHERE sequence = 3", ['{"marker": "other-detail"}'])
        with pytest.raises(CommandError) as failed:
            call_command("verify_audit")
    message = str(failed.value)
    assert message.startswith("Audit chain broken at event 3 (report.accept, ")
    assert "the row was changed" in message
    assert "detail" not in message and "secret" not in message
    assert capsys.readouterr().out == ""


def test_the_command_does_not_echo_a_forged_action(db):
    record_some(3)
    with tampering() as cursor:
        cursor.execute("UPDATE reports_auditevent SET action = %s WHERE sequence = 2", ["\x1b[2J张三 13800000000"])
        with pytest.raises(CommandError) as failed:
            call_command("verify_audit")
    assert "event 2 (invalid action name, " in str(failed.value)
    assert "张三" not in str(failed.value)


def test_manage_py_exits_non_zero(db, monkeypatch, capsys):
    from django.core.management import base

    from reports.management.commands.verify_audit import Command

    record_some(2)
    # run_from_argv closes every connection when it ends, which would end the test's transaction.
    monkeypatch.setattr(base, "connections", type("Connections", (), {"close_all": staticmethod(lambda: None)}))
    with tampering() as cursor:
        cursor.execute("DELETE FROM reports_auditevent WHERE sequence = 1")
        with pytest.raises(SystemExit) as exited:
            Command().run_from_argv(["manage.py", "verify_audit"])
    assert exited.value.code == 1
    assert "Audit chain broken at event 2 (report.view_content, " in capsys.readouterr().err
