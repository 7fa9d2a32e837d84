"""Text layouts of plans pasted from web pages and PDFs (issue 11): each is a table."""

from __future__ import annotations

import pytest

from bot.roadmap import parse_document, parse_text

EXPECTED = [
    ("1", "Семинар для педагогов", "март 2025", ["Иванова А.А."]),
    ("2", "Конкурс проектов", "апрель 2025", ["Петров Б.Б."]),
    ("3", "Отчёт о работе", "до 20 мая 2025", ["Иванова А.А."]),
]


def rows(text: str) -> list[tuple]:
    r = parse_text(text)
    return [(m.number, m.title, m.deadline_raw, m.persons) for m in r.measures]


def test_one_cell_per_line_ending_with_a_pipe():
    text = """План работы на 2025 год
№ |
Мероприятие |
Срок |
Примечание |
Ответственный |
1. |
Семинар
для педагогов |
март 2025 |
|
Иванова А.А. |
2. |
Конкурс проектов |
апрель 2025 |
|
Петров Б.Б. |
3. |
Отчёт о работе |
до 20 мая 2025 |
|
Иванова А.А. |
"""
    assert rows(text) == EXPECTED


def test_one_cell_per_line_with_pipe_lines_between():
    cells = ["№", "Мероприятие", "Срок", "Ответственный"]
    for number, title, deadline, persons in EXPECTED:
        cells += ["", number, title, deadline, persons[0]]
    text = "|\n" + "\n|\n".join(cells) + "\n|\n"
    assert rows(text) == EXPECTED


def test_a_whole_table_flattened_onto_a_few_lines():
    text = (
        "ПЕРЕЧЕНЬ МЕРОПРИЯТИЙ НА 2025 ГОД\n№ п/п | Мероприятие | Срок | Ответственный | "
        "I. | Первый раздел | | | 1 | Семинар для педагогов | март 2025 | Иванова А.А. | 2 |\n"
        "Конкурс проектов | апрель 2025 | Петров Б.Б. | 3 | Отчёт о работе | до 20 мая 2025 "
        "| Иванова А.А. |\n"
    )
    r = parse_text(text)
    assert [s.title for s in r.sections] == ["Первый раздел"]
    assert [(m.number, m.title, m.deadline_raw, m.persons) for m in r.measures] == EXPECTED


def test_rows_flattened_one_per_line():
    text = "План на 2025 год\n№ | Мероприятие | Срок | Ответственный\n" + "".join(
        f"{n} | {t} | {d} | {p[0]}\n" for n, t, d, p in EXPECTED
    )
    assert rows(text) == EXPECTED


def test_a_pseudographic_box_table_with_wrapped_cells():
    text = """План мероприятий на 2025 год
┌───┬────────────────┬──────────────┬──────────────┐
│ № │  Мероприятие   │    Сроки     │ Ответственный│
│п/п│                │  исполнения  │              │
├───┼────────────────┼──────────────┼──────────────┤
│ 1 │Семинар для     │март 2025     │Иванова А.А.  │
│   │педагогов       │              │              │
├───┼────────────────┼──────────────┼──────────────┤
│ 2 │Конкурс проек-  │апрель 2025   │Петров Б.Б.   │
│   │тов             │              │              │
├───┼────────────────┼──────────────┼──────────────┤
│ 3 │Отчёт о работе  │до 20 мая     │Иванова А.А.  │
│   │                │2025          │              │
└───┴────────────────┴──────────────┴──────────────┘
"""
    assert rows(text) == EXPECTED


def test_an_ascii_box_table():
    text = """План мероприятий на 2025 год
/------------------------------------------------------\\
| N | Мероприятие          | Срок        | Исполнитель  |
|---+----------------------+-------------+--------------|
| 1 | Семинар для педагогов| март 2025   | Иванова А.А. |
|---+----------------------+-------------+--------------|
| 2 | Конкурс проектов     | апрель 2025 | Петров Б.Б.  |
|---+----------------------+-------------+--------------|
| 3 | Отчёт о работе       | до 20 мая   | Иванова А.А. |
|   |                      | 2025        |              |
\\------------------------------------------------------/
"""
    assert rows(text) == EXPECTED


def test_cells_separated_by_runs_of_spaces():
    text = """План мероприятий на 2025 год

№     Мероприятие                  Срок              Ответственный
1     Семинар для педагогов        март 2025         Иванова А.А.
2     Конкурс проектов             апрель 2025       Петров Б.Б.
3     Отчёт о работе               до 20 мая         Иванова А.А.
                                   2025
"""
    assert rows(text) == EXPECTED


def test_one_cell_per_line_without_separators():
    text = "План мероприятий на 2025 год\n№\nМероприятие\nСрок\nОтветственный\n" + "".join(
        f"{n}\n{t}\n{d}\n{p[0]}\n" for n, t, d, p in EXPECTED
    )
    assert rows(text) == EXPECTED


def test_a_cell_over_two_lines_without_separators_stays_in_its_column():
    text = (
        "№\nМероприятие\nСрок\nОтветственный\n1\nСеминар для педагогов\nмарт 2025\n"
        "Иванова А.А.,\nПетров Б.Б.\n2\nКонкурс проектов\nапрель 2025\nПетров Б.Б.\n"
    )
    r = parse_text(text)
    assert [(m.deadline_raw, m.persons) for m in r.measures] == [
        ("март 2025", ["Иванова А.А.", "Петров Б.Б."]),
        ("апрель 2025", ["Петров Б.Б."]),
    ]


@pytest.mark.parametrize("size", [3, 20, 30])
def test_a_small_csv_plan_with_a_title_line_is_a_plan(size: int):
    lines = ["План мероприятий по подготовке к ОГЭ на 2025 год"]
    lines += ["№;Мероприятие;Срок;Ответственный"]
    lines += [f"{i};Пробный экзамен, этап {i};март 2025;Иванов И.И., учителя" for i in range(size)]
    for data, name in (("\n".join(lines).encode(), "plan.csv"), ("\n".join(lines).encode(), "x")):
        r = parse_document(data, name)
        assert len(r.measures) == size
        assert r.title == "План мероприятий по подготовке к ОГЭ на 2025 год"
        assert r.measures[0].units == ["Учителя"]
