from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable
from wagtail.search import index

from disclosures.blocks import DocumentBodyBlock
from disclosures.choices import PolicyTopic, Validity
from disclosures.exports import Column
from home.search_text import ChineseSearchable

from .base import ListedPage, ListingIndexPage


class PolicyPage(ChineseSearchable, ListedPage):
    """A policy document (政策文件) with the metadata government portals publish for each."""

    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    issuing_body = models.CharField(_("issuing body"), max_length=100)
    region = models.CharField(_("region"), max_length=40, blank=True)
    date_issued = models.DateField(_("date issued"))
    date_written = models.DateField(_("date written"), null=True, blank=True)
    index_number = models.CharField(_("index number"), max_length=60, blank=True)
    topic = models.CharField(_("topic"), max_length=20, choices=PolicyTopic.choices, default=PolicyTopic.SUPERVISION)
    validity = models.CharField(_("validity"), max_length=10, choices=Validity.choices, default=Validity.VALID)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = StreamField(DocumentBodyBlock(), verbose_name=_("body"))

    content_panels = [
        *ListedPage.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("document_number"), FieldPanel("index_number")]),
                FieldRowPanel([FieldPanel("issuing_body"), FieldPanel("region")]),
                FieldRowPanel([FieldPanel("date_issued"), FieldPanel("date_written")]),
                FieldRowPanel([FieldPanel("topic"), FieldPanel("validity")]),
            ],
            heading=_("Document details"),
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("related_policies", label=_("Related policies")),
    ]
    search_fields = [*ListedPage.search_fields, index.SearchField("search_grams"), index.FilterField("validity")]
    listing_date_field = "date_issued"
    parent_page_types = ["disclosures.PolicyIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")
        # The index's order and year filter (a year is a range of dates), and its other filters.
        indexes = [
            models.Index(fields=["date_issued"], name="policy_date_issued_idx"),
            models.Index(fields=["region"], name="policy_region_idx"),
            models.Index(fields=["topic"], name="policy_topic_idx"),
            models.Index(fields=["validity"], name="policy_validity_idx"),
        ]

    def search_source(self):
        return [*super().search_source(), self.document_number, self.issuing_body, self.summary]

    def related_policy_links(self):
        """The related policies, each with its policy read in the same query (a preview's unsaved
        links carry theirs already)."""
        return self.related_policies.all().select_related("policy")

    @classmethod
    def export_columns(cls):
        return [
            Column("title", lambda p: p.title),
            Column("document_number", lambda p: p.document_number),
            Column("index_number", lambda p: p.index_number),
            Column("issuing_body", lambda p: p.issuing_body),
            Column("region", lambda p: p.region),
            Column("date_issued", lambda p: p.date_issued),
            Column("date_written", lambda p: p.date_written),
            Column("topic", lambda p: p.get_topic_display()),
            Column("validity", lambda p: p.get_validity_display()),
            Column("url", lambda p: p.full_url),
        ]


class RelatedPolicy(Orderable):
    page = ParentalKey(PolicyPage, related_name="related_policies", on_delete=models.CASCADE)
    policy = models.ForeignKey(PolicyPage, verbose_name=_("policy"), related_name="+", on_delete=models.CASCADE)

    panels = [PageChooserPanel("policy")]


class PolicyIndexPage(ListingIndexPage):
    listing_model = PolicyPage
    export_name = "policies"
    subpage_types = ["disclosures.PolicyPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("policy index")

    @property
    def filterset_class(self):
        from disclosures.filters import PolicyFilterSet

        return PolicyFilterSet
