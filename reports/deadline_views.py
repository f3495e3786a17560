"""Extending the deadline of a case's current step: /admin/cases/<report id>/extend/.

A standalone admin screen (the case page may link to it). The report must be one the user may see
(``case_views.visible_reports``; 404 otherwise) and the user must hold ``reports.extend_deadline``
(403 otherwise). The rules are ``case_deadlines.extend``'s; this view only shows them.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.widgets import AdminDateInput

from . import case_deadlines
from .case_views import visible_reports
from .models import DeadlineStep, Report


class ExtensionForm(forms.Form):
    # The step the user saw: if the report moved on meanwhile, the extension is refused.
    step = forms.ChoiceField(choices=DeadlineStep.choices, widget=forms.HiddenInput)
    new_due = forms.DateField(label=gettext_lazy("New due date"), widget=AdminDateInput)
    reason = forms.CharField(
        label=gettext_lazy("Reason and legal basis"),
        max_length=case_deadlines.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Kept with the extension and in the audit trail. Never copy the report's content here."),
    )


def _report_for(user, report_id) -> Report:
    try:
        return visible_reports(user).get(pk=uuid.UUID(str(report_id)))
    except (Report.DoesNotExist, ValueError):
        raise Http404 from None


def extend_deadline(request, report_id):
    report = _report_for(request.user, report_id)
    if not request.user.has_perm("reports.extend_deadline"):
        raise PermissionDenied
    case_url = reverse("reports_admin:case", args=[report.pk])
    step = case_deadlines.current_step(report)
    deadline = case_deadlines.current_deadline(report)
    if step is None or deadline is None:
        messages.error(request, _("This report has no deadline that can be extended now."))
        return redirect(case_url)

    form = ExtensionForm(request.POST or None, initial={"step": step})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            extension = case_deadlines.extend(report, data["step"], data["new_due"], data["reason"], request.user)
        except case_deadlines.ExtensionRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(
                request,
                _("The deadline of “%(step)s” is now %(due)s.")
                % {"step": DeadlineStep(extension.step).label, "due": formats.date_format(extension.new_due)},
            )
            return redirect(case_url)

    title = _("Extend a deadline")
    subtitle = _("Report %(number)s: “%(step)s” due on %(due)s%(estimate)s") % {
        "number": report.number,
        "step": DeadlineStep(step).label,
        "due": formats.date_format(deadline.due),
        "estimate": f" {_('(estimated)')}" if deadline.provisional else "",
    }
    return render(
        request,
        "wagtailadmin/generic/form.html",
        {
            "header_title": title,
            "page_title": title,
            "page_subtitle": subtitle,
            "header_icon": "date",
            "breadcrumbs_items": [
                {"url": reverse("wagtailadmin_home"), "label": _("Home")},
                {"url": reverse("reports_admin:queue"), "label": _("Reports")},
                {"url": case_url, "label": _("Report %(number)s") % {"number": report.number}},
                {"url": "", "label": title},
            ],
            "form": form,
            "action_url": request.path,
            "submit_button_label": _("Extend the deadline"),
            "submit_button_active_label": _("Extending…"),
            "media": form.media,
        },
    )
