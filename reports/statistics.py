"""Figures of report handling for leaders: totals, and the same figures by month, region and category.

Plain module: no request, nothing logged, nothing decrypted. Every figure is computed by the database
(``aggregate``/``annotate`` with ``Count``/``Sum``/``Avg`` and ``filter=Q(...)``): the number of queries
is fixed (six) whatever the number of reports, and no Python loop runs over report rows.

What is counted:

- The reports *received* in the period (``start`` to ``end``, whole days in ``settings.TIME_ZONE``,
  Asia/Shanghai), optionally of one region. Every other figure is about those same reports, as they
  stand now: "concluded" in the March row means "received in March and concluded since". A month is
  the month of receipt in Asia/Shanghai, whatever time zone the database or the user's admin profile
  uses.
- Merged reports are counted once. A report merged into an earlier one (``merged_into`` set) is the
  same case: it is left out of every figure, and the case is counted through the earliest report,
  which carries the workflow. ``Statistics.merged`` says how many reports of the period were left
  out that way.
- Accepted: decided and not rejected (accepted or any later state). Not accepted: rejected.
  Concluded: ``concluded_at`` set. Substantiated: outcome substantiated or partly substantiated.
  Verified amount (查实金额): the sum of ``verified_amount``, a Decimal, 0 when there is none.
  Overdue now: ``overdue_since`` set and the report not concluded, fed back or rejected.
  Average handling days: ``concluded_at − received_at`` averaged over concluded reports, in days with
  one decimal (``None`` when none is concluded).
- By category: a report with several violation categories is counted under each of them, so the
  category rows can add up to more than the totals (which never count a report twice); reports with
  no category have a row of their own (key ``None``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, DateField, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from disclosures.models import ViolationCategory

from .models import Outcome, Report, Status
from .regions import region_names

#: The longest period the statistics cover, in months (bounds the rows of the month table).
MAX_MONTHS = 120

#: Statuses in which a report can no longer be overdue.
_CLOSED = (Status.CONCLUDED, Status.FED_BACK, Status.REJECTED)

_SECONDS_PER_DAY = Decimal(86400)
_TENTH = Decimal("0.1")
_ZERO_AMOUNT = Decimal("0.00")


@dataclass(frozen=True)
class Indicator:
    """One figure: its attribute on ``Figures`` (also its stable export key), label and kind
    (``count``, ``amount`` in yuan, or ``days``)."""

    key: str
    label: str
    kind: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator("received", _("Reports received"), "count"),
    Indicator("accepted", _("Accepted"), "count"),
    Indicator("not_accepted", _("Not accepted"), "count"),
    Indicator("concluded", _("Concluded"), "count"),
    Indicator("substantiated", _("Substantiated or partly substantiated"), "count"),
    Indicator("verified_amount", _("Verified amount (yuan)"), "amount"),
    Indicator("overdue", _("Overdue now"), "count"),
    Indicator("average_handling_days", _("Average handling days"), "days"),
)


@dataclass(frozen=True)
class Figures:
    received: int = 0
    accepted: int = 0
    not_accepted: int = 0
    concluded: int = 0
    substantiated: int = 0
    verified_amount: Decimal = _ZERO_AMOUNT
    overdue: int = 0
    average_handling_days: Decimal | None = None

    def cells(self) -> list[tuple[Indicator, int | Decimal | None]]:
        """(indicator, value) in the order of ``INDICATORS``: one table row."""
        return [(indicator, getattr(self, indicator.key)) for indicator in INDICATORS]


@dataclass(frozen=True)
class Row:
    """One line of a breakdown. ``key``: the first day of the month, the region's name, or the
    category's id (``None`` for reports without a category). ``label``: what a table shows
    (``2026-03``, the region, the category's name)."""

    key: datetime.date | str | int | None
    label: str
    figures: Figures


@dataclass(frozen=True)
class Statistics:
    start: datetime.date
    end: datetime.date
    region: str | None
    totals: Figures
    by_month: list[Row]
    by_region: list[Row]
    by_category: list[Row]
    #: Reports of the period merged into another report, and therefore left out of every figure.
    merged: int


def _time_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _handling_time():
    return ExpressionWrapper(F("concluded_at") - F("received_at"), output_field=DurationField())


def _aggregates() -> dict:
    """Every figure as a database aggregate over the rows of a (possibly grouped) queryset."""
    concluded = Q(concluded_at__isnull=False)
    return {
        "received": Count("pk"),
        "accepted": Count("pk", filter=Q(decided_at__isnull=False) & ~Q(status=Status.REJECTED)),
        "not_accepted": Count("pk", filter=Q(status=Status.REJECTED)),
        "concluded": Count("pk", filter=concluded),
        "substantiated": Count("pk", filter=Q(outcome__in=(Outcome.SUBSTANTIATED, Outcome.PARTLY))),
        "verified_amount": Sum("verified_amount"),
        "overdue": Count("pk", filter=Q(overdue_since__isnull=False) & ~Q(status__in=_CLOSED)),
        # An interval on PostgreSQL; microseconds that Django turns into a timedelta on SQLite.
        "handling": Avg(_handling_time(), filter=concluded),
    }


def _days(handling: datetime.timedelta | None) -> Decimal | None:
    if handling is None:
        return None
    days = Decimal(str(handling.total_seconds())) / _SECONDS_PER_DAY
    return days.quantize(_TENTH, rounding=ROUND_HALF_UP)


def _figures(values: dict | None) -> Figures:
    if not values:
        return Figures()
    amount = values["verified_amount"]
    return Figures(
        received=values["received"],
        accepted=values["accepted"],
        not_accepted=values["not_accepted"],
        concluded=values["concluded"],
        substantiated=values["substantiated"],
        verified_amount=_ZERO_AMOUNT if amount is None else Decimal(amount).quantize(Decimal("0.01")),
        overdue=values["overdue"],
        average_handling_days=_days(values["handling"]),
    )


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    first = start.replace(day=1)
    count = (end.year - first.year) * 12 + end.month - first.month + 1
    return [
        datetime.date(first.year + (first.month - 1 + n) // 12, (first.month - 1 + n) % 12 + 1, 1) for n in range(count)
    ]


def period_queryset(*, start: datetime.date, end: datetime.date, region: str | None = None):
    """The reports received from ``start`` to ``end`` (inclusive, in Asia/Shanghai), of ``region`` if
    given, merged reports included."""
    zone = _time_zone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    reports = Report.objects.filter(received_at__gte=since, received_at__lt=until)
    if region:
        reports = reports.filter(region=region)
    return reports


def report_statistics(*, start: datetime.date, end: datetime.date, region: str | None = None) -> Statistics:
    """The figures of the reports received from ``start`` to ``end`` (module docstring), in six
    queries whatever the number of reports. Raises ``ValueError`` when ``end`` is before ``start``
    or the period spans more than ``MAX_MONTHS`` months."""
    if end < start:
        raise ValueError("The end of the period is before its start.")
    months = _months(start, end)
    if len(months) > MAX_MONTHS:
        raise ValueError(f"The period spans more than {MAX_MONTHS} months.")
    region = region or None

    everything = period_queryset(start=start, end=end, region=region)
    merged = everything.filter(merged_into__isnull=False).count()
    cases = everything.filter(merged_into__isnull=True)
    aggregates = _aggregates()

    # No join here: the totals count every report exactly once.
    totals = _figures(cases.aggregate(**aggregates))

    month = TruncMonth("received_at", output_field=DateField(), tzinfo=_time_zone())
    month_values = {
        row["month"]: row
        for row in cases.annotate(month=month).values("month").annotate(**aggregates).order_by("month")
    }
    by_month = [Row(first, f"{first:%Y-%m}", _figures(month_values.get(first))) for first in months]

    region_values = {row["region"]: row for row in cases.values("region").annotate(**aggregates).order_by("region")}
    if region:
        names = [region]
    else:
        known = region_names()
        # Regions no longer configured still have reports: they are listed after the others.
        names = known + sorted(name for name in region_values if name not in known)
    by_region = [Row(name, name, _figures(region_values.get(name))) for name in names]

    # Grouped through the M2M join: one row per (report, category), a report without category once
    # with None. Only the category rows use this join.
    category_values = {
        row["categories"]: row for row in cases.values("categories").annotate(**aggregates).order_by("categories")
    }
    by_category = [
        Row(category.pk, category.name, _figures(category_values.get(category.pk)))
        for category in ViolationCategory.objects.order_by("sort_order", "name")
    ]
    if None in category_values:
        by_category.append(Row(None, str(_("No category")), _figures(category_values[None])))

    return Statistics(
        start=start,
        end=end,
        region=region,
        totals=totals,
        by_month=by_month,
        by_region=by_region,
        by_category=by_category,
        merged=merged,
    )
