"""The staff side of reports in the Wagtail admin: the queue, the case page and its actions.

Access is checked here, per request and per report, not only by hiding menu items: a user sees the
queue with ``view_all_reports`` (every report) or ``investigate_report`` (only reports assigned to
them); anyone else, or anyone asking for a report they may not see, gets 404. Every display of
decrypted content writes an audit event first.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from disclosures.models import Measure, ViolationCategory
from home.form_fields import IdChoiceField, IdMultipleChoiceField

from . import case_deadlines, case_publication, intake, staff_views, workflow
from .audit import AuditEvent, record
from .models import EvidenceFile, Outcome, RejectionReason, Report, Status
from .regions import REGIONS

PAGE_SIZE = 50


def can_use_queue(user) -> bool:
    return user.is_active and (user.has_perm("reports.view_all_reports") or user.has_perm("reports.investigate_report"))


def visible_reports(user):
    """The reports ``user`` may see: all with ``view_all_reports``, else those assigned to them."""
    reports = Report.objects.without_ciphertext()
    if user.has_perm("reports.view_all_reports"):
        return reports
    visible = reports.none()
    if user.has_perm("reports.investigate_report"):
        visible = reports.filter(assignee=user)
    if any(user.has_perm(f"reports.{name}") for name in ("propose_reward", "review_reward", "approve_reward")):
        # Reward staff judge substantiated cases (issue 7): those, and nothing before the outcome.
        visible = visible | reports.filter(outcome__in=["substantiated", "partly"])
    return visible


def _report_for(request, report_id) -> Report:
    try:
        return visible_reports(request.user).select_related("assignee", "merged_into").get(pk=uuid.UUID(str(report_id)))
    except (Report.DoesNotExist, ValueError):
        raise Http404 from None


class QueueFilter(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)
    category = IdChoiceField(label=gettext_lazy("Category"), queryset=ViolationCategory.objects.all(), required=False)
    assignee = IdChoiceField(label=gettext_lazy("Investigator"), queryset=None, required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any"))] + list(Status.choices)
        self.fields["region"].choices = [("", _("Any")), *REGIONS]
        # EXISTS per user on the assignee index, not a join of every report made DISTINCT (80 ms at
        # 100,000 reports; issue 9).
        assigned = Report.objects.filter(assignee=OuterRef("pk"))
        self.fields["assignee"].queryset = get_user_model().objects.filter(Exists(assigned)).order_by("username")

    def apply(self, reports):
        if not self.is_valid():
            return reports
        data = self.cleaned_data
        if data["status"]:
            reports = reports.filter(status=data["status"])
        if data["region"]:
            reports = reports.filter(region=data["region"])
        if data["category"]:
            reports = reports.filter(categories=data["category"])
        if data["assignee"]:
            reports = reports.filter(assignee=data["assignee"])
        if data["overdue"]:
            reports = reports.filter(case_deadlines.overdue_filter(timezone.localdate()))
        return reports


def queue(request):
    if not can_use_queue(request.user):
        raise Http404
    filters = QueueFilter(request.GET or None)
    reports = filters.apply(visible_reports(request.user)).select_related("assignee").prefetch_related("categories")
    page = Paginator(reports.order_by("-received_at"), PAGE_SIZE).get_page(request.GET.get("p"))
    return render(
        request,
        "reports/admin/queue.html",
        {
            "header_title": _("Reports"),
            "page_title": _("Reports"),
            "filters": filters,
            "page": page,
            "today": timezone.localdate(),
        },
    )


# --- one case ---------------------------------------------------------------------------------


class ActionForm(forms.Form):
    """Every field an action may take; each action's form shows only its own."""

    message = forms.CharField(label=gettext_lazy("Message to the reporter"), widget=forms.Textarea(attrs={"rows": 4}))
    rejection_reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=RejectionReason.choices)
    assignee = IdChoiceField(label=gettext_lazy("Investigator"), queryset=None)
    referred_to = forms.CharField(label=gettext_lazy("Referred to"), max_length=100)
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=Outcome.choices)
    verified_amount = forms.DecimalField(
        label=gettext_lazy("Verified amount (yuan)"), max_digits=14, decimal_places=2, min_value=Decimal(0)
    )
    measures = IdMultipleChoiceField(
        label=gettext_lazy("Measures"), queryset=Measure.objects.all(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, transition: workflow.Transition, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition = transition
        wanted = set(transition.required) | set(transition.optional)
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
            else:
                self.fields[name].required = name in transition.required
        if "assignee" in self.fields:
            self.fields["assignee"].queryset = investigators()

    def workflow_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", [])}


def investigators():
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(
        Q(groups__permissions__codename="investigate_report") | Q(user_permissions__codename="investigate_report")
    ).distinct()


def case(request, report_id):
    report = _report_for(request, report_id)
    opened = intake.open_for_staff(report)
    record("report.view_content", actor=request.user, report=report)
    actions = [
        (transition, ActionForm(transition, prefix=transition.action))
        for transition in workflow.available_actions(report, request.user)
    ]
    deadline = case_deadlines.current_deadline(report)
    timeline = AuditEvent.objects.filter(report=report).select_related("actor").order_by("sequence")
    return render(
        request,
        "reports/admin/case.html",
        {
            "header_title": _("Report %(number)s") % {"number": report.number},
            "page_title": _("Report %(number)s") % {"number": report.number},
            "report": report,
            "opened": opened,
            "categories": report.categories.all(),
            "measures": report.measures.all(),
            "merged": report.merged_reports.order_by("received_at"),
            "actions": actions,
            "timeline": timeline,
            "deadline": deadline,
            "can_extend": deadline is not None and request.user.has_perm("reports.extend_deadline"),
            "can_draft_case": case_publication.refusal(report, request.user) is None,
            **staff_views.case_extras(request, report),
        },
    )


@require_POST
def act(request, report_id, action):
    report = _report_for(request, report_id)
    transition = workflow.TRANSITIONS.get(action)
    if transition is None:
        raise Http404
    form = ActionForm(transition, request.POST, prefix=action)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}")
        return redirect("reports_admin:case", report_id=report.pk)
    try:
        workflow.perform(report, action, request.user, **form.workflow_fields())
    except workflow.TransitionRefused as refused:
        messages.error(request, refused.message)
    except (InvalidOperation, ValueError):
        messages.error(request, _("The values given could not be used."))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": transition.label})
    return redirect("reports_admin:case", report_id=report.pk)


def evidence(request, report_id, evidence_id):
    """An evidence file, decrypted in memory and sent inline (images are previewed on the case page)."""
    report = _report_for(request, report_id)
    if not EvidenceFile.objects.filter(pk=evidence_id, report=report).exists():
        raise Http404
    opened = intake.open_for_staff(report)
    view, data = intake.evidence_content(opened, evidence_id)
    record("report.view_evidence", actor=request.user, report=report, evidence=str(evidence_id))
    response = HttpResponse(data, content_type=view.media_type)
    inline = view.media_type.startswith("image/")
    response["Content-Disposition"] = content_disposition_header(as_attachment=not inline, filename=view.name)
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
