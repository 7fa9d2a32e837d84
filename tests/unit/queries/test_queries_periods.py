"""Period arithmetic, directly and through the parser."""

from __future__ import annotations

from datetime import date

import pytest

from bot.queries import periods as P
from bot.queries.parse import parse_query


def period(text: str, today: date) -> tuple[date | None, date | None]:
    q = parse_query(text, today=today)
    return q.period_start, q.period_end


@pytest.mark.parametrize(
    ("today", "monday"),
    [
        (date(2026, 11, 23), date(2026, 11, 23)),  # Monday is its own week's start
        (date(2026, 11, 29), date(2026, 11, 23)),  # Sunday still belongs to that week
        (date(2026, 1, 1), date(2025, 12, 29)),  # a week spanning New Year
    ],
)
def test_week_is_monday_to_sunday(today: date, monday: date) -> None:
    assert P.week_period(today) == (monday, date.fromordinal(monday.toordinal() + 6))
    assert period("на этой неделе", today) == P.week_period(today)


def test_next_week_crosses_year() -> None:
    assert period("на следующей неделе", date(2025, 12, 28)) == (
        date(2025, 12, 29),
        date(2026, 1, 4),
    )


def test_a_bare_month_is_the_nearest_such_month() -> None:
    # Issue 11: the month just past beats one eleven months away; otherwise the coming one.
    today = date(2026, 11, 24)
    assert period("в мае", today) == (date(2027, 5, 1), date(2027, 5, 31))
    assert period("в ноябре", today) == (date(2026, 11, 1), date(2026, 11, 30))
    assert period("в октябре", today) == (date(2026, 10, 1), date(2026, 10, 31))
    assert period("в декабре", today) == (date(2026, 12, 1), date(2026, 12, 31))
    assert period("в мае", date(2026, 6, 1)) == (date(2026, 5, 1), date(2026, 5, 31))
    assert period("в июне", today) == (date(2027, 6, 1), date(2027, 6, 30))


def test_a_bare_month_stays_inside_the_plan() -> None:
    from bot.queries.parse import parse_query

    def within(text: str, today: date, plan: tuple[int, int]):  # type: ignore[no-untyped-def]
        q = parse_query(text, today=today, plan=plan)
        return q.period_start, q.period_end

    assert within("что у меня в мае", date(2024, 12, 20), (2022, 2024)) == (
        date(2024, 5, 1),
        date(2024, 5, 31),
    )
    assert within("что у меня в сентябре", date(2024, 11, 20), (2025, 2027)) == (
        date(2025, 9, 1),
        date(2025, 9, 30),
    )


@pytest.mark.parametrize(
    "text", ["в мае", "на май", "за май", "май", "мая", "маю", "в маЕ", "МАЙ", "in May"]
)
def test_month_in_any_case_and_form(text: str) -> None:
    assert period(text, date(2026, 11, 24)) == (date(2027, 5, 1), date(2027, 5, 31))


def test_explicit_year_wins_over_nearest() -> None:
    assert period("за май 2023", date(2026, 11, 24)) == (date(2023, 5, 1), date(2023, 5, 31))
    assert period("за 2022 год", date(2026, 11, 24)) == (date(2022, 1, 1), date(2022, 12, 31))


def test_february_of_leap_year() -> None:
    assert period("в феврале 2028", date(2026, 11, 24)) == (date(2028, 2, 1), date(2028, 2, 29))


def test_backward_intents_take_the_month_already_begun() -> None:
    today = date(2026, 11, 24)
    assert period("сводка за май", today) == (date(2026, 5, 1), date(2026, 5, 31))
    assert period("кто не отчитался за декабрь", today) == (date(2025, 12, 1), date(2025, 12, 31))
    assert period("сводка за ноябрь", today) == (date(2026, 11, 1), date(2026, 11, 30))


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("в 1 квартале", date(2027, 1, 1), date(2027, 3, 31)),
        ("в 3 квартале", date(2027, 7, 1), date(2027, 9, 30)),
        ("в третьем квартале", date(2027, 7, 1), date(2027, 9, 30)),
        ("в IV квартале", date(2026, 10, 1), date(2026, 12, 31)),
        ("в 4-м квартале", date(2026, 10, 1), date(2026, 12, 31)),
        ("во 2 квартале 2026", date(2026, 4, 1), date(2026, 6, 30)),
        ("в этом квартале", date(2026, 10, 1), date(2026, 12, 31)),
        ("в следующем квартале", date(2027, 1, 1), date(2027, 3, 31)),
        ("Q2", date(2027, 4, 1), date(2027, 6, 30)),
        ("в первом полугодии", date(2027, 1, 1), date(2027, 6, 30)),
        ("во втором полугодии", date(2026, 7, 1), date(2026, 12, 31)),
    ],
)
def test_quarters_and_halves(text: str, start: date, end: date) -> None:
    assert period(text, date(2026, 11, 24)) == (start, end)


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2026, 1, 15), date(2025, 9, 1)),  # January: the year that began last September
        (date(2026, 10, 15), date(2026, 9, 1)),  # October: the year that began this September
        (date(2026, 9, 1), date(2026, 9, 1)),  # its first day
        (date(2026, 8, 31), date(2025, 9, 1)),  # its last day
    ],
)
def test_school_year(today: date, start: date) -> None:
    end = date(start.year + 1, 8, 31)
    assert period("в этом учебном году", today) == (start, end)
    assert P.school_year_period(P.school_year_start(today)) == (start, end)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("в ближайшие 10 дней", 10),
        ("в ближайшие десять дней", 10),
        ("в ближайшие три дня", 3),
        ("в ближайшие 1 день", 1),
        ("в ближайшие двадцать пять дней", 25),
        ("in the next 7 days", 7),
        ("в ближайшие две недели", 14),
    ],
)
def test_next_n_days_include_today(text: str, days: int) -> None:
    today = date(2026, 12, 28)
    start, end = period(text, today)
    assert start == today
    assert (end - start).days == days - 1


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("до конца месяца", date(2026, 2, 28)),
        ("до конца недели", date(2026, 2, 15)),
        ("до конца года", date(2026, 12, 31)),
        ("до конца квартала", date(2026, 3, 31)),
        ("до конца учебного года", date(2026, 8, 31)),
    ],
)
def test_until_end_of(text: str, end: date) -> None:
    today = date(2026, 2, 10)
    assert period(text, today) == (today, end)


def test_relative_days_and_months() -> None:
    today = date(2026, 12, 31)
    assert period("сегодня", today) == (today, today)
    assert period("завтра", today) == (date(2027, 1, 1), date(2027, 1, 1))
    assert period("в этом месяце", today) == (date(2026, 12, 1), date(2026, 12, 31))
    assert period("в следующем месяце", today) == (date(2027, 1, 1), date(2027, 1, 31))
    assert period("в прошлом месяце", date(2026, 1, 5)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_no_period_words_no_period() -> None:
    assert period("что у меня", date(2026, 11, 24)) == (None, None)


def test_until_a_month_or_a_day() -> None:
    today = date(2026, 11, 24)
    assert period("до мая", today) == (today, date(2027, 4, 30))
    assert period("до 15 декабря", today) == (today, date(2026, 12, 15))
    assert period("15 декабря", today) == (date(2026, 12, 15), date(2026, 12, 15))


def test_month_range_crosses_new_year() -> None:
    assert period("с декабря по февраль", date(2026, 11, 24)) == (
        date(2026, 12, 1),
        date(2027, 2, 28),
    )


def test_explicit_date_and_impossible_date() -> None:
    today = date(2026, 11, 24)
    assert period("на 15.12.2026", today) == (date(2026, 12, 15), date(2026, 12, 15))
    q = parse_query("на 31.02.2026", today=today)
    assert q.number is None and q.period_start is None
