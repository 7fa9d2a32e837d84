"""Rows and columns on small hand-made documents: continuations, sections, problems, merges,
CSV/markdown, the plan period."""

from __future__ import annotations

import pytest

from bot.roadmap import parse_document, parse_text
from bot.roadmap.model import ScheduleKind

from .builders import Cell, build_docx, build_xlsx


def codes(r) -> dict[str | None, list[str]]:
    out: dict[str | None, list[str]] = {}
    for p in r.problems:
        out.setdefault(p.measure, []).append(p.code)
    return out


def test_small_plan_problems_are_reported_and_nothing_dropped(fixture_text):
    r = parse_text(fixture_text("small_plan.txt"))
    assert r.plan_period == (2023, 2025)
    assert [s.title for s in r.sections] == ["Нормативная база"]
    assert [m.number for m in r.measures] == [
        "1.1",
        "1.2",
        "1.2",
        None,
        "1.3",
        "1.4",
        "1.5",
        "1.6",
    ]
    assert r.measures[3].title == "Мероприятие без номера"
    assert r.measures[3].units == ["МОУО", "ОО"]
    assert r.measures[5].deadline_raw == "апрель 2023 года"
    assert r.measures[5].persons == ["Сидоров Б.Б."]
    assert r.measures[5].where == "line 10–11"
    # Петровой А.А. is the Петрова А.А. of measure 1.1.
    assert r.measures[1].persons == ["Петрова А.А."]
    found = codes(r)
    assert found["1.2"] == ["duplicate_number"]
    assert found[None] == ["no_number"]
    assert found["1.3"] == ["no_deadline"]
    assert found["1.5"] == ["unparsed_deadline"]
    assert found["1.6"] == ["no_responsible"]
    assert r.measures[6].schedule.kind is ScheduleKind.UNPARSED
    assert r.measures[6].schedule.note == "когда получится"


def test_period_argument_overrides_the_title(fixture_text):
    r = parse_text(fixture_text("small_plan.txt"), period=(2023, 2023))
    assert r.plan_period == (2023, 2023)
    assert len(r.measures[2].schedule.windows) == 1  # ежегодно, one year


def test_without_a_period_the_deadlines_years_are_used_and_a_problem_says_so():
    text = (
        "№\tМероприятие\tСрок\tОтветственный\n"
        "1\tА\tежегодно\tОО\n2\tБ\tмай 2023\tОО\n3\tВ\t2025 год\tОО\n"
    )
    r = parse_text(text)
    assert r.plan_period is None
    assert [p.code for p in r.problems] == ["no_plan_period"]
    assert [w.start.year for w in r.measures[0].schedule.windows] == [2023, 2024, 2025]


def test_without_any_years_recurring_windows_stay_empty():
    r = parse_text("№\tМероприятие\tСрок\tОтветственный\n1\tА\tежегодно\tОО\n")
    assert r.measures[0].schedule.windows == []
    assert r.problems[0].code == "no_plan_period"


def test_title_in_number_column_and_deadline_in_responsible_column_are_moved_back():
    text = (
        "План мероприятий на 2022-2024 годы\n\n"
        "№\tМероприятие\tСроки\tОтветственный\n"
        "1.1 Разработка положения\t\tмарт 2022\tМОУО\n"
        "1.2\tСеминары\t\tежегодно Бобров В.С., заместитель директора\n"
    )
    r = parse_text(text)
    assert (r.measures[0].number, r.measures[0].title) == ("1.1", "Разработка положения")
    assert r.measures[1].deadline_raw == "ежегодно"
    assert r.measures[1].persons == ["Бобров В.С."]
    assert sorted(codes(r)["1.1"] + codes(r)["1.2"]) == ["moved_cell", "moved_cell"]


def test_columns_in_any_order_and_repeated_header_and_numbering_row():
    text = (
        "Ответственный\tСроки выполнения\tНаименование мероприятия\t№п/п\n"
        "1\t2\t3\t4\n"
        "ОО\tмай 2022\tПервое\t1.\n"
        "Ответственный\tСроки выполнения\tНаименование мероприятия\t№п/п\n"
        "МОУО\tиюнь 2022\tВторое\t2.\n"
    )
    r = parse_text(text)
    assert [(m.number, m.title, m.units) for m in r.measures] == [
        ("1", "Первое", ["ОО"]),
        ("2", "Второе", ["МОУО"]),
    ]


def test_markdown_and_csv_forms():
    md = (
        "| № | Мероприятие | Срок | Ответственный |\n|---|---|---|---|\n"
        "| 1 | Первое | май 2022 | ОО |\n"
    )
    csv_text = (
        "№;Мероприятие;Срок;Ответственный\n1;Первое;май 2022;ОО\n"
        '2;"Второе; с точкой с запятой";июнь 2022;МОУО\n'
    )
    assert parse_text(md).measures[0].title == "Первое"
    r = parse_document(csv_text.encode("utf-8"), "plan.csv")
    assert [m.title for m in r.measures] == ["Первое", "Второе; с точкой с запятой"]
    cp1251 = parse_document(csv_text.encode("cp1251"), "plan.csv")
    assert cp1251.measures[1].units == ["МОУО"]


HEADER = ["№", "Мероприятие", "Сроки", "Ответственный"]


def test_docx_vertical_merge_applies_to_every_row_and_bold_heading():
    table = [
        HEADER,
        [Cell("Раздел первый", bold=True), "", "", ""],
        ["1", "Первое", "май 2022", "МОУО"],
        ["2", "Второе", "июнь 2022", ""],
        ["3", "Третье", "июль 2022", ""],
    ]
    data = build_docx(["План мероприятий на 2022-2024 годы"], [table], vmerge=[(0, 3, 2, 4)])
    r = parse_document(data, "plan.docx")
    assert [s.title for s in r.sections] == ["Раздел первый"]
    assert [m.units for m in r.measures] == [["МОУО"]] * 3
    assert r.plan_period == (2022, 2024)


def test_docx_paragraphs_and_lists_inside_cells():
    table = [HEADER, ["1", "Утвердить:\n- положение;\n- регламент", "2022 год", "ОО"]]
    r = parse_document(build_docx(["План на 2022-2024 годы"], [table]), "plan.docx")
    assert r.measures[0].title == "Утвердить:\n- положение;\n- регламент"


def test_xlsx_merged_cells_line_breaks_and_the_plan_sheet():
    table = [
        HEADER,
        ["1. Раздел", "", "", ""],
        ["1.1", "Первое\nвторая строка", "май 2022", "МОУО"],
        ["1.2", "Второе", "июнь 2022", ""],
    ]
    data = build_xlsx(
        ["План мероприятий на 2022-2024 годы"],
        [table],
        extra_sheet_first=True,
        merges=["A3:D3", "D4:D5"],
    )
    r = parse_document(data, "plan.xlsx")
    assert [(s.number, s.title) for s in r.sections] == [("1", "Раздел")]
    assert r.measures[0].title == "Первое\nвторая строка"
    assert [m.units for m in r.measures] == [["МОУО"], ["МОУО"]]
    assert r.measures[0].where == "sheet 'План', row 4"


@pytest.mark.parametrize("name", ["plan.txt", "plan.md"])
def test_text_files_by_name(name: str, fixture_text):
    r = parse_document(fixture_text("small_plan.txt").encode("utf-8"), name)
    assert len(r.measures) == 8


def test_json_contract_is_additive(fixture_text):
    data = parse_text(fixture_text("small_plan.txt")).to_json()
    assert set(data) >= {"title", "plan_period", "sections", "measures", "problems", "joins"}
    measure = data["measures"][0]
    assert set(measure) >= {
        "number", "section", "title", "deadline_raw", "schedule", "persons", "units",
        "document_type", "expected_result",
    }  # fmt: skip
    assert set(data["problems"][0]) >= {"where", "text", "problem", "code"}
