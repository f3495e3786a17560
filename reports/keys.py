"""The bureau's intake keys as this process sees them, loaded once and reloaded when the file changes.

``intake_keyring()`` is what every role wraps new data keys to. ``staff_keyring()`` can open them
and exists only on the staff and all roles: on the public role it raises, whatever is asked, so no
code path of the public tier can ever unwrap with the bureau's key.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import crypto

_lock = threading.Lock()
_cache: dict[tuple, crypto.PublicKeyring] = {}


class PrivateKeyUnavailable(ImproperlyConfigured):
    """This node may not open reports: the public role never loads the private key."""


def _passphrase() -> str | None:
    path = getattr(settings, "PORTAL_KEYRING_PASSPHRASE_FILE", "")
    if not path:
        return None
    return Path(path).read_text(encoding="utf-8").rstrip("\r\n")


def _load(kind: str, path: str) -> crypto.PublicKeyring:
    status = os.stat(path)
    signature = (kind, path, status.st_mtime_ns, status.st_size, status.st_ino)
    with _lock:
        keyring = _cache.get(signature)
        if keyring is None:
            keyring = crypto.load_public_keyring(path) if kind == "public" else crypto.load_keyring(path, _passphrase())
            # Only the newest version of each (kind, path) is worth keeping.
            for stale in [key for key in _cache if key[:2] == (kind, path)]:
                del _cache[stale]
            _cache[signature] = keyring
        return keyring


def intake_keyring() -> crypto.PublicKeyring:
    """The keys new reports are wrapped to: on the public role the public export named by
    PORTAL_KEYRING; on the others the keyring itself (whose current key is the same)."""
    if settings.PORTAL_ROLE == "public":
        return _load("public", settings.PORTAL_KEYRING)
    return staff_keyring()


def staff_keyring() -> crypto.Keyring:
    if settings.PORTAL_ROLE == "public":
        raise PrivateKeyUnavailable("the public role never loads the bureau's private key")
    return _load("private", settings.PORTAL_KEYRING)


def forget_loaded_keys() -> None:
    """Drop the cached keyrings (after a rotation in this process, and in tests)."""
    with _lock:
        _cache.clear()
