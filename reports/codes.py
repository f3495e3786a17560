"""Tracking codes: what a reporter keeps to come back to a report.

A code is 16 random Crockford base32 characters (80 bits from `secrets`) followed by one check
character, shown in groups of four: ``ABCD-EFGH-JKMN-PQRS-T``. Anything a person may plausibly type
for it is accepted: any case, spaces, dashes, full-width characters from a Chinese input method,
O for 0, I and L for 1. ``normalise`` answers three ways, so a page can say "please check the code"
for a typo and keep "not found" for a well-formed code that matches nothing:

* the canonical 17-character string;
* ``CodeFormatError``: not a code at all (wrong length, a character outside the alphabet, U);
* ``CodeChecksumError``: the right shape but the check character disagrees, i.e. a typo.

The database never holds a code: only ``lookup_digest``, an HMAC-SHA256 of the canonical code under
a server secret (``lookup_secret``), so a copy of the database cannot be searched for a code, and a
guess cannot be checked offline without that secret. Exceptions never carry the code itself: a code
is a bearer credential and exception messages end up in logs.
"""

import hashlib
import hmac
import secrets
import unicodedata

#: Crockford's base32 alphabet: digits and capitals without I, L, O and U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_LENGTH = 16
CODE_LENGTH = DATA_LENGTH + 1
#: Random bits in a code (5 per data character).
CODE_BITS = 5 * DATA_LENGTH
GROUP_SIZE = 4
# Longer input is refused before any Unicode work: generous for separators, small for a form field.
_MAX_INPUT = 100

_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
# Crockford's decoding rules: the letters left out of the alphabet read as the digits they look like.
_CONFUSABLE = {"O": "0", "I": "1", "L": "1"}

_LOOKUP_LABEL = b"mediinsure-portal/reports/tracking-code-lookup/v1\x00"
_SECRET_LABEL = b"mediinsure-portal/reports/tracking-code-lookup-secret/v1"


class CodeError(ValueError):
    """A text is not a valid tracking code. Catch this to handle both subclasses."""


class CodeFormatError(CodeError):
    """Not shaped like a tracking code: wrong length or a character outside the alphabet."""

    def __init__(self, message: str, *, length: int, position: int | None = None):
        super().__init__(message)
        self.length = length
        #: 1-based position of the first bad character (after spaces and dashes are removed), if any.
        self.position = position


class CodeChecksumError(CodeError):
    """Shaped like a code, but the check character disagrees: almost certainly a typo."""


# --- the check character ----------------------------------------------------------------------
#
# Arithmetic in GF(32) = GF(2)[x] / (x^5 + x^2 + 1); that polynomial is primitive, so x (value 2)
# generates all 31 non-zero elements.
_POLY = 0b100101
_EXP = [0] * 62
_LOG = [0] * 32
_element = 1
for _power in range(31):
    _EXP[_power] = _EXP[_power + 31] = _element
    _LOG[_element] = _power
    _element <<= 1
    if _element & 0b100000:
        _element ^= _POLY
del _element, _power


def _gf_mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


#: Weight of each data position: alpha^1 .. alpha^16, all distinct, none equal to the check
#: character's weight alpha^0 = 1 (alpha has order 31 > 17).
_WEIGHTS = tuple(_EXP[position + 1] for position in range(DATA_LENGTH))


def check_character(data: str) -> str:
    """The check character for 16 canonical data characters.

    Why not Crockford's own mod-37 check symbol: it needs five extra symbols (``* ~ $ = U``) that are
    awkward to read over the 12393 hotline, to type with a Chinese input method and to put in a URL,
    and U would have to be accepted in one position only. This check stays inside the 32 symbols.

    The check is a weighted sum over GF(32): with d_i the data values, w_i = alpha^(i+1) and the
    check value c, the code is valid when ``w_0 d_0 + ... + w_15 d_15 + c = 0`` (addition is XOR).
    All 17 weights are distinct and non-zero, and GF(32) has no zero divisors, so:

    * a single substitution at position j changes the sum by ``w_j (d - d')`` != 0: always caught;
    * swapping two different characters at positions j and k (adjacent or not) changes it by
      ``(w_j + w_k)(d_j + d_k)`` != 0: always caught; so is a "twin" error aa -> bb;
    * any other random error passes with probability 1/32 (Crockford's mod 37: 1/37).
    """
    if len(data) != DATA_LENGTH:
        raise ValueError(f"expected {DATA_LENGTH} data characters, got {len(data)}")
    total = 0
    for weight, symbol in zip(_WEIGHTS, data, strict=True):
        total ^= _gf_mul(weight, _VALUES[symbol])
    return ALPHABET[total]


# --- generating, displaying, reading back -----------------------------------------------------


def generate_code() -> str:
    """A new canonical code: 80 bits from `secrets` plus the check character (17 characters)."""
    number = secrets.randbits(CODE_BITS)
    data = "".join(ALPHABET[(number >> (5 * shift)) & 31] for shift in reversed(range(DATA_LENGTH)))
    return data + check_character(data)


def format_code(code: str) -> str:
    """The code as shown to a person: ``ABCD-EFGH-JKMN-PQRS-T`` (normalised first)."""
    canonical = normalise(code)
    return "-".join(canonical[start : start + GROUP_SIZE] for start in range(0, CODE_LENGTH, GROUP_SIZE))


def _is_separator(char: str) -> bool:
    # Whitespace of any kind and every dash (hyphen, en/em dash, minus sign), which people and
    # input methods put between groups; "_" is not one.
    return char.isspace() or unicodedata.category(char) == "Pd" or char == "\u2212"


def normalise(text: str) -> str:
    """The canonical form of a typed code, or ``CodeFormatError`` / ``CodeChecksumError``.

    NFKC first, so full-width letters, digits, spaces and dashes from a Chinese input method read as
    their ASCII forms; then separators are dropped, case is folded and O, I, L read as 0, 1, 1.
    """
    if len(text) > _MAX_INPUT:
        raise CodeFormatError("far too long to be a tracking code", length=len(text))
    folded = unicodedata.normalize("NFKC", text)
    compact = "".join(char for char in folded if not _is_separator(char)).upper()
    canonical = "".join(_CONFUSABLE.get(char, char) for char in compact)
    for index, char in enumerate(canonical):
        if char not in _VALUES:
            raise CodeFormatError(
                f"character {index + 1} is not in the tracking-code alphabet", length=len(canonical), position=index + 1
            )
    if len(canonical) != CODE_LENGTH:
        raise CodeFormatError(
            f"a tracking code has {CODE_LENGTH} characters, got {len(canonical)}", length=len(canonical)
        )
    if check_character(canonical[:DATA_LENGTH]) != canonical[DATA_LENGTH]:
        raise CodeChecksumError("the check character does not match: the code was probably mistyped")
    return canonical


def is_valid(text: str) -> bool:
    try:
        normalise(text)
    except CodeError:
        return False
    return True


# --- lookup -----------------------------------------------------------------------------------


def lookup_digest(code: str, secret: bytes) -> bytes:
    """HMAC-SHA256 of the normalised code under the server's lookup secret (32 bytes).

    This is the only trace of a code the database holds (store it, e.g. as 64 hex characters, in a
    unique indexed column). Equality lookups on it in the database do not need to be constant
    time: what could leak through timing is the digest, and without the secret a digest tells
    nothing about a code. Raises ``CodeError`` for a text that is not a valid code, so a typo is
    never looked up.
    """
    if len(secret) < 32:
        raise ValueError("the lookup secret must be at least 32 bytes")
    return hmac.new(secret, _LOOKUP_LABEL + normalise(code).encode("ascii"), hashlib.sha256).digest()


def derive_lookup_secret(material: str | bytes) -> bytes:
    """A 32-byte lookup secret from PORTAL_CODE_PEPPER or, without it, SECRET_KEY.

    The purpose label keeps the result unrelated to anything else Django derives from SECRET_KEY.
    """
    if isinstance(material, str):
        material = material.encode("utf-8")
    if not material:
        raise ValueError("no material to derive the tracking-code lookup secret from")
    return hmac.new(material, _SECRET_LABEL, hashlib.sha256).digest()


def lookup_secret() -> bytes:
    """The configured lookup secret: from ``settings.PORTAL_CODE_PEPPER``, else from ``SECRET_KEY``.

    Production requires PORTAL_CODE_PEPPER (portal/settings/production.py) because every stored
    digest depends on this secret: rotating SECRET_KEY after a leak must not make every reporter's
    code unfindable. The SECRET_KEY fallback serves development and tests only.
    """
    from django.conf import settings

    return derive_lookup_secret(getattr(settings, "PORTAL_CODE_PEPPER", "") or settings.SECRET_KEY)


def constant_time_equal(a: str | bytes, b: str | bytes) -> bool:
    """Compare two codes or digests in time that depends on their length only, never on where they
    first differ (``hmac.compare_digest``); use it for every comparison done in Python."""
    if isinstance(a, str):
        a = a.encode("utf-8")
    if isinstance(b, str):
        b = b.encode("utf-8")
    return hmac.compare_digest(a, b)
