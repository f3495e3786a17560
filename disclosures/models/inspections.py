"""Random inspections (双随机、一公开): a plan page per batch, with the result of every drawn
institution entered inline, a summary of how many have been published, and open data of the rows.

A plan drawn in the portal has an ``InspectionDraw`` (models/draws.py): its page shows the
commitment, then the seed, the frozen directories and the selection, and each result names a drawn
institution by its credit code. A plan drawn elsewhere keeps its count in ``objects_drawn``; every
count of "drawn" goes through ``InspectionPlanPage.drawn_count()``."""

from decimal import Decimal, InvalidOperation
from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from modelcluster.queryset import FakeQuerySet
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.models import Orderable
from wagtail.search import index

from disclosures import draw as draw_module
from disclosures.choices import InspectionOutcome, InstitutionType
from disclosures.draw_panel import DrawPanel
from disclosures.exports import FORMATS, Column, export_response
from home.search_text import ChineseSearchable
from home.templatetags.portal_tags import figure

from .base import ListedPage, ListingIndexPage, filtered_response

MONEY = {"max_digits": 16, "decimal_places": 2, "null": True, "blank": True}
NOT_NEGATIVE = MinValueValidator(Decimal("0"), message=_("An amount cannot be negative."))
# DOMAIN.md (seed 000): at least 5% of the designated institutions are inspected each year. A single
# batch may stay below it when the year's batches together reach it, so this only raises a note.
MIN_ANNUAL_SHARE = Decimal("5")


def validate_share(value):
    if value is None or value <= 0 or value > 100:
        raise ValidationError(
            _("The sampling share is a percentage: more than 0 and at most 100."), code="share_out_of_range"
        )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ShareNotePanel(HelpPanel):
    """A non-blocking note in the editor when the sampling share is below the yearly minimum."""

    class BoundPanel(HelpPanel.BoundPanel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.share = (
                _as_decimal(self.form["sampling_share"].value()) if "sampling_share" in self.form.fields else None
            )
            self.content = format_html(
                '<p class="help-block help-warning">{}</p>',
                _(
                    "This share is below the %(minimum)s%% of designated institutions that must be inspected "
                    "each year. You can still publish it; check that this year's batches together reach it."
                )
                % {"minimum": MIN_ANNUAL_SHARE},
            )

        def is_shown(self):
            return self.share is not None and 0 < self.share < MIN_ANNUAL_SHARE


def _as_decimal(value):
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


class InspectionPlanForm(WagtailAdminPageForm):
    """With a draw made in the portal, each result row picks one of the drawn institutions, and
    its name, type and region come from the frozen directory rather than being typed again."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.portal_draw = self.instance.current_draw() if self.instance.pk else None
        formset = self.formsets.get("results")
        if formset is not None and self.portal_draw is not None and self.portal_draw.is_drawn:
            choices = [("", "---------")] + [
                (row["object"]["code"], f"{row['position']}. {row['object']['name']}（{row['object']['code']}）")
                for row in self.portal_draw.drawn_rows()
            ]
            add_fields = formset.add_fields

            def add_drawn_choice(form, index):
                add_fields(form, index)
                form.fields["institution_code"] = forms.ChoiceField(
                    label=_("drawn institution"), choices=choices, required=True
                )
                for name in ("institution_name", "institution_type", "region"):
                    form.fields[name].required = False
                    form.fields[name].help_text = _("Filled in from the frozen directory of the draw.")

            # Every row, the empty template row included, is built through add_fields.
            formset.add_fields = add_drawn_choice

    def clean(self):
        cleaned_data = super().clean()
        formset = self.formsets.get("results")
        if formset is None:
            return cleaned_data
        formset.errors  # noqa: B018 - validates the rows so that their cleaned_data exists
        kept = [
            form
            for form in formset.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]
        draw = self.portal_draw
        if draw is not None:
            if kept and not draw.is_drawn:
                self.add_error(None, _("Results can be entered once the draw has been made."))
            for form in kept:
                # The rows are validated before the page form, and their page is not set yet.
                try:
                    form.instance.take_drawn_institution(draw)
                except ValidationError as error:
                    form.add_error(None, error)
            codes = [form.cleaned_data.get("institution_code") for form in kept]
            repeated = sorted({code for code in codes if code and codes.count(code) > 1})
            if repeated:
                self.add_error(
                    None,
                    _("Each drawn institution has one result; repeated: %(codes)s.") % {"codes": "、".join(repeated)},
                )
            return cleaned_data
        drawn = cleaned_data.get("objects_drawn")
        if kept and not drawn:
            self.add_error("objects_drawn", _("Enter how many institutions were drawn before entering results."))
        elif drawn is not None and len(kept) > drawn:
            self.add_error(
                "objects_drawn",
                _("There are %(results)s results but only %(drawn)s objects drawn. Correct the number drawn.")
                % {"results": len(kept), "drawn": drawn},
            )
        return cleaned_data


class InspectionPlanPage(ChineseSearchable, RoutablePageMixin, ListedPage):
    """One batch of a year's random inspections and its published results."""

    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    batch = models.PositiveSmallIntegerField(
        _("batch"), default=1, validators=[MinValueValidator(1)], help_text=_("1 for the year's first batch, …")
    )
    inspection_items = models.TextField(
        _("inspection items"), help_text=_("The items of the inspection item list covered; one per line.")
    )
    scope = models.TextField(_("scope"), help_text=_("Which institutions the draw was made from."))
    sampling_share = models.DecimalField(
        _("sampling share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[validate_share],
        help_text=_("Share of the institutions in scope that were drawn, in percent."),
    )
    period_start = models.DateField(_("inspection period from"))
    period_end = models.DateField(_("inspection period to"))
    legal_basis = models.TextField(_("legal basis"))
    inspecting_units = models.TextField(
        _("inspecting units"),
        help_text=_("The units that inspected, one per line. Never the names of inspectors."),
    )
    objects_drawn = models.PositiveIntegerField(
        _("objects drawn"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "For a draw made outside the portal: how many institutions were drawn. "
            "Leave empty when the portal makes the draw."
        ),
    )

    content_panels = [
        *ListedPage.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("year"), FieldPanel("batch")]),
                FieldRowPanel([FieldPanel("period_start"), FieldPanel("period_end")]),
                FieldRowPanel([FieldPanel("sampling_share"), FieldPanel("objects_drawn")]),
                ShareNotePanel(heading=_("Sampling share note")),
            ],
            heading=_("Plan"),
        ),
        DrawPanel(heading=_("Random draw")),
        FieldPanel("inspection_items"),
        FieldPanel("scope"),
        FieldPanel("legal_basis"),
        FieldPanel("inspecting_units"),
        InlinePanel("results", heading=_("Results"), label=_("Result")),
    ]
    search_fields = [*ListedPage.search_fields, index.SearchField("search_grams")]
    base_form_class = InspectionPlanForm
    listing_date_field = "period_start"
    parent_page_types = ["disclosures.InspectionIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("random inspection plan")
        verbose_name_plural = _("random inspection plans")
        # The index's year filter and its order (newest year and batch first).
        indexes = [models.Index(fields=["-year", "-batch"], name="plan_year_batch_idx")]

    def clean(self):
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The period cannot end before it starts.")})

    def search_source(self):
        places = [f"{r.institution_name} {r.region}" for r in self.results.all()]
        return [
            *super().search_source(),
            self.inspection_items,
            self.scope,
            self.legal_basis,
            self.inspecting_units,
            *places,
        ]

    def feed_summary(self):
        return _("%(year)s, batch %(batch)s: %(share)s%% of institutions in scope drawn, %(drawn)s in all.") % {
            "year": self.year,
            "batch": self.batch,
            "share": figure(self.sampling_share),
            "drawn": self.drawn_count(),
        }

    def item_list(self):
        return _lines(self.inspection_items)

    def unit_list(self):
        return _lines(self.inspecting_units)

    def current_draw(self):
        """The portal's draw of this plan, or None (a preview's unsaved page has none)."""
        if not self.pk:
            return None
        from disclosures.models.draws import InspectionDraw

        try:
            return self.draw
        except InspectionDraw.DoesNotExist:
            return None

    def drawn_count(self) -> int:
        size = getattr(self, "draw_size", _NOT_ANNOTATED)
        if size is _NOT_ANNOTATED:
            draw = self.current_draw()
            size = draw.size if draw else None
        return size if size is not None else (self.objects_drawn or 0)

    # Listing -----------------------------------------------------------------------------------

    @classmethod
    def optimise_listing(cls, queryset):
        """Per-plan result counts and totals as subqueries: one query for any number of plans,
        and unaffected by filters that join the results."""
        results = InspectionResult.objects.filter(page=OuterRef("pk")).order_by().values("page")

        def per_plan(aggregate):
            return Subquery(results.annotate(v=aggregate).values("v"))

        from disclosures.models.draws import InspectionDraw

        return queryset.annotate(
            draw_size=Subquery(InspectionDraw.objects.filter(plan=OuterRef("pk")).values("size")[:1]),
            results_published=Coalesce(per_plan(Count("pk")), 0, output_field=IntegerField()),
            problems_found=Coalesce(
                per_plan(Count("pk", filter=Q(outcome=InspectionOutcome.PROBLEM))), 0, output_field=IntegerField()
            ),
            # No amount at all stays empty (NULL), as on the plan page, rather than becoming 0.
            total_recovered=per_plan(Sum("amount_recovered")),
            total_fines=per_plan(Sum("fine")),
        )

    @classmethod
    def detail_queryset(cls):
        # The plan page shows its draw: read with the page when it is routed.
        return super().detail_queryset().select_related("draw")

    @classmethod
    def export_columns(cls):
        """One row per plan (the index's download); the plan page's download has one row per result."""
        return [
            Column("plan", lambda p: p.title),
            Column("year", lambda p: p.year),
            Column("batch", lambda p: p.batch),
            Column("sampling_share", lambda p: p.sampling_share),
            Column("period_start", lambda p: p.period_start),
            Column("period_end", lambda p: p.period_end),
            Column("objects_drawn", lambda p: p.drawn_count()),
            Column("results_published", lambda p: p.results_published),
            Column("problems_found", lambda p: p.problems_found),
            Column("amount_recovered", lambda p: _fen(p.total_recovered)),
            Column("fine", lambda p: _fen(p.total_fines)),
            Column("inspection_items", lambda p: p.item_list()),
            Column("scope", lambda p: p.scope),
            Column("legal_basis", lambda p: p.legal_basis),
            Column("inspecting_units", lambda p: p.unit_list()),
            Column("url", lambda p: p.full_url),
        ]

    # Results -----------------------------------------------------------------------------------

    def result_columns(self):
        return [
            Column("plan", lambda r: self.title),
            Column("year", lambda r: self.year),
            Column("batch", lambda r: self.batch),
            Column("institution", lambda r: r.institution_name),
            Column("institution_type", lambda r: r.get_institution_type_display()),
            Column("region", lambda r: r.region),
            Column("inspection_date", lambda r: r.inspection_date),
            Column("items_checked", lambda r: r.items_checked),
            Column("outcome", lambda r: r.get_outcome_display()),
            Column("findings", lambda r: r.findings),
            Column("handling", lambda r: r.handling_list()),
            Column("amount_recovered", lambda r: r.amount_recovered),
            Column("fine", lambda r: r.fine),
            Column("follow_up", lambda r: r.follow_up),
        ]

    def result_filterset(self, request, results=None):
        """The filters over the plan's results: over `results` in hand (see `results_in_hand`), or
        over the database's rows."""
        from disclosures.filters import InspectionResultFilterSet

        if results is None:
            results = self.results.all().order_by("sort_order", "pk")
            if isinstance(results, models.QuerySet):
                # Only saved rows can be prefetched; a preview's unsaved rows carry their measures in memory.
                results = results.prefetch_related("measures")
        return InspectionResultFilterSet(request.GET, queryset=results)

    def results_in_hand(self):
        """Every result of the plan with its measures, read once (two queries), for everything the
        plan page shows of them: the filtered table, the region choices, the summary and which drawn
        institutions have a result. The filters then run in memory, as they do over a preview's
        unsaved rows."""
        results = self.results.all().order_by("sort_order", "pk")
        if isinstance(results, models.QuerySet):
            results = FakeQuerySet(InspectionResult, list(results.prefetch_related("measures")))
        return results

    def result_summary(self, results=None) -> dict:
        """Published results against the number drawn (100% is the goal), problems found and the
        money recovered and fined, over all results of the plan (or `results`, all of them in hand)."""
        results = self.results.all() if results is None else results
        if isinstance(results, models.QuerySet):
            totals = results.aggregate(
                published=Count("pk"),
                problems=Count("pk", filter=Q(outcome=InspectionOutcome.PROBLEM)),
                recovered=Sum("amount_recovered"),
                fines=Sum("fine"),
            )
        else:
            # Rows in hand, or a preview's unsaved rows that exist only in memory: added up here.
            rows = list(results)
            totals = {
                "published": len(rows),
                "problems": sum(1 for r in rows if r.outcome == InspectionOutcome.PROBLEM),
                "recovered": _sum_or_none(r.amount_recovered for r in rows),
                "fines": _sum_or_none(r.fine for r in rows),
            }
        totals["recovered"], totals["fines"] = _fen(totals["recovered"]), _fen(totals["fines"])
        drawn = self.drawn_count()
        totals["drawn"] = drawn
        totals["outstanding"] = max(drawn - totals["published"], 0)
        totals["published_share"] = (
            (Decimal(totals["published"]) * 100 / drawn).quantize(Decimal("0.1")) if drawn else None
        )
        return totals

    @path("")
    def plan(self, request):
        results = self.results_in_hand()
        filterset = self.result_filterset(request, results)
        rows = list(filterset.qs)
        context = self.get_context(request)
        context.update(filterset=filterset, rows=rows, result_count=len(rows), summary=self.result_summary(results))
        from disclosures.draw_publication import plan_context

        context.update(plan_context(self, self.current_draw(), results))
        return filtered_response(self, request, context)

    @path("draw/json/", name="draw_json")
    def draw_json(self, request):
        """Everything needed to re-run the draw; the seed appears once the draw is made."""
        draw = self.current_draw()
        if draw is None:
            raise Http404
        response = JsonResponse(draw.published(), json_dumps_params={"ensure_ascii": False, "indent": 1})
        response["Content-Disposition"] = f'attachment; filename="inspection-draw-{self.year}-{self.batch}.json"'
        return response

    @path("draw/verify/", name="draw_verify")
    def draw_verify(self, request):
        """Re-runs the draw from what is published and shows that the same selection comes out."""
        draw = self.current_draw()
        if draw is None or not draw.is_drawn:
            raise Http404
        from disclosures.draw_publication import verification_context

        context = self.get_context(request)
        context.update(verification_context(draw))
        return TemplateResponse(request, "disclosures/draw_verify.html", context)

    @path("export/<str:fmt>/", name="export")
    def export(self, request, fmt):
        if fmt not in FORMATS:
            raise Http404
        filename = f"inspection-results-{self.year}-{self.batch}"
        return export_response(self.result_filterset(request).qs, self.result_columns(), fmt, filename)


_NOT_ANNOTATED = object()


def _fen(value):
    """A sum of money to the fen: SQLite's SUM hands back more decimal places than the column has."""
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def _sum_or_none(values):
    present = [v for v in values if v is not None]
    return sum(present, Decimal("0")) if present else None


class InspectionResult(Orderable, ClusterableModel):
    """The published result for one drawn institution."""

    page = ParentalKey(InspectionPlanPage, related_name="results", on_delete=models.CASCADE)
    institution_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("For a plan drawn in the portal: the drawn institution this result is for."),
    )
    institution_name = models.CharField(_("institution"), max_length=100)
    institution_type = models.CharField(_("institution type"), max_length=20, choices=InstitutionType.choices)
    region = models.CharField(_("region"), max_length=40)
    inspection_date = models.DateField(_("inspection date"))
    items_checked = models.TextField(_("items checked"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=InspectionOutcome.choices)
    findings = models.TextField(_("findings"), blank=True, help_text=_("Required when a problem was found."))
    measures = ParentalManyToManyField(
        "disclosures.Measure", verbose_name=_("measures taken"), related_name="inspection_results", blank=True
    )
    handling = models.TextField(_("handling"), blank=True, help_text=_("Anything the measures above do not say."))
    amount_recovered = models.DecimalField(_("amount recovered (yuan)"), validators=[NOT_NEGATIVE], **MONEY)
    fine = models.DecimalField(_("fine (yuan)"), validators=[NOT_NEGATIVE], **MONEY)
    follow_up = models.CharField(_("follow-up status"), max_length=200, blank=True)

    panels = [
        FieldPanel("institution_code"),
        FieldRowPanel([FieldPanel("institution_name"), FieldPanel("institution_type")]),
        FieldRowPanel([FieldPanel("region"), FieldPanel("inspection_date")]),
        FieldPanel("items_checked"),
        FieldRowPanel([FieldPanel("outcome"), FieldPanel("follow_up")]),
        FieldPanel("findings"),
        FieldPanel("measures", widget=forms.CheckboxSelectMultiple),
        FieldPanel("handling"),
        FieldRowPanel([FieldPanel("amount_recovered"), FieldPanel("fine")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")
        indexes = [
            # The inspection index's region filter: plans with a result in the region.
            models.Index(fields=["region", "page"], name="result_region_page_idx"),
            # A plan's results by outcome (problems found, on the index and the plan page's filter)
            # and by institution type (the plan page's filter).
            models.Index(fields=["page", "outcome"], name="result_page_outcome_idx"),
            models.Index(fields=["page", "institution_type"], name="result_page_type_idx"),
        ]

    def __str__(self):
        return self.institution_name

    def clean(self):
        super().clean()
        self._take_drawn_institution()
        if self.outcome == InspectionOutcome.PROBLEM and not (self.findings or "").strip():
            raise ValidationError({"findings": _("Say what was found: the outcome is 'Problem found'.")})
        money = (self.amount_recovered or 0) or (self.fine or 0)
        if self.outcome == InspectionOutcome.NO_PROBLEM and money:
            raise ValidationError(
                {"outcome": _("An amount recovered or a fine means a problem was found; change the outcome.")}
            )

    def _take_drawn_institution(self):
        plan = self.page if self.page_id else None
        draw = plan.current_draw() if plan is not None else None
        if draw is not None:
            self.take_drawn_institution(draw)

    def take_drawn_institution(self, draw):
        """A result of a portal draw is about a drawn institution: it takes its name, type and
        region from the frozen directory, so the published row matches the published draw."""
        if not draw.is_drawn:
            raise ValidationError(_("Results can be entered once the draw has been made."))
        if self.institution_code not in draw.drawn_codes():
            raise ValidationError({"institution_code": _("Choose one of the institutions drawn for this plan.")})
        row = draw.objects_by_code()[self.institution_code]
        self.institution_name, self.institution_type, self.region = row["name"], row["type"], row["region"]

    def handling_list(self) -> list[str]:
        """The measures taken, then the free-text note: what the 'handling' column publishes."""
        return [m.name for m in self.measures.all()] + ([self.handling] if self.handling else [])


class InspectionIndexPage(ListingIndexPage):
    listing_model = InspectionPlanPage
    export_name = "inspection-plans"
    subpage_types = ["disclosures.InspectionPlanPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("random inspection index")

    @property
    def filterset_class(self):
        from disclosures.filters import InspectionFilterSet

        return InspectionFilterSet

    @path("draw/program/", name="draw_algorithm")
    def draw_algorithm(self, request):
        """The draw's own source (standard library only), to re-run a published draw anywhere."""
        source = Path(draw_module.__file__).read_bytes()
        response = HttpResponse(source, content_type="text/x-python; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="draw.py"'
        return response

    def listed_pages(self):
        # Newest plan first: by year and batch, not by when the page happened to be published.
        return super().listed_pages().order_by("-year", "-batch", "-period_start", "-pk")
