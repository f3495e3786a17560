"""Report encryption (reports/crypto.py): sealed fields, the two wrappings of a data key, keyring
files, rotation and what the public role can do."""

import json
import os
import pickle
import stat

import pytest

from reports import codes, crypto
from reports.crypto import DataKey, DecryptionError, Keyring, KeyringError, PublicKeyring, ScryptCost

from .conftest import CHEAP_KDF, STATED_CODE_KDF_COST, STATED_KEYRING_KDF_COST

REPORT = "R-2025-000123"
OTHER_REPORT = "R-2025-000124"


@pytest.fixture
def dek():
    return DataKey.generate()


@pytest.fixture
def keyring_path(tmp_path):
    return tmp_path / "keys" / "keyring"


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def flipped(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1 :]


# --- data keys ---------------------------------------------------------------------------------


def test_data_keys_are_random_256_bit_keys():
    keys = {DataKey.generate().material for _ in range(100)}

    assert len(keys) == 100
    assert {len(key) for key in keys} == {32}


def test_a_data_key_does_not_show_or_travel(dek):
    assert dek.material.hex() not in repr(dek)
    with pytest.raises(TypeError):
        pickle.dumps(dek)
    with pytest.raises(ValueError):
        DataKey(b"\x00" * 16)


# --- sealed fields -----------------------------------------------------------------------------


@pytest.mark.parametrize("plaintext", [b"", "举报内容：挂床住院，虚构医疗服务。".encode(), os.urandom(1_000_000)])
def test_seal_and_open_round_trip(dek, plaintext):
    envelope = crypto.seal(dek, plaintext, report_id=REPORT, field="description")

    assert envelope[0] == crypto.FIELD_V1
    assert len(envelope) == 1 + 12 + len(plaintext) + 16
    assert crypto.open_sealed(dek, envelope, report_id=REPORT, field="description") == plaintext
    # From PostgreSQL a BinaryField comes back as a memoryview.
    assert crypto.open_sealed(dek, memoryview(envelope), report_id=REPORT, field="description") == plaintext


def test_each_seal_uses_a_fresh_nonce(dek):
    first = crypto.seal(dek, b"same", report_id=REPORT, field="description")
    second = crypto.seal(dek, b"same", report_id=REPORT, field="description")

    assert first[1:13] != second[1:13]
    assert first != second


@pytest.mark.parametrize(
    ("report_id", "field"),
    [(OTHER_REPORT, "description"), (REPORT, "reporter_name"), (REPORT, "description "), (REPORT + "0", "description")],
)
def test_a_ciphertext_moved_to_another_report_or_field_does_not_open(dek, report_id, field):
    envelope = crypto.seal(dek, b"secret", report_id=REPORT, field="description")

    with pytest.raises(DecryptionError, match="another report or field"):
        crypto.open_sealed(dek, envelope, report_id=report_id, field=field)


def test_a_ciphertext_does_not_open_under_another_reports_key(dek):
    envelope = crypto.seal(dek, b"secret", report_id=REPORT, field="description")

    with pytest.raises(DecryptionError):
        crypto.open_sealed(DataKey.generate(), envelope, report_id=REPORT, field="description")


def test_every_damaged_byte_is_detected(dek):
    envelope = crypto.seal(dek, b"evidence", report_id=REPORT, field="evidence/1")

    for index in range(len(envelope)):
        with pytest.raises(DecryptionError):
            crypto.open_sealed(dek, flipped(envelope, index), report_id=REPORT, field="evidence/1")
    for length in (0, 1, 13, 28, len(envelope) - 1):
        with pytest.raises(DecryptionError):
            crypto.open_sealed(dek, envelope[:length], report_id=REPORT, field="evidence/1")
    with pytest.raises(DecryptionError):
        crypto.open_sealed(dek, envelope + b"\x00", report_id=REPORT, field="evidence/1")


def test_a_blob_of_another_kind_is_named(dek):
    wrapped = crypto.wrap_with_code(dek, codes.generate_code(), report_id=REPORT)

    with pytest.raises(
        DecryptionError, match=r"expected a sealed field.*found a data key wrapped under a tracking code"
    ):
        crypto.open_sealed(dek, wrapped, report_id=REPORT, field="description")


def test_report_id_and_field_are_required(dek):
    with pytest.raises(ValueError):
        crypto.seal(dek, b"x", report_id="", field="description")
    with pytest.raises(ValueError):
        crypto.seal(dek, b"x", report_id=REPORT, field="")


# --- wrapping to the bureau's key --------------------------------------------------------------


def test_wrap_and_unwrap_with_the_keyring(dek):
    keyring = Keyring.new()

    wrapped = keyring.wrap(dek, report_id=REPORT)

    assert wrapped[0] == crypto.KEY_WRAP_V1
    assert crypto.wrapped_key_id(wrapped) == keyring.current_id
    assert len(wrapped) == 2 + len(keyring.current_id) + 32 + 12 + 32 + 16
    assert keyring.unwrap(wrapped, report_id=REPORT) == dek
    assert keyring.unwrap(memoryview(wrapped), report_id=REPORT) == dek
    assert keyring.wrap(dek, report_id=REPORT) != wrapped  # a fresh ephemeral key every time


def test_a_wrapped_key_belongs_to_its_report(dek):
    keyring = Keyring.new()
    wrapped = keyring.wrap(dek, report_id=REPORT)

    with pytest.raises(DecryptionError, match="another report"):
        keyring.unwrap(wrapped, report_id=OTHER_REPORT)


def test_a_damaged_wrapped_key_does_not_unwrap(dek):
    keyring = Keyring.new()
    wrapped = keyring.wrap(dek, report_id=REPORT)

    for index in range(len(wrapped)):
        # A damaged key id names a key this keyring lacks (KeyringError); anything else is a DecryptionError.
        with pytest.raises(crypto.CryptoError):
            keyring.unwrap(flipped(wrapped, index), report_id=REPORT)
    with pytest.raises(DecryptionError):
        keyring.unwrap(wrapped[:-1], report_id=REPORT)


def test_another_keyring_cannot_unwrap(dek):
    wrapped = Keyring.new().wrap(dek, report_id=REPORT)

    with pytest.raises(KeyringError, match="no private key"):
        Keyring.new().unwrap(wrapped, report_id=REPORT)


def test_key_ids_are_fingerprints():
    keyring = Keyring.new()
    info = keyring.key(keyring.current_id)

    assert keyring.current_id == crypto.key_id_for(info.public_key)
    assert keyring.current_id.startswith("x25519-")
    assert len(keyring.current_id) == len("x25519-") + 16


# --- the public role ---------------------------------------------------------------------------


def test_the_public_view_can_wrap_but_never_unwrap(dek):
    keyring = Keyring.new()
    public = keyring.public()

    wrapped = public.wrap(dek, report_id=REPORT)

    assert type(public) is PublicKeyring
    assert not hasattr(public, "unwrap")
    assert not hasattr(public, "_private")
    assert keyring.unwrap(wrapped, report_id=REPORT) == dek
    with pytest.raises(KeyringError, match="private keys"):
        crypto.rewrap(Keyring.new().wrap(dek, report_id=REPORT), public, keyring, report_id=REPORT)


def test_the_public_export_holds_public_keys_only(dek, keyring_path, tmp_path):
    keyring = crypto.generate_keyring(keyring_path)
    public_path = crypto.public_keyring_path(keyring_path)
    crypto.write_public_keyring(keyring, public_path)

    document = json.loads(public_path.read_text())
    public = crypto.load_public_keyring(public_path)

    assert public_path.name == "keyring.public"
    assert "protection" not in document
    assert all(set(entry) == {"id", "created", "algorithm", "public_key"} for entry in document["keys"])
    assert type(public) is PublicKeyring
    assert public.current_id == keyring.current_id
    assert keyring.unwrap(public.wrap(dek, report_id=REPORT), report_id=REPORT) == dek
    with pytest.raises(KeyringError, match="holds no private key"):
        crypto.load_keyring(public_path)


def test_the_public_role_refuses_a_file_with_private_keys(keyring_path):
    crypto.generate_keyring(keyring_path)

    with pytest.raises(KeyringError, match="holds private keys"):
        crypto.load_public_keyring(keyring_path)


def test_keyring_for_role(keyring_path):
    keyring = crypto.generate_keyring(keyring_path)
    public_path = crypto.public_keyring_path(keyring_path)
    crypto.write_public_keyring(keyring, public_path)

    assert type(crypto.keyring_for_role("public", public_path)) is PublicKeyring
    assert type(crypto.keyring_for_role("staff", keyring_path)) is Keyring
    assert type(crypto.keyring_for_role("all", keyring_path)) is Keyring
    with pytest.raises(KeyringError):
        crypto.keyring_for_role("public", keyring_path)
    with pytest.raises(ValueError):
        crypto.keyring_for_role("bogus", keyring_path)


# --- wrapping under the tracking code ----------------------------------------------------------


def test_wrap_and_unwrap_with_the_code(dek):
    code = codes.generate_code()

    wrapped = crypto.wrap_with_code(dek, code, report_id=REPORT)

    assert wrapped[0] == crypto.CODE_WRAP_V1
    assert len(wrapped) == 4 + 16 + 12 + 32 + 16
    assert crypto.unwrap_with_code(wrapped, code, report_id=REPORT) == dek
    # However the reporter types it.
    assert crypto.unwrap_with_code(wrapped, codes.format_code(code).lower(), report_id=REPORT) == dek


def test_a_wrong_code_does_not_open(dek):
    code, other = codes.generate_code(), codes.generate_code()
    wrapped = crypto.wrap_with_code(dek, code, report_id=REPORT)

    with pytest.raises(DecryptionError, match="wrong code"):
        crypto.unwrap_with_code(wrapped, other, report_id=REPORT)
    typo = code[:3] + ("0" if code[3] != "0" else "1") + code[4:]
    with pytest.raises(codes.CodeChecksumError):
        crypto.unwrap_with_code(wrapped, typo, report_id=REPORT)


def test_a_code_wrapped_key_belongs_to_its_report_and_detects_damage(dek):
    code = codes.generate_code()
    wrapped = crypto.wrap_with_code(dek, code, report_id=REPORT)

    with pytest.raises(DecryptionError):
        crypto.unwrap_with_code(wrapped, code, report_id=OTHER_REPORT)
    for index in range(len(wrapped)):
        with pytest.raises(DecryptionError):
            crypto.unwrap_with_code(flipped(wrapped, index), code, report_id=REPORT)


def test_the_code_wrap_records_its_cost_and_uses_the_stated_one_by_default(dek):
    code = codes.generate_code()

    default = crypto.wrap_with_code(dek, code, report_id=REPORT)
    chosen = crypto.wrap_with_code(dek, code, report_id=REPORT, cost=ScryptCost(n_log2=5, r=2, p=1))

    assert tuple(default[1:4]) == (CHEAP_KDF.n_log2, CHEAP_KDF.r, CHEAP_KDF.p)  # the patched CODE_KDF_COST
    assert tuple(chosen[1:4]) == (5, 2, 1)
    assert crypto.unwrap_with_code(chosen, code, report_id=REPORT) == dek


def test_an_absurd_cost_in_a_blob_is_refused_without_deriving(dek, monkeypatch):
    code = codes.generate_code()
    wrapped = bytearray(crypto.wrap_with_code(dek, code, report_id=REPORT))
    wrapped[1] = 30  # N = 2**30
    monkeypatch.setattr(crypto.ScryptCost, "derive", lambda *args: pytest.fail("derived"))

    with pytest.raises(DecryptionError, match="scrypt parameters"):
        crypto.unwrap_with_code(bytes(wrapped), code, report_id=REPORT)


def test_the_stated_scrypt_costs():
    # Measured by bench/scrypt_cost.py; the figures are in reports/crypto.py. Tests never time them.
    assert ScryptCost(n_log2=15, r=10, p=1) == STATED_CODE_KDF_COST
    assert STATED_CODE_KDF_COST.memory_bytes == 40 * 2**20
    assert ScryptCost(n_log2=17, r=8, p=1) == STATED_KEYRING_KDF_COST


# --- keyring files -----------------------------------------------------------------------------


def test_generate_and_load_a_keyring(dek, keyring_path):
    keyring = crypto.generate_keyring(keyring_path)
    wrapped = keyring.wrap(dek, report_id=REPORT)

    loaded = crypto.load_keyring(keyring_path)
    document = json.loads(keyring_path.read_text())

    assert loaded.current_id == keyring.current_id
    assert loaded.unwrap(wrapped, report_id=REPORT) == dek
    assert document["format"] == "mediinsure-portal-keyring"
    assert document["version"] == 1
    assert document["protection"] is None
    assert document["keys"][0]["created"].endswith("Z")
    assert not loaded.passphrase_protected


def test_generate_refuses_to_replace_a_keyring(keyring_path):
    crypto.generate_keyring(keyring_path)
    before = keyring_path.read_bytes()

    with pytest.raises(KeyringError, match="already exists"):
        crypto.generate_keyring(keyring_path)

    assert keyring_path.read_bytes() == before


def test_files_are_written_0600_and_atomically(keyring_path):
    old_umask = os.umask(0)
    try:
        keyring = crypto.generate_keyring(keyring_path)
        public_path = crypto.public_keyring_path(keyring_path)
        crypto.write_public_keyring(keyring, public_path)
        os.chmod(keyring_path, 0o644)
        crypto.save_keyring(keyring, keyring_path)
    finally:
        os.umask(old_umask)

    assert mode_of(keyring_path) == 0o600
    assert mode_of(public_path) == 0o600
    assert mode_of(keyring_path.parent) == 0o700
    assert sorted(p.name for p in keyring_path.parent.iterdir()) == ["keyring", "keyring.public"]  # no temp files


def test_a_failed_write_leaves_the_old_file_and_no_temporary(keyring_path, monkeypatch):
    keyring = crypto.generate_keyring(keyring_path)
    before = keyring_path.read_bytes()
    crypto.rotate(keyring)

    def broken_replace(*args):
        raise OSError("disk full")

    monkeypatch.setattr(crypto.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        crypto.save_keyring(keyring, keyring_path)

    assert keyring_path.read_bytes() == before
    assert [p.name for p in keyring_path.parent.iterdir()] == ["keyring"]


def test_an_unprotected_keyring_readable_by_others_is_refused(keyring_path):
    crypto.generate_keyring(keyring_path)
    os.chmod(keyring_path, 0o644)

    with pytest.raises(KeyringError, match="readable by others"):
        crypto.load_keyring(keyring_path)
    os.chmod(keyring_path, 0o640)
    crypto.load_keyring(keyring_path)


def test_passphrase_protected_keyring(dek, keyring_path):
    keyring = crypto.generate_keyring(keyring_path, passphrase="医保局 intake 2025")
    wrapped = keyring.wrap(dek, report_id=REPORT)
    document = json.loads(keyring_path.read_text())

    assert document["protection"]["kdf"] == "scrypt"
    assert "private_key" not in document["keys"][0]
    assert "private_key_sealed" in document["keys"][0]
    with pytest.raises(KeyringError, match="no passphrase"):
        crypto.load_keyring(keyring_path)
    with pytest.raises(KeyringError, match="wrong passphrase"):
        crypto.load_keyring(keyring_path, "医保局 intake 2024")

    loaded = crypto.load_keyring(keyring_path, "医保局 intake 2025".encode())

    assert loaded.passphrase_protected
    assert loaded.unwrap(wrapped, report_id=REPORT) == dek


def test_a_protected_keyring_is_never_saved_unprotected_by_accident(keyring_path):
    keyring = crypto.generate_keyring(keyring_path, passphrase="passphrase")

    with pytest.raises(KeyringError, match="passphrase-protected"):
        crypto.save_keyring(keyring, keyring_path)
    crypto.save_keyring(keyring, keyring_path, remove_passphrase=True)

    assert not keyring.passphrase_protected
    assert crypto.load_keyring(keyring_path).current_id == keyring.current_id


def test_passphrases_are_compared_in_normal_form(keyring_path):
    crypto.generate_keyring(keyring_path, passphrase="caf\u00e9")  # precomposed é

    assert crypto.load_keyring(keyring_path, "cafe\u0301")  # e + combining acute


def test_the_keyring_passphrase_cost_is_recorded_in_the_file(keyring_path):
    crypto.generate_keyring(keyring_path, passphrase="passphrase", cost=ScryptCost(n_log2=6, r=2, p=1))

    protection = json.loads(keyring_path.read_text())["protection"]

    assert (protection["n_log2"], protection["r"], protection["p"]) == (6, 2, 1)
    crypto.load_keyring(keyring_path, "passphrase")


def test_a_sealed_private_key_is_bound_to_its_entry(keyring_path):
    keyring = crypto.generate_keyring(keyring_path, passphrase="passphrase")
    crypto.rotate(keyring)
    crypto.save_keyring(keyring, keyring_path, passphrase="passphrase")
    document = json.loads(keyring_path.read_text())
    first, second = document["keys"]
    first["private_key_sealed"], second["private_key_sealed"] = (
        second["private_key_sealed"],
        first["private_key_sealed"],
    )
    keyring_path.write_text(json.dumps(document))

    with pytest.raises(KeyringError):
        crypto.load_keyring(keyring_path, "passphrase")


def test_a_tampered_keyring_is_refused(keyring_path):
    keyring = crypto.generate_keyring(keyring_path)
    document = json.loads(keyring_path.read_text())

    # A public key swapped under an existing id.
    other = Keyring.new()
    swapped = json.loads(json.dumps(document))
    swapped["keys"][0]["public_key"] = crypto._b64(crypto._raw_public(other.key(other.current_id).public_key))
    keyring_path.write_text(json.dumps(swapped))
    with pytest.raises(KeyringError, match="does not match"):
        crypto.load_keyring(keyring_path)

    # A current key that is not in the file; a file that is not a keyring at all.
    for broken in ({**document, "current": "x25519-0000000000000000"}, {"keys": []}, [1, 2]):
        keyring_path.write_text(json.dumps(broken))
        with pytest.raises(KeyringError):
            crypto.load_keyring(keyring_path)
    keyring_path.write_text("not json")
    with pytest.raises(KeyringError, match="not JSON"):
        crypto.load_keyring(keyring_path)
    assert keyring.current_id


def test_a_missing_keyring_file_is_a_keyring_error(tmp_path):
    with pytest.raises(KeyringError, match="no keyring file"):
        crypto.load_keyring(tmp_path / "absent")
    with pytest.raises(KeyringError, match="no keyring file"):
        crypto.load_public_keyring(tmp_path / "absent")


def test_no_key_material_in_reprs(keyring_path):
    keyring = crypto.generate_keyring(keyring_path)
    private = json.loads(keyring_path.read_text())["keys"][0]["private_key"]

    assert private not in repr(keyring)
    assert private not in repr(keyring.public())
    assert keyring.current_id in repr(keyring)


# --- rotation ----------------------------------------------------------------------------------


def test_rotation_rewraps_and_then_the_old_private_key_can_go(keyring_path):
    keyring = crypto.generate_keyring(keyring_path, passphrase="passphrase")
    old_id = keyring.current_id
    reports = {f"R-{n}": DataKey.generate() for n in range(5)}
    wrapped = {report: keyring.wrap(key, report_id=report) for report, key in reports.items()}
    sealed = {
        report: crypto.seal(key, b"content " + report.encode(), report_id=report, field="description")
        for report, key in reports.items()
    }

    new_id = crypto.rotate(keyring)
    crypto.save_keyring(keyring, keyring_path, passphrase="passphrase")
    rewrapped = {report: crypto.rewrap(blob, keyring, keyring, report_id=report) for report, blob in wrapped.items()}

    assert new_id != old_id
    assert keyring.current_id == new_id
    assert {crypto.wrapped_key_id(blob) for blob in rewrapped.values()} == {new_id}
    # Rewrapping again changes nothing: an interrupted rotation can be rerun.
    assert all(crypto.rewrap(blob, keyring, keyring, report_id=r) == blob for r, blob in rewrapped.items())

    keyring.retire_private_key(old_id)
    crypto.save_keyring(keyring, keyring_path, passphrase="passphrase")
    reloaded = crypto.load_keyring(keyring_path, "passphrase")

    assert not reloaded.has_private_key(old_id)
    assert reloaded.key(old_id)  # the public half stays as a record
    for report, key in reports.items():
        opened = reloaded.unwrap(rewrapped[report], report_id=report)
        assert opened == key
        # The content was never re-encrypted and still opens.
        assert (
            crypto.open_sealed(opened, sealed[report], report_id=report, field="description")
            == b"content " + report.encode()
        )
        with pytest.raises(KeyringError, match="no private key"):
            reloaded.unwrap(wrapped[report], report_id=report)


def test_rewrap_between_two_keyrings(dek):
    old, new = Keyring.new(), Keyring.new()
    wrapped = old.wrap(dek, report_id=REPORT)

    rewrapped = crypto.rewrap(wrapped, old, new.public(), report_id=REPORT)

    assert new.unwrap(rewrapped, report_id=REPORT) == dek


def test_the_current_key_cannot_be_retired():
    keyring = Keyring.new()

    with pytest.raises(KeyringError, match="current key"):
        keyring.retire_private_key(keyring.current_id)


# --- development keyring -----------------------------------------------------------------------


def test_development_keyring_is_made_once_under_var_dir(settings, tmp_path):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    settings.PORTAL_KEYRING = str(tmp_path / "keyring")

    path = crypto.ensure_development_keyring()
    first = crypto.load_keyring(path).current_id
    again = crypto.ensure_development_keyring()

    assert path == tmp_path / "keyring"
    assert again == path
    assert crypto.load_keyring(path).current_id == first
    assert crypto.load_public_keyring(tmp_path / "keyring.public").current_id == first
    assert mode_of(path) == 0o600


def test_development_keyring_needs_debug_and_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.DEBUG = False
    with pytest.raises(KeyringError, match="DEBUG"):
        crypto.ensure_development_keyring(tmp_path / "var" / "keyring")

    settings.DEBUG = True
    with pytest.raises(KeyringError, match="VAR_DIR"):
        crypto.ensure_development_keyring(tmp_path / "elsewhere" / "keyring")
    assert not (tmp_path / "elsewhere").exists()
