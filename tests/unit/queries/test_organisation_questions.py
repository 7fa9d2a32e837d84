"""Questions about member organisations (bot/queries/organisations.py): which ones are
questions about schools, and which school a typed name means."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.queries.organisations import match_organisations, parse_organisation_question
from bot.records import OrganisationRow

SCHOOLS = [
    OrganisationRow(1, "МБОУ «СОШ № 1 г. Правдинска»", "СОШ №1 г. Правдинска", "school"),
    OrganisationRow(2, "МБОУ «СОШ № 2»", "СОШ №2", "school"),
    OrganisationRow(3, "МБОУ «Железнодорожная СОШ»", "Железнодорожная СОШ", "school"),
    OrganisationRow(4, "МБОУ «СОШ №21»", None, "school"),
    OrganisationRow(5, "МБОУ «СОШ № 3»", "СОШ №3", "school"),
    OrganisationRow(6, "МАОУ «Гимназия № 5»", "Гимназия №5", "school"),
]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("какие школы не отчитались по 2.1", "2.1"),
        ("Какие школы не отчитались?", None),
        ("кто не отчитался по 1.1.4?", "1.1.4"),
        ("какие ОО не сдали отчёт по 3", "3"),
        ("какие организации не прислали отчёт по пункту 2.1.", "2.1"),
    ],
)
def test_who_has_not_reported(text: str, number: str | None) -> None:
    question = parse_organisation_question(text, SCHOOLS)
    assert question is not None
    assert (question.kind, question.number) == ("not_reported", number)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("что просрочено у СОШ №3", [5]),
        ("что просрочено у СОШ № 3?", [5]),
        ("что просрочено у школы 3", [5]),
        ("что просрочено у Железнодорожной СОШ", [3]),
        ("просрочено у СОШ 1", [1]),
        ("что просрочено в СОШ №21", [4]),  # №2 is not №21
        ("что просрочено у СОШ №2", [2]),
        ("какие долги у гимназии №5", [6]),
        ("что просрочено у МБОУ «СОШ № 1 г. Правдинска»", [1]),
    ],
)
def test_overdue_at_a_school_named_loosely(text: str, ids: list[int]) -> None:
    question = parse_organisation_question(text, SCHOOLS)
    assert question is not None and question.kind == "overdue"
    assert [o.id for o in question.organisations] == ids


@pytest.mark.parametrize(
    ("text", "ids", "period"),
    [
        ("сводка по СОШ №3", [5], None),
        ("как дела у Железнодорожной СОШ?", [3], None),
        ("сводка по СОШ №3 за май", [5], "за май"),
        ("покажи сводку по гимназии №5 за 2022 год", [6], "за 2022 год"),
    ],
)
def test_one_schools_summary(text: str, ids: list[int], period: str | None) -> None:
    question = parse_organisation_question(text, SCHOOLS)
    assert question is not None and question.kind == "summary"
    assert ([o.id for o in question.organisations], question.period) == (ids, period)


@pytest.mark.parametrize(
    "text", ["сводка за апрель", "как идёт исполнение", "сводка", "как дела?", "сводка за 2022"]
)
def test_a_summary_naming_no_school_is_the_whole_summary(text: str) -> None:
    assert parse_organisation_question(text, SCHOOLS) is None


def test_a_name_that_fits_several_is_all_of_them_and_an_unknown_one_none() -> None:
    assert [o.id for o in match_organisations("СОШ", SCHOOLS)] == [1, 2, 3, 4, 5]
    question = parse_organisation_question("что просрочено у Ромашки", SCHOOLS)
    assert question is not None and question.organisations == ()


@pytest.mark.parametrize(
    "text",
    [
        "что просрочено",
        "что просрочено у меня",
        "что у нас просрочено?",
        "/overdue",
        "сводка за май",
        "что у меня в мае",
    ],
)
def test_other_questions_are_left_to_the_others(text: str) -> None:
    assert parse_organisation_question(text, SCHOOLS) is None


def test_without_members_nothing_is_a_question_about_them() -> None:
    assert parse_organisation_question("какие школы не отчитались по 2.1", []) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="абвгдеёжзиклмнопрстуфхцчшщыэюя СОШ№«»\"'.,;:!?0123456789-у", max_size=80))
def test_any_text_is_a_question_or_not_never_a_crash(text: str) -> None:
    question = parse_organisation_question(text, SCHOOLS)
    if question is not None:
        assert question.kind in ("not_reported", "overdue")
        assert all(o in SCHOOLS for o in question.organisations)
