from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.search import index

from disclosures.choices import InstitutionType
from disclosures.exports import Column
from home.search_text import ChineseSearchable

from .base import ListedPage, ListingIndexPage

MONEY = {"max_digits": 16, "decimal_places": 2, "null": True, "blank": True}


class CasePage(ChineseSearchable, ListedPage):
    """An exposed case (典型案例曝光): who, what, how much, and what was done about it.
    Individuals are named with the given name masked (张某某); editors are reminded in the help."""

    institution_name = models.CharField(
        _("institution or person"), max_length=100, help_text=_("Mask a person's given name, e.g. 张某某.")
    )
    institution_type = models.CharField(_("type"), max_length=20, choices=InstitutionType.choices)
    region = models.CharField(_("region"), max_length=40)
    categories = ParentalManyToManyField(
        "disclosures.ViolationCategory", verbose_name=_("violation categories"), related_name="cases"
    )
    conduct_period = models.CharField(_("period of the conduct"), max_length=60, blank=True)
    summary = models.CharField(_("summary"), max_length=300)
    facts = RichTextField(_("facts"), features=["bold", "ol", "ul", "link"])
    amount_involved = models.DecimalField(_("amount involved (yuan)"), **MONEY)
    amount_recovered = models.DecimalField(_("amount recovered (yuan)"), **MONEY)
    fine = models.DecimalField(_("fine (yuan)"), **MONEY)
    penalty = models.DecimalField(_("liquidated damages (yuan)"), **MONEY)
    measures = ParentalManyToManyField("disclosures.Measure", verbose_name=_("measures taken"), related_name="cases")
    decision_date = models.DateField(_("decision date"))
    legal_basis = models.TextField(_("legal basis"), blank=True)

    content_panels = [
        *ListedPage.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("institution_name"),
                FieldRowPanel([FieldPanel("institution_type"), FieldPanel("region")]),
                FieldRowPanel([FieldPanel("conduct_period"), FieldPanel("decision_date")]),
            ],
            heading=_("Who and when"),
        ),
        FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
        FieldPanel("summary"),
        FieldPanel("facts"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("amount_involved"), FieldPanel("amount_recovered")]),
                FieldRowPanel([FieldPanel("fine"), FieldPanel("penalty")]),
            ],
            heading=_("Amounts"),
        ),
        FieldPanel("measures", widget=forms.CheckboxSelectMultiple),
        FieldPanel("legal_basis"),
    ]
    search_fields = [*ListedPage.search_fields, index.SearchField("search_grams")]
    listing_date_field = "decision_date"
    parent_page_types = ["disclosures.CaseIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("exposed case")
        verbose_name_plural = _("exposed cases")
        # The index's order and year filter, and its other filters (categories: the M2M table's keys).
        indexes = [
            models.Index(fields=["decision_date"], name="case_decision_date_idx"),
            models.Index(fields=["region"], name="case_region_idx"),
            models.Index(fields=["institution_type"], name="case_institution_type_idx"),
        ]

    def search_source(self):
        names = [c.name for c in self.categories.all()] + [m.name for m in self.measures.all()]
        return [*super().search_source(), self.institution_name, self.region, self.summary, self.facts, *names]

    @classmethod
    def optimise_listing(cls, queryset):
        # A listed case shows its categories; its download adds the measures (optimise_export).
        return queryset.prefetch_related("categories")

    @classmethod
    def optimise_export(cls, queryset):
        return queryset.prefetch_related("measures")

    @classmethod
    def export_columns(cls):
        return [
            Column("title", lambda p: p.title),
            Column("institution", lambda p: p.institution_name),
            Column("institution_type", lambda p: p.get_institution_type_display()),
            Column("region", lambda p: p.region),
            Column("violation_categories", lambda p: [c.name for c in p.categories.all()]),
            Column("conduct_period", lambda p: p.conduct_period),
            Column("amount_involved", lambda p: p.amount_involved),
            Column("amount_recovered", lambda p: p.amount_recovered),
            Column("fine", lambda p: p.fine),
            Column("liquidated_damages", lambda p: p.penalty),
            Column("measures", lambda p: [m.name for m in p.measures.all()]),
            Column("decision_date", lambda p: p.decision_date),
            Column("legal_basis", lambda p: p.legal_basis),
            Column("url", lambda p: p.full_url),
        ]


class CaseIndexPage(ListingIndexPage):
    listing_model = CasePage
    export_name = "exposed-cases"
    subpage_types = ["disclosures.CasePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("exposed case index")

    @property
    def filterset_class(self):
        from disclosures.filters import CaseFilterSet

        return CaseFilterSet
