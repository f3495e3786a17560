"""Legal deadlines for handling reports, counted in Chinese working days.

A working day follows the State Council's yearly holiday notice, 调休 included: a weekday inside a
holiday is a day off, and a make-up Saturday or Sunday is a working day. The `chinesecalendar`
package holds those notices; it knows whole years only, from its first to its last, and a new year
needs a new release of the package once the notice is published (usually in November or December).

Dates are calendar dates in Beijing time (`local_date` turns a moment into one). The day a period
starts on never counts: "within 15 working days of receipt" ends on the 15th working day after the
day of receipt, whether that day was a working day or not.

The exact functions (`is_working_day`, `add_working_days`, `working_days_between`) raise
`CalendarUnknown` when they need a date the package does not know. `deadline_for` and the helpers
built on it never do: there the days the package does not know are counted as Monday–Friday and the
`Deadline` says it is provisional, so that taking a report in never fails because of the calendar.

A plain module: no request, no model.

Known limit: a notice sometimes moves a day at the very end of the year before (the 2019 notice made
Saturday 29 December 2018 a working day). A date in late December of the last year the package knows
is therefore only as exact as the package: upgrade it when the next notice comes out.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.utils.functional import Promise, lazy
from django.utils.translation import ngettext_lazy

#: Deadlines follow Beijing time, whatever the server's own time zone.
CHINA_TZ = ZoneInfo("Asia/Shanghai")

#: The years the holiday calendar knows, read from its data (each year has at least New Year's Day
#: among its holidays; make-up workdays belong to the year of their notice's holidays).
FIRST_KNOWN_YEAR = min(day.year for day in chinese_calendar.holidays)
LAST_KNOWN_YEAR = max(day.year for day in chinese_calendar.holidays)
CALENDAR_VERSION = getattr(chinese_calendar, "__version__", "unknown version")

DEFAULT_ACCEPTANCE_WORKING_DAYS = 15
DEFAULT_NOTIFY_WORKING_DAYS = 5

ACCEPTANCE_RULE = ngettext_lazy(
    "Decide whether to accept the report within %(days)d working day of receiving it",
    "Decide whether to accept the report within %(days)d working days of receiving it",
    "days",
)
NOTIFY_RULE = ngettext_lazy(
    "Tell a real-name reporter within %(days)d working day of the decision",
    "Tell a real-name reporter within %(days)d working days of the decision",
    "days",
)


def _rule_text(message: Promise, days: int) -> Promise:
    """`message` with its number filled in, translated when shown (not when the deadline is made)."""
    return lazy(lambda: message % {"days": days}, str)()


class CalendarUnknown(Exception):
    """The holiday calendar has no data for a date a computation needs."""

    def __init__(self, day: date):
        self.day = day
        self.first_known_year = FIRST_KNOWN_YEAR
        self.last_known_year = LAST_KNOWN_YEAR
        if day.year > LAST_KNOWN_YEAR:
            hint = f"Upgrade chinesecalendar once it includes the State Council's holiday notice for {day.year}."
        else:
            hint = "Dates this early are not supported."
        super().__init__(
            f"The Chinese holiday calendar (chinesecalendar {CALENDAR_VERSION}) knows working days from "
            f"{FIRST_KNOWN_YEAR} to the end of {LAST_KNOWN_YEAR} only, so it cannot tell whether "
            f"{day.isoformat()} is a working day. {hint}"
        )

    def __reduce__(self):
        return (type(self), (self.day,))


def _check_date(day: date, name: str) -> None:
    # A datetime is a date too, but its own date may be a different day in Beijing.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"{name} must be a date (use local_date() for a moment in time), got {type(day).__name__}.")


def _calendar_knows(day: date) -> bool:
    return FIRST_KNOWN_YEAR <= day.year <= LAST_KNOWN_YEAR


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day by the State Council calendar (make-up workdays included)."""
    _check_date(day, "day")
    if not _calendar_knows(day):
        raise CalendarUnknown(day)
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:  # pragma: no cover - the range check above comes first
        raise CalendarUnknown(day) from exc


def _estimated_working_day(day: date) -> bool:
    """Exact where the calendar knows the day, Monday–Friday beyond it."""
    if _calendar_knows(day):
        return is_working_day(day)
    return day.weekday() < 5


def _add(start: date, count: int, working: Callable[[date], bool]) -> date:
    _check_date(start, "start")
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"count must be an integer, got {type(count).__name__}.")
    if count < 0:
        raise ValueError(f"count must be 0 or more, got {count}.")
    day = start
    while count:
        day += timedelta(days=1)
        if working(day):
            count -= 1
    return day


def _between(start: date, end: date, working: Callable[[date], bool]) -> int:
    _check_date(start, "start")
    _check_date(end, "end")
    if end < start:
        raise ValueError(f"end ({end.isoformat()}) is before start ({start.isoformat()}).")
    return sum(1 for offset in range(1, (end - start).days + 1) if working(start + timedelta(days=offset)))


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (`start` itself never counts; 0 gives `start`).

    Raises `CalendarUnknown` when a day to be counted is beyond the calendar.
    """
    return _add(start, count, is_working_day)


def working_days_between(start: date, end: date) -> int:
    """How many working days fall after `start`, up to and including `end` (`end` >= `start`).

    Raises `CalendarUnknown` when a day in between is beyond the calendar.
    """
    return _between(start, end, is_working_day)


def local_date(moment: datetime) -> date:
    """The calendar date in Beijing of an aware datetime (such as `django.utils.timezone.now()`)."""
    if not isinstance(moment, datetime):
        raise TypeError(f"moment must be a datetime, got {type(moment).__name__}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware; a naive datetime has no definite date in Beijing.")
    return moment.astimezone(CHINA_TZ).date()


@dataclass(frozen=True)
class Deadline:
    """When something is due, and by which rule.

    `provisional` is True when the calendar did not know every day counted: those days were counted
    as Monday–Friday, so `due` may move once the year's holiday notice is in the calendar.
    """

    due: date | None
    rule: str | Promise
    provisional: bool = False


def deadline_for(start: date, working_days: int, rule: str | Promise) -> Deadline:
    """The deadline `working_days` working days after `start`. Never raises `CalendarUnknown`:
    beyond the calendar the result is a provisional Monday–Friday estimate."""
    try:
        return Deadline(due=add_working_days(start, working_days), rule=rule, provisional=False)
    except CalendarUnknown:
        return Deadline(due=_add(start, working_days, _estimated_working_day), rule=rule, provisional=True)


def _setting(name: str, default: int) -> int:
    value = getattr(settings, name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"settings.{name} must be a whole number of working days (0 or more), got {value!r}.")
    return value


def acceptance_deadline(received_at: datetime) -> Deadline:
    """When the decision whether to accept a report is due (settings.PORTAL_ACCEPTANCE_WORKING_DAYS)."""
    days = _setting("PORTAL_ACCEPTANCE_WORKING_DAYS", DEFAULT_ACCEPTANCE_WORKING_DAYS)
    return deadline_for(local_date(received_at), days, _rule_text(ACCEPTANCE_RULE, days))


def notification_deadline(decided_at: datetime) -> Deadline:
    """When a real-name reporter must have been told of a decision (settings.PORTAL_NOTIFY_WORKING_DAYS)."""
    days = _setting("PORTAL_NOTIFY_WORKING_DAYS", DEFAULT_NOTIFY_WORKING_DAYS)
    return deadline_for(local_date(decided_at), days, _rule_text(NOTIFY_RULE, days))


def days_left(deadline: Deadline, today: date) -> int | None:
    """Working days left until `deadline.due`: 0 on the due day, negative once it has passed.

    Counts working days after `today` up to and including the due day. Once overdue, the number is
    minus the working days after the due day up to and including `today`, and at least 1 in size (a
    weekend right after the due day is already overdue). None when there is no due date. Never
    raises `CalendarUnknown`: days beyond the calendar are counted as Monday–Friday.
    """
    if deadline.due is None:
        return None
    _check_date(today, "today")
    if today <= deadline.due:
        return _between(today, deadline.due, _estimated_working_day)
    return -max(1, _between(deadline.due, today, _estimated_working_day))
