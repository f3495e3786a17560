"""Taking in a report and opening it again, with the reporter's code or the bureau's key.

Plain values in, models out; no request. Everything the reporter gives is sealed here, in the same
transaction that stores it (``submit``); the after-commit work (``reports/tasks.py``) never sees
content. Nothing here logs.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import codes, crypto, deadlines, keys, receipts
from .evidence import SanitisedFile
from .models import (
    EvidenceFile,
    MessageKind,
    Report,
    ReportCounter,
    ReportMessage,
    Sender,
)

_TOKEN_LABEL = b"mediinsure-portal/reports/intake-token/v1\x00"
_DIGEST_LABEL = "mediinsure-portal/reports/submission/v1"


class ReportNotFound(Exception):
    """No report has this code (it is well-formed, with a valid check character)."""


class AlreadySubmitted(Exception):
    """This form was sent before and its code was confirmed as kept: it cannot be shown again."""

    def __init__(self, report: Report):
        super().__init__("this form was already submitted")
        self.report = report


# --- what a reporter gives ---------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """A real-name reporter's identity and how they wish to be contacted."""

    name: str
    id_number: str
    phone: str
    contact_preference: str


@dataclass(frozen=True)
class Submission:
    party_type: str
    party_name: str
    region: str
    category_ids: Sequence[int]
    description: str
    occurred_on: date | None = None
    amount: Decimal | None = None
    identity: Identity | None = None
    files: Sequence[SanitisedFile] = ()


@dataclass(frozen=True)
class Submitted:
    report: Report
    code: str
    receipt: receipts.Receipt
    #: True when this was a repeat of an earlier submission with the same form token (a reload or
    #: a double click): nothing new was stored and ``code`` is the earlier one.
    repeated: bool = False


# --- numbers and digests -----------------------------------------------------------------------


def next_report_number(year: int) -> str:
    """The next number of ``year`` (``2026-000123``). Call inside the submitting transaction: the
    UPDATE holds the counter row's lock until commit, so no two reports get one number and a
    failed submission leaves no gap."""
    counter = ReportCounter.objects.filter(year=year)
    if not counter.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                ReportCounter.objects.create(year=year, last=1)
        except IntegrityError:  # created by a concurrent submission meanwhile
            counter.update(last=F("last") + 1)
    return f"{year}-{counter.get().last:06d}"


def _canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def submission_digest(content: bytes, file_digests: Sequence[str]) -> str:
    """SHA-256 over the sealed content's plaintext and the sanitised files' digests, in order.

    The content carries a random salt, so the digest on a receipt confirms nothing about a guessed
    text; staff who open the report can recompute it and match a receipt to its report."""
    document = {
        "v": _DIGEST_LABEL,
        "content": hashlib.sha256(content).hexdigest(),
        "files": list(file_digests),
    }
    return hashlib.sha256(_canonical(document)).hexdigest()


def _token_digest(token: str) -> str:
    return hashlib.sha256(_TOKEN_LABEL + codes.lookup_secret() + token.encode("utf-8")).hexdigest()


def _token_key(token: str) -> crypto.DataKey:
    return crypto.DataKey(hashlib.sha256(_TOKEN_LABEL + b"key\x00" + token.encode("utf-8")).digest())


def new_intake_token() -> str:
    """A one-time token for a blank form; submitting twice with it stores one report."""
    return secrets.token_urlsafe(24)


# --- sealing -----------------------------------------------------------------------------------


def _content_document(submission: Submission) -> dict:
    return {
        "party_name": submission.party_name,
        "occurred_on": submission.occurred_on.isoformat() if submission.occurred_on else None,
        "amount": str(submission.amount) if submission.amount is not None else None,
        "description": submission.description,
        "salt": secrets.token_hex(16),
    }


def _seal_file(
    report: Report, dek: crypto.DataKey, file: SanitisedFile, *, position: int, message=None, now
) -> EvidenceFile:
    evidence = EvidenceFile(report=report, message=message, added_at=now, position=position)
    meta = {
        "name": file.display_name,
        "media_type": file.media_type,
        "size": len(file.content),
        "sha256": hashlib.sha256(file.content).hexdigest(),
    }
    evidence.meta = crypto.seal(dek, _canonical(meta), report_id=report.report_id, field=evidence.sealed_meta_name)
    evidence.data = crypto.seal(dek, file.content, report_id=report.report_id, field=evidence.sealed_data_name)
    return evidence


def _seal_message(report: Report, dek: crypto.DataKey, text: str, *, sender, kind, author=None, now):
    message = ReportMessage(report=report, sender=sender, kind=kind, author=author, created_at=now)
    message.body = crypto.seal(dek, text.encode("utf-8"), report_id=report.report_id, field=message.sealed_field_name)
    return message


def submit(submission: Submission, *, channel: str = "online", intake_token: str | None = None) -> Submitted:
    """Store a new report, sealed, in one transaction; returns it with its new tracking code.

    The slow part (one scrypt derivation for the code wrap) runs before the transaction, so the
    report-number lock is held only for the inserts."""
    if intake_token:
        earlier = repeat_of(intake_token)
        if earlier is not None:
            return earlier
    now = timezone.now()
    report = Report(
        id=uuid.uuid4(),
        received_at=now,
        status_changed_at=now,
        channel=channel,
        party_type=submission.party_type,
        region=submission.region,
        real_name=submission.identity is not None,
    )
    code = codes.generate_code()
    dek = crypto.DataKey.generate()
    rid = report.report_id
    report.code_digest = codes.lookup_digest(code, codes.lookup_secret()).hex()
    report.staff_key_wrap = keys.intake_keyring().wrap(dek, report_id=rid)
    report.code_key_wrap = crypto.wrap_with_code(dek, code, report_id=rid)
    content = _canonical(_content_document(submission))
    report.content = crypto.seal(dek, content, report_id=rid, field="content")
    if submission.identity is not None:
        report.identity = crypto.seal(dek, _canonical(asdict(submission.identity)), report_id=rid, field="identity")
    due = deadlines.acceptance_deadline(now)
    report.acceptance_due, report.acceptance_due_provisional = due.due, due.provisional
    files = [_seal_file(report, dek, file, position=index, now=now) for index, file in enumerate(submission.files)]
    report.submission_digest = submission_digest(
        content, [hashlib.sha256(f.content).hexdigest() for f in submission.files]
    )
    if intake_token:
        report.intake_token_digest = _token_digest(intake_token)
        report.code_resend = crypto.seal(_token_key(intake_token), code.encode("ascii"), report_id=rid, field="resend")

    try:
        with transaction.atomic():
            report.save(force_insert=True)
            report.categories.set(submission.category_ids)
            EvidenceFile.objects.bulk_create(files)
            # Last, so the counter's row lock is held for as short a time as possible.
            report.number = next_report_number(timezone.localdate(now).year)
            receipt = receipts.issue_receipt(report.number, now, report.submission_digest)
            report.receipt_key_id, report.receipt_signature = receipt.key_id, receipt.signature
            report.save(update_fields=["number", "receipt_key_id", "receipt_signature"])
            transaction.on_commit(lambda: _queue_processing(rid))
    except IntegrityError:
        # The same token submitted twice at once: the other request stored it.
        if intake_token:
            earlier = repeat_of(intake_token)
            if earlier is not None:
                return earlier
        raise
    return Submitted(report=report, code=code, receipt=receipt)


def repeat_of(intake_token: str) -> Submitted | None:
    """The earlier submission of this form, with its code; ``AlreadySubmitted`` once the reporter
    confirmed keeping the code (it is then gone from the server)."""
    report = Report.objects.filter(intake_token_digest=_token_digest(intake_token)).first()
    if report is None:
        return None
    if report.code_resend is None:
        raise AlreadySubmitted(report)
    code = crypto.open_sealed(
        _token_key(intake_token), report.code_resend, report_id=report.report_id, field="resend"
    ).decode("ascii")
    return Submitted(report=report, code=code, receipt=receipt_of(report), repeated=True)


def confirm_code_kept(intake_token: str) -> None:
    """The reporter confirmed keeping their code: forget the copy that allowed showing it again."""
    Report.objects.filter(intake_token_digest=_token_digest(intake_token)).update(code_resend=None)


def receipt_of(report: Report) -> receipts.Receipt:
    return receipts.Receipt(
        number=report.number,
        received_at=report.received_at,
        digest=report.submission_digest,
        key_id=report.receipt_key_id,
        signature=bytes(report.receipt_signature),
    )


def _queue_processing(report_id: str) -> None:
    from .tasks import queue_processing

    queue_processing(report_id)


# --- opening -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceView:
    id: uuid.UUID
    name: str
    media_type: str
    size: int
    sha256: str
    added_at: datetime
    from_reporter: bool = True


@dataclass(frozen=True)
class MessageView:
    id: uuid.UUID
    sender: str
    kind: str
    created_at: datetime
    text: str
    evidence: tuple[EvidenceView, ...] = ()

    @property
    def sender_label(self) -> str:
        return Sender(self.sender).label

    @property
    def kind_label(self) -> str:
        return MessageKind(self.kind).label


@dataclass
class OpenedReport:
    """A report with its content decrypted, for the reporter (by code) or for staff (by key)."""

    report: Report
    dek: crypto.DataKey = field(repr=False)
    content: dict
    identity: Identity | None
    messages: list[MessageView]
    evidence: list[EvidenceView]

    @property
    def report_id(self) -> str:
        return self.report.report_id


def find_by_code(code: str) -> Report:
    """The report of a code, or ``codes.CodeError`` (a typo: ask to check it) or ``ReportNotFound``."""
    digest = codes.lookup_digest(code, codes.lookup_secret()).hex()
    report = Report.objects.without_ciphertext().filter(code_digest=digest).first()
    if report is None:
        raise ReportNotFound
    return report


def open_with_code(code: str) -> OpenedReport:
    report = find_by_code(code)
    wrap = Report.objects.values_list("code_key_wrap", flat=True).get(pk=report.pk)
    return _open(report, crypto.unwrap_with_code(wrap, code, report_id=report.report_id))


def open_for_staff(report: Report) -> OpenedReport:
    """Decrypt with the bureau's key (staff and all roles only; raises on the public role)."""
    keyring = keys.staff_keyring()
    wrap = Report.objects.values_list("staff_key_wrap", flat=True).get(pk=report.pk)
    return _open(report, keyring.unwrap(wrap, report_id=report.report_id))


def _open(report: Report, dek: crypto.DataKey) -> OpenedReport:
    rid = report.report_id
    sealed = Report.objects.values("content", "identity").get(pk=report.pk)
    content = json.loads(crypto.open_sealed(dek, sealed["content"], report_id=rid, field="content"))
    identity = None
    if sealed["identity"] is not None:
        identity = Identity(**json.loads(crypto.open_sealed(dek, sealed["identity"], report_id=rid, field="identity")))
    evidence = []
    by_message: dict[uuid.UUID, list[EvidenceView]] = {}
    for item in EvidenceFile.objects.filter(report=report).defer("data"):
        meta = json.loads(crypto.open_sealed(dek, item.meta, report_id=rid, field=item.sealed_meta_name))
        view = EvidenceView(id=item.id, added_at=item.added_at, **meta)
        evidence.append(view)
        if item.message_id:
            by_message.setdefault(item.message_id, []).append(view)
    messages = [
        MessageView(
            id=message.id,
            sender=message.sender,
            kind=message.kind,
            created_at=message.created_at,
            text=crypto.open_sealed(dek, message.body, report_id=rid, field=message.sealed_field_name).decode("utf-8"),
            evidence=tuple(by_message.get(message.id, ())),
        )
        for message in ReportMessage.objects.filter(report=report)
    ]
    return OpenedReport(
        report=report, dek=dek, content=content, identity=identity, messages=messages, evidence=evidence
    )


def evidence_content(opened: OpenedReport, evidence_id) -> tuple[EvidenceView, bytes]:
    """One evidence file's sanitised bytes, or ``EvidenceFile.DoesNotExist`` (also for another
    report's file)."""
    item = EvidenceFile.objects.get(pk=evidence_id, report=opened.report)
    view = next(view for view in opened.evidence if view.id == item.id)
    data = crypto.open_sealed(opened.dek, item.data, report_id=opened.report_id, field=item.sealed_data_name)
    return view, data


# --- the reporter and the bureau write --------------------------------------------------------


def add_reporter_message(opened: OpenedReport, text: str, files: Sequence[SanitisedFile] = ()) -> ReportMessage:
    """The reporter's answer, with any new evidence, sealed under the report's key."""
    now = timezone.now()
    report = opened.report
    message = _seal_message(report, opened.dek, text, sender=Sender.REPORTER, kind=MessageKind.MESSAGE, now=now)
    sealed_files = [
        _seal_file(report, opened.dek, file, position=index, message=message, now=now)
        for index, file in enumerate(files)
    ]
    with transaction.atomic():
        message.save(force_insert=True)
        EvidenceFile.objects.bulk_create(sealed_files)
        Report.objects.filter(pk=report.pk).update(updated_at=now)
    return message


def withdraw_identity(opened: OpenedReport, note: str) -> None:
    """Turn a real-name report anonymous: the sealed identity is deleted, not kept aside; a note
    (sealed) tells the bureau it happened."""
    now = timezone.now()
    report = opened.report
    message = _seal_message(report, opened.dek, note, sender=Sender.REPORTER, kind=MessageKind.IDENTITY, now=now)
    with transaction.atomic():
        message.save(force_insert=True)
        Report.objects.filter(pk=report.pk).update(identity=None, real_name=False, updated_at=now)
    report.real_name = False
    opened.identity = None


def post_staff_message(report: Report, text: str, *, kind: str = MessageKind.MESSAGE, author=None) -> ReportMessage:
    """A message from the bureau to the reporter (staff tier): readable by the reporter's code."""
    opened_dek = keys.staff_keyring().unwrap(
        Report.objects.values_list("staff_key_wrap", flat=True).get(pk=report.pk), report_id=report.report_id
    )
    now = timezone.now()
    message = _seal_message(report, opened_dek, text, sender=Sender.STAFF, kind=kind, author=author, now=now)
    with transaction.atomic():
        message.save(force_insert=True)
        Report.objects.filter(pk=report.pk).update(updated_at=now)
    return message


def reporter_file_sizes(opened: OpenedReport) -> list[int]:
    return [view.size for view in opened.evidence]
