"""StreamField blocks of the home page. Listing blocks read live pages of the publishing
side; until a kind of page exists they render their empty state, never placeholder data."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.models import Page

from .privacy import public

# Page models each listing reads, by label; disclosures/ defines them.
LISTING_MODELS = {
    "policies": "disclosures.PolicyPage",
    "inspections": "disclosures.InspectionPlanPage",
    "cases": "disclosures.CasePage",
}
FUND_DISCLOSURE_MODEL = "disclosures.FundDisclosurePage"


def _page_model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def latest_pages(kind: str, count: int) -> list[Page]:
    """The newest live pages of one listing kind, or nothing if that kind is not built yet."""
    model = _page_model(LISTING_MODELS[kind])
    if model is None:
        return []
    field = getattr(model, "listing_date_field", "first_published_at")
    pages = list(_newest_first(public(model.objects.live()), model)[:count])
    for page in pages:
        page.listing_date = getattr(page, field)
    return pages


def _newest_first(queryset, model):
    # Publications order by their own date (issued, decided, period end) where they have one.
    return queryset.order_by(f"-{getattr(model, 'listing_date_field', 'first_published_at')}", "-pk")


class LatestPagesBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=40)
    kind = blocks.ChoiceBlock(
        label=_("What to list"),
        choices=[
            ("policies", _("Latest policies")),
            ("inspections", _("Latest inspection results")),
            ("cases", _("Latest exposed cases")),
        ],
    )
    count = blocks.IntegerBlock(label=_("Number of items"), default=5, min_value=1, max_value=20)

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["items"] = latest_pages(value["kind"], value["count"])
        return context

    class Meta:
        template = "home/blocks/latest_pages.html"
        icon = "list-ul"
        label = _("Latest pages")


class FundSummaryBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=40)

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        model = _page_model(FUND_DISCLOSURE_MODEL)
        context["disclosure"] = public(model.objects.live()).order_by("-first_published_at").first() if model else None
        return context

    class Meta:
        template = "home/blocks/fund_summary.html"
        icon = "table"
        label = _("Fund summary")


class ReportActionsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=40)
    text = blocks.TextBlock(label=_("Short explanation"), required=False, max_length=300)

    class Meta:
        template = "home/blocks/report_actions.html"
        icon = "warning"
        label = _("Report actions")


class NoticeBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=60)
    body = blocks.RichTextBlock(label=_("Text"), features=["bold", "link", "ol", "ul"])

    class Meta:
        template = "home/blocks/notice.html"
        icon = "doc-full"
        label = _("Notice")


class KeyFigureBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("Label"), max_length=40)
    value = blocks.DecimalBlock(label=_("Value"), decimal_places=2)
    unit = blocks.CharBlock(label=_("Unit"), max_length=10, required=False)


class KeyFiguresBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=60)
    source = blocks.CharBlock(label=_("Source"), max_length=200, help_text=_("Where the figures come from."))
    figures = blocks.ListBlock(KeyFigureBlock(), label=_("Figures"))

    class Meta:
        template = "home/blocks/key_figures.html"
        icon = "order"
        label = _("Key figures")


class HomeStreamBlock(blocks.StreamBlock):
    report_actions = ReportActionsBlock()
    latest_pages = LatestPagesBlock()
    fund_summary = FundSummaryBlock()
    notice = NoticeBlock()
    key_figures = KeyFiguresBlock()


class ContentStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=80, form_classname="title")
    paragraph = blocks.RichTextBlock(label=_("Paragraph"))
    key_figures = KeyFiguresBlock()
