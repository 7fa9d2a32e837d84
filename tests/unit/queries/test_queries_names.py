"""People named in questions: by morphology alone, and against the organisation's directory."""

from __future__ import annotations

from datetime import date

import pytest

from bot.queries.parse import parse_query

TODAY = date(2026, 11, 24)
PEOPLE = (
    "Бобров Б.Б.",
    "Изотова А.С.",
    "Воропаева Е.В.",
    "Иванов И.И.",
    "Иванова М.П.",
    "Королёв С.П.",
    "Ткаченко О.Н.",
    "Гуль Р.Р.",  # a surname pymorphy does not model
)


def person(text: str, people: tuple[str, ...] = ()) -> str | None:
    return parse_query(text, today=TODAY, people=people).person


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("что у Боброва", "Бобров"),
        ("задачи Боброву", "Бобров"),
        ("с Бобровым что", "Бобров"),
        ("Бобров", "Бобров"),
        ("задачи Изотовой", "Изотова"),
        ("что у изотовой", "Изотова"),
        ("Изотова Е.В.", "Изотова"),
        ("воропаевой на май", "Воропаева"),
        ("ВОРОПАЕВА Е.В. декабрь", "Воропаева"),
        ("что у Ткаченко", "Ткаченко"),
        ("что у Фёдоровой", "Федорова"),
        ("что у Федоровой", "Федорова"),
    ],
)
def test_surname_by_morphology(text: str, expected: str) -> None:
    assert person(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("что у Бобова в мае", "Бобров"),  # typo
        ("задачи Изотвой", "Изотова"),  # typo in an oblique case
        ("что у Ивановой", "Иванова"),  # namesakes told apart by gender
        ("что у Иванова", "Иванов"),
        ("Иванова М.П. май", "Иванова"),  # initials decide
        ("что у королева", "Королёв"),  # directory spelling with ё comes back
        ("гуль декабрь", "Гуль"),
        ("что у гуля", "Гуль"),
        ("что у Сидоровой", "Сидорова"),  # not in the directory: morphology still finds her
    ],
)
def test_surname_against_directory(text: str, expected: str) -> None:
    assert person(text, PEOPLE) == expected


def test_typo_without_directory_is_not_guessed() -> None:
    # "Бобова" is not a surname to pymorphy; with no directory there is nothing to correct to.
    assert person("что у Бобова в мае") == "me"


@pytest.mark.parametrize(
    "text",
    ["что по олимпиаде", "мероприятия по профориентации", "что по конкурсу", "отчет за май"],
)
def test_topic_words_are_not_people(text: str) -> None:
    assert person(text, PEOPLE) in (None, "me")


def test_self_forms() -> None:
    assert person("что у меня") == "me"
    assert person("мои задачи") == "me"
    assert person("what do I have") == "me"
    # "покажи мне" addresses the bot; it does not make the question personal
    assert person("покажи мне что просрочено") is None
