"""Taking in a report (reports/intake.py): what reaches the database is sealed, opens again with the
code and with the bureau's key, is bound to its report, and is stored whole or not at all."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from PIL import Image
from pypdf import PdfReader

from reports import codes, crypto, evidence, intake, tasks
from reports.models import EvidenceFile, Report, ReportMessage

from .builders import make_submission, photo, simple_pdf

pytestmark = pytest.mark.django_db

NAME = "李秀英"
ID_NUMBER = "53090219800101030X"
PHONE = "13988776655"


def raw_rows() -> bytes:
    """Every byte of every report table, as a copy of the database would hold them."""
    dump = bytearray()
    with connection.cursor() as cursor:
        for model in (Report, ReportMessage, EvidenceFile, Report.categories.through):
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608 - our own table names
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview | bytearray):
                        dump += bytes(value)
                    else:
                        dump += str(value).encode("utf-8")
    return bytes(dump)


def real_name_submission(files=()):
    return make_submission(
        amount=Decimal("12345.60"),
        identity=intake.Identity(name=NAME, id_number=ID_NUMBER, phone=PHONE, contact_preference="phone"),
        files=files,
    )


def test_a_real_name_report_with_files_leaves_nothing_readable_in_the_database(report_keys, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    original_photo = photo()
    original_pdf = simple_pdf(pages=1, **{"/Author": "举报人王五", "/Title": "病历复印件"})
    files = [evidence.sanitise(original_photo, "IMG_0001.jpg"), evidence.sanitise(original_pdf, "病历.pdf")]
    submission = real_name_submission(files)

    result = intake.submit(submission)

    dump = raw_rows()
    for secret in (submission.description, NAME, ID_NUMBER, PHONE, "举报人王五", "病历", "IMG_0001", result.code):
        assert secret.encode("utf-8") not in dump, secret
    assert codes.format_code(result.code).encode() not in dump
    assert original_photo[-200:] not in dump and files[0].content[-200:] not in dump
    assert not (tmp_path / "media").exists(), "evidence must never be written to media storage"

    for opened in (intake.open_with_code(result.code), intake.open_for_staff(result.report)):
        assert opened.content["description"] == submission.description
        assert opened.content["party_name"] == submission.party_name
        assert opened.content["amount"] == "12345.60"
        assert opened.identity == submission.identity
        assert [view.name for view in opened.evidence] == ["IMG_0001.jpg", "病历.pdf"]
        image_view, image_bytes = intake.evidence_content(opened, opened.evidence[0].id)
        assert image_view.media_type == "image/jpeg"
        image = Image.open(io.BytesIO(image_bytes))
        assert not image.getexif() and "exif" not in image.info
        _, pdf_bytes = intake.evidence_content(opened, opened.evidence[1].id)
        metadata = PdfReader(io.BytesIO(pdf_bytes)).metadata or {}
        assert "/Author" not in metadata and "/Title" not in metadata


def test_triage_fields_stay_in_clear_and_the_code_is_kept_only_as_a_keyed_digest(report_keys):
    result = intake.submit(make_submission())
    report = Report.objects.get(pk=result.report.pk)
    assert (report.party_type, report.region, report.status) == ("institution", "临翔区", "received")
    assert [category.slug for category in report.categories.all()] == ["phantom-inpatients"]
    assert report.code_digest == codes.lookup_digest(result.code, codes.lookup_secret()).hex()
    assert report.code_digest != codes.lookup_digest(result.code, b"another server's secret, 32 bytes!!").hex()


def test_report_numbers_count_up_within_the_year(report_keys):
    first = intake.submit(make_submission()).report.number
    second = intake.submit(make_submission()).report.number
    year, sequence = first.split("-")
    assert second == f"{year}-{int(sequence) + 1:06d}"


def test_a_typo_and_an_unknown_code_are_told_apart(report_keys):
    code = intake.submit(make_submission()).code
    mistyped = code[:3] + ("0" if code[3] != "0" else "1") + code[4:]
    with pytest.raises(codes.CodeChecksumError):
        intake.open_with_code(mistyped)
    with pytest.raises(intake.ReportNotFound):
        intake.open_with_code(codes.generate_code())
    assert intake.open_with_code(codes.format_code(code).lower().replace("-", " ")).report.pk


def test_a_ciphertext_moved_to_another_report_does_not_open(report_keys):
    victim = intake.submit(make_submission(description="报告甲：收费单据被篡改，金额明显偏高。"))
    other = intake.submit(make_submission(description="报告乙：另一家药店串换药品。"))
    stolen = Report.objects.values_list("content", flat=True).get(pk=victim.report.pk)
    Report.objects.filter(pk=other.report.pk).update(content=stolen)
    with pytest.raises(crypto.DecryptionError):
        intake.open_with_code(other.code)
    with pytest.raises(crypto.DecryptionError):
        intake.open_for_staff(other.report)


def test_a_field_moved_to_another_slot_of_the_same_report_does_not_open(report_keys):
    result = intake.submit(real_name_submission())
    sealed = Report.objects.values_list("content", flat=True).get(pk=result.report.pk)
    Report.objects.filter(pk=result.report.pk).update(identity=sealed)
    with pytest.raises(crypto.DecryptionError):
        intake.open_for_staff(result.report)


def test_the_same_form_token_stores_one_report_and_shows_the_same_code(report_keys):
    token = intake.new_intake_token()
    first = intake.submit(make_submission(), intake_token=token)
    again = intake.submit(make_submission(), intake_token=token)
    assert again.repeated and again.code == first.code and again.report.pk == first.report.pk
    assert Report.objects.count() == 1
    intake.confirm_code_kept(token)
    assert Report.objects.get().code_resend is None


def test_a_failing_submission_stores_nothing(report_keys, monkeypatch):
    def broken_bulk_create(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(EvidenceFile.objects, "bulk_create", broken_bulk_create)
    with pytest.raises(RuntimeError):
        intake.submit(make_submission(files=[evidence.sanitise(photo(), "a.jpg")]))
    assert not Report.objects.exists() and not EvidenceFile.objects.exists()


def test_staff_messages_reach_the_reporter_and_replies_reach_staff(report_keys):
    result = intake.submit(real_name_submission())
    intake.post_staff_message(result.report, "请补充住院日期。", kind="info_request")
    opened = intake.open_with_code(result.code)
    assert [(m.sender, m.kind, m.text) for m in opened.messages] == [("staff", "info_request", "请补充住院日期。")]

    intake.add_reporter_message(opened, "住院时间是十月五日至十月十二日。", [evidence.sanitise(photo(), "bill.jpg")])
    staff_view = intake.open_for_staff(result.report)
    assert staff_view.messages[-1].text == "住院时间是十月五日至十月十二日。"
    assert [file.name for file in staff_view.messages[-1].evidence] == ["bill.jpg"]
    assert "十月五日".encode() not in raw_rows()


def test_withdrawing_the_identity_deletes_it(report_keys):
    result = intake.submit(real_name_submission())
    intake.withdraw_identity(intake.open_with_code(result.code), "撤回实名")
    report = Report.objects.get(pk=result.report.pk)
    assert report.identity is None and not report.real_name
    assert intake.open_for_staff(report).identity is None
    assert intake.open_with_code(result.code).messages[-1].kind == "identity"


def test_the_receipt_digest_matches_what_staff_can_recompute(report_keys):
    files = [evidence.sanitise(photo(), "a.jpg")]
    result = intake.submit(make_submission(files=files))
    opened = intake.open_for_staff(result.report)
    sealed = Report.objects.values_list("content", flat=True).get(pk=result.report.pk)
    content = crypto.open_sealed(opened.dek, sealed, report_id=result.report.report_id, field="content")
    assert intake.submission_digest(content, [view.sha256 for view in opened.evidence]) == result.receipt.digest


# --- after commit -----------------------------------------------------------------------------


def test_intake_officers_are_told_of_a_new_report_only_after_commit_and_without_content(
    report_keys, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PORTAL_INTAKE_NOTIFY_EMAILS = ["intake@bureau.example"]
    submission = make_submission()
    with django_capture_on_commit_callbacks() as callbacks:
        result = intake.submit(submission)
    assert not mailoutbox, "nothing is sent before the report is committed"
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert result.report.number in mail.subject
    assert submission.description not in mail.body and submission.party_name not in mail.body
    assert Report.objects.get(pk=result.report.pk).processed_at is not None


def test_with_the_broker_down_the_report_is_kept_and_the_sweep_processes_it_later(
    report_keys, settings, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PORTAL_INTAKE_NOTIFY_EMAILS = ["intake@bureau.example"]

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(tasks.process_report, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        result = intake.submit(make_submission())
    report = Report.objects.get(pk=result.report.pk)
    assert report.processed_at is None and not mailoutbox

    assert tasks.sweep_reports() == 0, "the sweep leaves a report its own task may still be handling"
    Report.objects.filter(pk=report.pk).update(received_at=report.received_at - tasks.SWEEP_GRACE * 2)
    assert tasks.sweep_reports() == 1
    assert len(mailoutbox) == 1
    assert tasks.sweep_reports() == 0 and len(mailoutbox) == 1, "processed once only"
