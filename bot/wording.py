"""Words shared by messages, summaries, charts and documents, in the locale in force.

Counted nouns ("3 мероприятия"), status labels, the official short date and the official
wording of a reporting period ("за I квартал 2023 года"). Everything goes through the
gettext catalogue (`bot.i18n`); Babel formats the dates and picks the plural forms.
Pure: no aiogram, no database.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Callable
from datetime import date

from babel.dates import format_date

from bot.errors import N_
from bot.i18n import _, current_locale, day, day_short, pgettext, use_locale

# Quarters and halves by number. TRANSLATORS: Russian official documents number them in
# Roman numerals ("I квартал"); English writes Q1 and H1.
_QUARTERS = (N_("Q1"), N_("Q2"), N_("Q3"), N_("Q4"))
_HALVES = (N_("H1"), N_("H2"))


def status_label(status: str) -> str:
    """`выполнено частично` for "partial"; an unknown status is shown as it is. The statuses
    of an occurrence, and what an open one means given today."""
    labels = {
        "open": pgettext("status", "in progress"),
        "done": pgettext("status", "done"),
        "partial": pgettext("status", "partly done"),
        "postponed": pgettext("status", "postponed"),
        "not_done": pgettext("status", "not done"),
        "overdue": pgettext("status", "overdue"),
        "no_report": pgettext("status", "no report"),
        "not_yet": pgettext("status", "not due yet"),
        "ongoing": pgettext("status", "ongoing"),
    }
    return labels.get(status, status)


def postponed_to(when: date) -> str:
    return _("postponed to {date}").format(date=day(when))


def _per_locale(count: Callable[[int], str]) -> Callable[[int], str]:
    """A counted noun remembered per locale and number: the catalogue's plural rule is
    applied once (an answer says how many measures and deadlines it lists)."""

    @functools.lru_cache(maxsize=512)
    def remembered(locale: str, n: int) -> str:
        return count(n)  # `locale` is the locale in force: the key, not an argument

    @functools.wraps(count)
    def counted(n: int) -> str:
        return remembered(current_locale(), n)

    return counted


@_per_locale
def measures_count(n: int) -> str:
    return _("{n} measure", "{n} measures", n).format(n=n)


@_per_locale
def people_count(n: int) -> str:
    return _("{n} person", "{n} people", n).format(n=n)


@_per_locale
def sections_count(n: int) -> str:
    return _("{n} section", "{n} sections", n).format(n=n)


@_per_locale
def units_count(n: int) -> str:
    return _("{n} unit", "{n} units", n).format(n=n)


@_per_locale
def days_count(n: int) -> str:
    return _("{n} day", "{n} days", n).format(n=n)


@_per_locale
def deadlines_count(n: int) -> str:
    return _("{n} deadline", "{n} deadlines", n).format(n=n)


@_per_locale
def reminders_count(n: int) -> str:
    return _("{n} reminder", "{n} reminders", n).format(n=n)


def and_more(n: int) -> str:
    """The line under a shortened list."""
    return _("… and {n} more").format(n=n)


def short_day(value: date) -> str:
    """`17.05.2024`, the official short form (the same in both languages)."""
    return f"{value.day:02d}.{value.month:02d}.{value.year}"


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_phrase(start: date | None, end: date, locale: str | None = None) -> str:
    """The official wording of a reporting period (in `locale`, or the locale in force).

    "за 2022 год", "за I квартал 2023 года", "за I полугодие 2023 года", "за май 2023 года",
    "за 2022/2023 учебный год", "за 2022–2024 годы",
    "за период с 1 января по 31 марта 2023 года" (or "с 1 сентября 2022 года по …").
    """
    with use_locale(locale):
        return _period_phrase(start, end)


def _period_phrase(start: date | None, end: date) -> str:
    if start is None:
        return pgettext("period", "up to {last}").format(last=day(end))
    if start > end:
        start, end = end, start
    whole_months = start.day == 1 and end == _last_day(end.year, end.month)
    if whole_months and start.year == end.year:
        months = end.month - start.month + 1
        if months == 12:
            return pgettext("period", "for {year}").format(year=start.year)
        if months == 1:
            month = format_date(start, "LLLL", locale=current_locale())
            return pgettext("period", "for {month} {year}").format(month=month, year=start.year)
        if months == 3 and start.month in (1, 4, 7, 10):
            quarter = _(_QUARTERS[(start.month - 1) // 3])
            return pgettext("period", "for {quarter} {year}").format(
                quarter=quarter, year=start.year
            )
        if months == 6 and start.month in (1, 7):
            half = _(_HALVES[0 if start.month == 1 else 1])
            return pgettext("period", "for {half} {year}").format(half=half, year=start.year)
    if whole_months and (start.month, end.month) == (1, 12):
        return pgettext("period", "for {first}–{last}").format(first=start.year, last=end.year)
    school_year = (start.month, start.day, end.month, end.day) == (9, 1, 8, 31)
    if school_year and end.year == start.year + 1:
        return pgettext("period", "for the {first}/{last} school year").format(
            first=start.year, last=end.year
        )
    if start.year == end.year:
        return pgettext("period within a year", "for the period from {first} to {last}").format(
            first=day_short(start), last=day(end)
        )
    return pgettext("period across years", "for the period from {first} to {last}").format(
        first=day(start), last=day(end)
    )
