"""Column roles from header text: lemmas, fuzzy matches, the best assignment of columns."""

from __future__ import annotations

import pytest

from bot.roadmap import ImportRefused, parse_text
from bot.roadmap.columns import assign, column_kind, header_map


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("№ п/п", "number"),
        ("N п/п", "number"),
        ("№п/п", "number"),
        ("Мероприятие", "title"),
        ("Направления деятельности", "title"),
        ("Содержание работы", "title"),
        ("Перечень мероприятий", "title"),
        ("Наименование мероприятия", "title"),
        ("Сроки", "deadline"),
        ("Плановый срок исполнения", "deadline"),
        ("Дата", "deadline"),
        ("Период", "deadline"),
        ("Срокии исполнения", "deadline"),  # a typo
        ("Ответственные лица", "responsible"),
        ("Исполнители", "responsible"),
        ("Кто", "responsible"),
        ("Ответственный исполнитель", "responsible"),
        ("Вид документа", "document_type"),
        ("Ожидаемый результат", "expected_result"),
        ("Отметка о выполнении", None),
        ("Корректировка плана", None),
        ("Классы", None),
    ],
)
def test_each_header_names_its_role(header: str, role: str | None):
    assert column_kind(header) == role


def test_a_deadline_header_that_mentions_the_measure_is_still_the_deadline():
    cells = ["№", "Мероприятие", "Установленные сроки проведения мероприятия",
             "Ответственный исполнитель", "Отметка о выполнении"]  # fmt: skip
    assert assign(cells) == {"number": 0, "title": 1, "deadline": 2, "responsible": 3}


def test_an_empty_header_over_numbers_is_the_number_column():
    cells = ["", "Содержание работы", "Плановый срок исполнения", "Ответственные лица"]
    data = [["1", "Работа", "май", "Иванов И.И."], ["2", "Ещё", "июнь", "Петров П.П."]]
    assert header_map(cells, data) == {
        "number": 0, "title": 1, "deadline": 2, "responsible": 3
    }  # fmt: skip
    assert "number" not in (header_map(cells) or {})


def test_data_rows_are_not_headers():
    assert header_map(["1", "Отчёт о результатах", "15.03.2024", "Директор"]) is None
    assert header_map(["Мероприятие"]) is None


def test_a_plan_with_unusual_headers_is_read():
    text = "№\tНаправления деятельности\tПериод\tКто\n1\tРейды\tежемесячно\tКомитет\n"
    r = parse_text(text, period=(2025, 2025))
    assert [(m.number, m.title, m.deadline_raw, m.units) for m in r.measures] == [
        ("1", "Рейды", "ежемесячно", ["Комитет"])
    ]


def test_refusal_names_the_headers_seen_when_no_column_can_be_the_deadline():
    text = "№\tМероприятие\tОтветственный\tПримечание\n1\tРейды\tКомитет\t\n"
    with pytest.raises(ImportRefused) as refused:
        parse_text(text)
    assert refused.value.reason == "missing_columns"
    assert refused.value.details["missing"] == ["deadline"]
    assert refused.value.details["found"] == ["№", "Мероприятие", "Ответственный", "Примечание"]


def test_a_deadline_column_without_a_known_header_is_told_by_its_cells():
    text = (
        "№\tМероприятие\tЭтап\tОтветственный\n"
        "1\tРейды по вечерам\tмарт 2025\tКомитет\n2\tСовещание\tапрель 2025\tКомитет\n"
    )
    r = parse_text(text, period=(2025, 2025))
    assert [m.deadline_raw for m in r.measures] == ["март 2025", "апрель 2025"]
