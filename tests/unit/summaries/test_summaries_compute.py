"""The numbers of a summary, on hand-built data whose figures are counted in the comments."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.summaries import (
    compute_summary,
    digest,
    effective_due,
    is_overdue,
    monthly_trend,
    state,
    week_of,
)
from bot.summaries.compute import percent, totals
from tests.unit.summaries import scenario
from tests.unit.summaries.dto import measure, occurrence, report, summary_data
from tests.unit.summaries.scenario import OCCURRENCES, TODAY


def _numbers(row):  # type: ignore[no-untyped-def]
    return (row.label, row.total, row.due, row.done, row.partial, row.overdue)


def test_totals_count_every_kind_of_occurrence() -> None:
    result = compute_summary(scenario.data(), TODAY).totals
    # Counted from scenario.OCCURRENCES: due = 1,3,4,6,7,8,10; done = 1,7,8; overdue = 3,6,10.
    assert result.total == 10
    assert result.due == 7
    assert result.done == 3
    assert result.partial == 1
    assert result.postponed == 2
    assert result.not_done == 1
    assert result.open == 3
    assert result.overdue == 3
    assert result.not_reported == 1
    assert result.percent == 43  # 3 of 7
    assert result.rate is not None and abs(result.rate - 3 / 7) < 1e-9


def test_completion_per_person_unit_and_section_worst_first() -> None:
    summary = compute_summary(scenario.data(), TODAY, locale="ru")
    assert [_numbers(r) for r in summary.persons] == [
        ("Бобров В.С.", 4, 3, 0, 1, 2),  # m2: 3, 4; m3: 5, 6
        ("Иванов И.И.", 4, 3, 1, 1, 1),  # m1: 1, 2; m2: 3, 4
        ("Сидорова А.А.", 3, 3, 2, 0, 1),  # m4: 7, 8; m6: 10
    ]
    assert [r.key for r in summary.persons] == [2, 1, 3]
    assert [r.percent for r in summary.persons] == [0, 33, 67]
    assert [_numbers(r) for r in summary.units] == [("МОУО", 3, 1, 0, 0, 1)]  # m3: 5, 6; m5: 9
    assert [_numbers(r) for r in summary.sections] == [
        ("1. Организационные мероприятия", 5, 4, 1, 1, 2),  # 1, 2, 3, 4, 10
        ("2. Работа с кадрами", 4, 3, 2, 0, 1),  # 5, 6, 7, 8
        ("Без раздела", 1, 0, 0, 0, 0),  # nothing due yet: last
    ]


def test_overdue_list_longest_first_with_days_and_who() -> None:
    summary = compute_summary(scenario.data(), TODAY)
    assert [
        (i.occurrence.measure.number, i.days, i.due, i.responsible) for i in summary.overdue
    ] == [
        ("2.1", 107, date(2023, 2, 28), ("Бобров В.С.", "МОУО")),
        ("1.2", 46, date(2023, 4, 30), ("Иванов И.И.", "Бобров В.С.")),
        ("1.3", 45, date(2023, 5, 1), ("Сидорова А.А.",)),  # postponed to 1 May, still open
    ]


def test_people_not_joined_and_unreachable() -> None:
    summary = compute_summary(scenario.data(), TODAY)
    assert [p.full_name for p in summary.not_joined] == ["Бобров В.С."]
    assert [p.full_name for p in summary.unreachable] == ["Сидорова А.А.", "Юдина Е.Е."]


def test_state_prefers_the_stored_status_and_falls_back_to_the_report() -> None:
    m = measure("1", "М")
    stored = occurrence(m, date(2023, 5, 1), "not_done", rep=report("done"))
    open_with_report = occurrence(m, date(2023, 5, 1), rep=report("partial"))
    unknown = occurrence(m, date(2023, 5, 1), "weird")
    assert state(stored) == "not_done"
    assert state(open_with_report) == "partial"
    assert state(unknown) == "open"


def test_overdue_starts_the_day_after_the_due_date() -> None:
    due = date(2023, 5, 31)
    item = occurrence(measure("1", "М"), due)
    assert not is_overdue(item, due)
    assert is_overdue(item, date(2023, 6, 1))
    moved = occurrence(
        measure("1", "М"),
        due,
        "postponed",
        rep=report("postponed", postponed_to=date(2023, 6, 10)),
    )
    assert effective_due(moved) == date(2023, 6, 10)
    assert not is_overdue(moved, date(2023, 6, 10))
    assert is_overdue(moved, date(2023, 6, 11))


def test_percent_is_never_rounded_to_complete_or_to_nothing() -> None:
    assert percent(199, 200) == 99
    assert percent(1, 300) == 1
    assert percent(0, 5) == 0
    assert percent(5, 5) == 100
    assert percent(1, 2) == 50
    assert percent(0, 0) == 0


def test_empty_period() -> None:
    summary = compute_summary(summary_data([]), TODAY)
    assert summary.totals == totals([])
    assert summary.totals.total == 0 and summary.totals.rate is None
    assert summary.persons == summary.sections == summary.overdue == ()


def test_monthly_trend_counts_deadlines_and_done_per_month() -> None:
    points = monthly_trend(OCCURRENCES, date(2023, 1, 1), date(2023, 12, 31))
    assert [p.month for p in points] == [date(2023, m, 1) for m in range(1, 13)]
    due = {p.month.month: (p.due, p.done) for p in points if p.due}
    # Spans are left out; occurrence 7 is done by its report; 10 counts in April (its due).
    assert due == {2: (1, 0), 3: (1, 1), 4: (2, 0), 5: (3, 1), 6: (1, 0), 12: (1, 1)}
    assert monthly_trend(OCCURRENCES, date(2023, 5, 31), date(2023, 5, 1))[0].due == 3


def test_digest_due_this_week_overdue_and_reported() -> None:
    monday = date(2023, 6, 26)
    assert week_of(date(2023, 6, 28)) == (monday, date(2023, 7, 2))
    result = digest(scenario.data(), monday)
    assert (result.week_start, result.week_end) == (monday, date(2023, 7, 2))
    assert [o.due_date for o in result.due_this_week] == [date(2023, 6, 30)]
    assert [i.occurrence.measure.number for i in result.overdue] == ["2.1", "1.2", "1.3"]
    assert result.reported == ()  # the only recent report is from 14 June

    earlier = digest(scenario.data(), date(2023, 6, 19))
    assert [o.measure.number for o in earlier.reported] == ["2.2"]
    assert earlier.due_this_week == ()
    since = digest(scenario.data(), monday, since=datetime(2023, 5, 1, tzinfo=UTC))
    assert len(since.reported) == 5  # all five reports are from 20 May and 14 June


def test_digest_for_one_person_includes_their_units() -> None:
    monday = date(2023, 6, 26)
    sidorova = digest(scenario.data(), monday, person_id=3)
    assert [i.occurrence.measure.number for i in sidorova.overdue] == ["1.3"]
    assert sidorova.due_this_week == ()
    # Бобров is in МОУО: 2.1 is his both directly and through the unit, counted once.
    bobrov = digest(scenario.data(), monday, person_id=2)
    assert [i.occurrence.measure.number for i in bobrov.overdue] == ["2.1", "1.2"]


def test_section_heading_and_plan_period() -> None:
    from bot.records import RoadmapRow, SectionRow
    from bot.summaries import plan_period, section_heading

    assert section_heading(SectionRow(1, 1, "1.", "Кадры", 0)) == "1. Кадры"
    assert section_heading(SectionRow(1, 1, "II", "Кадры", 0)) == "II. Кадры"
    assert section_heading(SectionRow(1, 1, None, "Кадры", 0)) == "Кадры"
    assert plan_period(RoadmapRow(1, "План", 2022, 2024)) == (date(2022, 1, 1), date(2024, 12, 31))
