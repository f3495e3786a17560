"""The form of the public receipt check (/report/receipt/verify/): a pasted receipt or its file."""

import codecs

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

#: A receipt is under 1 KB; anything near this is not one.
MAX_RECEIPT_BYTES = 64 * 1024


def decode_receipt_file(data: bytes) -> str:
    """The text of an uploaded receipt. We write UTF-8, but a receipt opened and saved again on a
    Chinese Windows PC may come back with a BOM, as UTF-16 (Notepad's "Unicode") or as GBK (older
    Notepad's "ANSI"); GB18030 reads GBK. ``ValueError`` when it is none of these."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("not a text file")


class ReceiptVerifyForm(forms.Form):
    text = forms.CharField(
        label=_("Receipt text"),
        help_text=_("Paste everything from the receipt, including the signature line."),
        required=False,
        max_length=MAX_RECEIPT_BYTES,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 9, "spellcheck": "false", "autocomplete": "off"}),
    )
    file = forms.FileField(
        label=_("Or the receipt file"),
        help_text=_("The .txt file you downloaded, at most 64 KB."),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".txt,text/plain"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_method = "post"
        self.helper.disable_csrf = True  # see receipt_views.verify_receipt_view
        self.helper.add_input(Submit("verify", _("Verify")))

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        # The size as received decides before anything is read.
        if upload.size > MAX_RECEIPT_BYTES:
            raise forms.ValidationError(
                _("This file is larger than 64 KB; a receipt is far smaller."), code="too_large"
            )
        try:
            return decode_receipt_file(upload.read(MAX_RECEIPT_BYTES + 1))
        except ValueError:
            raise forms.ValidationError(
                _("This file could not be read as text. Choose the receipt file you downloaded, or paste its text."),
                code="not_text",
            ) from None

    def clean(self):
        cleaned = super().clean()
        text, file_text = cleaned.get("text") or "", cleaned.get("file")
        if self.errors:
            return cleaned
        if text.strip() and file_text is not None:
            raise forms.ValidationError(_("Paste the receipt or choose its file, not both."), code="both")
        if not text.strip() and file_text is None:
            raise forms.ValidationError(_("Paste the receipt or choose its file."), code="empty")
        cleaned["receipt_text"] = file_text if file_text is not None else text
        return cleaned
