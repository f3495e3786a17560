"""The public forms of the report channel: report, code lookup, reply. Messages are for citizens:
they say what to do, in plain Chinese (through the catalogue)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from disclosures.models import ViolationCategory
from home.form_fields import IdMultipleChoiceField

from . import codes, evidence, identity
from .intake import Identity, Submission
from .models import PartyType
from .regions import REGIONS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files in one input; each is checked by its bytes and rebuilt (reports/evidence.py)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs["accept"] = evidence.ACCEPT_ATTRIBUTE
        #: Sizes of the files already attached to the report, counted against the limits too.
        self.existing_sizes: list[int] = []

    def clean(self, data, initial=None):
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        evidence.check_batch([*self.existing_sizes, *(upload.size for upload in uploads)])
        sanitised, errors = [], []
        for upload in uploads:
            try:
                sanitised.append(evidence.sanitise(upload.read(), upload.name or ""))
            except evidence.EvidenceRejected as refusal:
                errors.append(
                    ValidationError(
                        _("%(name)s: %(reason)s"),
                        params={"name": evidence.display_name(upload.name or "", ""), "reason": str(refusal)},
                        code=refusal.code,
                    )
                )
        if errors:
            raise ValidationError(errors)
        return sanitised


def _evidence_help() -> str:
    limits = evidence.current_limits()
    return _(
        "Photos (JPEG, PNG, HEIC) or PDF documents: at most %(files)s files, %(size)s each, %(total)s together. "
        "Location and camera data are removed from photos and author data from PDFs before anything is stored."
    ) % {
        "files": limits.max_files,
        "size": evidence.format_megabytes(limits.max_bytes),
        "total": evidence.format_megabytes(limits.max_total_bytes),
    }


class ReportForm(forms.Form):
    ANONYMOUS, REAL_NAME = "anonymous", "real_name"
    CONTACT_CHOICES = [
        ("portal", _("Only through this website (with my tracking code)")),
        ("phone", _("By telephone")),
        ("sms", _("By text message")),
    ]

    party_type = forms.ChoiceField(label=_("Who are you reporting?"), choices=PartyType.choices)
    party_name = forms.CharField(
        label=_("Name of the institution, pharmacy or person"),
        max_length=200,
        help_text=_("The full name if you know it, e.g. the hospital's name on its sign."),
    )
    region = forms.ChoiceField(label=_("Where is it?"), choices=[("", _("Please choose")), *REGIONS])
    categories = IdMultipleChoiceField(
        label=_("What happened?"),
        queryset=ViolationCategory.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose every kind that applies."),
        error_messages={"required": _("Please choose at least one kind of wrongdoing.")},
    )
    occurred_on = forms.DateField(
        label=_("When did it happen?"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("An approximate date is fine; leave it empty if you do not know."),
    )
    amount = forms.DecimalField(
        label=_("Amount involved (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("Your estimate, if you have one."),
    )
    description = forms.CharField(
        label=_("What did you see?"),
        min_length=10,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Describe the facts: who did what, when and where, and how you know. "
            "Concrete facts and clues let us act on your report."
        ),
    )
    evidence = EvidenceField(label=_("Evidence files"))
    identity_mode = forms.ChoiceField(
        label=_("Report anonymously or with your real name?"),
        choices=[
            (ANONYMOUS, _("Anonymously: you follow your report with the tracking code only")),
            (REAL_NAME, _("With my real name (实名): the bureau may contact me and tells me its decisions")),
        ],
        initial=ANONYMOUS,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    id_number = forms.CharField(
        label=_("Resident ID card number"), max_length=30, required=False, validators=[identity.validate_id_number]
    )
    phone = forms.CharField(label=_("Telephone"), max_length=30, required=False, validators=[identity.validate_phone])
    contact_preference = forms.ChoiceField(
        label=_("How may we contact you?"), choices=CONTACT_CHOICES, initial="portal", required=False
    )
    intake_token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = _evidence_help()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(_("Who is reported"), "party_type", "party_name", "region"),
            Fieldset(_("What happened"), "categories", "occurred_on", "amount", "description"),
            Fieldset(_("Evidence"), "evidence"),
            Fieldset(
                _("Your identity"),
                "identity_mode",
                Div(
                    HTML(format_html('<p class="form-text">{}</p>', _("Fill these in only for a real-name report."))),
                    "name",
                    "id_number",
                    "phone",
                    "contact_preference",
                    css_class="real-name-fields",
                    css_id="real-name-fields",
                ),
            ),
            "intake_token",
            Submit("submit", _("Send the report"), css_class="btn-lg"),
        )

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if value and value > timezone.localdate():
            raise ValidationError(_("This date is in the future."), code="future")
        return value

    def clean_party_name(self):
        return self.cleaned_data["party_name"].strip()

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("identity_mode") == self.REAL_NAME:
            for name in ("name", "id_number", "phone"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, ValidationError(_("Required for a real-name report."), code="required"))
        return cleaned

    @property
    def real_name(self) -> bool:
        return self.cleaned_data.get("identity_mode") == self.REAL_NAME

    def submission(self) -> Submission:
        data = self.cleaned_data
        person = None
        if self.real_name:
            person = Identity(
                name=data["name"].strip(),
                id_number=data["id_number"],
                phone=identity.normalise_phone(data["phone"]),
                contact_preference=data.get("contact_preference") or "portal",
            )
        return Submission(
            party_type=data["party_type"],
            party_name=data["party_name"],
            region=data["region"],
            category_ids=[category.pk for category in data["categories"]],
            description=data["description"],
            occurred_on=data.get("occurred_on"),
            amount=data.get("amount"),
            identity=person,
            files=data.get("evidence") or [],
        )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "autofocus": True}
        ),
        help_text=_("The code you received when you sent the report, e.g. ABCD-EFGH-JKMN-PQRS-T."),
    )

    def clean_code(self):
        text = self.cleaned_data["code"]
        try:
            return codes.normalise(text)
        except codes.CodeChecksumError:
            raise ValidationError(
                _("This code is not right: one of its characters was probably mistyped. Please check the code."),
                code="checksum",
            ) from None
        except codes.CodeFormatError as error:
            raise ValidationError(
                _("A tracking code has %(count)s letters and digits (dashes and spaces do not count). Please check it.")
                % {"count": codes.CODE_LENGTH},
                code="format",
            ) from error


class ReplyForm(forms.Form):
    """What the reporter sends on the status page: an answer, new evidence, or both."""

    text = forms.CharField(
        label=_("Your message"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    evidence = EvidenceField(label=_("Add evidence files"))

    def __init__(self, *args, existing_sizes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].existing_sizes = list(existing_sizes)
        self.fields["evidence"].help_text = _evidence_help()

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("text") or "").strip() and not cleaned.get("evidence"):
            raise ValidationError(_("Write a message or choose a file to send."), code="empty")
        return cleaned
