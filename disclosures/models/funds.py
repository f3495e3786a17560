"""Fund income and expenditure disclosures (基金收支信息披露): one page per period and region,
one row per fund. The rows are the published figures; the page table, its chart and its
downloads all read them, and the index adds them up per period with database aggregates."""

import calendar
import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Sum
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.models import Orderable
from wagtail.search import index

from disclosures.choices import FundType, MoneyUnit, PeriodKind
from disclosures.exports import FORMATS, Column, export_response
from home.search_text import ChineseSearchable

from .base import ListedPage, ListingIndexPage, export_links

MONEY = {"max_digits": 18, "decimal_places": 2}
FEN = Decimal("0.01")
# Yuan in one unit; converting to a smaller unit only multiplies, so it stays exact.
UNIT_FACTORS = {MoneyUnit.YUAN: 1, MoneyUnit.TEN_THOUSAND: 10_000, MoneyUnit.HUNDRED_MILLION: 100_000_000}
# The number of a month, quarter or half year, as (smallest, largest); a year has none.
PERIOD_NUMBERS = {PeriodKind.MONTH: (1, 12), PeriodKind.QUARTER: (1, 4), PeriodKind.HALF: (1, 2)}
MONTHS_PER_PERIOD = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF: 6}
AMOUNT_FIELDS = ("income", "expenditure", "current_balance", "cumulative_balance")


def period_end(year: int, kind: str, number: int | None) -> datetime.date:
    """The last day of a period: of the month, the quarter's last month, the half's last month or the year."""
    month = 12 if kind == PeriodKind.YEAR else number * MONTHS_PER_PERIOD[kind]
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def period_label(year, kind, number) -> str:
    """The period as Chinese readers expect it: 2025年5月, 2025年第3季度, 2025年上半年, 2025年度."""
    values = {"year": year, "number": number}
    if kind == PeriodKind.MONTH:
        return gettext("%(year)s, month %(number)s") % values
    if kind == PeriodKind.QUARTER:
        return gettext("%(year)s, quarter %(number)s") % values
    if kind == PeriodKind.HALF:
        if number == 1:
            return gettext("First half of %(year)s") % values
        return gettext("Second half of %(year)s") % values
    return gettext("Year %(year)s") % values


def period_code(year, kind, number) -> str:
    """The period in open data, sortable and language-neutral: 2025-05, 2025-Q3, 2025-H1, 2025."""
    if kind == PeriodKind.MONTH:
        return f"{year}-{number:02d}"
    if kind == PeriodKind.QUARTER:
        return f"{year}-Q{number}"
    if kind == PeriodKind.HALF:
        return f"{year}-H{number}"
    return str(year)


class FundDisclosurePage(ChineseSearchable, RoutablePageMixin, ListedPage):
    """Income, expenditure and balances of each medical-insurance fund for one period and region.
    A published figure is never changed silently: a corrected version says what changed and why."""

    period_year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    period_kind = models.CharField(
        _("period type"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.QUARTER
    )
    period_number = models.PositiveSmallIntegerField(
        _("period number"),
        null=True,
        blank=True,
        help_text=_("Month 1–12, quarter 1–4 or half year 1–2; leave empty for a whole year."),
    )
    # Derived from the period on save: orders the listing and carries the year filter.
    period_end = models.DateField(_("end of period"), editable=False, db_index=True)
    region = models.CharField(_("region"), max_length=40)
    unit = models.CharField(_("unit"), max_length=10, choices=MoneyUnit.choices, default=MoneyUnit.TEN_THOUSAND)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    source = models.CharField(
        _("source"), max_length=200, help_text=_("Who compiled the figures, e.g. the bureau and the finance bureau.")
    )
    notes = models.TextField(
        _("notes"), blank=True, help_text=_("Definitions, scope and anything a reader should know.")
    )
    correction_note = models.TextField(
        _("correction note"),
        blank=True,
        help_text=_("When correcting published figures: what changed and why. Shown on the page."),
    )
    corrected_on = models.DateField(_("corrected on"), null=True, blank=True)
    insured_employees = models.PositiveIntegerField(
        _("people insured under the employee scheme"), null=True, blank=True
    )
    insured_residents = models.PositiveIntegerField(
        _("people insured under the residents' scheme"), null=True, blank=True
    )
    designated_institutions = models.PositiveIntegerField(
        _("designated medical institutions and pharmacies"), null=True, blank=True
    )

    content_panels = [
        *ListedPage.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("period_year"), FieldPanel("period_kind"), FieldPanel("period_number")]),
                FieldRowPanel([FieldPanel("region"), FieldPanel("unit")]),
            ],
            heading=_("Period, region and unit"),
        ),
        FieldPanel("summary"),
        InlinePanel("rows", label=_("Funds"), min_num=1),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("insured_employees"), FieldPanel("insured_residents")]),
                FieldPanel("designated_institutions"),
            ],
            heading=_("Insured people and institutions"),
        ),
        FieldPanel("source"),
        FieldPanel("notes"),
        MultiFieldPanel(
            [FieldPanel("corrected_on"), FieldPanel("correction_note")],
            heading=_("Correction"),
        ),
    ]
    search_fields = [
        *ListedPage.search_fields,
        index.SearchField("search_grams"),
        index.FilterField("period_kind"),
        index.FilterField("region"),
    ]
    listing_date_field = "period_end"
    parent_page_types = ["disclosures.FundDisclosureIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("fund income and expenditure disclosure")
        verbose_name_plural = _("fund income and expenditure disclosures")
        # The index's filters besides the year (period_end, indexed on the field, orders and filters it).
        indexes = [
            models.Index(fields=["region"], name="fund_region_idx"),
            models.Index(fields=["period_kind"], name="fund_period_kind_idx"),
        ]

    def clean(self):
        super().clean()
        errors = self._period_errors()
        if bool(self.corrected_on) != bool(self.correction_note.strip()):
            if self.corrected_on:
                errors["correction_note"] = _("Say what was corrected and why.")
            else:
                errors["corrected_on"] = _("Give the date of the correction.")
        if errors:
            raise ValidationError(errors)

    def _period_errors(self) -> dict:
        kind, number = self.period_kind, self.period_number
        if kind == PeriodKind.YEAR:
            if number is not None:
                return {"period_number": _("Leave the period number empty for a whole year.")}
            return {}
        messages = {
            PeriodKind.MONTH: _("Enter the month, from 1 to 12."),
            PeriodKind.QUARTER: _("Enter the quarter, from 1 to 4."),
            PeriodKind.HALF: _("Enter 1 for the first half of the year or 2 for the second half."),
        }
        if kind not in PERIOD_NUMBERS:
            return {}  # the choices validation of period_kind reports it
        low, high = PERIOD_NUMBERS[kind]
        if number is None or not low <= number <= high:
            return {"period_number": messages[kind]}
        return {}

    def save(self, *args, **kwargs):
        # An invalid period is left for clean() (run by Page.save) to report.
        if self.period_year and not self._period_errors():
            self.period_end = period_end(self.period_year, self.period_kind, self.period_number)
        return super().save(*args, **kwargs)

    @property
    def period_label(self) -> str:
        return period_label(self.period_year, self.period_kind, self.period_number)

    @property
    def period_code(self) -> str:
        return period_code(self.period_year, self.period_kind, self.period_number)

    def search_source(self):
        funds = [row.get_fund_type_display() for row in self.rows.all()]
        return [
            *super().search_source(),
            self.period_label,
            self.region,
            self.summary,
            self.notes,
            self.correction_note,
            *funds,
        ]

    def feed_summary(self) -> str:
        return self.summary or f"{self.period_label} {self.region}"

    # Figures

    def totals(self, rows=None) -> dict[str, Decimal]:
        """Sums of each amount over the rows (or `rows`, all of them already read), from the rows in
        hand (so previews add up too)."""
        rows = list(self.rows.all()) if rows is None else rows
        return {name: sum((getattr(row, name) or Decimal(0) for row in rows), Decimal(0)) for name in AMOUNT_FIELDS}

    def figures(self) -> tuple:
        """What a reader would see change if the published numbers changed: unit and every row."""
        rows = sorted(
            (row.fund_type, *(Decimal(getattr(row, name) or 0) for name in AMOUNT_FIELDS)) for row in self.rows.all()
        )
        return (self.unit, tuple(rows))

    def balance_mismatches(self) -> list["FundRow"]:
        """Rows whose current balance is not income minus expenditure."""
        return [row for row in self.rows.all() if not row.balance_adds_up()]

    def chart_data(self, rows=None) -> dict:
        """Income and expenditure per fund for the bar chart; figures as decimal strings."""
        rows = list(self.rows.all()) if rows is None else rows
        return {
            "unit": self.get_unit_display(),
            "categories": [row.get_fund_type_display() for row in rows],
            "series": [
                {"key": "income", "name": gettext("Income"), "values": [row.income for row in rows]},
                {"key": "expenditure", "name": gettext("Expenditure"), "values": [row.expenditure for row in rows]},
            ],
        }

    # Open data

    @classmethod
    def export_columns(cls):
        """One line per fund row; the same columns serve the page and the index downloads."""
        return [
            Column("period", lambda row: row.page.period_code),
            Column("region", lambda row: row.page.region),
            Column("fund_type", lambda row: row.get_fund_type_display()),
            Column("income", lambda row: row.income),
            Column("expenditure", lambda row: row.expenditure),
            Column("current_balance", lambda row: row.current_balance),
            Column("cumulative_balance", lambda row: row.cumulative_balance),
            Column("unit", lambda row: row.page.get_unit_display()),
        ]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        rows = list(self.rows.all())  # read once for the table, the totals and the chart
        context.update(
            rows=rows,
            totals=self.totals(rows),
            chart_data=self.chart_data(rows),
            # A preview shows a draft; the downloads carry the published rows, so they are left out.
            export_links=[] if getattr(request, "is_preview", False) else export_links(self, request),
        )
        return context

    @path("export/<str:fmt>/", name="export")
    def export(self, request, fmt):
        if fmt not in FORMATS:
            raise Http404
        rows = FundRow.objects.filter(page=self).select_related("page").order_by("sort_order", "pk")
        return export_response(rows, self.export_columns(), fmt, f"fund-disclosure-{self.pk}-{self.period_code}")


class FundRow(Orderable):
    """One fund's figures for the period, in the unit of its page."""

    page = ParentalKey(FundDisclosurePage, related_name="rows", on_delete=models.CASCADE)
    fund_type = models.CharField(_("fund"), max_length=20, choices=FundType.choices)
    income = models.DecimalField(_("income"), **MONEY)
    expenditure = models.DecimalField(_("expenditure"), **MONEY)
    current_balance = models.DecimalField(
        _("current balance"),
        help_text=_("Income minus expenditure of the period (当期结余)."),
        **MONEY,
    )
    cumulative_balance = models.DecimalField(
        _("cumulative balance"),
        help_text=_("Accumulated balance at the end of the period (累计结存)."),
        **MONEY,
    )

    panels = [
        FieldPanel("fund_type"),
        FieldRowPanel([FieldPanel("income"), FieldPanel("expenditure")]),
        FieldRowPanel([FieldPanel("current_balance"), FieldPanel("cumulative_balance")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("fund figures")
        verbose_name_plural = _("fund figures")

    def __str__(self):
        return self.get_fund_type_display()

    @property
    def expected_balance(self) -> Decimal:
        return Decimal(self.income) - Decimal(self.expenditure)

    def balance_adds_up(self) -> bool:
        return Decimal(self.current_balance) == self.expected_balance


class FundDisclosureIndexPage(ListingIndexPage):
    listing_model = FundDisclosurePage
    export_name = "fund-disclosures"
    subpage_types = ["disclosures.FundDisclosurePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("fund disclosure index")

    @property
    def filterset_class(self):
        from disclosures.filters import FundFilterSet

        return FundFilterSet

    @path("")
    def listing(self, request):
        response = super().listing(request)
        # The response renders lazily, so the trend can reuse the filtered queryset.
        response.context_data["trend"] = self.trend(response.context_data["filterset"].qs)
        return response

    @path("export/<str:fmt>/", name="export")
    def export(self, request, fmt):
        """Every fund row of the filtered pages, in listing order."""
        if fmt not in FORMATS:
            raise Http404
        pages = self.filterset(request).qs
        rows = (
            FundRow.objects.filter(page__in=pages.values("pk"))
            .select_related("page")
            .order_by("-page__period_end", "-page__pk", "sort_order", "pk")
        )
        return export_response(rows, FundDisclosurePage.export_columns(), fmt, self.export_name)

    def trend(self, pages) -> dict:
        """Total income, expenditure and current balance of each listed page, oldest first, in one
        query. Pages published in different units are shown in the smallest of them."""
        periods = list(
            pages.order_by()
            .values("pk", "period_year", "period_kind", "period_number", "region", "unit", "period_end")
            .annotate(
                income=Sum("rows__income"),
                expenditure=Sum("rows__expenditure"),
                current_balance=Sum("rows__current_balance"),
            )
            .order_by("period_end", "pk")
        )
        if not periods:
            return {"periods": [], "mixed": False}
        units = {period["unit"] for period in periods}
        unit = min(units, key=lambda code: UNIT_FACTORS[code])
        regions = {period["region"] for period in periods}
        kinds = {period["period_kind"] for period in periods}
        for period in periods:
            factor = UNIT_FACTORS[period["unit"]] // UNIT_FACTORS[unit]
            period["label"] = period_label(period["period_year"], period["period_kind"], period["period_number"])
            if len(regions) > 1:
                period["label"] = f"{period['label']} {period['region']}"
            for name in ("income", "expenditure", "current_balance"):
                value = period[name]
                # SQLite sums decimals as floats (15 significant digits) and returns the float noise;
                # PostgreSQL sums exactly. Both come back to the fen here.
                period[name] = None if value is None else (value * factor).quantize(FEN)
        return {
            "periods": periods,
            "unit": str(MoneyUnit(unit).label),
            "mixed": len(regions) > 1 or len(kinds) > 1,
            "chart": {
                "unit": str(MoneyUnit(unit).label),
                "categories": [period["label"] for period in periods],
                "series": [
                    {"key": name, "name": label, "values": [period[name] for period in periods]}
                    for name, label in (
                        ("income", gettext("Total income")),
                        ("expenditure", gettext("Total expenditure")),
                        ("current_balance", gettext("Total current balance")),
                    )
                ],
            },
        }
