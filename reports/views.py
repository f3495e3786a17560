"""The public report channel: submit a report, keep its code, come back with it.

Every view here is wrapped by ``private_channel``: nothing is cached or sent on as a referrer, the
error reports Django could mail hide every posted value, and no cookie is needed. CSRF protection
is off on purpose (docs/architecture.md, "Report channel"): these forms carry no ambient authority
— a report needs none and the status actions need the code, which a forging site cannot know —
and with ``Referrer-Policy: no-referrer`` browsers send ``Origin: null``, which Django's CSRF check
would refuse.
"""

from __future__ import annotations

import functools
import hashlib

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from portal.cache import UNAVAILABLE

from . import codes, crypto, evidence, intake, merging, reward_flow, throttle
from .forms import CodeForm, ReplyForm, ReportForm
from .models import EvidenceFile
from .uploads import UNREADABLE_BODY, body_refusal, use_memory_uploads

#: Served on every page of the channel: nothing from elsewhere, no inline script, no framing.
CHANNEL_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
REPLY_TOKEN_LIFETIME = 24 * 3600


def private_channel(view):
    @functools.wraps(view)
    @csrf_exempt
    @sensitive_post_parameters()
    @never_cache
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except UNREADABLE_BODY as error:
            # Raised by the view's first read of the body, before it stored anything.
            refusal = body_refusal(error)
            context = {"title": refusal.title, "message": refusal.message}
            response = _render(request, "reports/error.html", context, status=refusal.status)
        response["Cache-Control"] = "no-store, max-age=0"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Content-Security-Policy"] = CHANNEL_CSP
        return response

    return wrapped


def _render(request, template, context, status=200):
    return render(request, template, context, status=status)


def _verify_url(request) -> str:
    return request.build_absolute_uri(reverse("reports:receipt_verify"))


def _too_large(request):
    limits = evidence.current_limits()
    return _render(
        request,
        "reports/error.html",
        {
            "title": _("The files are too large"),
            "message": _("Together the files are larger than %(limit)s. Please send fewer or smaller files.")
            % {"limit": evidence.format_megabytes(limits.max_total_bytes)},
        },
        status=413,
    )


def _wait(request, seconds: int, what: str):
    response = _render(
        request,
        "reports/error.html",
        {
            "title": _("Please wait a moment"),
            "message": what % {"minutes": throttle.minutes(seconds)},
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


# --- reporting ---------------------------------------------------------------------------------


@private_channel
@sensitive_variables()
def submit(request):
    if request.method == "POST":
        use_memory_uploads(request)
        if request.POST is not None and request.evidence_request_too_large:
            return _too_large(request)
        submissions = throttle.submissions()
        wait = submissions.wait_seconds(request)
        if wait:
            return _wait(
                request,
                wait,
                _("Many reports were sent from your connection. Please try again in %(minutes)s minutes."),
            )
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = intake.submit(form.submission(), intake_token=form.cleaned_data["intake_token"])
            except intake.AlreadySubmitted as already:
                return _already_submitted(request, already.report)
            if not result.repeated:
                submissions.hit(request)
            return _submitted(request, result, form.cleaned_data["intake_token"])
        form.data = form.data.copy()
        form.data["intake_token"] = form.data.get("intake_token") or intake.new_intake_token()
    else:
        form = ReportForm(initial={"intake_token": intake.new_intake_token()})
    return _render(request, "reports/report_form.html", {"form": form, "files_were_chosen": bool(request.FILES)})


def _code_file(result: intake.Submitted, request) -> str:
    return "\n".join(
        [
            _("Medical insurance fund report: tracking code"),
            "",
            _("Tracking code: %(code)s") % {"code": codes.format_code(result.code)},
            _("Report number: %(number)s") % {"number": result.report.number},
            _("Check your report at: %(url)s") % {"url": request.build_absolute_uri(reverse("reports:status"))},
            "",
            _(
                "Keep this code secret and safe. It is the only way to read replies to your report, to add "
                "evidence and to claim a reward. The bureau cannot recover it for you."
            ),
            "",
        ]
    )


def _already_submitted(request, report):
    return _render(
        request,
        "reports/error.html",
        {
            "title": _("This report was already sent"),
            "message": _(
                "This form was sent before as report %(number)s, and you confirmed that you kept its tracking "
                "code, so it was not sent again. Use that code to add anything to the report."
            )
            % {"number": report.number},
        },
        status=409,
    )


@sensitive_variables()
def _submitted(request, result: intake.Submitted, token: str):
    return _render(
        request,
        "reports/submitted.html",
        {
            "code": codes.format_code(result.code),
            "report": result.report,
            "code_file": _code_file(result, request),
            "receipt_text": result.receipt.as_text(_verify_url(request)),
            "intake_token": token,
            "repeated": result.repeated,
        },
    )


@private_channel
@sensitive_variables()
def confirm(request):
    """The reporter confirms keeping the code; only then does the page let them go on."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    token = request.POST.get("intake_token", "")
    if not request.POST.get("kept"):
        try:
            earlier = intake.repeat_of(token) if token else None
        except intake.AlreadySubmitted:
            earlier = None
        if earlier is not None:
            return _submitted(request, earlier, token)
    elif token:
        intake.confirm_code_kept(token)
    return _render(request, "reports/confirmed.html", {})


# --- coming back with the code ----------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, response):
        self.response = response


@sensitive_variables()
def _open_by_code(request, form: CodeForm) -> intake.OpenedReport:
    """The report the posted code opens, or ``_Refused`` carrying the page to show instead."""
    failures = throttle.lookup_failures()
    wait = failures.wait_seconds(request)
    if wait:
        raise _Refused(
            _wait(
                request,
                wait,
                _(
                    "Too many codes that open no report were tried from your connection. "
                    "Please wait %(minutes)s minutes, then try again with the code exactly as you received it."
                ),
            )
        )
    if not form.is_valid():
        raise _Refused(_render(request, "reports/status_lookup.html", {"form": form}, status=400))
    code = form.cleaned_data["code"]
    try:
        return intake.open_with_code(code)
    except (intake.ReportNotFound, crypto.DecryptionError):
        count = failures.hit(request)
        left = max(0, failures.limit - count)
        form.add_error(
            "code",
            _(
                "No report has this code. It is well formed, so check that it is the code of your report. "
                "Attempts left before you must wait: %(left)s."
            )
            % {"left": left},
        )
        raise _Refused(_render(request, "reports/status_lookup.html", {"form": form}, status=404)) from None


@sensitive_variables()
def _status_page(
    request, opened: intake.OpenedReport, code: str, *, reply_form=None, notice=None, status=200, reward_errors=None
):
    report = opened.report
    from . import deadlines

    # A report merged into an earlier one follows that report's case (clear fields only).
    case = merging.lead_of(report)
    deadline = None
    if case.acceptance_due and case.status == "received":
        deadline = deadlines.Deadline(
            due=case.acceptance_due,
            rule=deadlines.acceptance_deadline(case.received_at).rule,
            provisional=case.acceptance_due_provisional,
        )
    return _render(
        request,
        "reports/status.html",
        {
            "opened": opened,
            "report": report,
            "case": case,
            "code": codes.format_code(code),
            "content": opened.content,
            "categories": list(report.categories.all()),
            "identity": opened.identity,
            "deadline": deadline,
            "reply_form": reply_form or ReplyForm(existing_sizes=intake.reporter_file_sizes(opened)),
            "reply_token": intake.new_intake_token(),
            "receipt_text": intake.receipt_of(report).as_text(_verify_url(request)),
            "notice": notice,
            "reward": reward_flow.current_decision(report),
            "reward_errors": reward_errors or {},
        },
        status=status,
    )


@private_channel
@sensitive_variables()
def status(request):
    if request.method != "POST":
        return _render(request, "reports/status_lookup.html", {"form": CodeForm()})
    form = CodeForm(request.POST)
    try:
        opened = _open_by_code(request, form)
    except _Refused as refused:
        return refused.response
    return _status_page(request, opened, form.cleaned_data["code"])


def code_action(view=None, *, accepts_files=False):
    """A status-page action: POST only, the posted code must open a report (throttled like the
    lookup), then ``view(request, opened, code)``. With ``accepts_files`` evidence is read into memory
    only (reports/uploads.py), which must be arranged before anything reads ``request.POST``."""
    if view is None:
        return functools.partial(code_action, accepts_files=accepts_files)

    @functools.wraps(view)
    @private_channel
    @sensitive_variables()
    def wrapped(request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if accepts_files:
            use_memory_uploads(request)
            if request.POST is not None and request.evidence_request_too_large:
                return _too_large(request)
        form = CodeForm(request.POST)
        try:
            opened = _open_by_code(request, form)
        except _Refused as refused:
            return refused.response
        return view(request, opened, form.cleaned_data["code"])

    return wrapped


def _reply_seen(token: str) -> bool:
    """A reload re-posts the reply: store it once per one-time token. With the cache down the reply
    is stored: a message staff may read twice beats a message lost."""
    key = "reports:reply:" + hashlib.sha256(token.encode("utf-8")).hexdigest()
    try:
        return not cache.add(key, 1, REPLY_TOKEN_LIFETIME)
    except UNAVAILABLE:
        return False


@code_action(accepts_files=True)
@sensitive_variables()
def reply(request, opened, code):
    reply_form = ReplyForm(request.POST, request.FILES, existing_sizes=intake.reporter_file_sizes(opened))
    if not reply_form.is_valid():
        return _status_page(request, opened, code, reply_form=reply_form, status=400)
    token = request.POST.get("reply_token", "")
    if not token or not _reply_seen(token):
        intake.add_reporter_message(
            opened, reply_form.cleaned_data["text"].strip(), reply_form.cleaned_data.get("evidence") or []
        )
    return _status_page(request, intake.open_with_code(code), code, notice=_("Your message has been sent."))


@code_action
@sensitive_variables()
def withdraw_identity(request, opened, code):
    if opened.identity is None:
        return _status_page(request, opened, code, notice=_("This report is already anonymous."))
    if not request.POST.get("confirm"):
        return _status_page(
            request, opened, code, notice=_("Tick the box to confirm that you want to withdraw your name."), status=400
        )
    intake.withdraw_identity(
        opened, _("The reporter withdrew their real name; the report continues as an anonymous report.")
    )
    return _status_page(
        request,
        opened,
        code,
        notice=_("Your name, ID number and telephone have been deleted. The report continues anonymously."),
    )


@code_action
@sensitive_variables()
def evidence_download(request, opened, code):
    try:
        view, data = intake.evidence_content(opened, request.POST.get("evidence", ""))
    except (EvidenceFile.DoesNotExist, ValidationError, ValueError, StopIteration):
        return _render(
            request,
            "reports/error.html",
            {"title": _("File not found"), "message": _("This report has no such file.")},
            status=404,
        )
    response = HttpResponse(data, content_type=view.media_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=view.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- rewards -------------------------------------------------------------------------------------


@code_action
@sensitive_variables()
def reward_claim(request, opened, code):
    """The reporter claims the approved reward: payee details, sealed under the report's key."""
    payee = reward_flow.Payee(
        name=request.POST.get("payee_name", ""),
        id_number=request.POST.get("payee_id_number", ""),
        bank_name=request.POST.get("payee_bank_name", ""),
        account=request.POST.get("payee_account", ""),
    )
    try:
        reward_flow.claim(opened, payee)
    except ValidationError as invalid:
        return _status_page(
            request,
            opened,
            code,
            notice=_("Please correct the payment details below."),
            reward_errors=invalid.message_dict,
            status=400,
        )
    except reward_flow.RewardRefused as refused:
        return _status_page(request, opened, code, notice=refused.message, status=409)
    return _status_page(
        request, opened, code, notice=_("Your claim has been received. The bureau will pay the reward to your account.")
    )


@code_action
@sensitive_variables()
def reward_waive(request, opened, code):
    if not request.POST.get("confirm"):
        return _status_page(
            request, opened, code, notice=_("Tick the box to confirm that you give up the reward."), status=400
        )
    try:
        reward_flow.waive(opened)
    except reward_flow.RewardRefused as refused:
        return _status_page(request, opened, code, notice=refused.message, status=409)
    return _status_page(request, opened, code, notice=_("You have given up the reward."))
