"""select_items filtering, grouping, the empty-period hint, and paging."""

from __future__ import annotations

from datetime import date

import pytest

from bot.queries.answer import MeasureItem, page_lines, select_items
from bot.queries.model import Query
from bot.queries.parse import parse_query

TODAY = date(2026, 11, 24)


def item(
    oid: int, number: str | None, title: str, start: date, due: date, status: str = "open",
    persons: tuple[str, ...] = (), units: tuple[str, ...] = (), section: str | None = None,
) -> MeasureItem:  # fmt: skip
    return MeasureItem(
        occurrence_id=oid, measure_id=oid, number=number, title=title, section=section,
        window_start=start, due=due, status=status, persons=list(persons), units=list(units),
    )  # fmt: skip


ITEMS = [
    item(1, "1.1.1", "Проведение ВПР в 4-8 классах", date(2026, 4, 1), date(2026, 4, 30),
         "done", ("Бобров Б.Б.",)),
    item(2, "1.1.2", "Анализ результатов ВПР", date(2026, 5, 1), date(2026, 5, 20),
         "open", ("Бобров Б.Б.", "Изотова А.С.")),
    item(3, "1.2.1", "Школьный этап всероссийской олимпиады школьников", date(2026, 9, 15),
         date(2026, 10, 31), "partial", ("Изотова А.С.",)),
    item(4, "2.1.1", "Профориентационные экскурсии на предприятия", date(2026, 11, 1),
         date(2026, 11, 30), "open", ("Воропаева Е.В.",), ("Методический отдел",)),
    item(5, "2.1.2", "Родительские собрания по профориентации", date(2026, 12, 1),
         date(2026, 12, 15), "open", ("Боброва А.А.",)),
    item(6, "1.10", "Мониторинг посещаемости", date(2026, 11, 23), date(2026, 11, 23),
         "not_done", ("Бобров Б.Б.",)),
    item(7, None, "Отчёт о выполнении плана", date(2026, 12, 20), date(2026, 12, 25),
         "open", (), ("Методический отдел",)),
]  # fmt: skip


def ids(query: Query, **kw: object) -> list[int]:
    kw.setdefault("me", "Бобров Б.Б.")
    selection = select_items(query, ITEMS, today=TODAY, **kw)  # type: ignore[arg-type]
    return [i.occurrence_id for i in selection.items]


def test_me_matches_person_and_units() -> None:
    assert ids(Query("my_items", person="me")) == [1, 2, 6]
    assert ids(Query("my_items", person="me"), my_units=["методический отдел"]) == [1, 2, 6, 4, 7]
    assert ids(Query("my_items", person="me"), me=None) == []


def test_named_person_exact_before_stem() -> None:
    # Боброва is a different person from Бобров: the exact surname wins.
    assert ids(Query("person_items", person="Бобров")) == [1, 2, 6]
    assert ids(Query("person_items", person="Боброва")) == [5]
    # Only when nobody has exactly that surname, the gender-blind stem is used.
    assert ids(Query("person_items", person="Воропаев")) == [4]
    assert ids(Query("person_items", person="Сидоров")) == []


def test_period_overlaps_window() -> None:
    q = Query("my_items", person="Изотова", period_start=date(2026, 10, 1),
              period_end=date(2026, 10, 31))  # fmt: skip
    assert ids(q) == [3]  # window 15 Sep .. 31 Oct overlaps October
    q = Query("my_items", period_start=date(2026, 9, 1), period_end=date(2026, 9, 14))
    assert ids(q) == []


def test_number_exact_and_section_prefix() -> None:
    assert ids(Query("by_number", number="1.1.2")) == [2]
    assert ids(Query("by_number", number="1.1")) == [1, 2]
    assert ids(Query("by_number", number="1")) == [1, 2, 3, 6]
    assert ids(Query("by_number", number="1.1.")) == [1, 2]
    assert ids(Query("by_number", number="1.1.3")) == []


def test_topic_by_lemma_and_stem() -> None:
    assert ids(Query("search", topic="впр")) == [1, 2]
    assert ids(Query("search", topic="олимпиада")) == [3]
    assert ids(Query("search", topic="профориентация")) == [4, 5]
    assert ids(Query("search", topic="олимпиада школьник")) == [3]
    assert ids(Query("search", topic="олимпиада впр")) == []


def test_topic_tolerates_typos() -> None:
    assert ids(Query("search", topic="монитаринг")) == [6]


def test_topic_matches_section_title() -> None:
    extra = item(9, "3.1", "Заседание", date(2026, 11, 1), date(2026, 11, 2),
                 section="Наставничество")  # fmt: skip
    got = select_items(Query("search", topic="наставничество"), [*ITEMS, extra], today=TODAY,
                       me=None)  # fmt: skip
    assert [i.occurrence_id for i in got.items] == [9]


def test_status_filters() -> None:
    assert ids(Query("overdue", status_filter="overdue")) == [2, 3, 6]
    assert ids(Query("my_items", person="me", status_filter="done")) == [1]
    assert ids(Query("my_items", person="me", status_filter="open")) == [2, 6]


def test_overdue_is_strictly_before_today() -> None:
    due_today = item(8, "9.9", "Сегодняшний", TODAY, TODAY)
    got = select_items(Query("overdue", status_filter="overdue"), [due_today], today=TODAY,
                       me=None)  # fmt: skip
    assert got.items == []


def test_grouped_by_due_date_in_order() -> None:
    same_day = item(10, "1.1.3", "Ещё одно", date(2026, 5, 1), date(2026, 5, 20),
                    persons=("Бобров Б.Б.",))  # fmt: skip
    got = select_items(Query("my_items", person="me"), [same_day, *ITEMS], today=TODAY,
                       me="Бобров Б.Б.")  # fmt: skip
    assert [d for d, _ in got.groups] == [date(2026, 4, 30), date(2026, 5, 20), date(2026, 11, 23)]
    assert [i.number for i in got.groups[1][1]] == ["1.1.2", "1.1.3"]


def test_empty_period_hints_nearest_month_for_same_person() -> None:
    q = parse_query("что у Изотовой в июле", today=date(2026, 6, 1))
    got = select_items(q, ITEMS, today=date(2026, 6, 1), me=None)
    assert got.items == []
    assert got.nearest_period_hint == (date(2026, 5, 1), date(2026, 5, 31))
    q = Query("person_items", person="Изотова", period_start=date(2026, 8, 1),
              period_end=date(2026, 8, 31))  # fmt: skip
    # May ends 62 days before August; October starts 61 days after: October is nearer.
    assert select_items(q, ITEMS, today=TODAY, me=None).nearest_period_hint == (
        date(2026, 10, 1), date(2026, 10, 31))  # fmt: skip


def test_no_hint_when_person_has_nothing_at_all() -> None:
    q = Query("person_items", person="Сидоров", period_start=date(2026, 5, 1),
              period_end=date(2026, 5, 31))  # fmt: skip
    assert select_items(q, ITEMS, today=TODAY, me=None).nearest_period_hint is None


def test_end_to_end_question() -> None:
    q = parse_query("что у Боброва просрочено", today=TODAY)
    assert ids(q) == [2, 6]


# ---------------------------------------------------------------------------------------------


def test_page_lines_keeps_lines_whole_and_under_limit() -> None:
    lines = [f"{n}. " + "мероприятие " * (n % 7 + 1) for n in range(400)]
    pages = page_lines(lines, limit=500)
    assert len(pages) > 1
    assert all(len(p) <= 500 for p in pages)
    assert "\n".join(pages).split("\n") == lines


def test_page_lines_default_fits_telegram() -> None:
    pages = page_lines(["x" * 100] * 200)
    assert all(len(p) <= 3500 < 4096 for p in pages)
    assert sum(p.count("x") for p in pages) == 20000


def test_page_lines_exact_fit_and_empty() -> None:
    assert page_lines(["ab", "cd"], limit=5) == ["ab\ncd"]
    assert page_lines(["ab", "cd"], limit=4) == ["ab", "cd"]
    assert page_lines([]) == []


def test_page_lines_splits_only_an_overlong_line_at_spaces() -> None:
    long_line = " ".join(["слово"] * 30)  # 179 characters
    pages = page_lines(["начало", long_line, "конец"], limit=50)
    assert all(len(p) <= 50 for p in pages)
    assert " ".join(" ".join(pages).split()) == " ".join(["начало", long_line, "конец"])


def test_page_lines_rejects_nonsense_limit() -> None:
    with pytest.raises(ValueError):
        page_lines(["a"], limit=0)
