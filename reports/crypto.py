"""Encryption of everything a reporter gives, and the bureau's keys (see docs/architecture.md,
"Report encryption (core)").

Threat model (shared/DESIGN.md): a copy of the database and media, or a fully compromised public
web node, reveals no report content. So:

* every report has its own random 256-bit data key (``DataKey``); every reporter-provided field
  and file is sealed under it with AES-256-GCM, the associated data binding the ciphertext to its
  report id, field name and format version (``seal`` / ``open_sealed``), so a ciphertext copied to
  another row or column does not open;
* the data key is stored twice, wrapped: to the bureau's X25519 public key (``PublicKeyring.wrap``,
  opened by ``Keyring.unwrap`` on the staff tier) and under a key derived from the tracking code
  with scrypt (``wrap_with_code`` / ``unwrap_with_code``), so the reporter can read their report and
  the bureau's replies;
* the public role holds a file with public keys only (``load_public_keyring``): it can wrap, never
  unwrap.

Only primitives from `cryptography`. This module never logs, and no object here puts key material
in its repr. Blobs read from the database may be ``memoryview`` (PostgreSQL): every opener accepts
any bytes-like value. Nothing here imports Django except the two settings helpers at the end.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import stat
import struct
import tempfile
import unicodedata
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from reports import codes

KEY_SIZE = 32  # AES-256 and X25519 keys
NONCE_SIZE = 12  # 96-bit GCM nonce, random for every encryption
SALT_SIZE = 16
TAG_SIZE = 16

# First byte of every binary envelope: high nibble the kind, low nibble the format version. A blob
# of one kind given to another's opener is named as such instead of failing as "damaged".
FIELD_V1 = 0x11
KEY_WRAP_V1 = 0x21
CODE_WRAP_V1 = 0x31
_KINDS = {
    FIELD_V1: "sealed field (v1)",
    KEY_WRAP_V1: "data key wrapped to a public key (v1)",
    CODE_WRAP_V1: "data key wrapped under a tracking code (v1)",
}

# Domain-separation labels, one per use of a key; changing one makes every existing blob unreadable.
_FIELD_LABEL = b"mediinsure-portal/reports/field/v1\x00"
_KEY_WRAP_LABEL = b"mediinsure-portal/reports/dek-wrap/x25519-hkdf-sha256-aes256gcm/v1\x00"
_CODE_WRAP_LABEL = b"mediinsure-portal/reports/dek-wrap/code-scrypt-aes256gcm/v1\x00"
_PRIVATE_KEY_LABEL = b"mediinsure-portal/keyring/private-key/scrypt-aes256gcm/v1\x00"
_KEY_ID_LABEL = b"mediinsure-portal/keyring/key-id/v1\x00"

KEYRING_FORMAT = "mediinsure-portal-keyring"
KEYRING_VERSION = 1
KEY_ID_PREFIX = "x25519-"


class CryptoError(Exception):
    """Base of every error raised here."""


class DecryptionError(CryptoError):
    """A ciphertext or wrapped key does not open: damaged, meant for another report or field, wrong
    key or wrong code. AES-GCM cannot tell these apart, and no caller should try to."""


class KeyringError(CryptoError):
    """A keyring file is missing, malformed, protected by a passphrase not given, or lacks the key
    an operation needs."""


def _lp(value: str | bytes) -> bytes:
    """Length-prefixed encoding, so that concatenated labels can never be ambiguous."""
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return struct.pack(">I", len(data)) + data


def _require_name(value: str, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string")
    return value


def _expect(blob: bytes, kind: int, minimum: int) -> None:
    if not blob:
        raise DecryptionError(f"empty value where a {_KINDS[kind]} was expected")
    if blob[0] != kind:
        found = _KINDS.get(blob[0], f"unknown envelope type 0x{blob[0]:02x}")
        raise DecryptionError(f"expected a {_KINDS[kind]}, found a {found}")
    if len(blob) < minimum:
        raise DecryptionError(f"{_KINDS[kind]} is truncated ({len(blob)} bytes)")


# --- scrypt ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScryptCost:
    """scrypt parameters: N = 2**n_log2, block size r, parallelism p. Memory is 128 * N * r bytes.

    Every blob made with a cost records it, so changing a constant below affects new blobs only and
    old ones still open. Injectable everywhere, so tests run with a cheap cost.
    """

    n_log2: int
    r: int
    p: int = 1

    #: Refused when read from a blob or a file: a damaged or hostile header must not make the server
    #: spend gigabytes.
    MAX_MEMORY = 512 * 1024 * 1024

    def __post_init__(self):
        if not (1 <= self.n_log2 <= 24 and 1 <= self.r <= 255 and 1 <= self.p <= 16):
            raise ValueError(f"scrypt parameters out of range: n=2**{self.n_log2}, r={self.r}, p={self.p}")
        if self.memory_bytes > self.MAX_MEMORY:
            raise ValueError(f"scrypt parameters need {self.memory_bytes // 2**20} MiB, more than allowed")

    @property
    def n(self) -> int:
        return 2**self.n_log2

    @property
    def memory_bytes(self) -> int:
        return 128 * self.n * self.r

    def derive(self, secret: bytes, salt: bytes) -> bytes:
        return Scrypt(salt=salt, length=KEY_SIZE, n=self.n, r=self.r, p=self.p).derive(secret)


#: Tracking-code wrap. A deliberate guess-slowing cost, wanted within 100-250 ms (issue 9): 40 MiB,
#: and one derivation measured by bench/scrypt_cost.py on the idle development machine (2-core AMD
#: EPYC, shared) at a median of 104 ms (r=8 gave 82 ms, under the range; r=11, 114 ms, pushed the
#: report submission's p95 past its 150 ms budget: a submission is one derivation plus about 20 ms);
#: a busy machine only makes it slower. `make bench` re-measures it. The code already has 80 random
#: bits, so this is not what keeps a report safe; it makes each guess against a leaked wrapped key
#: cost real time and memory, and the reporter pays it once per submission and status-page visit.
#: Each envelope records its own parameters, so reports wrapped at an earlier cost still open.
CODE_KDF_COST = ScryptCost(n_log2=15, r=10, p=1)

#: Keyring passphrase: derived once per process start or keyring save, so it can be far costlier:
#: 128 MiB, a median of 530 ms on the development machine.
KEYRING_KDF_COST = ScryptCost(n_log2=17, r=8, p=1)


# --- data keys and fields ----------------------------------------------------------------------


class DataKey:
    """A report's 256-bit data key. Its repr hides the key, and it refuses to be pickled (so it
    cannot slip into a cache, a session or a task queue); store only its wrapped forms."""

    __slots__ = ("_material",)

    def __init__(self, material: bytes):
        if not isinstance(material, bytes | bytearray | memoryview) or len(material) != KEY_SIZE:
            raise ValueError(f"a data key is {KEY_SIZE} bytes")
        self._material = bytes(material)

    @classmethod
    def generate(cls) -> DataKey:
        return cls(secrets.token_bytes(KEY_SIZE))

    @property
    def material(self) -> bytes:
        return self._material

    def __eq__(self, other):
        if not isinstance(other, DataKey):
            return NotImplemented
        return hmac.compare_digest(self._material, other._material)

    __hash__ = None

    def __repr__(self):
        return "<DataKey (256 bits, not shown)>"

    def __reduce__(self):
        raise TypeError("a DataKey is never pickled; store or pass its wrapped form")


def _field_associated_data(report_id: str, field: str) -> bytes:
    return (
        _FIELD_LABEL
        + bytes([FIELD_V1])
        + _lp(_require_name(report_id, "report_id"))
        + _lp(_require_name(field, "field"))
    )


def seal(dek: DataKey, plaintext: bytes, *, report_id: str, field: str) -> bytes:
    """Encrypt one field or file of a report: ``0x11 | nonce (12) | AES-256-GCM ciphertext + tag (16)``.

    ``report_id`` and ``field`` go into the associated data (not into the envelope), so the caller
    must give the same two to ``open_sealed``: a ciphertext moved to another report or field does not
    open. Use a stable public identifier for the report (not a database row number that a restore
    could change) and a field name that names the slot, e.g. ``"description"`` or
    ``"evidence/<file uuid>"``. A file is sealed whole, in memory: keep uploads size-limited.
    """
    nonce = os.urandom(NONCE_SIZE)
    ciphertext = AESGCM(dek.material).encrypt(nonce, bytes(plaintext), _field_associated_data(report_id, field))
    return bytes([FIELD_V1]) + nonce + ciphertext


def open_sealed(dek: DataKey, envelope: bytes, *, report_id: str, field: str) -> bytes:
    """The plaintext of ``seal``'s envelope, or ``DecryptionError``."""
    envelope = bytes(envelope)
    associated_data = _field_associated_data(report_id, field)
    _expect(envelope, FIELD_V1, 1 + NONCE_SIZE + TAG_SIZE)
    nonce, ciphertext = envelope[1 : 1 + NONCE_SIZE], envelope[1 + NONCE_SIZE :]
    try:
        return AESGCM(dek.material).decrypt(nonce, ciphertext, associated_data)
    except InvalidTag:
        raise DecryptionError(
            f"field {field!r} of report {report_id!r} does not open: the envelope is damaged, belongs to "
            "another report or field, or the data key is wrong"
        ) from None


# --- wrapping to the bureau's X25519 key ------------------------------------------------------


def _raw_public(public_key: X25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(private_key: X25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def key_id_for(public_key: X25519PublicKey) -> str:
    """A key's id is its fingerprint (``x25519-`` + 16 hex digits of SHA-256 of the raw public key),
    so a wrapped key names the exact key it needs and a keyring file cannot pair an id with a
    different key unnoticed."""
    return KEY_ID_PREFIX + hashlib.sha256(_KEY_ID_LABEL + _raw_public(public_key)).hexdigest()[:16]


def _wrap_kek(shared: bytes, ephemeral: bytes, recipient: bytes, key_id: str, report_id: str) -> bytes:
    info = _KEY_WRAP_LABEL + ephemeral + recipient + _lp(key_id) + _lp(report_id)
    return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None, info=info).derive(shared)


def wrap_to_public_key(dek: DataKey, public_key: X25519PublicKey, *, key_id: str, report_id: str) -> bytes:
    """Wrap a data key so only the holder of the matching private key can unwrap it.

    Ephemeral-static X25519, HKDF-SHA256 (info: label, both public keys, key id, report id) and
    AES-256-GCM. Envelope: ``0x21 | key id length (1) | key id (ASCII) | ephemeral public key (32) |
    nonce (12) | wrapped key (32) + tag (16)``; the associated data is everything before the nonce
    plus the report id. Usually called through ``PublicKeyring.wrap``.
    """
    _require_name(report_id, "report_id")
    key_id_bytes = key_id.encode("ascii")
    if not 0 < len(key_id_bytes) < 256:
        raise ValueError("a key id is 1 to 255 ASCII characters")
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _raw_public(ephemeral.public_key())
    kek = _wrap_kek(ephemeral.exchange(public_key), ephemeral_public, _raw_public(public_key), key_id, report_id)
    header = bytes([KEY_WRAP_V1, len(key_id_bytes)]) + key_id_bytes + ephemeral_public
    nonce = os.urandom(NONCE_SIZE)
    return header + nonce + AESGCM(kek).encrypt(nonce, dek.material, header + _lp(report_id))


def _parse_key_wrap(wrapped: bytes) -> tuple[str, bytes, bytes, bytes, bytes]:
    _expect(wrapped, KEY_WRAP_V1, 2)
    id_length = wrapped[1]
    header_length = 2 + id_length + KEY_SIZE
    if len(wrapped) != header_length + NONCE_SIZE + KEY_SIZE + TAG_SIZE:
        raise DecryptionError(f"{_KINDS[KEY_WRAP_V1]} has the wrong length ({len(wrapped)} bytes)")
    try:
        key_id = wrapped[2 : 2 + id_length].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError(f"{_KINDS[KEY_WRAP_V1]} has a malformed key id") from None
    header = wrapped[:header_length]
    ephemeral_public = wrapped[2 + id_length : header_length]
    nonce = wrapped[header_length : header_length + NONCE_SIZE]
    return key_id, header, ephemeral_public, nonce, wrapped[header_length + NONCE_SIZE :]


def wrapped_key_id(wrapped: bytes) -> str:
    """The id of the key a wrapped data key needs (to find what a rotation has not rewrapped yet)."""
    return _parse_key_wrap(bytes(wrapped))[0]


def unwrap_with_private_key(wrapped: bytes, private_key: X25519PrivateKey, *, report_id: str) -> DataKey:
    """Reverse of ``wrap_to_public_key``; usually called through ``Keyring.unwrap``."""
    key_id, header, ephemeral_public, nonce, ciphertext = _parse_key_wrap(bytes(wrapped))
    _require_name(report_id, "report_id")
    recipient = _raw_public(private_key.public_key())
    try:
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        kek = _wrap_kek(shared, ephemeral_public, recipient, key_id, report_id)
        return DataKey(AESGCM(kek).decrypt(nonce, ciphertext, header + _lp(report_id)))
    except (InvalidTag, ValueError):  # ValueError: a low-order ephemeral point (all-zero secret)
        raise DecryptionError(
            f"the data key of report {report_id!r} does not unwrap with key {key_id!r}: it is damaged or "
            "belongs to another report"
        ) from None


# --- wrapping under the tracking code ---------------------------------------------------------


def wrap_with_code(dek: DataKey, code: str, *, report_id: str, cost: ScryptCost | None = None) -> bytes:
    """Wrap a data key under a key derived from the tracking code, so the reporter can open it.

    scrypt over the canonical code (``codes.normalise``) with a random salt, then AES-256-GCM.
    Envelope: ``0x31 | n_log2 (1) | r (1) | p (1) | salt (16) | nonce (12) | wrapped key (32) +
    tag (16)``; the associated data is a label, everything before the nonce and the report id.
    ``cost`` defaults to ``CODE_KDF_COST`` as it is at call time, so a test suite may patch it.
    """
    cost = cost or CODE_KDF_COST
    _require_name(report_id, "report_id")
    canonical = codes.normalise(code)
    salt = os.urandom(SALT_SIZE)
    header = bytes([CODE_WRAP_V1, cost.n_log2, cost.r, cost.p]) + salt
    nonce = os.urandom(NONCE_SIZE)
    kek = cost.derive(canonical.encode("ascii"), salt)
    return header + nonce + AESGCM(kek).encrypt(nonce, dek.material, _CODE_WRAP_LABEL + header + _lp(report_id))


def unwrap_with_code(wrapped: bytes, code: str, *, report_id: str) -> DataKey:
    """The data key, or ``DecryptionError`` for a wrong code (``codes.CodeError`` if the text is not a
    code at all). Costs one scrypt derivation at the cost recorded in the envelope."""
    wrapped = bytes(wrapped)
    _require_name(report_id, "report_id")
    canonical = codes.normalise(code)
    header_length = 4 + SALT_SIZE
    _expect(wrapped, CODE_WRAP_V1, header_length)
    if len(wrapped) != header_length + NONCE_SIZE + KEY_SIZE + TAG_SIZE:
        raise DecryptionError(f"{_KINDS[CODE_WRAP_V1]} has the wrong length ({len(wrapped)} bytes)")
    try:
        cost = ScryptCost(n_log2=wrapped[1], r=wrapped[2], p=wrapped[3])
    except ValueError:
        raise DecryptionError(f"{_KINDS[CODE_WRAP_V1]} names unacceptable scrypt parameters") from None
    header = wrapped[:header_length]
    nonce = wrapped[header_length : header_length + NONCE_SIZE]
    kek = cost.derive(canonical.encode("ascii"), header[4:])
    try:
        material = AESGCM(kek).decrypt(
            nonce, wrapped[header_length + NONCE_SIZE :], _CODE_WRAP_LABEL + header + _lp(report_id)
        )
    except InvalidTag:
        raise DecryptionError(
            f"the data key of report {report_id!r} does not open with this code: wrong code, another report's "
            "key, or damaged"
        ) from None
    return DataKey(material)


# --- keyrings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyInfo:
    """The public half of a key pair and when it was made."""

    key_id: str
    created: datetime
    public_key: X25519PublicKey


class PublicKeyring:
    """Public keys only: it can wrap data keys to the current key and nothing else. This is all the
    public role ever has (``load_public_keyring``); ``Keyring.public()`` gives the same view."""

    def __init__(self, keys: Iterable[KeyInfo], current_id: str):
        self._keys = {}
        for info in keys:
            if info.key_id != key_id_for(info.public_key):
                raise KeyringError(f"key id {info.key_id!r} does not match its public key")
            if info.key_id in self._keys:
                raise KeyringError(f"key id {info.key_id!r} appears twice")
            self._keys[info.key_id] = info
        if current_id not in self._keys:
            raise KeyringError(f"the current key {current_id!r} is not in the keyring")
        self._current_id = current_id

    @property
    def current_id(self) -> str:
        return self._current_id

    @property
    def keys(self) -> tuple[KeyInfo, ...]:
        """Every key, oldest first."""
        return tuple(sorted(self._keys.values(), key=lambda info: (info.created, info.key_id)))

    def key(self, key_id: str) -> KeyInfo:
        try:
            return self._keys[key_id]
        except KeyError:
            raise KeyringError(f"no key {key_id!r} in this keyring") from None

    def wrap(self, dek: DataKey, *, report_id: str) -> bytes:
        """Wrap a data key to the current key (``wrap_to_public_key``)."""
        current = self._keys[self._current_id]
        return wrap_to_public_key(dek, current.public_key, key_id=current.key_id, report_id=report_id)

    def public(self) -> PublicKeyring:
        return PublicKeyring(self._keys.values(), self._current_id)

    def __repr__(self):
        return f"<{type(self).__name__} current={self._current_id} keys={list(self._keys)}>"


class Keyring(PublicKeyring):
    """Key pairs: wraps to the current key and unwraps with any key whose private half it holds.
    Only the staff tier and workers load one (``load_keyring``)."""

    def __init__(
        self,
        keys: Iterable[KeyInfo],
        current_id: str,
        private_keys: dict[str, X25519PrivateKey],
        *,
        passphrase_protected: bool = False,
    ):
        super().__init__(keys, current_id)
        for key_id, private_key in private_keys.items():
            if _raw_public(private_key.public_key()) != _raw_public(self.key(key_id).public_key):
                raise KeyringError(f"the private key of {key_id!r} does not match its public key")
        if current_id not in private_keys:
            raise KeyringError(f"the keyring holds no private key for its current key {current_id!r}")
        self._private = dict(private_keys)
        #: Set when loaded from or saved to a passphrase-protected file: saving it again without a
        #: passphrase is refused, so protection is never lost by accident.
        self.passphrase_protected = passphrase_protected

    @classmethod
    def new(cls) -> Keyring:
        """A keyring with one fresh key pair, in memory."""
        private_key = X25519PrivateKey.generate()
        info = _new_key_info(private_key)
        return cls([info], info.key_id, {info.key_id: private_key})

    def has_private_key(self, key_id: str) -> bool:
        return key_id in self._private

    def unwrap(self, wrapped: bytes, *, report_id: str) -> DataKey:
        """The data key wrapped by ``wrap``, with whichever private key it names."""
        key_id = wrapped_key_id(wrapped)
        private_key = self._private.get(key_id)
        if private_key is None:
            raise KeyringError(f"this keyring holds no private key for {key_id!r}")
        return unwrap_with_private_key(wrapped, private_key, report_id=report_id)

    def add_key(self) -> str:
        """A new key pair, made current; returns its id. See ``rotate``."""
        private_key = X25519PrivateKey.generate()
        info = _new_key_info(private_key)
        self._keys[info.key_id] = info
        self._private[info.key_id] = private_key
        self._current_id = info.key_id
        return info.key_id

    def retire_private_key(self, key_id: str) -> None:
        """Forget the private half of an old key (its public half stays as a record). Do this only
        after every data key was rewrapped and checked."""
        if key_id == self._current_id:
            raise KeyringError("the current key cannot be retired; rotate first")
        self.key(key_id)
        self._private.pop(key_id, None)


def _new_key_info(private_key: X25519PrivateKey) -> KeyInfo:
    public_key = private_key.public_key()
    return KeyInfo(key_id_for(public_key), datetime.now(UTC).replace(microsecond=0), public_key)


def rotate(keyring: Keyring) -> str:
    """Add a new key pair to ``keyring`` and make it current; returns the new key id.

    Order for the command that drives it: rotate and save the keyring; give the public tier the new
    public export; ``rewrap`` every wrapped data key (again after the public tier switched, for the
    reports it took meanwhile); check that every report opens; only then ``retire_private_key`` the
    old key and save. Content is never re-encrypted: only the 80-byte wrapped keys change.
    """
    return keyring.add_key()


def rewrap(wrapped: bytes, old_keyring: Keyring, new_keyring: PublicKeyring, *, report_id: str) -> bytes:
    """The data key of ``wrapped`` wrapped to ``new_keyring``'s current key. A key already wrapped to
    it comes back unchanged, so an interrupted rotation can simply be run again. The two keyrings may
    be the same object (after ``rotate``)."""
    wrapped = bytes(wrapped)
    if wrapped_key_id(wrapped) == new_keyring.current_id:
        return wrapped
    if not isinstance(old_keyring, Keyring):
        raise KeyringError("rewrapping needs a keyring with private keys, not a public one")
    return new_keyring.wrap(old_keyring.unwrap(wrapped, report_id=report_id), report_id=report_id)


# --- keyring files ----------------------------------------------------------------------------
#
# JSON, so an operator can read which keys exist without a tool:
#   {"format": "mediinsure-portal-keyring", "version": 1, "current": "<key id>",
#    "protection": null | {"kdf": "scrypt", "n_log2": 17, "r": 8, "p": 1, "salt": "<base64>"},
#    "keys": [{"id": "<key id>", "created": "<ISO 8601 UTC>", "algorithm": "X25519",
#              "public_key": "<base64 raw 32 bytes>",
#              "private_key": "<base64 raw 32 bytes>"            (unprotected file) or
#              "private_key_sealed": "<base64 nonce + ciphertext>" (protected file) or neither}]}
# A public export is the same document with no private parts and no protection.
# Passphrase protection is scrypt + AES-256-GCM rather than an encrypted PKCS#8 PEM because
# `cryptography` encrypts PKCS#8 with PBKDF2 at 2048 iterations, far too cheap for a passphrase.


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (TypeError, ValueError):
        raise KeyringError(f"{what} is not valid base64") from None


def _passphrase_bytes(passphrase: str | bytes) -> bytes:
    if isinstance(passphrase, str):
        passphrase = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    if not passphrase:
        raise KeyringError("an empty passphrase protects nothing")
    return passphrase


def _private_key_associated_data(info: KeyInfo) -> bytes:
    return _PRIVATE_KEY_LABEL + _lp(info.key_id) + _raw_public(info.public_key)


def _document(keyring: PublicKeyring, *, private: bool, passphrase, cost: ScryptCost | None) -> dict:
    protection = None
    kek = None
    if private and passphrase is not None:
        cost = cost or KEYRING_KDF_COST
        salt = os.urandom(SALT_SIZE)
        protection = {"kdf": "scrypt", "n_log2": cost.n_log2, "r": cost.r, "p": cost.p, "salt": _b64(salt)}
        kek = cost.derive(_passphrase_bytes(passphrase), salt)
    entries = []
    for info in keyring.keys:
        entry = {
            "id": info.key_id,
            "created": info.created.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "algorithm": "X25519",
            "public_key": _b64(_raw_public(info.public_key)),
        }
        if private and keyring.has_private_key(info.key_id):
            raw = _raw_private(keyring._private[info.key_id])
            if kek is None:
                entry["private_key"] = _b64(raw)
            else:
                nonce = os.urandom(NONCE_SIZE)
                sealed = AESGCM(kek).encrypt(nonce, raw, _private_key_associated_data(info))
                entry["private_key_sealed"] = _b64(nonce + sealed)
        entries.append(entry)
    document = {"format": KEYRING_FORMAT, "version": KEYRING_VERSION, "current": keyring.current_id}
    if private:
        document["protection"] = protection
    document["keys"] = entries
    return document


def _serialise(document: dict) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def _fsync_directory(directory: Path) -> None:
    with suppress(OSError):  # not every file system lets a directory be opened for fsync
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_private_file(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` to ``path`` with mode 0600, atomically: a temporary file in the same directory,
    fsynced, then renamed over ``path`` — readers see the old file or the new one, never half of
    one. ``exclusive`` refuses (``FileExistsError``) to replace an existing file, also atomically."""
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(temporary, path)
            os.unlink(temporary)
        else:
            os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)


def save_keyring(
    keyring: Keyring,
    path: str | Path,
    *,
    passphrase: str | bytes | None = None,
    cost: ScryptCost | None = None,
    remove_passphrase: bool = False,
    exclusive: bool = False,
) -> None:
    """Write the keyring with its private keys (mode 0600, atomically).

    With a passphrase, the private keys are sealed with AES-256-GCM under a scrypt key
    (``KEYRING_KDF_COST`` unless ``cost`` is given; a fresh salt on every save), the associated data
    binding each to its key id and public key. A keyring that was protected is not saved unprotected
    unless ``remove_passphrase`` says so.
    """
    if passphrase is None and keyring.passphrase_protected and not remove_passphrase:
        raise KeyringError("this keyring is passphrase-protected: give the passphrase to save it")
    data = _serialise(_document(keyring, private=True, passphrase=passphrase, cost=cost))
    write_private_file(Path(path), data, exclusive=exclusive)
    keyring.passphrase_protected = passphrase is not None


def write_public_keyring(keyring: PublicKeyring, path: str | Path) -> None:
    """Write the public export, the only keyring file a public-role node gets (mode 0600, atomic)."""
    write_private_file(Path(path), _serialise(_document(keyring, private=False, passphrase=None, cost=None)))


def public_keyring_path(path: str | Path) -> Path:
    """Where the public export of the keyring at ``path`` goes by default: ``<path>.public``."""
    path = Path(path)
    return path.with_name(path.name + ".public")


def generate_keyring(
    path: str | Path, passphrase: str | bytes | None = None, *, cost: ScryptCost | None = None
) -> Keyring:
    """Create a keyring file with one new key pair; refuses to replace an existing file."""
    keyring = Keyring.new()
    try:
        save_keyring(keyring, path, passphrase=passphrase, cost=cost, exclusive=True)
    except FileExistsError:
        raise KeyringError(f"{path} already exists; refusing to replace a keyring") from None
    return keyring


def read_key_document(
    path: str | Path, *, kind: str, file_format: str, version: int, error: type[Exception]
) -> tuple[dict, os.stat_result]:
    """A key file's JSON document and its status (for the mode check), or ``error`` saying what is
    wrong with it. ``kind`` names the file in messages ("keyring", "receipt key")."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            status = os.fstat(handle.fileno())
            raw = handle.read()
    except FileNotFoundError:
        raise error(f"no {kind} file at {path}") from None
    except OSError as exc:
        raise error(f"cannot read the {kind} file {path}: {exc.strerror}") from None
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise error(f"{path} is not a {kind} file (not JSON)") from None
    if not isinstance(document, dict) or document.get("format") != file_format:
        raise error(f"{path} is not a {kind} file")
    if document.get("version") != version:
        raise error(f"{path} has {kind} format version {document.get('version')!r}; this code reads {version}")
    entries = document.get("keys")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise error(f"{path} has no list of keys")
    return document, status


def _read_document(path: str | Path) -> tuple[dict, os.stat_result]:
    return read_key_document(
        path, kind="keyring", file_format=KEYRING_FORMAT, version=KEYRING_VERSION, error=KeyringError
    )


def _has_private_parts(document: dict) -> bool:
    return any("private_key" in entry or "private_key_sealed" in entry for entry in document["keys"])


def _key_infos(document: dict, path) -> list[KeyInfo]:
    infos = []
    for entry in document["keys"]:
        if entry.get("algorithm") != "X25519":
            raise KeyringError(f"{path}: key {entry.get('id')!r} is not an X25519 key")
        try:
            created = datetime.fromisoformat(entry["created"])
            public_key = X25519PublicKey.from_public_bytes(_unb64(entry["public_key"], "a public key"))
            key_id = str(entry["id"])
        except (KeyError, TypeError, ValueError):
            raise KeyringError(f"{path}: a key entry is incomplete or malformed") from None
        if created.tzinfo is None:
            raise KeyringError(f"{path}: key {key_id!r} has a creation time without time zone")
        infos.append(KeyInfo(key_id, created, public_key))
    return infos


def load_public_keyring(path: str | Path) -> PublicKeyring:
    """The public keys of a public export, for the public role.

    Refuses a file that holds private keys, sealed or not: the public role must never have them, and
    a full keyring found on a public node is a deployment error worth stopping for.
    """
    document, _ = _read_document(path)
    if _has_private_parts(document):
        raise KeyringError(
            f"{path} holds private keys; the public role must be given the public export "
            "(write_public_keyring) and never the keyring itself"
        )
    return PublicKeyring(_key_infos(document, path), str(document.get("current")))


def load_keyring(path: str | Path, passphrase: str | bytes | None = None) -> Keyring:
    """The full keyring (staff and all roles, workers, key management).

    A file holding unprotected private keys must not be readable by others (mode o+r), like an SSH
    key: mount it 0600 or 0640. A protected file needs the passphrase (one scrypt derivation at the
    cost the file records).
    """
    document, status = _read_document(path)
    if not _has_private_parts(document):
        raise KeyringError(f"{path} holds no private key (a public export?); this role needs the keyring itself")
    protection = document.get("protection")
    if protection is None and status.st_mode & stat.S_IROTH:
        raise KeyringError(f"{path} holds unprotected private keys and is readable by others; chmod 600 it")
    key_infos = _key_infos(document, path)
    infos = {info.key_id: info for info in key_infos}
    if len(infos) != len(key_infos):
        raise KeyringError(f"{path}: a key id appears twice")
    kek = None
    if protection is not None:
        if passphrase is None:
            raise KeyringError(f"{path} is passphrase-protected; no passphrase was given")
        try:
            if protection["kdf"] != "scrypt":
                raise ValueError
            cost = ScryptCost(n_log2=protection["n_log2"], r=protection["r"], p=protection["p"])
            salt = _unb64(protection["salt"], "the passphrase salt")
        except (KeyError, TypeError, ValueError):
            raise KeyringError(f"{path} has a malformed passphrase protection") from None
        kek = cost.derive(_passphrase_bytes(passphrase), salt)
    private_keys = {}
    for entry in document["keys"]:
        info = infos[str(entry["id"])]
        if kek is not None and "private_key_sealed" in entry:
            sealed = _unb64(entry["private_key_sealed"], "a sealed private key")
            try:
                raw = AESGCM(kek).decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], _private_key_associated_data(info))
            except (InvalidTag, ValueError):
                raise KeyringError(
                    f"{path}: wrong passphrase, or the private key of {info.key_id!r} is damaged"
                ) from None
        elif kek is None and "private_key" in entry:
            raw = _unb64(entry["private_key"], "a private key")
        elif "private_key" in entry or "private_key_sealed" in entry:
            raise KeyringError(f"{path}: key {info.key_id!r} is not protected the way the file says")
        else:
            continue
        try:
            private_keys[info.key_id] = X25519PrivateKey.from_private_bytes(raw)
        except ValueError:
            raise KeyringError(f"{path}: the private key of {info.key_id!r} is malformed") from None
    return Keyring(key_infos, str(document.get("current")), private_keys, passphrase_protected=protection is not None)


def keyring_for_role(role: str, path: str | Path, *, passphrase: str | bytes | None = None) -> PublicKeyring:
    """What a node of ``role`` (settings.PORTAL_ROLE) loads from ``path`` (settings.PORTAL_KEYRING):
    the public export for ``public``, the keyring itself for ``staff`` and ``all``. Both can wrap;
    only the latter is a ``Keyring`` that can unwrap."""
    if role == "public":
        return load_public_keyring(path)
    if role in ("staff", "all"):
        return load_keyring(path, passphrase)
    raise ValueError(f"unknown portal role {role!r}")


def ensure_development_keyring(path: str | Path | None = None) -> Path:
    """Make sure a development keyring (unprotected) and its public export exist; returns the
    keyring's path (``settings.PORTAL_KEYRING`` by default).

    For ``make run``: refuses unless DEBUG is on, and refuses a path outside ``settings.VAR_DIR``,
    so a misconfigured server never grows a keyring where a real one belongs. An existing file is
    left alone; two processes starting at once create one keyring between them.
    """
    from django.conf import settings

    if not settings.DEBUG:
        raise KeyringError("a development keyring is made only with DEBUG on; production uses `reportkeys generate`")
    path = Path(path or settings.PORTAL_KEYRING).resolve()
    var_dir = Path(settings.VAR_DIR).resolve()
    if not path.is_relative_to(var_dir):
        raise KeyringError(f"a development keyring belongs under VAR_DIR ({var_dir}), not at {path}")
    if not path.exists():
        try:
            generate_keyring(path)
        except KeyringError:
            if not path.exists():  # not lost to a concurrent start: a real error
                raise
    public_path = public_keyring_path(path)
    if not public_path.exists():
        write_public_keyring(load_keyring(path), public_path)
    return path
