"""Deadlines in Chinese working days (reports/deadlines.py), checked against the State Council's
2026 holiday notice (国办发明电〔2025〕7号) as chinesecalendar records it:

- Spring Festival: 15–23 February off; Saturdays 14 and 28 February are working days.
- Mid-Autumn: Friday 25 September off (with the weekend after it).
- National Day: 1–7 October off; Sunday 20 September and Saturday 10 October are working days.
"""

import pickle
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import translation
from django.utils.functional import Promise

from reports import deadlines
from reports.deadlines import (
    CalendarUnknown,
    Deadline,
    acceptance_deadline,
    add_working_days,
    days_left,
    deadline_for,
    is_working_day,
    local_date,
    notification_deadline,
    working_days_between,
)

BEYOND = deadlines.LAST_KNOWN_YEAR + 1


def beijing(year, month, day, hour=10, minute=0):
    """An aware moment given in Beijing time, stored in UTC as Django does."""
    return datetime(year, month, day, hour, minute, tzinfo=deadlines.CHINA_TZ).astimezone(UTC)


def days(first: date, last: date):
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# The calendar itself


def test_national_day_2026_is_off_and_its_make_up_days_are_worked():
    assert [d for d in days(date(2026, 9, 28), date(2026, 10, 11)) if is_working_day(d)] == [
        date(2026, 9, 28),
        date(2026, 9, 29),
        date(2026, 9, 30),
        # 1–7 October off, weekdays included
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),  # Saturday, make-up workday
    ]
    assert is_working_day(date(2026, 9, 20))  # Sunday, make-up workday
    assert not is_working_day(date(2026, 9, 25))  # Friday, Mid-Autumn Festival


def test_spring_festival_2026_is_off_and_its_make_up_saturdays_are_worked():
    assert is_working_day(date(2026, 2, 14))  # Saturday
    assert not any(is_working_day(d) for d in days(date(2026, 2, 15), date(2026, 2, 23)))
    assert is_working_day(date(2026, 2, 24))
    assert is_working_day(date(2026, 2, 28))  # Saturday
    assert not is_working_day(date(2026, 3, 1))  # an ordinary Sunday


def test_the_known_range_is_read_from_the_library_and_ends_with_a_whole_year():
    assert deadlines.LAST_KNOWN_YEAR >= 2026
    assert not is_working_day(date(deadlines.LAST_KNOWN_YEAR, 1, 1))
    assert is_working_day(date(deadlines.LAST_KNOWN_YEAR, 12, 31)) == (
        date(deadlines.LAST_KNOWN_YEAR, 12, 31).weekday() < 5
    )
    with pytest.raises(CalendarUnknown):
        is_working_day(date(BEYOND, 1, 1))
    with pytest.raises(CalendarUnknown):
        is_working_day(date(deadlines.FIRST_KNOWN_YEAR - 1, 12, 31))


# Counting working days


def test_fifteen_working_days_skip_national_day_and_count_the_make_up_saturday():
    # Received Monday 28 September: 3 days before the holiday, Thu 8, Fri 9, Sat 10, then two weeks.
    assert add_working_days(date(2026, 9, 28), 15) == date(2026, 10, 23)
    # Monday–Friday counting would have said 16 October; without the make-up Saturday, 26 October.
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_fifteen_working_days_across_spring_festival():
    # Friday 13 February: Sat 14 counts, 15–23 do not, Sat 28 counts.
    assert add_working_days(date(2026, 2, 13), 15) == date(2026, 3, 12)


def test_the_start_day_never_counts_even_when_it_is_a_holiday():
    assert add_working_days(date(2026, 10, 3), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 2, 21), 1) == date(2026, 2, 24)
    # Received on a working day: the next working day is the first one.
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_zero_working_days_is_the_start_itself_without_asking_the_calendar():
    assert add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 1)
    assert add_working_days(date(BEYOND, 3, 1), 0) == date(BEYOND, 3, 1)


def test_working_days_between_counts_after_start_up_to_and_including_end():
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 7)) == 0
    assert working_days_between(date(2026, 10, 8), date(2026, 10, 8)) == 0
    for start in (date(2026, 2, 13), date(2026, 9, 27), date(2026, 10, 4), date(2026, 6, 18)):
        for count in (1, 5, 15, 40):
            assert working_days_between(start, add_working_days(start, count)) == count


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="before start"):
        working_days_between(date(2026, 10, 9), date(2026, 10, 8))
    with pytest.raises(ValueError, match="0 or more"):
        add_working_days(date(2026, 10, 9), -1)
    # A datetime's own date may be the wrong day in Beijing: local_date() must be used first.
    with pytest.raises(TypeError, match="local_date"):
        add_working_days(datetime(2026, 10, 9, 20, 0, tzinfo=UTC), 1)
    with pytest.raises(TypeError, match="local_date"):
        is_working_day(datetime(2026, 10, 9, 20, 0, tzinfo=UTC))


# Beyond the calendar


def test_counting_past_the_calendar_raises_a_clear_error():
    last_day = date(deadlines.LAST_KNOWN_YEAR, 12, 31)
    with pytest.raises(CalendarUnknown) as caught:
        add_working_days(last_day - timedelta(days=3), 10)
    message = str(caught.value)
    assert f"{BEYOND}-01-01" in message  # the first day it could not tell
    assert f"end of {deadlines.LAST_KNOWN_YEAR}" in message
    assert "chinesecalendar" in message
    assert caught.value.day == date(BEYOND, 1, 1)
    assert caught.value.last_known_year == deadlines.LAST_KNOWN_YEAR
    with pytest.raises(CalendarUnknown, match=f"{BEYOND}-01-01"):
        working_days_between(last_day, date(BEYOND, 1, 5))


def test_the_error_survives_pickling_for_celery():
    error = pickle.loads(pickle.dumps(CalendarUnknown(date(BEYOND, 2, 1))))  # noqa: S301
    assert error.day == date(BEYOND, 2, 1)
    assert f"{BEYOND}-02-01" in str(error)


def test_deadline_for_is_exact_where_the_calendar_knows():
    deadline = deadline_for(date(2026, 9, 28), 15, "rule")
    assert deadline == Deadline(due=date(2026, 10, 23), rule="rule", provisional=False)


def test_deadline_for_past_the_calendar_is_a_provisional_monday_to_friday_estimate():
    start = date(BEYOND, 3, 1)
    deadline = deadline_for(start, 15, "rule")
    assert deadline.provisional is True
    counted = [d for d in days(start + timedelta(days=1), deadline.due) if d.weekday() < 5]
    assert len(counted) == 15
    assert deadline.due.weekday() < 5


def test_a_provisional_estimate_still_counts_the_known_days_exactly():
    # From 20 December of the last known year the count runs into the unknown year.
    start = date(deadlines.LAST_KNOWN_YEAR, 12, 20)
    deadline = deadline_for(start, 15, "rule")
    assert deadline.provisional is True
    known = working_days_between(start, date(deadlines.LAST_KNOWN_YEAR, 12, 31))
    weekdays_after = [d for d in days(date(BEYOND, 1, 1), deadline.due) if d.weekday() < 5]
    assert known + len(weekdays_after) == 15
    assert deadline.due.weekday() < 5


# Moments and Beijing dates


def test_local_date_is_the_date_in_beijing():
    assert local_date(datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) == date(2026, 3, 2)
    assert local_date(datetime(2026, 3, 1, 15, 59, tzinfo=UTC)) == date(2026, 3, 1)
    assert local_date(datetime(2026, 3, 1, 16, 0, tzinfo=UTC)) == date(2026, 3, 2)


def test_local_date_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2026, 3, 1, 23, 30))


# The report rules


def test_acceptance_deadline_counts_from_the_beijing_date_of_receipt(settings):
    settings.PORTAL_ACCEPTANCE_WORKING_DAYS = 15
    # 00:30 on Monday 28 September in Beijing is still Sunday 27 September in UTC.
    received = datetime(2026, 9, 27, 16, 30, tzinfo=UTC)
    deadline = acceptance_deadline(received)
    assert deadline.due == date(2026, 10, 23)  # counting from the UTC date would give 22 October
    assert deadline.provisional is False
    assert isinstance(deadline.rule, Promise)
    with translation.override("en"):
        assert "15 working days" in str(deadline.rule)


def test_the_number_of_days_comes_from_the_settings(settings):
    settings.PORTAL_ACCEPTANCE_WORKING_DAYS = 3
    settings.PORTAL_NOTIFY_WORKING_DAYS = 6
    acceptance = acceptance_deadline(beijing(2026, 9, 28))
    notification = notification_deadline(beijing(2026, 2, 13))
    assert acceptance.due == date(2026, 10, 8)
    assert notification.due == date(2026, 2, 28)  # the make-up Saturday is the 6th working day
    with translation.override("en"):
        assert "3 working days" in str(acceptance.rule)
        assert "6 working days" in str(notification.rule)


def test_notification_deadline_is_five_working_days_by_default(settings):
    del settings.PORTAL_NOTIFY_WORKING_DAYS
    decided = beijing(2026, 2, 13, hour=17)
    assert notification_deadline(decided).due == date(2026, 2, 27)


def test_a_broken_setting_is_reported(settings):
    settings.PORTAL_ACCEPTANCE_WORKING_DAYS = -1
    with pytest.raises(ValueError, match="PORTAL_ACCEPTANCE_WORKING_DAYS"):
        acceptance_deadline(beijing(2026, 9, 28))


def test_intake_never_fails_because_of_the_calendar(settings):
    settings.PORTAL_ACCEPTANCE_WORKING_DAYS = 15
    deadline = acceptance_deadline(beijing(deadlines.LAST_KNOWN_YEAR, 12, 28))
    assert deadline.provisional is True
    assert deadline.due.year == BEYOND


# Days left


def test_days_left_counts_down_to_zero_on_the_due_day_then_goes_negative():
    deadline = Deadline(due=date(2026, 10, 23), rule="rule")
    assert days_left(deadline, date(2026, 9, 28)) == 15
    assert days_left(deadline, date(2026, 10, 3)) == 13  # during the holiday
    assert days_left(deadline, date(2026, 10, 22)) == 1
    assert days_left(deadline, date(2026, 10, 23)) == 0
    assert days_left(deadline, date(2026, 10, 24)) == -1  # the Saturday after is already overdue
    assert days_left(deadline, date(2026, 10, 26)) == -1
    assert days_left(deadline, date(2026, 10, 27)) == -2


def test_days_left_without_a_due_date_is_none():
    assert days_left(Deadline(due=None, rule="rule"), date(2026, 10, 1)) is None


def test_days_left_does_not_fail_past_the_calendar():
    deadline = deadline_for(date(BEYOND, 3, 2), 5, "rule")
    assert days_left(deadline, date(BEYOND, 3, 2)) == 5
    assert days_left(deadline, deadline.due) == 0
