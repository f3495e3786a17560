"""The statistics dashboard for leaders (/admin/cases/statistics/): figures by month, region and
category (``reports/statistics.py``), a chart by month, and the same tables as CSV, XLSX or JSON.

Only holders of ``reports.view_report_statistics`` (受理员, 统计查看) get the page; anyone else gets
404, as on the case screens. The dashboard shows counts and amounts, never a report. Every download
writes an audit event with its format and the filter values.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disclosures.exports import FORMATS, Column, export_response

from .audit import record
from .regions import REGIONS
from .statistics import INDICATORS, MAX_MONTHS, Row, Statistics, report_statistics

PERMISSION = "reports.view_report_statistics"

#: The series of the chart by month (counts only: amounts and days are in the tables).
CHART_SERIES = ("received", "accepted", "concluded", "substantiated")


def can_view_statistics(user) -> bool:
    return user.is_active and user.has_perm(PERMISSION)


def _this_year() -> tuple[datetime.date, datetime.date]:
    year = timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE)).year
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


class StatisticsFilter(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)

    def __init__(self, query, *args, **kwargs):
        start, end = _this_year()
        data = {"start": start.isoformat(), "end": end.isoformat(), "region": ""}
        # Values the user gave replace the defaults; an empty date means the default.
        data.update({name: query[name] for name in data if query.get(name)})
        super().__init__(data, *args, **kwargs)
        self.fields["region"].choices = [("", _("All regions")), *REGIONS]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date must not be before the start date."), code="order")
            if (end.year - start.year) * 12 + end.month - start.month + 1 > MAX_MONTHS:
                raise forms.ValidationError(
                    _("Choose a period of at most %(months)d months.") % {"months": MAX_MONTHS}, code="too_long"
                )
        return cleaned

    def query(self, **extra) -> str:
        """The valid filters (and ``extra``) as a query string."""
        data = self.cleaned_data
        values = {"start": data["start"].isoformat(), "end": data["end"].isoformat()}
        if data["region"]:
            values["region"] = data["region"]
        return urlencode({**values, **extra})


# --- downloads ----------------------------------------------------------------------------------


def _export_value(value):
    # Counts as Decimal: disclosures.exports writes Decimals as numbers in XLSX (ints would become
    # text) and as their exact digits in CSV and JSON.
    if isinstance(value, int):
        return Decimal(value)
    return value


def export_columns(stats: Statistics) -> list[Column]:
    """One line per table row: ``dimension`` (total, month, region, category), ``group`` (its label),
    the period and region filter, then every figure under its stable key."""
    return [
        Column("dimension", lambda line: line[0]),
        Column("group", lambda line: line[1].label),
        Column("period_start", lambda line: stats.start),
        Column("period_end", lambda line: stats.end),
        Column("region_filter", lambda line: stats.region or ""),
        *(
            Column(indicator.key, lambda line, key=indicator.key: _export_value(getattr(line[1].figures, key)))
            for indicator in INDICATORS
        ),
    ]


def export_lines(stats: Statistics) -> list[tuple[str, Row]]:
    return [
        ("total", Row(None, "", stats.totals)),
        *(("month", row) for row in stats.by_month),
        *(("region", row) for row in stats.by_region),
        *(("category", row) for row in stats.by_category),
    ]


def _download(request, stats: Statistics, fmt: str):
    record(
        "export.statistics",
        actor=request.user,
        format=fmt,
        start=stats.start.isoformat(),
        end=stats.end.isoformat(),
        region=stats.region or "",
    )
    filename = f"report-statistics-{stats.start:%Y%m%d}-{stats.end:%Y%m%d}"
    response = export_response(export_lines(stats), export_columns(stats), fmt, filename)
    response["Cache-Control"] = "no-store, private"
    return response


# --- the page -----------------------------------------------------------------------------------


def chart_data(stats: Statistics) -> dict:
    """Counts by month for static/js/report-stats-chart.js, through json_script."""
    labels = {indicator.key: str(indicator.label) for indicator in INDICATORS}
    return {
        "unit": _("Number of reports"),
        "categories": [row.label for row in stats.by_month],
        "series": [
            {"key": key, "name": labels[key], "values": [getattr(row.figures, key) for row in stats.by_month]}
            for key in CHART_SERIES
        ],
    }


def dashboard(request):
    if not can_view_statistics(request.user):
        raise Http404
    fmt = request.GET.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise Http404
    form = StatisticsFilter(request.GET)
    stats = None
    if form.is_valid():
        stats = report_statistics(
            start=form.cleaned_data["start"], end=form.cleaned_data["end"], region=form.cleaned_data["region"] or None
        )
        if fmt:
            return _download(request, stats, fmt)
    context = {
        "header_title": _("Report statistics"),
        "page_title": _("Report statistics"),
        "form": form,
        "stats": stats,
        "indicators": INDICATORS,
    }
    if stats is not None:
        context.update(
            chart_data=chart_data(stats),
            export_links=[(fmt, "?" + form.query(format=fmt)) for fmt in FORMATS],
            region_label=stats.region or _("all regions"),
        )
    return render(request, "reports/admin/statistics.html", context)
