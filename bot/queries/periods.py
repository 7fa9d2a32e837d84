"""Calendar arithmetic for the periods people name: weeks, months, quarters, school years.

Every function takes "today" (or a year) explicitly; nothing here reads the clock.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

Period = tuple[date, date]


def month_period(year: int, month: int) -> Period:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def year_period(year: int) -> Period:
    return date(year, 1, 1), date(year, 12, 31)


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    return date(year, first, 1), month_period(year, first + 2)[1]


def half_period(year: int, half: int) -> Period:
    return (
        (date(year, 1, 1), date(year, 6, 30))
        if half == 1
        else (date(year, 7, 1), date(year, 12, 31))
    )


def week_period(today: date, shift: int = 0) -> Period:
    """Monday..Sunday of the week containing today, moved by `shift` weeks."""
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=shift)
    return monday, monday + timedelta(days=6)


def school_year_start(today: date) -> int:
    """The calendar year in which the current school year (1 Sep .. 31 Aug) began."""
    return today.year if today.month >= 9 else today.year - 1


def school_year_period(start_year: int) -> Period:
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)


def shift_month(year: int, month: int, shift: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + shift
    return index // 12, index % 12 + 1


def resolve_year(today: date, start: Period, *, backward: bool, make: object) -> Period:
    """Pick the year for a period named without one.

    Forward (the default for plans): the nearest such period that is not over yet, so the
    current one counts. Backward (reports, overdue, what was done): the nearest that has begun.
    `make(year)` builds the period for a given year; `start` is the period in today's year.
    """
    assert callable(make)
    first, last = start
    if backward:
        return start if first <= today else make(today.year - 1)
    return start if last >= today else make(today.year + 1)


def nearest_month(today: date, month: int, *, backward: bool = False) -> Period:
    return resolve_year(
        today,
        month_period(today.year, month),
        backward=backward,
        make=lambda y: month_period(y, month),
    )


def nearest_quarter(today: date, quarter: int, *, backward: bool = False) -> Period:
    return resolve_year(
        today,
        quarter_period(today.year, quarter),
        backward=backward,
        make=lambda y: quarter_period(y, quarter),
    )


def nearest_half(today: date, half: int, *, backward: bool = False) -> Period:
    return resolve_year(
        today,
        half_period(today.year, half),
        backward=backward,
        make=lambda y: half_period(y, half),
    )


def next_days(today: date, count: int) -> Period:
    """ "в ближайшие N дней": today and the N-1 days after it."""
    return today, today + timedelta(days=max(count, 1) - 1)


# A month just past is preferred to one far ahead, but people plan ahead: a past month's
# distance counts this much more than a future one's.
PAST_WEIGHT = 1.5


def closest_month(
    today: date, month: int, *, backward: bool = False, plan: tuple[int, int] | None = None
) -> Period:
    """The month a name without a year means: the nearest such month (on 1 June, "май" is the
    May just past, not the one eleven months away), inside the plan's years when one is
    known. Backward (reports, overdue, what was done): the latest that has begun."""
    candidates = [month_period(y, month) for y in (today.year - 1, today.year, today.year + 1)]
    if plan is not None:
        inside = [c for c in candidates if plan[0] <= c[0].year and c[1].year <= plan[1]]
        candidates = inside or candidates
    if backward:
        begun = [c for c in candidates if c[0] <= today]
        return max(begun) if begun else min(candidates)

    def distance(period: Period) -> float:
        first, last = period
        if first <= today <= last:
            return 0.0
        if first > today:
            return float((first - today).days)
        return PAST_WEIGHT * (today - last).days

    return min(candidates, key=lambda c: (distance(c), c))
