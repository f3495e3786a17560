"""From a concluded case to a draft exposed case (生成曝光案例草稿) for the editors' moderation workflow.

``draft_exposed_case(report, user)`` creates an unpublished ``disclosures.CasePage`` under the site's
exposed-case index, saved as a draft revision owned by ``user``. Editors complete it in the page
editor and submit it to the publishing workflow (发布审核) like any other page; nothing here
publishes or submits anything.

What the draft holds, and only that:

- the reported party's name (the institution or person reported, from the sealed content; it is
  who the case is about, not who reported it). An insured individual's name is masked to the first
  character and 某某 (张三丰 → 张某某), as the page's help asks; editors check compound surnames;
- institution type (from the report's party type), region, violation categories, measures taken,
  the verified amount (as the amount involved), the date the investigation was concluded (as the
  decision date, to be replaced by the date of the administrative decision);
- a neutral title, summary and facts written from those fields alone.

Never the description, the reporter's identity (real-name or not), messages or evidence; the
reporter's occurrence date and amount are not used either (the investigation's findings are). The
text is written in the site's language (``LANGUAGE_CODE``), whatever language the staff member
reads the admin in.

Permission: ``reports.give_feedback``, the permission of whoever closes a case towards the outside
(telling the reporter the outcome); the view also requires that the user may see the report
(``case_views.visible_reports``). The report must be concluded or fed back with the outcome
substantiated or partly substantiated. One draft per report: while the page created earlier for it
exists, asking again returns that page (found through the audit event ``report.draft_case``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from disclosures.choices import InstitutionType
from disclosures.models import CaseIndexPage, CasePage
from home.templatetags.portal_tags import yuan

from . import intake
from .audit import AuditEvent, record
from .deadlines import local_date
from .models import Outcome, PartyType, Report, Status

AUDIT_ACTION = "report.draft_case"
PERMISSION = "reports.give_feedback"
ELIGIBLE_STATUSES = (Status.CONCLUDED, Status.FED_BACK)
ELIGIBLE_OUTCOMES = (Outcome.SUBSTANTIATED, Outcome.PARTLY)

#: The report's party type → the exposed case's institution type.
INSTITUTION_TYPES = {
    PartyType.INSTITUTION: InstitutionType.HOSPITAL,
    PartyType.PHARMACY: InstitutionType.PHARMACY,
    PartyType.INSURED: InstitutionType.INDIVIDUAL,
    PartyType.AGENCY: InstitutionType.AGENCY,
    PartyType.OTHER: InstitutionType.OTHER,
}

_NAME_MAX_LENGTH = CasePage._meta.get_field("institution_name").max_length
_SUMMARY_MAX_LENGTH = CasePage._meta.get_field("summary").max_length
_TITLE_MAX_LENGTH = 255


class DraftRefused(Exception):
    """No draft can be made (permission, state of the case, no index page); nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def case_index() -> CaseIndexPage | None:
    """The exposed-case index of the default site (the first one, should there be several)."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    indexes = CaseIndexPage.objects.all()
    if site is not None:
        indexes = indexes.descendant_of(site.root_page, inclusive=True)
    return indexes.order_by("path").first()


def existing_draft(report: Report) -> CasePage | None:
    """The page drafted earlier for this report, if it still exists."""
    events = AuditEvent.objects.filter(report=report, action=AUDIT_ACTION).order_by("-sequence")
    for details in events.values_list("details", flat=True):
        page_id = details.get("page") if isinstance(details, dict) else None
        if page_id is not None:
            page = CasePage.objects.filter(pk=page_id).first()
            if page is not None:
                return page
    return None


def refusal(report: Report, user) -> str | None:
    """Why ``user`` may not draft an exposed case from ``report`` now, or None."""
    if not user.has_perm(PERMISSION):
        return _("You do not have permission to draft an exposed case.")
    if report.status not in ELIGIBLE_STATUSES:
        return _("Only a concluded case can become an exposed case.")
    if report.outcome not in ELIGIBLE_OUTCOMES:
        return _("Only a substantiated or partly substantiated case can become an exposed case.")
    return None


def masked_person_name(name: str) -> str:
    """张三丰 → 张某某; anything else than a plain name keeps its first character only."""
    name = name.strip()
    return f"{name[:1]}某某" if name else "某某"


def _party_name(report: Report, content: dict) -> str:
    name = (content.get("party_name") or "").strip()
    if report.party_type == PartyType.INSURED:
        return masked_person_name(name)
    return name[:_NAME_MAX_LENGTH] or _("Not named")


def _joined(names: list[str]) -> str:
    # Translated as the enumeration comma 、 in Chinese.
    return _(", ").join(names)


def _texts(report: Report, categories: list[str], measures: list[str]) -> tuple[str, str, str]:
    """Title, summary and facts (rich text) in the current language, from the case fields only."""
    values = {
        "region": report.region,
        "party_type": InstitutionType(INSTITUTION_TYPES[report.party_type]).label,
        "categories": _joined(categories),
        "outcome": Outcome(report.outcome).label,
        "amount": yuan(report.verified_amount),
        "measures": _joined(measures),
    }
    if categories:
        title = _("%(categories)s at a %(party_type)s in %(region)s") % values
    else:
        title = _("Misuse of medical insurance funds at a %(party_type)s in %(region)s") % values
    summary = (
        _("Investigation of a %(party_type)s in %(region)s: %(outcome)s; medical insurance funds involved: %(amount)s.")
        % values
    )
    paragraphs = [summary]
    if categories:
        paragraphs.append(_("Violations found: %(categories)s.") % values)
    if measures:
        paragraphs.append(_("Measures taken: %(measures)s.") % values)
    facts = format_html_join("", "<p>{}</p>", ((text,) for text in paragraphs))
    return title[:_TITLE_MAX_LENGTH], summary[:_SUMMARY_MAX_LENGTH], str(facts)


def draft_exposed_case(report: Report, user) -> CasePage:
    """Create the draft exposed case of ``report`` as ``user`` (or return the one made before);
    raises ``DraftRefused``."""
    with transaction.atomic():
        locked = Report.objects.without_ciphertext().select_for_update().get(pk=report.pk)
        reason = refusal(locked, user)
        if reason:
            raise DraftRefused(reason)
        earlier = existing_draft(locked)
        if earlier is not None:
            return earlier
        index = case_index()
        if index is None:
            raise DraftRefused(_("There is no exposed-case index page yet; an editor must create one first."))
        categories = list(locked.categories.order_by("sort_order", "name"))
        measures = list(locked.measures.order_by("sort_order", "name"))
        # The party's name is the only thing taken from the sealed content.
        party_name = _party_name(locked, intake.open_for_staff(locked).content)
        with translation.override(settings.LANGUAGE_CODE):
            title, summary, facts = _texts(locked, [c.name for c in categories], [m.name for m in measures])
        page = CasePage(
            title=title,
            slug=f"case-draft-{uuid.uuid4().hex[:10]}",
            live=False,
            owner=user,
            institution_name=party_name,
            institution_type=INSTITUTION_TYPES[locked.party_type],
            region=locked.region,
            summary=summary,
            facts=facts,
            amount_involved=locked.verified_amount,
            decision_date=local_date(locked.concluded_at or locked.status_changed_at),
        )
        page.categories = categories
        page.measures = measures
        index.add_child(instance=page)
        revision = page.save_revision(user=user, log_action=True)
        record(AUDIT_ACTION, actor=user, report=locked, page=page.pk, revision=revision.pk)
    return page


def editor_url(page: Page) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])
