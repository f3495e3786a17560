"""Staff screens beside the case page: registering a report taken by telephone, letter or visit,
merging reports into one case, and asking for, granting and seeing a real-name reporter's identity.

The rules live in ``reports/registration.py``, ``reports/merging.py`` and
``reports/identity_access.py``; these views check access per request (404 for anyone without the
permission or without access to the report, as the case views do), turn form input into calls of
those services and show their refusals. ``case_extras`` gives the case page
(``reports/admin/_case_extras.html``) what it shows of all three.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from . import case_views, codes, evidence, identity_access, intake, merging, registration
from .audit import record
from .forms import ReportForm
from .models import AccessDecision, Channel, IdentityAccessRequest, Report
from .uploads import use_memory_uploads

#: How long a registration form's one-time token is remembered (a reload within it is refused).
FORM_TOKEN_LIFETIME = 24 * 3600


def _visible_report(request, report_id) -> Report:
    try:
        return case_views.visible_reports(request.user).select_related("merged_into").get(pk=uuid.UUID(str(report_id)))
    except (Report.DoesNotExist, ValueError):
        raise Http404 from None


def _case_url(report) -> str:
    return reverse("reports_admin:case", args=[report.pk])


def _form_errors_as_messages(request, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(error) for error in errors)
        messages.error(request, f"{label}: {text}" if label else text)


# --- registering a report taken by another channel ---------------------------------------------


class RegistrationForm(ReportForm):
    """The public report form, for an intake officer typing in what a caller, a letter or a visitor
    gives, plus the channel. The public form's ``intake_token`` (which lets a reload show the code
    again) is dropped: a registered report's code is shown once, full stop. ``form_token`` only stops
    a double click or reload from registering the report twice."""

    intake_token = None
    channel = forms.ChoiceField(label=gettext_lazy("Channel"))
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    field_order = ["channel"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", _("Please choose"))] + [
            (value, label) for value, label in Channel.choices if value in registration.REGISTRATION_CHANNELS
        ]
        self.fields["identity_mode"].choices = [(self.ANONYMOUS, _("Anonymous")), (self.REAL_NAME, _("Real name"))]
        self.fields["description"].help_text = _(
            "Write down the facts as the reporter gives them: who did what, when and where, and how they know."
        )
        # Rendered by our own template, not crispy: the public layout names the dropped intake_token.
        del self.helper

    def fieldsets(self):
        """(legend, [bound fields]) in the order the page shows them."""
        groups = [
            (_("Channel"), ["channel"]),
            (_("Who is reported"), ["party_type", "party_name", "region"]),
            (_("What happened"), ["categories", "occurred_on", "amount", "description"]),
            (_("Evidence"), ["evidence"]),
            (_("Reporter"), ["identity_mode", "name", "id_number", "phone", "contact_preference"]),
        ]
        return [(legend, [self[name] for name in names]) for legend, names in groups]


def _token_key(token: str) -> str:
    return "reports:register:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


@csrf_exempt
@sensitive_post_parameters()
def register(request):
    """``/admin/cases/register/``. Uploads must be held in memory only (reports/uploads.py), which is
    arranged before anything reads the body; the CSRF check reads it, so it runs after that, in
    ``_register``, instead of in the middleware."""
    if not registration.may_register(request.user):
        raise Http404
    if request.method == "POST":
        use_memory_uploads(request)
        if request.POST is not None and request.evidence_request_too_large:
            # Nothing of the form was read: show a blank one with the limit (no state changes, so
            # no CSRF check is needed for this answer).
            limits = evidence.current_limits()
            return render(
                request,
                "reports/admin/register.html",
                {
                    **_register_titles(),
                    "form": RegistrationForm(initial={"form_token": intake.new_intake_token()}),
                    "too_large": _("Together the files are larger than %(limit)s. Please send fewer or smaller files.")
                    % {"limit": evidence.format_megabytes(limits.max_total_bytes)},
                },
                status=413,
            )
    return _register(request)


def _register_titles() -> dict:
    return {"header_title": _("Register a report"), "page_title": _("Register a report")}


@csrf_protect
@sensitive_variables()
def _register(request):
    context = _register_titles()
    if request.method != "POST":
        form = RegistrationForm(initial={"form_token": intake.new_intake_token()})
        return render(request, "reports/admin/register.html", {**context, "form": form})
    form = RegistrationForm(request.POST, request.FILES)
    if not form.is_valid():
        form.data = form.data.copy()
        form.data["form_token"] = form.data.get("form_token") or intake.new_intake_token()
        return render(
            request,
            "reports/admin/register.html",
            {**context, "form": form, "files_were_chosen": bool(request.FILES)},
            status=400,
        )
    key = _token_key(form.cleaned_data["form_token"])
    if not cache.add(key, "", FORM_TOKEN_LIFETIME):
        number = cache.get(key) or ""
        return render(request, "reports/admin/register.html", {**context, "already_number": number}, status=409)
    try:
        result = registration.register(form.submission(), channel=form.cleaned_data["channel"], user=request.user)
    except registration.RegistrationRefused as refused:
        cache.delete(key)
        form.add_error(refused.field, refused.message)
        return render(request, "reports/admin/register.html", {**context, "form": form}, status=400)
    except BaseException:
        cache.delete(key)
        raise
    cache.set(key, result.report.number, FORM_TOKEN_LIFETIME)
    response = render(
        request,
        "reports/admin/registered.html",
        {
            "header_title": _("Report %(number)s registered") % {"number": result.report.number},
            "page_title": _("Report %(number)s registered") % {"number": result.report.number},
            "report": result.report,
            "code": codes.format_code(result.code),
        },
    )
    response["Cache-Control"] = "no-store, no-cache, max-age=0, private"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- merging --------------------------------------------------------------------------------------

_NUMBER = re.compile(r"(\d{4})\s*[-‐‑–—]?\s*(\d{1,6})")


def normalise_number(text: str) -> str:
    """A report number as staff type it (full-width digits, a missing dash or leading zeros) in its
    stored form, ``2026-000123``; the text unchanged when it does not look like one."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    match = _NUMBER.fullmatch(text)
    if not match:
        return text
    return f"{match.group(1)}-{int(match.group(2)):06d}"


class MergeForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Number of the other report"),
        max_length=30,
        help_text=gettext_lazy("For example 2026-000123. The earliest report of the two leads the case."),
    )

    def clean_number(self):
        return normalise_number(self.cleaned_data["number"])


@require_POST
def merge(request, report_id):
    """``/admin/cases/<id>/merge/``: merge the report whose number is posted into this case."""
    report = _visible_report(request, report_id)
    if not merging.may_merge(request.user):
        raise Http404
    form = MergeForm(request.POST)
    if not form.is_valid():
        _form_errors_as_messages(request, form)
        return redirect(_case_url(report))
    number = form.cleaned_data["number"]
    other = case_views.visible_reports(request.user).filter(number=number).first()
    if other is None:
        messages.error(request, _("No report has the number %(number)s.") % {"number": number})
        return redirect(_case_url(report))
    try:
        lead = merging.merge([report, other], request.user)
    except merging.MergeRefused as refused:
        messages.error(request, refused.message)
        return redirect(_case_url(report))
    messages.success(
        request,
        _("Reports %(first)s and %(second)s are now one case, led by report %(lead)s.")
        % {"first": report.number, "second": other.number, "lead": lead.number},
    )
    return redirect(_case_url(lead))


# --- identity -----------------------------------------------------------------------------------


class IdentityRequestForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you need the reporter's identity?"),
        max_length=identity_access.MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "A custodian reads this and decides. Say what you need it for, e.g. to hear the reporter as a witness."
        ),
    )


class DecisionForm(forms.Form):
    GRANT, REFUSE = "grant", "refuse"

    decision = forms.ChoiceField(choices=[(GRANT, GRANT), (REFUSE, REFUSE)])
    note = forms.CharField(
        label=gettext_lazy("Note on the decision"),
        required=False,
        max_length=identity_access.MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@dataclass(frozen=True)
class IdentityShown:
    name: str
    id_number: str
    phone: str
    contact_preference: str
    valid_until: datetime


def _contact_label(value: str) -> str:
    return str(dict(ReportForm.CONTACT_CHOICES).get(value, value))


@require_POST
def request_identity(request, report_id):
    """``/admin/cases/<id>/identity/request/``."""
    report = _visible_report(request, report_id)
    if not identity_access.may_request(request.user):
        raise Http404
    form = IdentityRequestForm(request.POST)
    if not form.is_valid():
        _form_errors_as_messages(request, form)
        return redirect(_case_url(report))
    try:
        identity_access.request_access(report, request.user, form.cleaned_data["reason"])
    except identity_access.IdentityAccessRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Your request was sent; a custodian decides on it."))
    return redirect(_case_url(report))


def identity_requests(request):
    """``/admin/cases/identity-requests/``: the custodians' list of pending requests."""
    if not identity_access.may_decide(request.user):
        raise Http404
    return render(
        request,
        "reports/admin/identity_requests.html",
        {
            "header_title": _("Requests to see a reporter's identity"),
            "page_title": _("Requests to see a reporter's identity"),
            "pending": list(identity_access.pending_requests()),
            "validity_days": identity_access.GRANT_VALIDITY.days,
        },
    )


@require_POST
def decide_identity(request, request_id):
    """``/admin/cases/identity-requests/<id>/decide/``: grant or refuse one request."""
    if not identity_access.may_decide(request.user):
        raise Http404
    access = get_object_or_404(IdentityAccessRequest, pk=request_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        _form_errors_as_messages(request, form)
        return redirect("reports_admin:identity_requests")
    grant = form.cleaned_data["decision"] == DecisionForm.GRANT
    try:
        decided = identity_access.decide(access, request.user, grant, form.cleaned_data["note"])
    except identity_access.IdentityAccessRefused as refused:
        messages.error(request, refused.message)
    else:
        number = decided.report.number
        if grant:
            messages.success(
                request,
                _("Granted: %(name)s may see the identity of report %(number)s until %(until)s.")
                % {"name": decided.requested_by, "number": number, "until": f"{decided.valid_until:%Y-%m-%d %H:%M}"},
            )
        else:
            messages.success(request, _("Refused the request on report %(number)s.") % {"number": number})
    return redirect("reports_admin:identity_requests")


# --- what the case page shows of all this --------------------------------------------------------


def case_extras(request, report: Report) -> dict:
    """Context for ``reports/admin/_case_extras.html`` on the case page, under one key.

    Showing the identity writes ``report.view_identity`` before the page is rendered."""
    user = request.user
    reports = merging.case_reports(report)
    extras = {
        "case_reports": reports if len(reports) > 1 else [],
        "lead": reports[0],
        "merge_form": None,
        "identity_section": False,
        "identity": None,
        "identity_withdrawn": False,
        "identity_requests": [],
        "identity_request_form": None,
    }
    if merging.may_merge(user) and not report.merged_into_id and report.status in merging.MERGEABLE_STATES:
        extras["merge_form"] = MergeForm()
    if identity_access.may_request(user):
        mine = list(IdentityAccessRequest.objects.filter(report=report, requested_by=user).order_by("-created_at"))
        extras["identity_requests"] = mine
        extras["identity_section"] = report.real_name or bool(mine)
        grant = identity_access.current_grant(report, user)
        if grant is not None:
            person = intake.open_for_staff(report).identity
            if person is None:
                extras["identity_withdrawn"] = True
            else:
                record("report.view_identity", actor=user, report=report, request=grant.pk)
                extras["identity"] = IdentityShown(
                    name=person.name,
                    id_number=person.id_number,
                    phone=person.phone,
                    contact_preference=_contact_label(person.contact_preference),
                    valid_until=grant.valid_until,
                )
        elif report.real_name and not any(item.decision == AccessDecision.PENDING for item in mine):
            extras["identity_request_form"] = IdentityRequestForm()
    from .reward_views import panel as reward_panel

    extras["reward"] = reward_panel(request, report)
    return {"case_extras": extras}
