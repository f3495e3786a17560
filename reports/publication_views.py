"""生成曝光案例草稿: POST /admin/cases/<report id>/draft-case/ drafts the exposed case of a concluded
report (``case_publication.draft_exposed_case``) and opens it in Wagtail's page editor.

The report must be one the user may see (``case_views.visible_reports``; 404 otherwise). Refusals
(permission, state of the case, no index page) go back to the case page with the reason.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import case_publication
from .case_views import visible_reports
from .models import Report


@require_POST
def draft_case(request, report_id):
    try:
        report = visible_reports(request.user).get(pk=uuid.UUID(str(report_id)))
    except (Report.DoesNotExist, ValueError):
        raise Http404 from None
    earlier = case_publication.existing_draft(report)
    try:
        page = case_publication.draft_exposed_case(report, request.user)
    except case_publication.DraftRefused as refused:
        messages.error(request, refused.message)
        return redirect("reports_admin:case", report_id=report.pk)
    if earlier is not None and earlier.pk == page.pk:
        messages.info(request, _("This case already has an exposed-case page; it is opened here."))
    else:
        messages.success(
            request,
            _("A draft exposed case was created. Check it, complete it and submit it for moderation."),
        )
    return redirect(case_publication.editor_url(page))
