"""Signed receipts (回执) for reports: the bureau's Ed25519 signature over a report number, the time
the report was received and a SHA-256 digest of what was submitted. Under the reward rules only the
first reporter of the same facts is rewarded, by time received; a receipt lets a reporter prove
that time, and anyone can check it on /report/receipt/verify/ or offline with the published keys.

A receipt holds neither the report nor the tracking code. Its signed payload is a label followed
by the four fields, one per line (``signed_payload``); every field is ASCII and may not contain a
line break, so the encoding is unambiguous. Times are signed in China Standard Time (UTC+8, no
daylight saving since 1991) at whole seconds.

Receipt keys are separate from the intake keyring (reports/crypto.py): the public tier signs
receipts, and it must never hold the intake private key. Only `cryptography` primitives; nothing
here logs, and no object puts key material in its repr. Django appears only through gettext (the
receipt text and the messages for reporters) and the settings helpers at the end.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
import stat
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.crypto import read_key_document, write_private_file

RECEIPT_KEYS_FORMAT = "mediinsure-portal-receipt-keys"
RECEIPT_KEYS_VERSION = 1
KEY_ID_PREFIX = "ed25519-"
SIGNATURE_SIZE = 64
RAW_KEY_SIZE = 32

# Domain separation: a receipt signature can never be mistaken for a signature over anything else.
# Changing either label invalidates every receipt and key id issued so far.
_PAYLOAD_LABEL = b"mediinsure-portal/receipt/v1\n"
_KEY_ID_LABEL = b"mediinsure-portal/receipt-keys/key-id/v1\x00"

#: China Standard Time. A fixed offset rather than Asia/Shanghai from the tz database: the text
#: must always say +08:00, and the tz database gives +09:00 for the summers of 1986-1991.
CHINA_TIME = timezone(timedelta(hours=8))

#: Where the public verification page is (reports/urls.py); the receipt text names it.
VERIFY_PATH = "/report/receipt/verify/"

#: The year and a counter of at least six digits (reports/intake.py numbers them).
NUMBER_PATTERN = re.compile(r"[0-9]{4}-[0-9]{6,9}", re.ASCII)
DIGEST_PATTERN = re.compile(r"[0-9a-f]{64}", re.ASCII)
KEY_ID_PATTERN = re.compile(re.escape(KEY_ID_PREFIX) + r"[0-9a-f]{16}", re.ASCII)

FIELDS = ("number", "received_at", "digest", "key_id", "signature")

#: The labels printed on a receipt (English msgids, Chinese on the public site).
LABELS = {
    "number": _("Report number"),
    "received_at": _("Time received"),
    "digest": _("Digest of the submission (SHA-256)"),
    "key_id": _("Signing key"),
    "signature": _("Signature"),
}

#: Every spelling a printed receipt may use for a label, whatever language is active when it is read
#: back. Never remove one: receipts printed with it must still parse. Compared after
#: ``_label_key`` (NFKC, no spaces, case-folded, without a "(SHA-256)" suffix).
_LABEL_SPELLINGS = {
    "number": ("举报编号", "Report number"),
    "received_at": ("接收时间", "Time received"),
    "digest": ("提交内容摘要（SHA-256）", "Digest of the submission (SHA-256)"),
    "key_id": ("签名密钥", "Signing key"),
    "signature": ("签名", "Signature"),
}

#: Messages for the reporter, one per error code (and per field for malformed values).
MESSAGES = {
    "missing": _("The receipt has no “%(field)s” line."),
    "conflicting": _("The receipt gives “%(field)s” twice, with different values."),
    "malformed/number": _("The report number should look like 2026-000123."),
    "malformed/received_at": _("The time received should look like 2026-12-01T13:05:09+08:00."),
    "malformed/digest": _("The digest should be 64 hexadecimal characters."),
    "malformed/key_id": _("The signing key should be “ed25519-” followed by 16 hexadecimal characters."),
    "malformed/signature": _("The signature should be 88 characters of Base64."),
    "unknown_key": _("This receipt names a signing key the bureau has not published, so it cannot be verified."),
    "bad_signature": _("The signature does not match: the receipt was altered or was not issued by the bureau."),
}


class ReceiptError(Exception):
    """Base of every error raised here."""


class ReceiptKeyError(ReceiptError):
    """A receipt key file is missing, malformed, readable by others, or lacks the key needed."""


class _ReceiptProblem(ReceiptError):
    """A receipt the reporter gave us is wrong. ``code`` and ``field`` are stable, for callers and
    tests; ``str()`` is English for developers; ``user_message`` is for the reporter, in the active
    language."""

    def __init__(self, code: str, field: str | None, detail: str):
        super().__init__(detail)
        self.code = code
        self.field = field

    @property
    def user_message(self) -> str:
        key = f"{self.code}/{self.field}" if self.code == "malformed" else self.code
        return MESSAGES[key] % {"field": gettext(LABELS[self.field]) if self.field else ""}


class ReceiptFormatError(_ReceiptProblem, ValueError):
    """Not a receipt, or a receipt with a missing, repeated or malformed field (``code`` is
    ``missing``, ``conflicting`` or ``malformed``; ``field`` one of ``FIELDS``)."""


class ReceiptInvalid(_ReceiptProblem):
    """A well-formed receipt whose signature does not verify (``bad_signature``) or whose key the
    bureau never published (``unknown_key``)."""


def _english(field: str) -> str:
    return repr(_LABEL_SPELLINGS[field][1])


def _malformed(field: str, detail: str) -> ReceiptFormatError:
    return ReceiptFormatError("malformed", field, f"malformed {_english(field)}: {detail}")


# --- receipts ----------------------------------------------------------------------------------


def signed_payload(number: str, received_at: str, digest: str, key_id: str) -> bytes:
    """The exact bytes a receipt's signature covers (``received_at`` as printed on the receipt)."""
    return _PAYLOAD_LABEL + "\n".join([number, received_at, digest, key_id]).encode("ascii")


@dataclasses.dataclass(frozen=True)
class Receipt:
    """One receipt, exactly as signed. ``received_at`` is stored in China Standard Time at whole
    seconds (any aware datetime is accepted and converted); ``digest`` in lowercase hex."""

    number: str
    received_at: datetime
    digest: str
    key_id: str
    signature: bytes

    def __post_init__(self):
        if not isinstance(self.number, str) or not NUMBER_PATTERN.fullmatch(self.number):
            raise _malformed("number", f"{self.number!r} is not a report number like 2026-000123")
        if not isinstance(self.received_at, datetime) or self.received_at.utcoffset() is None:
            raise _malformed("received_at", "the time received must be an aware datetime")
        if not isinstance(self.digest, str) or not DIGEST_PATTERN.fullmatch(self.digest.lower()):
            raise _malformed("digest", "a SHA-256 digest is 64 hexadecimal characters")
        if not isinstance(self.key_id, str) or not KEY_ID_PATTERN.fullmatch(self.key_id):
            raise _malformed("key_id", f"{self.key_id!r} is not a receipt key id")
        if not isinstance(self.signature, bytes | bytearray | memoryview) or len(self.signature) != SIGNATURE_SIZE:
            raise _malformed("signature", f"an Ed25519 signature is {SIGNATURE_SIZE} bytes")
        object.__setattr__(self, "received_at", self.received_at.astimezone(CHINA_TIME).replace(microsecond=0))
        object.__setattr__(self, "digest", self.digest.lower())
        object.__setattr__(self, "signature", bytes(self.signature))

    @property
    def received_at_text(self) -> str:
        """As printed and signed: ``2026-12-01T13:05:09+08:00``."""
        return self.received_at.isoformat()

    @property
    def signature_text(self) -> str:
        return base64.b64encode(self.signature).decode("ascii")

    def payload(self) -> bytes:
        return signed_payload(self.number, self.received_at_text, self.digest, self.key_id)

    def as_text(self, verify_url: str | None = None) -> str:
        """The receipt as a plain-text file to keep, print and paste back, in the active language
        (Chinese on the public site). ``verify_url`` is where to check it; pass the absolute URL
        when the request is at hand."""
        values = {
            "number": self.number,
            "received_at": self.received_at_text,
            "digest": self.digest,
            "key_id": self.key_id,
            "signature": self.signature_text,
        }
        lines = [gettext("Receipt for a report on the misuse of medical insurance funds")]
        lines += [gettext("%(label)s: %(value)s") % {"label": gettext(LABELS[f]), "value": values[f]} for f in FIELDS]
        lines += [
            "——",
            gettext(
                "This receipt proves that the bureau received a submission with this digest at the time shown; "
                "it is used to decide who reported first."
            ),
            gettext("It contains neither what you reported nor your tracking code. Keep it safe."),
            gettext("Check this receipt at %(url)s") % {"url": verify_url or VERIFY_PATH},
        ]
        return "\n".join(lines) + "\n"


def issue_receipt(number: str, received_at: datetime, digest: str, keys: ReceiptKeys | None = None) -> Receipt:
    """Sign a receipt with the current receipt key (``receipt_keys()`` unless ``keys`` is given).
    Ed25519 is deterministic: the same fields and key give the same receipt again."""
    keys = keys or receipt_keys()
    unsigned = Receipt(number, received_at, digest, keys.current_id, bytes(SIGNATURE_SIZE))
    key_id, signature = keys.sign(unsigned.payload())
    if key_id != unsigned.key_id:  # pragma: no cover - ReceiptKeys is immutable
        raise ReceiptKeyError("the current receipt key changed while signing")
    return dataclasses.replace(unsigned, signature=signature)


def _clean_line(line: str) -> str:
    # NFKC turns full-width colons, brackets, digits and letters into ASCII; format characters
    # (a BOM, zero-width spaces, direction marks) come with text copied from chat apps.
    line = unicodedata.normalize("NFKC", line)
    return "".join(ch for ch in line if unicodedata.category(ch) != "Cf").strip()


def _label_key(label: str) -> str:
    key = "".join(_clean_line(label).lstrip(">*-•·").split()).casefold()
    for suffix in ("(sha-256)", "(sha256)"):
        key = key.removesuffix(suffix)
    return key


_FIELD_BY_LABEL = {
    _label_key(spelling): field for field, spellings in _LABEL_SPELLINGS.items() for spelling in spellings
}


def _field_for_label(label: str) -> str | None:
    key = _label_key(label)
    if key in _FIELD_BY_LABEL:
        return _FIELD_BY_LABEL[key]
    # A language added later: its current translation counts too.
    return next((field for field in FIELDS if _label_key(gettext(LABELS[field])) == key), None)


def parse_receipt(text: str) -> Receipt:
    """The receipt in ``text``: the whole file or a paste of it. Lines without a known label are
    ignored (title, notes, an e-mail around it); labels may be Chinese or English, colons full-width
    or ASCII, lines CRLF-terminated or indented. Raises ``ReceiptFormatError`` naming the first
    missing or malformed field, or a field given twice with different values."""
    if not isinstance(text, str):
        raise TypeError("parse_receipt takes the receipt's text (str)")
    found: dict[str, str] = {}
    for line in text.splitlines():
        label, colon, value = _clean_line(line).partition(":")
        field = _field_for_label(label) if colon else None
        if field is None:
            continue
        # A signature wrapped by a mail program or a narrow window comes back with spaces in it.
        value = "".join(value.split()) if field == "signature" else value.strip()
        if found.setdefault(field, value) != value:
            raise ReceiptFormatError("conflicting", field, f"the receipt gives {_english(field)} twice, differently")
    # Field by field, in the order printed, so the reporter hears of the first line that is wrong.
    values = {}
    for field in FIELDS:
        if field not in found:
            raise ReceiptFormatError("missing", field, f"the receipt has no {_english(field)} line")
        values[field] = _read_value(field, found[field])
    return Receipt(**values)


def _read_value(field: str, value: str):
    if field == "received_at":
        try:
            received_at = datetime.fromisoformat(value)
        except ValueError:
            raise _malformed(field, "not an ISO 8601 time") from None
        if received_at.utcoffset() is None or received_at.microsecond:
            raise _malformed(field, "the time needs its UTC offset and whole seconds")
        return received_at
    if field == "signature":
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:  # binascii.Error, or a character outside ASCII
            raise _malformed(field, "not Base64") from None
    # Hex digits and key ids read the same in either case; Receipt checks the rest.
    value = value.lower() if field in ("digest", "key_id") else value
    pattern = {"number": NUMBER_PATTERN, "digest": DIGEST_PATTERN, "key_id": KEY_ID_PATTERN}[field]
    if not pattern.fullmatch(value):
        # Not quoted: a confused reporter may have pasted their tracking code here.
        raise _malformed(field, "not of the expected form")
    return value


def verify_receipt(receipt: str | Receipt, keys: ReceiptKeys | None = None) -> Receipt:
    """The receipt (parsed if given as text) when the bureau's signature on it verifies; else
    ``ReceiptFormatError`` (not a receipt) or ``ReceiptInvalid`` (altered, forged, or signed with a
    key the bureau never published). ``keys`` defaults to ``receipt_keys()``."""
    if isinstance(receipt, str):
        receipt = parse_receipt(receipt)
    keys = keys or receipt_keys()
    if not keys.knows(receipt.key_id):
        raise ReceiptInvalid("unknown_key", "key_id", f"no published receipt key {receipt.key_id!r}")
    if not keys.verify(receipt.key_id, receipt.payload(), receipt.signature):
        raise ReceiptInvalid("bad_signature", None, "the signature does not verify")
    return receipt


# --- receipt keys ------------------------------------------------------------------------------


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def receipt_key_id(public_key: Ed25519PublicKey) -> str:
    """``ed25519-`` + 16 hex digits of SHA-256(label ‖ raw public key): the key's fingerprint, so a
    file cannot pair an id with another key unnoticed."""
    return KEY_ID_PREFIX + hashlib.sha256(_KEY_ID_LABEL + _raw_public(public_key)).hexdigest()[:16]


@dataclasses.dataclass(frozen=True)
class ReceiptKeyInfo:
    """The public half of a receipt key and when it was made."""

    key_id: str
    created: datetime
    public_key: Ed25519PublicKey


class PublishedKey(NamedTuple):
    """A public key as the bureau publishes it: id, raw public key in Base64, creation time."""

    key_id: str
    public_key: str
    created: datetime


class ReceiptKeys:
    """The bureau's receipt keys: signs with the current key, verifies with any published one.
    Immutable (one instance is shared by every request of a process); rotation makes a new one."""

    __slots__ = ("_current_id", "_keys", "_private")

    def __init__(
        self, keys: Iterable[ReceiptKeyInfo], current_id: str, private_keys: dict[str, Ed25519PrivateKey]
    ) -> None:
        self._keys: dict[str, ReceiptKeyInfo] = {}
        for info in keys:
            if info.key_id != receipt_key_id(info.public_key):
                raise ReceiptKeyError(f"receipt key id {info.key_id!r} does not match its public key")
            if info.key_id in self._keys:
                raise ReceiptKeyError(f"receipt key id {info.key_id!r} appears twice")
            self._keys[info.key_id] = info
        if current_id not in self._keys:
            raise ReceiptKeyError(f"the current receipt key {current_id!r} is not among the keys")
        for key_id, private_key in private_keys.items():
            if key_id not in self._keys or _raw_public(private_key.public_key()) != _raw_public(
                self._keys[key_id].public_key
            ):
                raise ReceiptKeyError(f"the private key of {key_id!r} does not match its public key")
        self._current_id = current_id
        self._private = dict(private_keys)

    @classmethod
    def new(cls) -> ReceiptKeys:
        """One fresh key pair, in memory."""
        private_key = Ed25519PrivateKey.generate()
        info = _new_key_info(private_key)
        return cls([info], info.key_id, {info.key_id: private_key})

    @property
    def current_id(self) -> str:
        return self._current_id

    @property
    def can_sign(self) -> bool:
        return self._current_id in self._private

    def knows(self, key_id: str) -> bool:
        return key_id in self._keys

    def sign(self, payload: bytes) -> tuple[str, bytes]:
        """``(current key id, Ed25519 signature)``; the payload carries its own domain label."""
        private_key = self._private.get(self._current_id)
        if private_key is None:
            raise ReceiptKeyError(f"no private key for the current receipt key {self._current_id!r}; cannot sign")
        return self._current_id, private_key.sign(bytes(payload))

    def verify(self, key_id: str, payload: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is the key's signature over ``payload``; False for an unknown key."""
        info = self._keys.get(key_id)
        if info is None:
            return False
        try:
            info.public_key.verify(bytes(signature), bytes(payload))
        except InvalidSignature:
            return False
        return True

    def public_keys(self) -> list[PublishedKey]:
        """Every key, oldest first (the order of the file: a rotation appends), for publishing."""
        infos = self._keys.values()
        return [
            PublishedKey(i.key_id, base64.b64encode(_raw_public(i.public_key)).decode("ascii"), i.created)
            for i in infos
        ]

    def rotated(self) -> ReceiptKeys:
        """A copy with a new current key pair. Earlier keys keep their public half, so receipts they
        signed still verify, but lose their private half: a later leak of the file cannot expose
        them."""
        private_key = Ed25519PrivateKey.generate()
        info = _new_key_info(private_key)
        return ReceiptKeys([*self._keys.values(), info], info.key_id, {info.key_id: private_key})

    def __repr__(self):
        return f"<ReceiptKeys current={self._current_id} keys={list(self._keys)}>"

    def __reduce__(self):
        raise TypeError("receipt keys are never pickled; load them from their file")


def _new_key_info(private_key: Ed25519PrivateKey) -> ReceiptKeyInfo:
    public_key = private_key.public_key()
    return ReceiptKeyInfo(receipt_key_id(public_key), datetime.now(UTC).replace(microsecond=0), public_key)


# --- receipt key files -------------------------------------------------------------------------
#
#   {"format": "mediinsure-portal-receipt-keys", "version": 1, "current": "<key id>",
#    "keys": [{"id": "<key id>", "created": "<ISO 8601 UTC>", "public_key": "<base64 raw 32 bytes>",
#              "private_key": "<base64 raw 32 bytes>" (the current key only, after a rotation)}]}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _serialise(keys: ReceiptKeys) -> bytes:
    entries = []
    for info in keys._keys.values():  # oldest first: creation times have whole seconds only
        entry = {
            "id": info.key_id,
            "created": info.created.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "public_key": _b64(_raw_public(info.public_key)),
        }
        if info.key_id in keys._private:
            entry["private_key"] = _b64(_raw_private(keys._private[info.key_id]))
        entries.append(entry)
    document = {
        "format": RECEIPT_KEYS_FORMAT,
        "version": RECEIPT_KEYS_VERSION,
        "current": keys.current_id,
        "keys": entries,
    }
    return (json.dumps(document, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def _raw_key(entry: dict, name: str, path) -> bytes:
    try:
        raw = base64.b64decode(entry[name], validate=True)
    except (TypeError, ValueError):
        raise ReceiptKeyError(f"{path}: the {name} of {entry.get('id')!r} is not valid base64") from None
    if len(raw) != RAW_KEY_SIZE:
        raise ReceiptKeyError(f"{path}: the {name} of {entry.get('id')!r} is not {RAW_KEY_SIZE} bytes")
    return raw


def _load(path: str | Path) -> tuple[ReceiptKeys, os.stat_result]:
    path = Path(path)
    document, status = read_key_document(
        path, kind="receipt key", file_format=RECEIPT_KEYS_FORMAT, version=RECEIPT_KEYS_VERSION, error=ReceiptKeyError
    )
    entries = document["keys"]
    if any("private_key" in entry for entry in entries) and status.st_mode & stat.S_IROTH:
        raise ReceiptKeyError(f"{path} holds private receipt keys and is readable by others; chmod 600 it")
    infos, private_keys = [], {}
    for entry in entries:
        try:
            key_id = entry["id"]
            created = datetime.fromisoformat(entry["created"])
            public_key = Ed25519PublicKey.from_public_bytes(_raw_key(entry, "public_key", path))
        except (KeyError, TypeError, ValueError):
            raise ReceiptKeyError(f"{path}: a key entry is incomplete or malformed") from None
        if not isinstance(key_id, str) or created.tzinfo is None:
            raise ReceiptKeyError(f"{path}: key {key_id!r} has a malformed id or a creation time without time zone")
        infos.append(ReceiptKeyInfo(key_id, created, public_key))
        if "private_key" in entry:
            private_keys[key_id] = Ed25519PrivateKey.from_private_bytes(_raw_key(entry, "private_key", path))
    try:
        return ReceiptKeys(infos, str(document.get("current")), private_keys), status
    except ReceiptKeyError as exc:
        raise ReceiptKeyError(f"{path}: {exc}") from None


def load_receipt_keys(path: str | Path) -> ReceiptKeys:
    """The receipt keys in ``path``. A file holding a private key must not be readable by others
    (mode o+r), like an SSH key: mount it 0600 or 0640. A file of public keys only loads too; it
    verifies but cannot sign."""
    return _load(path)[0]


def save_receipt_keys(keys: ReceiptKeys, path: str | Path, *, exclusive: bool = False) -> None:
    """Write the keys (mode 0600, atomically; ``exclusive`` refuses to replace a file)."""
    write_private_file(Path(path), _serialise(keys), exclusive=exclusive)


def generate_receipt_keys(path: str | Path) -> ReceiptKeys:
    """Create a receipt key file with one new key pair; refuses to replace an existing file."""
    keys = ReceiptKeys.new()
    try:
        save_receipt_keys(keys, path, exclusive=True)
    except FileExistsError:
        raise ReceiptKeyError(f"{path} already exists; refusing to replace receipt keys") from None
    return keys


def rotate_receipt_keys(path: str | Path) -> str:
    """Add a new key pair to the file at ``path`` and make it current; returns its id. Earlier keys
    stay as public keys (``ReceiptKeys.rotated``). Every node that signs receipts needs the new file;
    until a node has it, it keeps signing with the old key, whose receipts still verify."""
    keys = load_receipt_keys(path).rotated()
    save_receipt_keys(keys, path)
    return keys.current_id


# --- settings helpers --------------------------------------------------------------------------

_cached: tuple[str, tuple, ReceiptKeys] | None = None


def _file_identity(status: os.stat_result) -> tuple:
    return (status.st_dev, status.st_ino, status.st_mtime_ns, status.st_size)


def receipt_keys() -> ReceiptKeys:
    """The keys at ``settings.PORTAL_RECEIPT_KEYS``, loaded once per process and again when the file
    changes (a rotation replaces it: new inode, time and size)."""
    from django.conf import settings

    global _cached
    path = os.fspath(settings.PORTAL_RECEIPT_KEYS)
    try:
        identity = _file_identity(os.stat(path))
    except FileNotFoundError:
        raise ReceiptKeyError(f"no receipt key file at {path} (PORTAL_RECEIPT_KEYS)") from None
    except OSError as exc:
        raise ReceiptKeyError(f"cannot read the receipt key file {path}: {exc.strerror}") from None
    cached = _cached
    if cached is not None and cached[0] == path and cached[1] == identity:
        return cached[2]
    keys, status = _load(path)
    _cached = (path, _file_identity(status), keys)
    return keys


def ensure_development_receipt_keys(path: str | Path | None = None) -> Path:
    """Make sure a development receipt key file exists; returns its path
    (``settings.PORTAL_RECEIPT_KEYS`` by default).

    For ``make run``: refuses unless DEBUG is on, and refuses a path outside ``settings.VAR_DIR``.
    An existing file is left alone; two processes starting at once create one file between them.
    """
    from django.conf import settings

    if not settings.DEBUG:
        raise ReceiptKeyError(
            "development receipt keys are made only with DEBUG on; production uses `receiptkeys generate`"
        )
    path = Path(path or settings.PORTAL_RECEIPT_KEYS).resolve()
    var_dir = Path(settings.VAR_DIR).resolve()
    if not path.is_relative_to(var_dir):
        raise ReceiptKeyError(f"development receipt keys belong under VAR_DIR ({var_dir}), not at {path}")
    if not path.exists():
        try:
            generate_receipt_keys(path)
        except ReceiptKeyError:
            if not path.exists():  # not lost to a concurrent start: a real error
                raise
    return path
