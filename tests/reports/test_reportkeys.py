"""`manage.py reportkeys` (reports/management/commands/reportkeys.py): generating the keyring,
rotating to a new key without re-encrypting content, retiring an old private key only when nothing
needs it, and checking that every sealed value of every report opens."""

import io
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from disclosures.models import ViolationCategory
from reports import crypto, evidence, intake, keys
from reports.models import Report, ReportMessage

pytestmark = pytest.mark.django_db

NAME = "李秀英"
ID_NUMBER = "53090219800101002X"


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("reportkeys", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing(*args) -> tuple[str, str, str]:
    """Run a command expected to fail: its stdout, stderr and the error message."""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("reportkeys", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), str(caught.value)


def small_png() -> bytes:
    image = Image.new("RGB", (12, 8), (30, 160, 60))
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()


def submit(description: str, *, identity=False, files=()) -> intake.Submitted:
    category = ViolationCategory.objects.first()
    return intake.submit(
        intake.Submission(
            party_type="pharmacy",
            party_name="某某大药房",
            region="临翔区",
            category_ids=[category.pk],
            description=description,
            identity=(
                intake.Identity(name=NAME, id_number=ID_NUMBER, phone="13988776655", contact_preference="phone")
                if identity
                else None
            ),
            files=files,
        )
    )


@pytest.fixture
def reports(report_keys):
    """Three reports: a plain one, a real-name one with a photo, and one with a reporter message
    that carries a file."""
    plain = submit("报告一：药店串换药品，用医保卡结算保健品。")
    real_name = submit(
        "报告二：医院虚构住院记录。", identity=True, files=[evidence.sanitise(small_png(), "收费单.png")]
    )
    with_message = submit("报告三：挂床住院。")
    opened = intake.open_with_code(with_message.code)
    intake.add_reporter_message(opened, "补充：有照片为证。", [evidence.sanitise(small_png(), "照片.png")])
    return [plain, real_name, with_message]


def wrapped_key_ids() -> set[str]:
    return {crypto.wrapped_key_id(wrap) for wrap in Report.objects.values_list("staff_key_wrap", flat=True)}


# --- generate -------------------------------------------------------------------------------


def test_generate_creates_the_keyring_and_its_public_export_and_refuses_a_second_time(settings, tmp_path):
    path = tmp_path / "keys" / "keyring"
    settings.PORTAL_KEYRING = str(path)

    out, _ = run("generate")

    keyring = crypto.load_keyring(path)
    public_path = crypto.public_keyring_path(path)
    public = crypto.load_public_keyring(public_path)
    assert public.current_id == keyring.current_id
    assert keyring.current_id in out and str(public_path) in out and ".public" in out
    assert "private_key" not in out and "PRIVATE" not in out
    for entry in json.loads(path.read_text())["keys"]:
        assert entry["private_key"] not in out

    before = path.read_bytes(), public_path.read_bytes()
    _, _, message = failing("generate")
    assert "already exists" in message
    assert (path.read_bytes(), public_path.read_bytes()) == before


def test_generate_refuses_when_only_the_public_export_exists(tmp_path):
    path = tmp_path / "keyring"
    crypto.public_keyring_path(path).write_text("{}")

    _, _, message = failing("generate", "--path", str(path))

    assert ".public already exists" in message
    assert not path.exists()


def test_generate_with_a_passphrase_file(tmp_path):
    path = tmp_path / "keyring"
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text("correct horse battery staple\n")

    run("generate", "--path", str(path), "--passphrase-file", str(passphrase_file))

    assert "private_key_sealed" in path.read_text()
    with pytest.raises(crypto.KeyringError):
        crypto.load_keyring(path)
    assert crypto.load_keyring(path, "correct horse battery staple").current_id


# --- rotate, check, retire ------------------------------------------------------------------


def test_rotate_then_retire_the_old_key_and_every_report_still_opens(report_keys, reports):
    old_id = crypto.load_keyring(report_keys).current_id
    content_before = {r.pk: bytes(r.content) for r in Report.objects.all()}
    described = {r.report.pk: intake.open_for_staff(r.report).content["description"] for r in reports}

    out, _ = run("rotate")

    new_id = crypto.load_keyring(report_keys).current_id
    assert new_id != old_id and new_id in out
    assert "Rewrapped: 3" in out and "Already wrapped to the current key: 0" in out
    assert wrapped_key_ids() == {new_id}
    assert {r.pk: bytes(r.content) for r in Report.objects.all()} == content_before  # not re-encrypted
    assert crypto.load_public_keyring(crypto.public_keyring_path(report_keys)).current_id == new_id

    out, _ = run("retire", old_id)

    keyring = crypto.load_keyring(report_keys)
    assert not keyring.has_private_key(old_id) and keyring.has_private_key(new_id)
    assert old_id in [info.key_id for info in keyring.keys]  # the public half stays as a record
    out, _ = run("check")
    assert "Reports checked: 3" in out and "Failures: 0" in out
    # content x3, identity x1, message x1, evidence meta + data x2
    assert "Sealed fields and files opened: 9" in out
    keys.forget_loaded_keys()
    for submitted in reports:
        report = Report.objects.get(pk=submitted.report.pk)
        assert intake.open_for_staff(report).content["description"] == described[report.pk]
        by_code = intake.open_with_code(submitted.code)
        assert by_code.content["description"] == described[report.pk]
    assert intake.open_for_staff(reports[1].report).identity.name == NAME
    assert intake.open_with_code(reports[2].code).messages[0].text == "补充：有照片为证。"


def test_rotate_with_a_passphrase_protected_keyring(settings, tmp_path, report_keys, reports):
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text("s3cret passphrase\n")
    protected = tmp_path / "protected-keyring"
    crypto.save_keyring(crypto.load_keyring(report_keys), protected, passphrase="s3cret passphrase")
    settings.PORTAL_KEYRING = str(protected)
    settings.PORTAL_KEYRING_PASSPHRASE_FILE = str(passphrase_file)
    keys.forget_loaded_keys()

    run("rotate")

    keyring = crypto.load_keyring(protected, "s3cret passphrase")
    assert "private_key_sealed" in protected.read_text() and '"private_key"' not in protected.read_text()
    assert wrapped_key_ids() == {keyring.current_id}
    assert "Failures: 0" in run("check")[0]


def test_check_names_the_report_and_field_of_a_changed_byte(report_keys, reports):
    target = reports[1].report
    sealed = bytearray(Report.objects.values_list("content", flat=True).get(pk=target.pk))
    sealed[len(sealed) // 2] ^= 0x01
    Report.objects.filter(pk=target.pk).update(content=bytes(sealed))

    out, err, message = failing("check")

    assert f"report {target.number}: content:" in err
    assert "Failures: 1" in out and "Reports checked: 3" in out
    assert reports[0].report.number not in err and reports[2].report.number not in err
    assert "药" not in out + err + message and "报告" not in out + err + message


def test_check_refuses_a_message_body_moved_from_another_report(report_keys, reports):
    source = reports[2].report
    destination = reports[0].report
    opened = intake.open_with_code(reports[0].code)
    victim = intake.add_reporter_message(opened, "报告一的补充说明。")
    body_of_source = ReportMessage.objects.get(report=source).body
    ReportMessage.objects.filter(pk=victim.pk).update(body=body_of_source)

    out, err, _ = failing("check")

    assert f"report {destination.number}: message/{victim.pk}:" in err
    assert source.number not in err
    assert "Failures: 1" in out
    assert "补充" not in out + err


def test_check_reports_a_data_key_that_no_longer_unwraps(report_keys, reports):
    target = reports[0].report
    other_wrap = Report.objects.values_list("staff_key_wrap", flat=True).get(pk=reports[1].report.pk)
    Report.objects.filter(pk=target.pk).update(staff_key_wrap=other_wrap)

    _, err, _ = failing("check")

    assert f"report {target.number}: staff_key_wrap:" in err


def test_retire_refuses_while_reports_are_still_wrapped_to_the_key(report_keys, reports):
    keyring = crypto.load_keyring(report_keys)
    old_id = keyring.current_id
    crypto.rotate(keyring)
    crypto.save_keyring(keyring, report_keys)  # a new key, but no report rewrapped yet

    _, _, message = failing("retire", old_id)

    assert "3 report(s) are still wrapped to" in message and old_id in message
    assert crypto.load_keyring(report_keys).has_private_key(old_id)


def test_retire_refuses_the_current_key_and_an_unknown_key(report_keys):
    current = crypto.load_keyring(report_keys).current_id

    assert "current key" in failing("retire", current)[2]
    assert "no key" in failing("retire", "x25519-0000000000000000")[2]
    assert crypto.load_keyring(report_keys).has_private_key(current)


def test_rotate_is_refused_on_the_public_role(settings, report_keys, reports):
    settings.PORTAL_ROLE = "public"
    before = report_keys.read_bytes()

    _, _, message = failing("rotate")

    assert "public" in message and "private keys" in message
    assert report_keys.read_bytes() == before


def test_an_interrupted_rotation_is_finished_by_resume(report_keys, reports):
    keyring = crypto.load_keyring(report_keys)
    old_id = keyring.current_id
    new_id = crypto.rotate(keyring)
    crypto.save_keyring(keyring, report_keys)  # interrupted: the keyring was saved, nothing rewrapped
    first = Report.objects.get(pk=reports[0].report.pk)
    first.staff_key_wrap = crypto.rewrap(first.staff_key_wrap, keyring, keyring, report_id=first.report_id)
    Report.objects.bulk_update([first], ["staff_key_wrap"])  # ...after its first row
    keys.forget_loaded_keys()

    out, _ = run("rotate", "--resume", "--batch-size", "2")

    assert crypto.load_keyring(report_keys).current_id == new_id  # no third key
    assert len(crypto.load_keyring(report_keys).keys) == 2
    assert "Rewrapped: 2" in out and "Already wrapped to the current key: 1" in out
    assert wrapped_key_ids() == {new_id}
    run("retire", old_id)
    assert "Failures: 0" in run("check")[0]


def test_resume_after_the_public_tier_took_reports_with_the_old_export(settings, report_keys, reports):
    old_id = crypto.load_keyring(report_keys).current_id
    run("rotate")
    keyring = crypto.load_keyring(report_keys)
    new_id = keyring.current_id
    old_export = report_keys.parent / "old.public"
    # A public node that has not been given the new export yet still wraps to the old key.
    old_keyring = crypto.PublicKeyring(keyring.keys, old_id)
    crypto.write_public_keyring(old_keyring, old_export)
    settings.PORTAL_ROLE = "public"
    settings.PORTAL_KEYRING = str(old_export)
    keys.forget_loaded_keys()
    late = submit("报告四：公共节点在轮换期间收到。")
    settings.PORTAL_ROLE = "all"
    settings.PORTAL_KEYRING = str(report_keys)
    keys.forget_loaded_keys()
    assert crypto.wrapped_key_id(Report.objects.get(pk=late.report.pk).staff_key_wrap) == old_id

    assert "1 report(s) are still wrapped" in failing("retire", old_id)[2]
    out, _ = run("rotate", "--resume")

    assert "Rewrapped: 1" in out and "Already wrapped to the current key: 3" in out
    assert wrapped_key_ids() == {new_id}


def test_rotate_reports_a_key_it_cannot_rewrap_and_rewraps_the_others(report_keys, reports):
    target = reports[0].report
    other_wrap = Report.objects.values_list("staff_key_wrap", flat=True).get(pk=reports[1].report.pk)
    Report.objects.filter(pk=target.pk).update(staff_key_wrap=other_wrap)

    out, err, message = failing("rotate")

    new_id = crypto.load_keyring(report_keys).current_id
    assert f"report {target.number}: staff_key_wrap:" in err
    assert "1 report key(s) could not be rewrapped" in message
    assert "Rewrapped: 2" in out
    rewrapped = Report.objects.exclude(pk=target.pk).values_list("staff_key_wrap", flat=True)
    assert {crypto.wrapped_key_id(wrap) for wrap in rewrapped} == {new_id}


def test_every_key_operation_leaves_an_audit_event(report_keys):
    from reports.audit import AuditEvent

    call_command("reportkeys", "rotate", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("reportkeys", "retire", "x25519-0000000000000000", stdout=StringIO(), stderr=StringIO())
    call_command("reportkeys", "check", stdout=StringIO())
    events = [(e.action, e.details["ok"]) for e in AuditEvent.objects.order_by("sequence")]
    assert events == [("keys.rotate", True), ("keys.retire", False), ("keys.check", True)]
