"""Checks of a real-name reporter's identity details (GB 11643 resident ID numbers, phone numbers)."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"\d{17}[\dX]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")


def id_check_character(first17: str) -> str:
    """The 18th character of a resident ID number (ISO 7064 MOD 11-2, as GB 11643 specifies)."""
    return _CHECK[sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> None:
    text = value.strip().upper()
    if not text:
        return
    if not _ID_SHAPE.fullmatch(text):
        raise ValidationError(
            _("A resident ID number has 18 characters: 17 digits and a final digit or X."), code="id_shape"
        )
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        born = None
    if born is None or born > timezone.localdate() or born.year < 1900:
        raise ValidationError(_("The date of birth in this ID number is not a real date."), code="id_birth")
    if id_check_character(text[:17]) != text[17]:
        raise ValidationError(
            _("This ID number's last character does not match the others. Please check each digit."),
            code="id_check",
        )


def normalise_phone(value: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", value)
    return digits.removeprefix("+86").removeprefix("0086") if len(digits) > 11 else digits


def validate_phone(value: str) -> None:
    if not value.strip():
        return
    number = normalise_phone(value)
    if not (_MOBILE.fullmatch(number) or _LANDLINE.fullmatch(number)):
        raise ValidationError(
            _("Please give a mobile number (11 digits) or a landline with its area code, e.g. 0883-2123456."),
            code="phone",
        )
