"""Whatever people type, understanding never raises and unreadable text is "unknown"."""

from __future__ import annotations

import random
from datetime import date

import pytest

from bot.queries import parse as parse_module
from bot.queries.parse import parse_query

TODAY = date(2026, 11, 24)
PEOPLE = ("Бобров Б.Б.", "Изотова А.С.")
ODD = [
    "", " ", "🙂", "2026", "31 февраля", "с декабря по февраль", "до мая", "в 5 квартале",
    "в 0 квартале", "пункт", "п.", "№", "1.", "...", "в ближайшие 0 дней",
    "в ближайшие 100000 дней", "за 1900 год", "Е.В.", "\ue0001", "\ue0009 test", "q5",
    "квартал", "полугодие", "учебный год 2025-2026", "на 31.02.2026", "30 февраля 2027",
    "двадцать", "точка точка", "один точка", "x" * 5000, "мае " * 300, "#ini0",
]  # fmt: skip


def _random_texts(count: int) -> list[str]:
    alphabet = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя .,!?0123456789ABCabc-#№/"
    rng = random.Random(20261124)  # fixed seed: the same texts every run
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(count)]


@pytest.mark.parametrize("text", ODD + _random_texts(300))
def test_internal_parse_never_raises(text: str) -> None:
    # _parse, not parse_query: the public wrapper would hide a crash behind "unknown".
    query = parse_module._parse(text, TODAY, PEOPLE)
    assert query.intent
    if query.period_start is not None:
        assert query.period_end is not None and query.period_start <= query.period_end


@pytest.mark.parametrize("text", ["", "   ", "asdfgh qwerty", "ывапролд", "???", "🙂🙂", "123"])
def test_unreadable_is_unknown(text: str) -> None:
    assert parse_query(text, today=TODAY).intent == "unknown"


def test_public_wrapper_degrades_to_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(parse_module, "_parse", boom)
    parse_module._understood.cache_clear()  # questions read before are kept
    try:
        assert parse_query("что у меня в мае", today=TODAY).intent == "unknown"
    finally:
        parse_module._understood.cache_clear()


def test_invalid_dates_do_not_invent_a_day() -> None:
    q = parse_query("на 31.02.2026", today=TODAY)
    assert q.period_start != date(2026, 3, 3)
