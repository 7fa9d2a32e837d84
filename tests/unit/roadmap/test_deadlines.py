"""The spec's deadline-phrase table, row by row (plan period 2022–2024)."""

from __future__ import annotations

import calendar
from datetime import date

import pytest

from bot.roadmap.deadlines import PERIOD_UNKNOWN, parse_deadline
from bot.roadmap.model import ScheduleKind, Window

PLAN = (2022, 2024)
ONCE, RECURRING, CONTINUOUS, ON_REQUEST, UNPARSED = (
    ScheduleKind.ONCE,
    ScheduleKind.RECURRING,
    ScheduleKind.CONTINUOUS,
    ScheduleKind.ON_REQUEST,
    ScheduleKind.UNPARSED,
)


def w(start: str, due: str) -> Window:
    return Window(date.fromisoformat(start), date.fromisoformat(due))


def yearly(m1: int, d1: int, m2: int, d2: int, years=(2022, 2023, 2024)) -> list[Window]:
    return [Window(date(y, m1, d1), date(y, m2, d2)) for y in years]


FULL_YEARS = [w("2022-01-01", "2022-12-31"), w("2023-01-01", "2023-12-31"),
              w("2024-01-01", "2024-12-31")]  # fmt: skip
WHOLE_PLAN = [w("2022-01-01", "2024-12-31")]


def monthly(day: int | None = None) -> list[Window]:
    """Every month of the plan, from its 1st to `day` (clamped) or to its last day."""
    out = []
    for y in (2022, 2023, 2024):
        for m in range(1, 13):
            last = calendar.monthrange(y, m)[1]
            out.append(Window(date(y, m, 1), date(y, m, min(day or last, last))))
    return out


QUARTERS = [
    Window(date(y, m, 1), date(y, m + 2, 30 if m + 2 in (6, 9) else 31))
    for y in (2022, 2023, 2024)
    for m in (1, 4, 7, 10)
]

# (phrase, kind, windows, note)
TABLE = [
    ("февраль 2022 года", ONCE, [w("2022-02-01", "2022-02-28")], None),
    ("апрель 2022", ONCE, [w("2022-04-01", "2022-04-30")], None),
    ("до февраля 2022 года", ONCE, [w("2022-01-01", "2022-01-31")], None),
    ("До 31 декабря 2023", ONCE, [w("2022-01-01", "2023-12-31")], None),
    ("2022-2024 до 31 ноября", RECURRING, yearly(1, 1, 11, 30), None),
    ("2022 год", ONCE, [w("2022-01-01", "2022-12-31")], None),
    ("2022 года", ONCE, [w("2022-01-01", "2022-12-31")], None),
    ("2022", ONCE, [w("2022-01-01", "2022-12-31")], None),
    ("2021-2022 годы", CONTINUOUS, [w("2021-01-01", "2022-12-31")], None),
    ("2022-2024", CONTINUOUS, [w("2022-01-01", "2024-12-31")], None),
    ("ежегодно", RECURRING, FULL_YEARS, None),
    ("ежегодно, июль", RECURRING, yearly(7, 1, 7, 31), None),
    ("ежегодно июнь", RECURRING, yearly(6, 1, 6, 30), None),
    ("Сентябрь ежегодно", RECURRING, yearly(9, 1, 9, 30), None),
    ("август, ежегодно", RECURRING, yearly(8, 1, 8, 31), None),
    ("июль", RECURRING, yearly(7, 1, 7, 31), None),
    ("март", RECURRING, yearly(3, 1, 3, 31), None),
    (
        "Май, декабрь ежегодно",
        RECURRING,
        sorted(yearly(5, 1, 5, 31) + yearly(12, 1, 12, 31)),
        None,
    ),
    (
        "ежегодно май сентябрь",
        RECURRING,
        sorted(yearly(5, 1, 5, 31) + yearly(9, 1, 9, 30)),
        None,
    ),
    (
        "ежегодно апрель-май, сентябрь-октябрь",
        RECURRING,
        sorted(yearly(4, 1, 5, 31) + yearly(9, 1, 10, 31)),
        None,
    ),
    ("май-август 2022 год", ONCE, [w("2022-05-01", "2022-08-31")], None),
    ("март-апрель 2022 года", ONCE, [w("2022-03-01", "2022-04-30")], None),
    ("декабрь 2021 год январь 2022 год", ONCE, [w("2021-12-01", "2022-01-31")], None),
    ("март 2022 год далее ежегодно", RECURRING, yearly(3, 1, 3, 31), None),
    ("февраль - март 2022 год далее ежегодно", RECURRING, yearly(2, 1, 3, 31), None),
    (
        "декабрь, 2021 год далее ежегодно",
        RECURRING,
        yearly(12, 1, 12, 31, years=(2021, 2022, 2023, 2024)),
        None,
    ),
    ("ежеквартально", RECURRING, QUARTERS, None),
    ("постоянно", CONTINUOUS, [w("2022-01-01", "2024-12-31")], None),
    ("На постоянной основе", CONTINUOUS, [w("2022-01-01", "2024-12-31")], None),
    ("в течение года", CONTINUOUS, FULL_YEARS, None),
    ("В течение года", CONTINUOUS, FULL_YEARS, None),
    (
        "в течение учебного года",
        CONTINUOUS,
        [w("2022-09-01", "2023-05-31"), w("2023-09-01", "2024-05-31")],
        None,
    ),
    ("по запросу", ON_REQUEST, [w("2022-01-01", "2024-12-31")], None),
    ("по мере необходимости", ON_REQUEST, [w("2022-01-01", "2024-12-31")], None),
    ("По плану", ON_REQUEST, [w("2022-01-01", "2024-12-31")], None),
    ("по графику", ON_REQUEST, [w("2022-01-01", "2024-12-31")], None),
    (
        "в соответствии с графиком проведения",
        ON_REQUEST,
        [w("2022-01-01", "2024-12-31")],
        "в соответствии с графиком проведения",
    ),
    (
        "ежегодно соответствии с планом, утвержденным Министерством просвещения "
        "Российской Федерации",
        ON_REQUEST,
        FULL_YEARS,
        "соответствии с планом, утвержденным Министерством просвещения Российской Федерации",
    ),
    (
        "2022, по графику Минпросвещения России и Рособрнадзора",
        ON_REQUEST,
        [w("2022-01-01", "2022-12-31")],
        "по графику Минпросвещения России и Рособрнадзора",
    ),
    ("один раз в три года", ONCE, [w("2022-01-01", "2024-12-31")], None),
    (
        "Ежегодно Подготовка отчетов ежегодно, после проведения мониторингов "
        "(не позднее 1 месяца)",
        RECURRING,
        FULL_YEARS,
        "Подготовка отчетов ежегодно, после проведения мониторингов (не позднее 1 месяца)",
    ),
    # A day of each month (issue 11): monthly windows ending that day.
    ("до 5 числа каждого месяца", RECURRING, monthly(5), None),
    ("ежемесячно до 10 числа", RECURRING, monthly(10), None),
    ("ежемесячно, до 25-го", RECURRING, monthly(25), None),
    ("до 31 числа каждого месяца", RECURRING, monthly(31), None),
    ("ежемесячно", RECURRING, monthly(), None),
    # A schedule held elsewhere: on request over the plan period.
    ("по отдельному графику", ON_REQUEST, WHOLE_PLAN, None),
    ("согласно графику", ON_REQUEST, WHOLE_PLAN, None),
    (
        "по плану работы методического совета",
        ON_REQUEST,
        WHOLE_PLAN,
        "по плану работы методического совета",
    ),
    (
        "в соответствии с планом Комитета",
        ON_REQUEST,
        WHOLE_PLAN,
        "в соответствии с планом Комитета",
    ),
    ("в установленные сроки", ON_REQUEST, WHOLE_PLAN, None),
    # An event: on request over the plan period, unless a month or season is named.
    ("по итогам ГИА", ON_REQUEST, WHOLE_PLAN, "по итогам ГИА"),
    ("по результатам ВПР", ON_REQUEST, WHOLE_PLAN, "по результатам ВПР"),
    ("после проведения олимпиады", ON_REQUEST, WHOLE_PLAN, "после проведения олимпиады"),
    ("по окончании четверти", ON_REQUEST, WHOLE_PLAN, "по окончании четверти"),
    ("в период каникул", ON_REQUEST, WHOLE_PLAN, None),
    ("по результатам ВПР, май", ON_REQUEST, yearly(5, 1, 5, 31), "по результатам ВПР"),
    ("в период летних каникул", ON_REQUEST, yearly(6, 1, 8, 31), None),
    ("по итогам года, декабрь", ON_REQUEST, yearly(12, 1, 12, 31), "по итогам года"),
    # Day ranges are one window.
    ("13.10 - 15.10.2022", ONCE, [w("2022-10-13", "2022-10-15")], None),
    ("24.11-28.11.2022", ONCE, [w("2022-11-24", "2022-11-28")], None),
    ("06.02.2023 - 30.05.2023", ONCE, [w("2023-02-06", "2023-05-30")], None),
    ("19.01.-23.01.2023", ONCE, [w("2023-01-19", "2023-01-23")], None),
    ("С 25.04. – 8.05.23.", ONCE, [w("2023-04-25", "2023-05-08")], None),
    ("20.12 - 10.01.2023", ONCE, [w("2022-12-20", "2023-01-10")], None),
    ("25.04.23.", ONCE, [w("2023-04-25", "2023-04-25")], None),
    ("с 01.09 по 15.09.2023", ONCE, [w("2023-09-01", "2023-09-15")], None),
    ("с 1 по 15 мая 2023", ONCE, [w("2023-05-01", "2023-05-15")], None),
    # Ongoing over named years; once per quarter, month, half-year.
    ("в течение 2023 года", CONTINUOUS, [w("2023-01-01", "2023-12-31")], None),
    ("в течение 2022-2023 гг.", CONTINUOUS, [w("2022-01-01", "2023-12-31")], None),
    ("1 раз в квартал", RECURRING, QUARTERS, None),
    ("раз в месяц", RECURRING, monthly(), None),
    (
        "2 раза в год",
        RECURRING,
        [
            Window(date(y, m, 1), date(y, m + 5, 30 if m == 1 else 31))
            for y in (2022, 2023, 2024)
            for m in (1, 7)
        ],
        None,
    ),
    # Seasons.
    ("летом", RECURRING, yearly(6, 1, 8, 31), None),
    (
        "1 раз в полугодие",
        RECURRING,
        [
            Window(date(y, m, 1), date(y, m + 5, 30 if m == 1 else 31))
            for y in (2022, 2023, 2024)
            for m in (1, 7)
        ],
        None,
    ),
]


@pytest.mark.parametrize(("phrase", "kind", "windows", "note"), TABLE, ids=[r[0] for r in TABLE])
def test_spec_table(phrase: str, kind: ScheduleKind, windows: list[Window], note: str | None):
    schedule = parse_deadline(phrase, PLAN)
    assert schedule.kind is kind
    assert schedule.windows == windows
    assert schedule.note == note


def test_impossible_day_is_clamped_with_a_warning():
    schedule = parse_deadline("2022-2024 до 31 ноября", PLAN)
    assert [win.due for win in schedule.windows] == [date(y, 11, 30) for y in (2022, 2023, 2024)]
    assert any("clamped" in warning for warning in schedule.warnings)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("май 2022", [w("2022-05-01", "2022-05-31")]),
        ("мая 2022 г.", [w("2022-05-01", "2022-05-31")]),
        ("в мае 2022 года", [w("2022-05-01", "2022-05-31")]),
        ("МАЙ 2022г.", [w("2022-05-01", "2022-05-31")]),
        ("май 2022год", [w("2022-05-01", "2022-05-31")]),
        ("март–апрель 2022", [w("2022-03-01", "2022-04-30")]),
        ("март — апрель 2022 гг.", [w("2022-03-01", "2022-04-30")]),
        ("март-апрель 2022годы", [w("2022-03-01", "2022-04-30")]),
    ],
)
def test_month_and_year_variants(phrase: str, expected: list[Window]):
    schedule = parse_deadline(phrase, PLAN)
    assert schedule.kind is ONCE
    assert schedule.windows == expected


def test_year_range_with_any_dash_is_continuous():
    for phrase in ("2022–2024", "2022 — 2024", "2022-2024 гг."):
        assert parse_deadline(phrase, PLAN).windows == [w("2022-01-01", "2024-12-31")]


def test_nonsense_is_unparsed_and_kept_as_note():
    schedule = parse_deadline("когда получится", PLAN)
    assert schedule.kind is UNPARSED
    assert schedule.windows == []
    assert schedule.note == "когда получится"


def test_empty_phrase_is_unparsed():
    assert parse_deadline("", PLAN).kind is UNPARSED


def test_without_a_plan_period_recurring_phrases_get_no_windows_and_a_warning():
    schedule = parse_deadline("ежегодно", None)
    assert schedule.kind is RECURRING
    assert schedule.windows == []
    assert PERIOD_UNKNOWN in schedule.warnings


def test_without_a_plan_period_dated_phrases_still_get_windows():
    assert parse_deadline("апрель 2022", None).windows == [w("2022-04-01", "2022-04-30")]


def test_recurring_expands_only_inside_the_plan_period():
    schedule = parse_deadline("ежегодно", (2023, 2024))
    assert schedule.windows == FULL_YEARS[1:]


def test_quarter_and_exact_dates():
    assert parse_deadline("I квартал 2023", PLAN).windows == [w("2023-01-01", "2023-03-31")]
    assert parse_deadline("15.03.2023", PLAN).windows == [w("2023-03-15", "2023-03-15")]
    assert parse_deadline("до 01.03.2023", PLAN).windows[0].due == date(2023, 3, 1)


def test_a_day_and_month_without_a_year_is_each_year_of_a_longer_plan():
    assert parse_deadline("25.04", PLAN).windows == yearly(4, 25, 4, 25)
    assert parse_deadline("25.04", (2023, 2023)).windows == [w("2023-04-25", "2023-04-25")]
    assert parse_deadline("25.04", (2023, 2023)).kind is ONCE


SCHOOL = (2012, 2013)


@pytest.mark.parametrize(
    ("phrase", "kind", "windows"),
    [
        ("Август", RECURRING, [w("2012-08-01", "2012-08-31")]),
        ("Сентябрь-май", RECURRING, [w("2012-09-01", "2013-05-31")]),
        ("Октябрь", RECURRING, [w("2012-10-01", "2012-10-31")]),
        ("март", RECURRING, [w("2013-03-01", "2013-03-31")]),
        ("в течение года", CONTINUOUS, [w("2012-09-01", "2013-05-31")]),
        ("постоянно", CONTINUOUS, [w("2012-08-01", "2013-07-31")]),
        ("по запросу", ON_REQUEST, [w("2012-08-01", "2013-07-31")]),
        ("ноябрь 2012", ONCE, [w("2012-11-01", "2012-11-30")]),
        ("25.04", ONCE, [w("2013-04-25", "2013-04-25")]),
    ],
)
def test_a_school_year_plan_reads_months_inside_that_school_year(phrase, kind, windows):
    schedule = parse_deadline(phrase, SCHOOL, school_year=True)
    assert (schedule.kind, schedule.windows) == (kind, windows)


def test_a_school_year_plan_has_its_monthly_windows_from_august_to_july():
    wins = parse_deadline("до 5 числа каждого месяца", SCHOOL, school_year=True).windows
    assert (wins[0], wins[-1], len(wins)) == (
        w("2012-08-01", "2012-08-05"),
        w("2013-07-01", "2013-07-05"),
        12,
    )
