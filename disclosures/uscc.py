"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a 31-character
alphabet, the last one a check character over the first 17."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def check_character(body: str) -> str:
    """The check character for the first 17 characters of a code."""
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(value: str) -> str:
    return (value or "").strip().upper()


def validate_uscc(value: str) -> None:
    code = normalise(value)
    if len(code) != LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)s."),
            code="uscc_length",
            params={"count": len(code)},
        )
    wrong = sorted({char for char in code if char not in ALPHABET})
    if wrong:
        raise ValidationError(
            _("A unified social credit code cannot contain %(chars)s (I, O, S, V and Z are never used)."),
            code="uscc_character",
            params={"chars": "、".join(wrong)},
        )
    if check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The last character of this unified social credit code does not match: check for a typing error."),
            code="uscc_check",
        )
