"""Doubtful cells of a scan, confirmed or corrected before saving (bot.roadmap.checks): a
correction is read with the importer's rules for its column, one that cannot be read
changes nothing, and the checks survive the conversation state as JSON."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.roadmap import parse_text
from bot.roadmap.checks import (
    CellCheck,
    CellField,
    CorrectionNotUnderstood,
    NotUnderstood,
    apply_checks,
    cell_value,
    correct,
    doubtful_cells,
    find_cell,
)
from bot.roadmap.model import ParsedRoadmap, ScheduleKind, Window

PLAN = """\
План мероприятий («Дорожная карта») по развитию системы оценки качества на 2022—2024 годы

№ п/п\tМероприятие\tСроки исполнения\tОтветственный
1.1.\tУтверждение Дорожной карты\tфевраль 2022 года\tВоропаева Е.В.
1.2.\tАнализ результатов ВПР\tежегодно, май\tБобров В.С.
1.3.\tОрганизация олимпиады\tдекабрь, март (ежегодно)\tИзотова А.И.
1.4.\tМониторинг грамотности\tкогда-нибудь потом\tМОУО
"""


def scanned() -> ParsedRoadmap:
    """The plan as if read from a scan with doubt in some cells."""
    parsed = parse_text(PLAN)
    doubts = {"1.2": ["deadline", "responsible"], "1.3": ["deadline"], "1.4": ["deadline"]}
    for measure in parsed.measures:
        measure.doubtful = list(doubts.get(measure.number or "", []))
        measure.confidence = 0.5 if measure.doubtful else 0.95
    return parsed


def measure(parsed: ParsedRoadmap, number: str):  # type: ignore[no-untyped-def]
    return next(m for m in parsed.measures if m.number == number)


def test_the_doubtful_cells_are_listed_in_the_plan_s_order() -> None:
    parsed = scanned()
    cells = [(m.number, f) for m, f in doubtful_cells(parsed)]
    assert cells == [
        ("1.2", CellField.DEADLINE),
        ("1.2", CellField.RESPONSIBLE),
        ("1.3", CellField.DEADLINE),
        ("1.4", CellField.DEADLINE),
    ]
    first, field = doubtful_cells(parsed)[0]
    assert cell_value(first, field) == "ежегодно, май"
    assert find_cell(parsed, first.where, CellField.TITLE) is None  # not doubtful


def test_a_deadline_correction_is_read_like_the_deadline_column() -> None:
    parsed = scanned()
    fixed = correct(parsed, measure(parsed, "1.3"), CellField.DEADLINE, "  ежегодно,   октябрь ")
    assert fixed.deadline_raw == "ежегодно, октябрь"
    assert fixed.schedule.kind is ScheduleKind.RECURRING
    assert fixed.schedule.windows[0] == Window(date(2022, 10, 1), date(2022, 10, 31))
    assert len(fixed.schedule.windows) == 3
    assert fixed.doubtful == []
    # The parsed roadmap itself is untouched: a correction is a new measure.
    assert measure(parsed, "1.3").deadline_raw == "декабрь, март (ежегодно)"


def test_a_responsible_correction_is_read_into_people_and_units() -> None:
    parsed = scanned()
    fixed = correct(
        parsed, measure(parsed, "1.2"), CellField.RESPONSIBLE, "Иванова А.П., ММО учителей"
    )
    assert fixed.persons == ["Иванова А.П."]
    assert fixed.units == ["ММО учителей"]
    assert fixed.responsible_raw == "Иванова А.П., ММО учителей"
    assert fixed.doubtful == ["deadline"]


@pytest.mark.parametrize(
    ("field", "text", "reason"),
    [
        (CellField.DEADLINE, "абракадабра", NotUnderstood.DEADLINE),
        (CellField.DEADLINE, "   ", NotUnderstood.EMPTY),
        (CellField.RESPONSIBLE, "123", NotUnderstood.RESPONSIBLE),
        (CellField.TITLE, "12 - 14", NotUnderstood.TITLE),
        (CellField.NUMBER, "пункт два", NotUnderstood.NUMBER),
    ],
)
def test_a_correction_that_cannot_be_read_is_refused_with_its_reason(
    field: CellField, text: str, reason: NotUnderstood
) -> None:
    parsed = scanned()
    with pytest.raises(CorrectionNotUnderstood) as info:
        correct(parsed, measure(parsed, "1.2"), field, text)
    assert info.value.reason is reason


def test_a_deadline_needs_the_plan_period() -> None:
    parsed = scanned()
    parsed.plan_period = None
    with pytest.raises(CorrectionNotUnderstood) as info:
        correct(parsed, measure(parsed, "1.2"), CellField.DEADLINE, "ежегодно, май")
    assert info.value.reason is NotUnderstood.NO_PERIOD
    # A period proposed from the deadlines is read against meanwhile.
    parsed.proposed_period = (2022, 2024)
    fixed = correct(parsed, measure(parsed, "1.2"), CellField.DEADLINE, "ежегодно, май")
    assert fixed.schedule.windows[0].start == date(2022, 5, 1)


def test_number_and_title_corrections() -> None:
    parsed = scanned()
    one = measure(parsed, "1.2")
    assert correct(parsed, one, CellField.NUMBER, "1.2.1.").number == "1.2.1"
    assert correct(parsed, one, CellField.TITLE, "Анализ ВПР").title == "Анализ ВПР"


def test_checks_apply_confirmations_and_corrections_and_skip_what_cannot_be_read() -> None:
    parsed = scanned()
    two, three, four = (measure(parsed, n) for n in ("1.2", "1.3", "1.4"))
    assert any(p.code == "unparsed_deadline" and p.measure == "1.4" for p in parsed.problems)
    checks = [
        CellCheck(two.where, CellField.DEADLINE),  # right as read
        CellCheck(three.where, CellField.DEADLINE, "март 2023"),
        CellCheck(four.where, CellField.DEADLINE, "ежеквартально"),
        CellCheck(two.where, CellField.RESPONSIBLE, "абракадабра 123 ,"),  # a unit: read
        CellCheck("page 9, row 99", CellField.DEADLINE, "май 2023"),  # no such cell
        CellCheck(two.where, CellField.DEADLINE, "июнь 2023"),  # answered already
    ]
    result = apply_checks(parsed, checks)
    assert measure(result, "1.2").deadline_raw == "ежегодно, май"
    assert measure(result, "1.2").doubtful == []
    assert measure(result, "1.3").schedule.windows == [Window(date(2023, 3, 1), date(2023, 3, 31))]
    assert measure(result, "1.3").schedule.kind is ScheduleKind.ONCE
    assert measure(result, "1.4").schedule.kind is ScheduleKind.RECURRING
    # The problem the correction answers goes with it; the original is unchanged.
    assert not any(p.measure == "1.4" and "deadline" in p.code for p in result.problems)
    assert any(p.code == "unparsed_deadline" and p.measure == "1.4" for p in parsed.problems)
    assert doubtful_cells(result) == []
    assert measure(parsed, "1.3").doubtful == ["deadline"]


def test_a_correction_the_period_no_longer_allows_leaves_the_cell_doubtful() -> None:
    parsed = scanned()
    three = measure(parsed, "1.3")
    result = apply_checks(parsed, [CellCheck(three.where, CellField.DEADLINE, "май 2030")])
    assert measure(result, "1.3").deadline_raw == "декабрь, март (ежегодно)"
    assert measure(result, "1.3").doubtful == ["deadline"]


def test_checks_survive_json_and_refuse_anything_else() -> None:
    check = CellCheck("page 2, row 3–5", CellField.RESPONSIBLE, "Иванова А.П.")
    assert CellCheck.from_state(json.loads(json.dumps(check.to_state()))) == check
    confirmed = CellCheck("page 1, row 4", CellField.DEADLINE)
    assert CellCheck.from_state(json.loads(json.dumps(confirmed.to_state()))) == confirmed
    assert confirmed.confirmed and not check.confirmed
    for bad in (["x", "colour", None], ["x"], [1, "deadline", None], ["x", "title", 5], None):
        with pytest.raises((ValueError, TypeError)):
            CellCheck.from_state(bad)


def test_the_pending_import_keeps_its_checks_as_small_json() -> None:
    from bot.import_flow import PendingImport

    pending = PendingImport("/files/imports/ab", "скан.pdf", "ab", (2022, 2024), 7)
    walking = (
        pending.with_check(CellCheck("page 1, row 4", CellField.DEADLINE))
        .with_check(CellCheck("page 2, row 3–5", CellField.RESPONSIBLE, "Иванова А.П."))
        .checking_cell(("page 3, row 1", CellField.NUMBER), 12)
    )
    state = json.loads(json.dumps(walking.to_state()))
    assert PendingImport.from_state(state) == walking
    assert PendingImport.from_state(pending.to_state()) == pending
    # A damaged check is no pending import (as any damaged state), never an exception.
    state["checks"][0][1] = "colour"
    assert PendingImport.from_state(state) is None
