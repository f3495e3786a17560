"""Model choice fields that refuse ids the database cannot hold.

Django's model choice fields pass a submitted id to the database as it is: one beyond a 64-bit
integer makes SQLite raise OverflowError and PostgreSQL an out-of-range error, a server error on
a form anyone can post. These refuse such an id as an invalid choice first."""

from django import forms
from django.core.exceptions import ValidationError

LARGEST_ID = 2**63 - 1


def _out_of_range(value) -> bool:
    try:
        return abs(int(str(value).strip())) > LARGEST_ID
    except ValueError:  # not a number at all (or too long to read): Django refuses it as it is
        return False


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if self.to_field_name is None and value not in self.empty_values and _out_of_range(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value if self.to_field_name is None else ():
            if _out_of_range(item):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        return super()._check_values(value)
