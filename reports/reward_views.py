"""Staff screens of reward decisions (issue 7): the reward panel's posts on the case page, and the
finance page ``/admin/cases/rewards/payments/`` (claimed rewards, XLSX export, mark paid). The rules
are in ``reports/reward_flow.py``; these views turn posts into its calls and show its refusals."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from home.form_fields import IdChoiceField

from . import reward_flow
from .reward_decisions import RewardDecision
from .reward_models import RewardScheme
from .rewards import Subject
from .staff_views import _case_url, _form_errors_as_messages, _visible_report

REWARD_PERMISSIONS = ("reports.propose_reward", "reports.review_reward", "reports.approve_reward")
FINANCE_PERMISSIONS = ("reports.export_reward_payments", "reports.mark_reward_paid")


class ProposeForm(forms.Form):
    scheme = IdChoiceField(
        label=gettext_lazy("Reward scheme"), queryset=RewardScheme.objects.all(), to_field_name="slug"
    )
    grade = forms.TypedChoiceField(
        label=gettext_lazy("Evidence grade"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), (1, "1"), (2, "2"), (3, "3")],
    )
    subject_type = forms.ChoiceField(
        label=gettext_lazy("Who caused the loss"),
        required=False,
        choices=[
            ("", "—"),
            (Subject.INSTITUTION, gettext_lazy("An institution")),
            (Subject.INDIVIDUAL, gettext_lazy("An individual")),
        ],
    )
    insider = forms.BooleanField(label=gettext_lazy("The reporter is an insider"), required=False)
    excluded_reason = forms.CharField(
        label=gettext_lazy("Reason to exclude the reporter (if any)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("E.g. staff with a duty to report, or involved in the wrongdoing. Leave empty if none."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].initial = reward_flow.default_scheme_slug()


class SendBackForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


def may_see_rewards(user) -> bool:
    return any(user.has_perm(permission) for permission in REWARD_PERMISSIONS)


def panel(request, report) -> dict:
    """What the case page's reward panel shows (``case_extras["reward"]``)."""
    user = request.user
    if not may_see_rewards(user):
        return {}
    decisions = list(RewardDecision.objects.filter(report=report).select_related("scheme_version__scheme"))
    live = next((d for d in decisions if d.state != "sent_back"), None)
    return {
        "checks": reward_flow.eligibility(report),
        "decisions": decisions,
        "live": live,
        "propose_form": ProposeForm() if user.has_perm("reports.propose_reward") and live is None else None,
        "send_back_form": SendBackForm(),
        "can_review": live is not None and live.state == "proposed" and user.has_perm("reports.review_reward"),
        "can_approve": live is not None and live.state == "reviewed" and user.has_perm("reports.approve_reward"),
    }


@require_POST
def propose(request, report_id):
    report = _visible_report(request, report_id)
    if not request.user.has_perm("reports.propose_reward"):
        raise Http404
    form = ProposeForm(request.POST)
    if not form.is_valid():
        _form_errors_as_messages(request, form)
        return redirect(_case_url(report))
    try:
        if form.cleaned_data["excluded_reason"].strip():
            # An exclusion is recorded, not a proposal: the case's next reporter becomes eligible.
            reward_flow.exclude(report, request.user, form.cleaned_data["excluded_reason"])
            messages.success(request, _("The reporter's exclusion is recorded."))
        else:
            decision = reward_flow.propose(report, request.user, **form.cleaned_data)
            messages.success(request, _("Reward of %(amount)s yuan proposed.") % {"amount": decision.amount})
    except reward_flow.RewardRefused as refused:
        messages.error(request, refused.message)
    return redirect(_case_url(report))


@require_POST
def step(request, decision_id, action):
    if not may_see_rewards(request.user):
        raise Http404
    decision = get_object_or_404(RewardDecision, pk=decision_id)
    report = _visible_report(request, decision.report_id)
    try:
        if action == "review":
            reward_flow.review(decision, request.user)
        elif action == "approve":
            reward_flow.approve(decision, request.user)
        elif action == "send_back":
            form = SendBackForm(request.POST)
            if not form.is_valid():
                _form_errors_as_messages(request, form)
                return redirect(_case_url(report))
            reward_flow.send_back(decision, request.user, form.cleaned_data["reason"])
        else:
            raise Http404
    except reward_flow.RewardRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Done."))
    return redirect(_case_url(report))


def _finance(user) -> None:
    if not any(user.has_perm(permission) for permission in FINANCE_PERMISSIONS):
        raise Http404


def payments(request):
    """``/admin/cases/rewards/payments/``: claimed rewards waiting for payment."""
    _finance(request.user)
    return render(
        request,
        "reports/admin/reward_payments.html",
        {
            "header_title": _("Reward payments"),
            "page_title": _("Reward payments"),
            "decisions": list(reward_flow.claimed_unpaid()),
            "can_export": request.user.has_perm("reports.export_reward_payments"),
            "can_mark_paid": request.user.has_perm("reports.mark_reward_paid"),
        },
    )


@require_POST
def export_payments(request):
    _finance(request.user)
    try:
        data = reward_flow.export_payments(request.user)
    except reward_flow.RewardRefused:
        raise Http404 from None
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="reward-payments-{timezone.localdate():%Y%m%d}.xlsx"'
    response["Cache-Control"] = "no-store, private"
    return response


@require_POST
def mark_paid(request, decision_id):
    _finance(request.user)
    decision = get_object_or_404(RewardDecision, pk=decision_id)
    try:
        reward_flow.mark_paid(decision, request.user)
    except reward_flow.RewardRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Marked as paid."))
    return redirect("reports_admin:reward_payments")
