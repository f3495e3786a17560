"""The append-only, hash-chained audit trail of the report intake.

Every workflow transition, every view of decrypted content or identity, every export and every key
operation appends one ``AuditEvent`` with ``record()``. Each event holds the SHA-256 of the one before
(``previous_hash``) and its own ``hash`` over a canonical serialisation of its fields, so changing or
removing a row breaks the chain where it happened; ``verify_chain()`` (``manage.py verify_audit``)
walks it and names the first bad event.

Canonical serialisation, for anyone verifying the chain with other tools: the JSON object

    {"action": …, "actor": …, "actor_label": …, "created_at": …, "details": …,
     "previous_hash": …, "report": …, "sequence": …}

with sorted keys, no whitespace (separators ``,`` and ``:``), non-ASCII characters written as they
are, encoded as UTF-8. ``sequence`` is an integer; ``created_at`` is UTC with microseconds
(``2026-12-01T05:44:12.123456+00:00``); ``actor`` and ``report`` are the ids as strings (the
report's UUID in its hyphenated lower-case form) or null; ``previous_hash`` of the first event is 64
zeros. ``hash`` is the lower-case hex SHA-256 of those bytes.

``details`` is small (at most ``MAX_DETAILS_BYTES``) and holds choices, ids, counts and flags, never
anything a reporter wrote nor anything decrypted: the trail is readable by whoever may read the
table, with no key. Its values are limited to strings, integers, booleans, null, lists and objects
with string keys, because those come back from PostgreSQL's ``jsonb`` and SQLite's JSON text exactly
as they went in (a float might not, and its event would then fail verification).

Guards: the model refuses to update or delete a row (``save()`` only inserts, ``delete()`` raises,
and so do the QuerySet's ``update()``, ``delete()``, ``bulk_create()`` and ``bulk_update()``); on
PostgreSQL, triggers created by migration 0003 refuse UPDATE, DELETE and TRUNCATE of the table. A
TRUNCATE is let through only for the table's owner with ``portal.audit_allow_truncate`` set to
``on`` in the session: the test suite needs it to empty the database between transactional tests,
and an owner can drop the trigger anyway. Neither guard stops someone who controls the database
server; the chain is what makes such a change visible. It cannot show events removed from the end
of the chain: keep the latest sequence and hash that ``verify_audit`` prints somewhere else.

Plain module: no request, and nothing here logs.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: ``previous_hash`` of the first event.
GENESIS_HASH = "0" * 64

#: Largest ``details``, as canonical JSON in UTF-8.
MAX_DETAILS_BYTES = 4096

#: Key of the PostgreSQL transaction-level advisory lock that serialises appends: the bytes
#: "rp-audit" read as a big-endian 64-bit integer. Nothing else in the project takes it.
ADVISORY_LOCK_KEY = 0x72702D6175646974

#: "report.accept", "report.view_content", "export.csv", "keys.rotate": dotted lower-case words.
ACTION_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
ACTION_MAX_LENGTH = 64

_HASH_PATTERN = re.compile(r"[0-9a-f]{64}")


class AuditError(Exception):
    """Base of every error raised here."""


class AppendOnlyError(AuditError):
    """An attempt to change or remove an audit event, or to add one other than through ``record()``."""


class InvalidAuditEvent(AuditError, ValueError):
    """``record()`` was given an action or details it cannot keep."""


class AuditEventQuerySet(models.QuerySet):
    """Refuses every bulk change: events are added one by one through ``record()``, never changed."""

    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only: they cannot be updated.")

    update.alters_data = True

    def delete(self):
        raise AppendOnlyError("Audit events are append-only: they cannot be deleted.")

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        raise AppendOnlyError("Audit events are added one at a time with reports.audit.record().")

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only: they cannot be updated.")

    bulk_update.alters_data = True


class AuditEvent(models.Model):
    """One entry of the audit trail. Create with ``record()`` only; never changed, never deleted."""

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    created_at = models.DateTimeField(_("time"), db_index=True, editable=False)
    # PROTECT: a user who appears in the trail can be deactivated, not deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        editable=False,
    )
    # The user name at the time, so the event still reads after a rename.
    actor_label = models.CharField(_("user name"), max_length=150, blank=True, editable=False)
    action = models.CharField(_("action"), max_length=ACTION_MAX_LENGTH, db_index=True, editable=False)
    report = models.ForeignKey(
        "reports.Report",
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        editable=False,
    )
    # Small and never report content (module docstring).
    details = models.JSONField(_("details"), default=dict, blank=True, editable=False)
    # Unique: two events naming the same predecessor (a forked chain) are refused by the database
    # even if the lock in record() were bypassed.
    previous_hash = models.CharField(_("previous hash"), max_length=64, unique=True, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        app_label = "reports"
        ordering = ["sequence"]
        get_latest_by = "sequence"
        # Related-object access and deletion checks go through the guarded QuerySet too.
        base_manager_name = "objects"
        # Nobody adds, changes or deletes an event by hand.
        default_permissions = ("view",)
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self):
        return f"#{self.sequence} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding or not getattr(self, "_appending", False):
            raise AppendOnlyError(
                "Audit events are append-only: add one with reports.audit.record(), never change one."
            )
        if kwargs.get("force_update") or kwargs.get("update_fields") is not None:
            raise AppendOnlyError("Audit events are append-only: they cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only: they cannot be deleted.")

    delete.alters_data = True

    def canonical_bytes(self) -> bytes:
        """The bytes ``hash`` is the SHA-256 of (module docstring)."""
        return canonical_bytes(
            sequence=self.sequence,
            created_at=self.created_at,
            actor_id=self.actor_id,
            actor_label=self.actor_label,
            action=self.action,
            report_id=self.report_id,
            details=self.details,
            previous_hash=self.previous_hash,
        )

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical_bytes()).hexdigest()


def _canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def canonical_bytes(
    *, sequence, created_at: datetime, actor_id, actor_label, action, report_id, details, previous_hash
) -> bytes:
    if timezone.is_naive(created_at):
        raise InvalidAuditEvent("An audit event's time must be timezone-aware.")
    document = {
        "sequence": sequence,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": None if actor_id is None else str(actor_id),
        "actor_label": actor_label,
        "action": action,
        "report": None if report_id is None else str(report_id),
        "details": details,
        "previous_hash": previous_hash,
    }
    # "surrogatepass" so that a tampered row holding a lone surrogate still hashes (to a mismatch)
    # instead of stopping verification with an encoding error.
    return _canonical_json(document).encode("utf-8", "surrogatepass")


def _check_action(action) -> None:
    if not isinstance(action, str) or len(action) > ACTION_MAX_LENGTH or not ACTION_PATTERN.fullmatch(action):
        raise InvalidAuditEvent(
            f"An audit action is dotted lower-case words of at most {ACTION_MAX_LENGTH} characters, "
            "such as 'report.accept'."
        )


def _check_value(value, where: str) -> None:
    # bool is an int; both are kept exactly by jsonb and SQLite.
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidAuditEvent(f"Audit detail {where} contains a NUL character, which PostgreSQL cannot store.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidAuditEvent(f"Audit detail {where} is not valid Unicode text.") from None
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_value(item, f"{where}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidAuditEvent(f"Audit detail {where} has a key that is not a string.")
            _check_value(key, f"{where} key")
            _check_value(item, f"{where}.{key}")
        return
    raise InvalidAuditEvent(
        f"Audit detail {where} is a {type(value).__name__}; details hold strings, integers, booleans, "
        "None, lists and dicts only (convert a Decimal or a date to a string, an object to its id)."
    )


def _clean_details(details: dict) -> dict:
    for key, value in details.items():
        _check_value(value, repr(key))
    # Through JSON and back: tuples become lists, as they come back from the database.
    cleaned = json.loads(_canonical_json(details))
    if len(_canonical_json(cleaned).encode("utf-8")) > MAX_DETAILS_BYTES:
        raise InvalidAuditEvent(f"Audit details are limited to {MAX_DETAILS_BYTES} bytes of JSON.")
    return cleaned


def record(action: str, *, actor=None, report=None, **details) -> AuditEvent:
    """Append one event and return it.

    ``actor`` is the user who acted (``None`` for the system; an anonymous user counts as none), its
    current user name is kept as ``actor_label``. ``report`` is the ``Report`` concerned, if any.
    Every other keyword argument goes into ``details``: ids, choices, counts, flags — never report
    content, never decrypted text.

    Call it inside the transaction that makes the audited change, so that both commit or neither,
    and preferably as its last statement: on PostgreSQL it takes a transaction-level advisory lock
    that serialises every append until that transaction ends, and the transaction must run at READ
    COMMITTED (Django's default), so that the last event is read after the lock is held. On SQLite
    the database's write lock serialises appends.
    """
    _check_action(action)
    details = _clean_details(details)
    if actor is not None and getattr(actor, "pk", None) is None:
        actor = None  # AnonymousUser
    if report is not None and report.pk is None:
        raise InvalidAuditEvent("An audit event can only name a report that has been saved.")
    using = router.db_for_write(AuditEvent)
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        last = AuditEvent.objects.using(using).order_by("-sequence").values("sequence", "hash").first()
        event = AuditEvent(
            sequence=last["sequence"] + 1 if last else 1,
            created_at=timezone.now(),
            actor=actor,
            actor_label=actor.get_username()[:150] if actor is not None else "",
            action=action,
            report=report,
            details=details,
            previous_hash=last["hash"] if last else GENESIS_HASH,
        )
        event.hash = event.compute_hash()
        event._appending = True
        try:
            event.save(using=using)
        finally:
            del event._appending
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    #: Events read, the bad one included.
    checked: int
    #: The first event that fails, with its action and time as stored, and why (English).
    first_bad_sequence: int | None = None
    first_bad_action: str | None = None
    first_bad_created_at: datetime | None = None
    reason: str | None = None
    #: The last good event: write these down elsewhere to detect events removed from the end.
    last_sequence: int | None = None
    last_hash: str | None = None


def _missing(first: int, last: int) -> str:
    return f"event {first} is missing" if first == last else f"events {first} to {last} are missing"


def verify_chain(batch_size: int = 1000, *, using: str | None = None) -> VerifyResult:
    """Walk every event in sequence order, recompute its hash and check the links; stop at the first
    bad event. A changed row fails its own hash (or, if whoever changed it also recomputed the hash,
    the next event's link); a removed row shows as a gap in the sequences."""
    using = using or router.db_for_read(AuditEvent)
    events = AuditEvent.objects.using(using).order_by("sequence").iterator(chunk_size=batch_size)
    checked = 0
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    last_sequence = last_hash = None

    def failure(event, reason):
        return VerifyResult(
            ok=False,
            checked=checked,
            first_bad_sequence=event.sequence,
            first_bad_action=event.action,
            first_bad_created_at=event.created_at,
            reason=reason,
            last_sequence=last_sequence,
            last_hash=last_hash,
        )

    for event in events:
        checked += 1
        if event.sequence != expected_sequence:
            if event.sequence > expected_sequence:
                reason = f"{_missing(expected_sequence, event.sequence - 1)}: a row was removed"
            else:
                reason = f"sequence {event.sequence} where {expected_sequence} was expected"
            return failure(event, reason)
        if not isinstance(event.hash, str) or not _HASH_PATTERN.fullmatch(event.hash):
            return failure(event, "its stored hash is not a SHA-256 hex digest: the row was changed")
        if event.compute_hash() != event.hash:
            return failure(event, "its content does not match its hash: the row was changed")
        if event.previous_hash != previous_hash:
            if event.sequence == 1:
                reason = "the first event does not start the chain (previous hash is not 64 zeros)"
            else:
                reason = (
                    f"its previous hash is not the hash of event {event.sequence - 1}: "
                    f"event {event.sequence - 1} was changed and rehashed, or this link was altered"
                )
            return failure(event, reason)
        expected_sequence = event.sequence + 1
        previous_hash = last_hash = event.hash
        last_sequence = event.sequence
    return VerifyResult(ok=True, checked=checked, last_sequence=last_sequence, last_hash=last_hash)
