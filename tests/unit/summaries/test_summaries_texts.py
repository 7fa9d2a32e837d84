"""Russian period wording and plurals of the exported texts (through the gettext catalogue;
tests/unit/test_i18n.py checks that every one of them is translated)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.i18n import day, pgettext, use_locale
from bot.wording import days_count, measures_count, period_phrase, status_label


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2022, 1, 1), date(2022, 12, 31), "за 2022 год"),
        (date(2023, 1, 1), date(2023, 3, 31), "за I квартал 2023 года"),
        (date(2023, 4, 1), date(2023, 6, 30), "за II квартал 2023 года"),
        (date(2023, 10, 1), date(2023, 12, 31), "за IV квартал 2023 года"),
        (date(2023, 7, 1), date(2023, 12, 31), "за II полугодие 2023 года"),
        (date(2023, 5, 1), date(2023, 5, 31), "за май 2023 года"),
        (date(2024, 2, 1), date(2024, 2, 29), "за февраль 2024 года"),
        (date(2022, 1, 1), date(2024, 12, 31), "за 2022–2024 годы"),
        (date(2022, 9, 1), date(2023, 8, 31), "за 2022/2023 учебный год"),
        (date(2023, 1, 1), date(2023, 3, 30), "за период с 1 января по 30 марта 2023 года"),
        (date(2023, 2, 1), date(2023, 4, 30), "за период с 1 февраля по 30 апреля 2023 года"),
        (
            date(2022, 9, 1),
            date(2023, 3, 31),
            "за период с 1 сентября 2022 года по 31 марта 2023 года",
        ),
        (date(2023, 3, 31), date(2023, 1, 1), "за I квартал 2023 года"),  # swapped bounds
        (None, date(2023, 3, 31), "по 31 марта 2023 года"),
    ],
)
def test_russian_period_wording(start, end, expected) -> None:  # type: ignore[no-untyped-def]
    assert period_phrase(start, end, "ru") == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2022, 1, 1), date(2022, 12, 31), "for 2022"),
        (date(2023, 1, 1), date(2023, 3, 31), "for Q1 2023"),
        (date(2023, 5, 1), date(2023, 5, 31), "for May 2023"),
        (date(2023, 1, 1), date(2023, 3, 30), "for the period from 1 January to 30 March 2023"),
    ],
)
def test_english_period_wording(start, end, expected) -> None:  # type: ignore[no-untyped-def]
    assert period_phrase(start, end, "en") == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 мероприятий"),
        (1, "1 мероприятие"),
        (2, "2 мероприятия"),
        (4, "4 мероприятия"),
        (5, "5 мероприятий"),
        (11, "11 мероприятий"),
        (12, "12 мероприятий"),
        (21, "21 мероприятие"),
        (22, "22 мероприятия"),
        (25, "25 мероприятий"),
        (101, "101 мероприятие"),
        (111, "111 мероприятий"),
    ],
)
def test_russian_plurals(n: int, expected: str) -> None:
    with use_locale("ru"):
        assert measures_count(n) == expected


def test_plurals_of_days_and_english() -> None:
    with use_locale("ru"):
        assert [days_count(n) for n in (1, 3, 7, 31)] == ["1 день", "3 дня", "7 дней", "31 день"]
    with use_locale("en"):
        assert [days_count(n) for n in (1, 2)] == ["1 day", "2 days"]
    with use_locale("de"):  # unknown locale: Russian
        assert measures_count(2) == "2 мероприятия"


def test_dates_and_status_labels() -> None:
    assert day(date(2024, 5, 17), "ru") == "17 мая 2024"
    assert day(date(2024, 5, 17), "en") == "17 May 2024"
    with use_locale("ru"):
        assert status_label("partial") == "выполнено частично"
        assert status_label("mystery") == "mystery"
        assert pgettext("docx", "No.") == "№ п/п"
    with use_locale("en"):
        assert status_label("not_done") == "not done"
