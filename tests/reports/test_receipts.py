"""Signed receipts (reports/receipts.py): issuing, the text a reporter keeps and pastes back,
verification, key files and rotation, the public check page and the key commands."""

import hashlib
import json
import pickle
import stat
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from reports import receipts
from reports.receipts import (
    CHINA_TIME,
    ReceiptFormatError,
    ReceiptInvalid,
    ReceiptKeyError,
    ReceiptKeys,
    ensure_development_receipt_keys,
    generate_receipt_keys,
    issue_receipt,
    load_receipt_keys,
    parse_receipt,
    receipt_keys,
    rotate_receipt_keys,
    verify_receipt,
)

NUMBER = "2026-000123"
RECEIVED = datetime(2026, 12, 1, 5, 5, 9, 654321, tzinfo=UTC)  # 13:05:09 in Beijing
DIGEST = hashlib.sha256(b"submission").hexdigest()
VERIFY_URL = "/report/receipt/verify/"


@pytest.fixture
def keys_path(tmp_path):
    return tmp_path / "keys" / "receipt-keys"


@pytest.fixture
def keys(keys_path):
    return generate_receipt_keys(keys_path)


@pytest.fixture
def receipt(keys):
    return issue_receipt(NUMBER, RECEIVED, DIGEST, keys=keys)


@pytest.fixture
def site_keys(settings, keys_path, keys):
    settings.PORTAL_RECEIPT_KEYS = str(keys_path)
    return keys


def changed(text: str, label: str, value: str) -> str:
    """``text`` with the value of the line labelled ``label`` replaced."""
    lines = [f"{label}：{value}" if line.startswith(f"{label}：") else line for line in text.splitlines()]
    assert lines != text.splitlines(), f"no {label} line"
    return "\n".join(lines)


def value_of(text: str, label: str) -> str:
    return next(line.split("：", 1)[1] for line in text.splitlines() if line.startswith(f"{label}："))


# --- issuing and reading back ------------------------------------------------------------------


def test_an_issued_receipt_verifies_and_reads_back(keys, receipt):
    assert receipt.received_at == datetime(2026, 12, 1, 13, 5, 9, tzinfo=CHINA_TIME)
    assert receipt.key_id == keys.current_id
    assert verify_receipt(receipt, keys=keys) == receipt
    assert parse_receipt(receipt.as_text()) == receipt
    assert verify_receipt(receipt.as_text(), keys=keys) == receipt
    # Ed25519 is deterministic: the receipt can be issued again, identical.
    assert issue_receipt(NUMBER, RECEIVED, DIGEST, keys=keys) == receipt


def test_the_receipt_text_is_chinese_and_says_what_it_proves(receipt):
    text = receipt.as_text()
    lines = text.splitlines()

    assert lines[:6] == [
        "医疗保障基金违法违规行为举报回执",
        "举报编号：2026-000123",
        "接收时间：2026-12-01T13:05:09+08:00",
        f"提交内容摘要（SHA-256）：{DIGEST}",
        f"签名密钥：{receipt.key_id}",
        f"签名：{receipt.signature_text}",
    ]
    assert len(receipt.signature_text) == 88
    assert "先后" in text  # it decides who reported first
    assert "不含举报内容" in text
    assert VERIFY_URL in text
    assert "https://portal.example.cn/report/receipt/verify/" in receipt.as_text(
        verify_url="https://portal.example.cn/report/receipt/verify/"
    )


def test_the_receipt_names_the_real_verification_page():
    assert reverse("reports:receipt_verify") == receipts.VERIFY_PATH == VERIFY_URL


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="CRLF"),
        pytest.param(lambda t: t.replace("：", ":"), id="ASCII colons"),
        pytest.param(lambda t: t.replace("：", " ： "), id="spaces around colons"),
        pytest.param(lambda t: "\n\n".join(f"  {line} \t" for line in t.splitlines()) + "\n\n\n", id="blank lines"),
        pytest.param(lambda t: "\ufeff" + t.replace("签名：", "签名：\u200b"), id="BOM and zero-width space"),
        pytest.param(
            lambda t: "王先生：\n您好，回执如下。\n" + "".join(f"> {line}\n" for line in t.splitlines()), id="mail"
        ),
        pytest.param(lambda t: t.replace("（SHA-256）", ""), id="digest label without SHA-256"),
    ],
)
def test_the_text_survives_what_people_do_to_it(keys, receipt, mangle):
    text = mangle(receipt.as_text())

    assert verify_receipt(text, keys=keys) == receipt


def test_a_signature_broken_by_spaces_still_reads(keys, receipt):
    text = receipt.as_text()
    signature = value_of(text, "签名")
    text = changed(text, "签名", " ".join(signature[i : i + 22] for i in range(0, 88, 22)))

    assert verify_receipt(text, keys=keys) == receipt


def test_a_receipt_printed_in_english_reads_back_in_either_language(keys, receipt):
    with translation.override("en"):
        english = receipt.as_text()
        chinese_read_in_english = parse_receipt(receipt_text_in("zh-hans", receipt))

    assert "Report number: 2026-000123" in english
    assert "Time received: 2026-12-01T13:05:09+08:00" in english
    assert "举报" not in english
    assert verify_receipt(english, keys=keys) == receipt
    assert chinese_read_in_english == receipt


def receipt_text_in(language, receipt):
    with translation.override(language):
        return receipt.as_text()


def test_the_same_instant_written_in_utc_still_verifies(keys, receipt):
    text = changed(receipt.as_text(), "接收时间", "2026-12-01T05:05:09Z")

    assert verify_receipt(text, keys=keys) == receipt


# --- what does not verify ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("举报编号", "2026-000122"),
        ("接收时间", "2026-12-01T13:05:08+08:00"),
        ("提交内容摘要（SHA-256）", ("0" if DIGEST[0] != "0" else "1") + DIGEST[1:]),
        ("签名", None),  # one character of the signature changed
    ],
)
def test_changing_any_field_breaks_the_signature(keys, receipt, label, value):
    text = receipt.as_text()
    if value is None:
        signature = value_of(text, "签名")
        value = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    tampered = changed(text, label, value)

    with pytest.raises(ReceiptInvalid) as caught:
        verify_receipt(tampered, keys=keys)
    assert caught.value.code == "bad_signature"
    assert "签名不符" in caught.value.user_message


def test_a_receipt_signed_with_a_key_the_bureau_never_published_fails(keys):
    forged = issue_receipt(NUMBER, RECEIVED, DIGEST, keys=ReceiptKeys.new())

    with pytest.raises(ReceiptInvalid) as caught:
        verify_receipt(forged.as_text(), keys=keys)
    assert caught.value.code == "unknown_key"
    assert "本局公布的密钥" in caught.value.user_message


@pytest.mark.parametrize(
    ("text", "code", "field", "message"),
    [
        ("你好，我想问一下举报的进度。", "missing", "number", "缺少“举报编号”"),
        ("举报编号：2026-000123\n接收时间：昨天下午", "malformed", "received_at", None),
        ("举报编号：2026-000123\n举报编号：2026-000124", "conflicting", "number", None),
    ],
)
def test_text_that_is_not_a_receipt_says_what_is_wrong(text, code, field, message):
    with pytest.raises(ReceiptFormatError) as caught:
        parse_receipt(text)

    assert isinstance(caught.value, ValueError)
    assert (caught.value.code, caught.value.field) == (code, field)
    if message:
        assert message in caught.value.user_message


@pytest.mark.parametrize(
    ("label", "value", "field"),
    [
        ("举报编号", "第123号", "number"),
        ("接收时间", "2026-12-01T13:05:09", "received_at"),  # no offset: which 13:05?
        ("接收时间", "2026-12-01T13:05:09.5+08:00", "received_at"),
        ("提交内容摘要（SHA-256）", DIGEST[:40], "digest"),
        ("签名密钥", "x25519-0123456789abcdef", "key_id"),
        ("签名", "这不是签名", "signature"),
        ("签名", "QUJD", "signature"),  # Base64, but 3 bytes
    ],
)
def test_a_malformed_field_is_named(receipt, label, value, field):
    with pytest.raises(ReceiptFormatError) as caught:
        parse_receipt(changed(receipt.as_text(), label, value))

    assert (caught.value.code, caught.value.field) == ("malformed", field)
    assert caught.value.user_message  # a sentence for the reporter, per field


def test_a_missing_line_is_named(receipt):
    text = "\n".join(line for line in receipt.as_text().splitlines() if not line.startswith("签名："))

    with pytest.raises(ReceiptFormatError) as caught:
        parse_receipt(text)
    assert (caught.value.code, caught.value.field) == ("missing", "signature")
    assert "缺少“签名”" in caught.value.user_message


def test_a_receipt_needs_an_aware_time(keys):
    with pytest.raises(ValueError):
        issue_receipt(NUMBER, datetime(2026, 12, 1, 13, 5, 9), DIGEST, keys=keys)


# --- key files and rotation ----------------------------------------------------------------------


def test_a_new_key_file_is_private_and_never_replaced(keys_path, keys):
    before = keys_path.read_bytes()

    assert stat.S_IMODE(keys_path.stat().st_mode) == 0o600
    assert keys.current_id.startswith("ed25519-") and len(keys.current_id) == 24
    with pytest.raises(ReceiptKeyError, match="already exists"):
        generate_receipt_keys(keys_path)
    assert keys_path.read_bytes() == before


def test_a_private_key_file_readable_by_others_is_refused(keys_path, keys):
    keys_path.chmod(0o644)
    with pytest.raises(ReceiptKeyError, match="readable by others"):
        load_receipt_keys(keys_path)

    keys_path.chmod(0o640)
    assert load_receipt_keys(keys_path).current_id == keys.current_id


def test_a_file_of_public_keys_verifies_but_cannot_sign(keys_path, receipt):
    document = json.loads(keys_path.read_text())
    for entry in document["keys"]:
        del entry["private_key"]
    keys_path.write_text(json.dumps(document))
    keys_path.chmod(0o644)

    public = load_receipt_keys(keys_path)
    assert verify_receipt(receipt.as_text(), keys=public) == receipt
    with pytest.raises(ReceiptKeyError, match="cannot sign"):
        issue_receipt(NUMBER, RECEIVED, DIGEST, keys=public)


def test_after_rotation_old_receipts_verify_and_new_ones_use_the_new_key(keys_path, keys, receipt):
    new_id = rotate_receipt_keys(keys_path)
    rotated = load_receipt_keys(keys_path)
    later = issue_receipt("2026-000124", RECEIVED, DIGEST, keys=rotated)

    assert new_id != keys.current_id
    assert rotated.current_id == later.key_id == new_id
    assert verify_receipt(receipt.as_text(), keys=rotated) == receipt
    assert verify_receipt(later.as_text(), keys=rotated) == later
    assert [key.key_id for key in rotated.public_keys()] == [keys.current_id, new_id]
    # The retired key keeps only its public half.
    entries = json.loads(keys_path.read_text())["keys"]
    assert [("private_key" in entry) for entry in entries] == [False, True]
    assert stat.S_IMODE(keys_path.stat().st_mode) == 0o600


def _edit(path, change):
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def _other_public_key(document):
    document["keys"][0]["public_key"] = ReceiptKeys.new().public_keys()[0].public_key


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="mediinsure-portal-keyring"), "not a receipt key file"),
        (lambda d: d.update(version=2), "version 2"),
        (lambda d: d.update(current="ed25519-0000000000000000"), "not among the keys"),
        (lambda d: d.update(keys=[]), "no list of keys"),
        (lambda d: d["keys"][0].update(id="ed25519-0000000000000000"), "does not match its public key"),
        (_other_public_key, "does not match its public key"),
        (lambda d: d["keys"][0].update(private_key="not base64!"), "not valid base64"),
        (lambda d: d["keys"][0].update(created="2026-12-01T05:00:00"), "without time zone"),
    ],
)
def test_a_damaged_key_file_is_refused_clearly(keys_path, keys, change, message):
    _edit(keys_path, change)

    with pytest.raises(ReceiptKeyError, match=message):
        load_receipt_keys(keys_path)


def test_a_missing_or_non_json_key_file_is_refused(tmp_path):
    with pytest.raises(ReceiptKeyError, match="no receipt key file"):
        load_receipt_keys(tmp_path / "absent")
    (tmp_path / "garbage").write_bytes(b"\x00\xff")
    with pytest.raises(ReceiptKeyError, match="not JSON"):
        load_receipt_keys(tmp_path / "garbage")


def test_key_material_never_shows(keys_path, keys):
    private = json.loads(keys_path.read_text())["keys"][0]["private_key"]

    assert private not in repr(keys)
    assert keys.current_id in repr(keys)
    with pytest.raises(TypeError):
        pickle.dumps(keys)


def test_the_site_keys_load_once_and_again_after_a_rotation(site_keys, keys_path):
    first = receipt_keys()
    assert receipt_keys() is first

    new_id = rotate_receipt_keys(keys_path)

    assert receipt_keys().current_id == new_id
    assert issue_receipt(NUMBER, RECEIVED, DIGEST).key_id == new_id


# --- development keys and the commands ---------------------------------------------------------


@pytest.fixture
def dev_paths(settings, tmp_path):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    settings.PORTAL_KEYRING = str(tmp_path / "keyring")
    settings.PORTAL_RECEIPT_KEYS = str(tmp_path / "receipt-keys")
    return tmp_path / "receipt-keys"


def test_make_run_creates_development_receipt_keys_once(dev_paths, capsys):
    call_command("ensure_dev_keyring")
    created = load_receipt_keys(dev_paths)
    before = dev_paths.read_bytes()
    assert f"已创建开发用回执签名密钥（密钥 {created.current_id}）" in capsys.readouterr().out

    call_command("ensure_dev_keyring")

    assert dev_paths.read_bytes() == before
    assert "开发用回执签名密钥已就绪" in capsys.readouterr().out


def test_development_receipt_keys_only_with_debug_and_under_var(dev_paths, settings, tmp_path):
    with pytest.raises(ReceiptKeyError, match="under VAR_DIR"):
        ensure_development_receipt_keys(tmp_path.parent / "elsewhere")
    settings.DEBUG = False
    with pytest.raises(ReceiptKeyError, match="DEBUG"):
        ensure_development_receipt_keys()
    assert not dev_paths.exists()


def test_the_receiptkeys_command_generates_shows_and_rotates(keys_path, capsys):
    call_command("receiptkeys", "generate", "--path", str(keys_path))
    first = load_receipt_keys(keys_path).current_id
    assert first in capsys.readouterr().out
    with pytest.raises(CommandError, match="already exists"):
        call_command("receiptkeys", "generate", "--path", str(keys_path))

    call_command("receiptkeys", "rotate", "--path", str(keys_path))
    second = load_receipt_keys(keys_path).current_id
    assert second in capsys.readouterr().out

    call_command("receiptkeys", "show", "--path", str(keys_path))
    shown = capsys.readouterr().out.splitlines()
    published = load_receipt_keys(keys_path).public_keys()
    assert [line.split()[0] for line in shown] == [first, second]
    assert [line.split()[2] for line in shown] == [key.public_key for key in published]
    assert shown[1].endswith("当前使用")


def test_the_receiptkeys_command_uses_the_configured_file(site_keys, capsys):
    call_command("receiptkeys", "show")

    assert site_keys.current_id in capsys.readouterr().out


# --- the public check page ---------------------------------------------------------------------


@pytest.fixture
def page(db, site_keys):
    return VERIFY_URL


def test_the_page_offers_the_form_and_publishes_the_keys(client, page, site_keys, parse):
    response = client.get(page)
    html = response.content.decode()

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "csrftoken" not in response.cookies  # checking a receipt needs no cookie
    assert "举报回执</h1>" in html
    assert parse(response).find("textarea", name="text")
    assert parse(response).find("input", type="file", name="file")
    published = site_keys.public_keys()[0]
    assert published.key_id in html
    assert published.public_key in html


def test_a_pasted_receipt_is_valid(client, page, receipt):
    html = client.post(page, {"text": receipt.as_text()}).content.decode()

    assert "回执有效" in html
    assert NUMBER in html
    assert "2026-12-01T13:05:09+08:00" in html
    assert DIGEST in html
    assert receipt.key_id in html


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("utf-8"), id="UTF-8"),
        pytest.param(lambda text: text.replace("\n", "\r\n").encode("utf-8-sig"), id="UTF-8 with BOM, CRLF"),
        pytest.param(lambda text: text.encode("utf-16"), id="UTF-16 (Notepad 'Unicode')"),
        pytest.param(lambda text: text.encode("gbk"), id="GBK (older Notepad 'ANSI')"),
    ],
)
def test_an_uploaded_receipt_is_valid(client, page, receipt, encode):
    upload = SimpleUploadedFile("举报回执-2026-000123.txt", encode(receipt.as_text()), "text/plain")

    html = client.post(page, {"file": upload}).content.decode()

    assert "回执有效" in html
    assert NUMBER in html


def test_a_tampered_receipt_is_refused_in_chinese(client, page, receipt):
    tampered = changed(receipt.as_text(), "举报编号", "2026-000001")

    html = client.post(page, {"text": tampered}).content.decode()

    assert "回执无效" in html
    assert "签名不符" in html
    assert "回执有效" not in html


def test_garbage_is_refused_in_chinese(client, page):
    html = client.post(page, {"text": "随便写的一段话"}).content.decode()

    assert "缺少“举报编号”" in html
    assert "回执有效" not in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "选择回执文件"),
        ({"file": SimpleUploadedFile("big.txt", b"a" * (64 * 1024 + 1))}, "超过 64 KB"),
        ({"file": SimpleUploadedFile("photo.txt", b"\xff\xd8\xff\xe0" + bytes(range(256)))}, "无法以文本方式读取"),
    ],
)
def test_what_cannot_be_checked_is_explained(client, page, data, message):
    html = client.post(page, data).content.decode()

    assert message in html
    assert "回执有效" not in html
