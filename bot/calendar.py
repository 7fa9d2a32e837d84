"""Working days by the Russian production calendar, and local wall-clock times.

Pure functions: no clock, no database. "Now" is always passed in as an aware UTC datetime.

Working days come from the `holidays` package's Russia calendar, which already knows the
government's transfers for the years it covers: the days off moved onto weekdays (e.g.
2024-04-29 and 2024-04-30) and the Saturdays turned into working days (e.g. 2024-04-27,
2024-11-02, 2024-12-28, 2025-11-01, held in `weekend_workdays`). `HolidayBase.is_working_day`
combines both, so no holiday list is written here. For years whose decree is not yet in the
installed package, only the statutory holidays and weekend-holiday carry-overs are known.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

# A run of days off never lasts this long (the New Year break is ten days at most); the
# bound only turns a calendar bug into an error instead of an endless loop.
_MAX_DAYS_OFF_IN_A_ROW = 31


@lru_cache(maxsize=64)
def _russian_calendar(year: int) -> holidays.HolidayBase:
    # A transfer decree for year Y may move a day of Y-1 or Y+1 (the January break reaches
    # across), and the package records those cross-year transfers only while populating the
    # decree's own year; so each year is answered by an object that also holds its
    # neighbours. `expand=False` keeps the object read-only after construction, which makes
    # sharing it through the cache safe.
    return holidays.country_holidays("RU", years=range(year - 1, year + 2), expand=False)


def is_working_day(d: date) -> bool:
    """True on a working day of the Russian production calendar (transfers included)."""
    if isinstance(d, datetime):
        # A datetime is a date subclass; a day in an unknown zone is a silent bug.
        raise TypeError("is_working_day takes a date, not a datetime")
    return _russian_calendar(d.year).is_working_day(d)


def previous_working_day(d: date, *, strict: bool = False) -> date:
    """The working day on or before `d`; with `strict=True`, strictly before it."""
    return _walk(d, step=-1, strict=strict)


def next_working_day(d: date, *, strict: bool = False) -> date:
    """The working day on or after `d`; with `strict=True`, strictly after it."""
    return _walk(d, step=1, strict=strict)


def _walk(d: date, *, step: int, strict: bool) -> date:
    day = d + timedelta(days=step) if strict else d
    for _ in range(_MAX_DAYS_OFF_IN_A_ROW):
        if is_working_day(day):
            return day
        day += timedelta(days=step)
    raise RuntimeError(f"no working day within {_MAX_DAYS_OFF_IN_A_ROW} days of {d}")


def nth_working_day_of_month(year: int, month: int, n: int) -> date:
    """The n-th working day of a month: n=1 is the first, n=-1 the last."""
    if n == 0:
        raise ValueError("n counts from 1 (first) or -1 (last); 0 means nothing")
    first, last = month_bounds(date(year, month, 1))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    working = [day for day in days if is_working_day(day)]
    if abs(n) > len(working):
        raise ValueError(f"{year}-{month:02d} has only {len(working)} working days")
    return working[n - 1] if n > 0 else working[n]


def month_bounds(d: date) -> tuple[date, date]:
    """The first and the last day of the month containing `d`."""
    last_day = _stdlib_calendar.monthrange(d.year, d.month)[1]
    return date(d.year, d.month, 1), date(d.year, d.month, last_day)


def validate_timezone(name: object) -> bool:
    """True if `name` is an IANA time zone name this system can resolve (e.g. "Asia/Omsk")."""
    if not isinstance(name, str) or not name or name != name.strip() or len(name) > 64:
        return False  # the longest IANA name is 32 characters; the column holds 64
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError covers names that are not even well-formed keys ("../etc", "/abs"),
        # OSError one the file system cannot even look up (a NUL, a name too long).
        return False
    return True


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r} (use an IANA name)") from exc


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime")


def at_local_hour(d: date, hour: int, tz: str) -> datetime:
    """The aware UTC moment when the wall clock in `tz` shows `hour`:00 on day `d`.

    Russian zones have had no daylight saving since 2014, but a person may pick any zone.
    A wall time skipped by a spring-forward gap maps (PEP 495, fold=0) to the moment the
    clock would have shown it under the old offset, i.e. as many minutes after the gap as
    it named inside it (02:30 on a gap day becomes 03:30 local). A wall time that occurs
    twice in autumn means its first occurrence. Either way the result is one real instant.
    """
    if isinstance(d, datetime):
        raise TypeError("at_local_hour takes a date, not a datetime")
    if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
        raise ValueError(f"hour must be an integer 0..23, not {hour!r}")
    local = datetime.combine(d, time(hour), tzinfo=_zone(tz))
    return local.astimezone(UTC)


def local_date(moment_utc: datetime, tz: str) -> date:
    """The calendar day in `tz` at the given aware moment."""
    return local_time(moment_utc, tz).date()


def local_time(moment_utc: datetime, tz: str) -> datetime:
    """The wall clock in `tz` at the given aware moment."""
    _require_aware(moment_utc, "moment_utc")
    return moment_utc.astimezone(_zone(tz))


def next_allowed_moment(
    now_utc: datetime, hour: int, tz: str, *, grace: timedelta = timedelta(0)
) -> datetime:
    """The next working-day morning at `hour` in `tz`: today's if it is still ahead (or now).

    `grace` keeps today's slot open for a while after it began: if `now_utc` falls on a
    working day no later than `grace` after today's slot (and still on the same local day),
    `now_utc` itself is returned, meaning "send now". That lets a bot that restarts at 10:15
    deliver the 09:00 reminders this morning instead of tomorrow; the default keeps the
    strict meaning.
    """
    _require_aware(now_utc, "now_utc")
    if grace < timedelta(0):
        raise ValueError("grace cannot be negative")
    now_utc = now_utc.astimezone(UTC)
    today = local_date(now_utc, tz)
    if is_working_day(today):
        slot = at_local_hour(today, hour, tz)
        if now_utc <= slot:
            return slot
        if now_utc - slot <= grace:
            return now_utc
    day = next_working_day(today, strict=True)
    return at_local_hour(day, hour, tz)


# --- dates as people type them ------------------------------------------------------

_ISO_DATE = re.compile(r"^\s*(\d{4})[./-](\d{1,2})[./-](\d{1,2})\s*$")
_DATE = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2,4}))?\s*$")
_MONTHS = {
    "янв": 1,
    "фев": 2,
    "мар": 3,
    "апр": 4,
    "мая": 5,
    "май": 5,
    "июн": 6,
    "июл": 7,
    "авг": 8,
    "сен": 9,
    "окт": 10,
    "ноя": 11,
    "дек": 12,
}
_WORD_DATE = re.compile(r"^\s*(\d{1,2})\s+([а-яё]+)(?:\s+(\d{4}))?(?:\s*г(?:ода|\.)?)?\s*$", re.I)


def parse_date(text: str, today: date) -> date | None:
    """A date as people type it: 15.06, 15.06.2022, 15/06/22, «15 июня», 2025-06-30; a date
    without a year is the next such day from today. None when it is not a date."""
    text = (text or "").strip().lower()
    day = month = year = None
    iso = _ISO_DATE.match(text)
    match = _DATE.match(text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif match:
        day, month = int(match.group(1)), int(match.group(2))
        if match.group(3):
            year = int(match.group(3))
            year += 2000 if year < 100 else 0
    else:
        word = _WORD_DATE.match(text)
        if word:
            day = int(word.group(1))
            month = next((n for k, n in _MONTHS.items() if word.group(2).startswith(k)), None)
            year = int(word.group(3)) if word.group(3) else None
    if day is None or month is None:
        return None
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(today.year, month, day)
        return candidate if candidate >= today else date(today.year + 1, month, day)
    except ValueError:
        return None
