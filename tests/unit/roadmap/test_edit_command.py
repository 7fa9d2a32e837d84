"""The /edit command read as coordinators type it, and a measure's field replaced with the
importer's own rules."""

from __future__ import annotations

from datetime import date

import pytest

from bot.roadmap.edits import (
    EditCommand,
    EditField,
    apply_edit,
    document_value,
    field_of,
    parse_edit_command,
)
from bot.roadmap.model import Schedule, ScheduleKind
from tests.factories import make_measure

D, R, T = EditField.DEADLINE, EditField.RESPONSIBLE, EditField.TITLE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/edit", EditCommand(None)),
        ("/edit 1.6", EditCommand("1.6")),
        ("/edit 1.6.", EditCommand("1.6")),
        ("/edit@roadmap_bot 2.3.1", EditCommand("2.3.1")),
        ("/edit п. 1.6", EditCommand("1.6")),
        ("/edit 1.6 срок: ежегодно, май", EditCommand("1.6", D, "ежегодно, май")),
        ("/edit 1.6 Срок ежегодно, май", EditCommand("1.6", D, "ежегодно, май")),
        (
            "/edit 1.6 срок исполнения: до 5 числа каждого месяца",
            EditCommand("1.6", D, "до 5 числа каждого месяца"),
        ),
        ("/edit 1.6 срок", EditCommand("1.6", D)),
        ("/edit 2.1 ответственные: Иванова А.П., ММО", EditCommand("2.1", R, "Иванова А.П., ММО")),
        ("/edit 2.1 Название:  Новое   название ", EditCommand("2.1", T, "Новое название")),
        ("/edit 1.6 ежегодно, май", EditCommand("1.6")),  # no field word: chosen by buttons
        ("/edit срок: май", EditCommand(None)),
    ],
)
def test_parse_edit_command(text: str, expected: EditCommand) -> None:
    assert parse_edit_command(text) == expected


def test_field_words() -> None:
    assert field_of("Срок") is D and field_of("ответственные:") is R and field_of("название") is T
    assert field_of("Ответственный") is R and field_of("deadline") is D
    assert field_of("отмена") is None and field_of("") is None


def test_apply_edit_reads_like_the_importer() -> None:
    measure = make_measure("1.6", "Мониторинг", persons=["Бобров В.С."])
    measure.schedule = Schedule(ScheduleKind.UNPARSED, note="уточняется")
    fixed = apply_edit(measure, D, "ежегодно, сентябрь", (2022, 2024))
    assert fixed.schedule.kind is ScheduleKind.RECURRING
    assert [w.due for w in fixed.schedule.windows] == [
        date(2022, 9, 30),
        date(2023, 9, 30),
        date(2024, 9, 30),
    ]
    assert document_value(fixed, D) == "ежегодно, сентябрь"
    assert measure.schedule.kind is ScheduleKind.UNPARSED  # the original is left alone

    people = apply_edit(measure, R, "Иванов И.И., учителя-предметники", (2022, 2024))
    assert people.persons == ["Иванов И.И."] and people.units == ["Учителя-предметники"]
    assert people.responsible_raw == "Иванов И.И., учителя-предметники"

    titled = apply_edit(measure, T, "Мониторинг сайта", (2022, 2024))
    assert titled.title == "Мониторинг сайта" and titled.schedule is measure.schedule
