"""The public receipt check: anyone may verify a receipt the bureau issued (reports/receipts.py)."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .receipt_forms import ReceiptVerifyForm
from .receipts import LABELS, ReceiptFormatError, ReceiptInvalid, receipt_keys, verify_receipt


# No CSRF token: checking a receipt changes nothing and needs no authority, so the page sets no
# cookie, and it keeps working under the report channel's no-referrer policy (Origin: null).
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify_receipt_view(request):
    """GET: the form and the bureau's published receipt keys. POST: the verdict on a pasted or
    uploaded receipt. Nothing about the receipt is stored or logged."""
    keys = receipt_keys()
    result = None
    if request.method == "POST":
        form = ReceiptVerifyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = {"status": "valid", "receipt": verify_receipt(form.cleaned_data["receipt_text"], keys=keys)}
            except ReceiptFormatError as exc:
                result = {"status": "malformed", "message": exc.user_message}
            except ReceiptInvalid as exc:
                result = {"status": "invalid", "message": exc.user_message}
    else:
        form = ReceiptVerifyForm()
    context = {
        "form": form,
        "result": result,
        "labels": LABELS,
        "published_keys": keys.public_keys(),
        "current_key_id": keys.current_id,
    }
    return render(request, "reports/receipt_verify.html", context)
