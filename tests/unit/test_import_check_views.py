"""How a corrected or doubtful deadline is shown back: what the bot understood, short
enough for a phone («every year: March, December», «once: by 25 May 2023»)."""

from __future__ import annotations

import pytest

from bot.roadmap.edits import read_deadline
from handlers import import_check_views as views
from handlers.middlewares.i18n import build_i18n


@pytest.fixture(params=["en", "ru"])
def locale(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale(request.param):
        yield request.param


@pytest.mark.parametrize(
    ("phrase", "en", "ru"),
    [
        ("декабрь, март (ежегодно)", "every year: March, December", "ежегодно: март, декабрь"),
        ("ежемесячно", "every month", "ежемесячно"),
        ("до 25 мая 2023", "once: by 25 May 2023", "однократно: до 25 мая 2023"),
        ("март 2023", "once: March 2023", "однократно: март 2023"),
        (
            "в течение 2023 года",
            "ongoing: January – December 2023",
            "постоянно: январь – декабрь 2023",
        ),
        (
            "абракадабра",
            "not understood: it is set after saving (/edit)",
            "не понят: задаётся после сохранения (/edit)",
        ),
    ],
)
def test_a_deadline_is_shown_as_understood(locale: str, phrase: str, en: str, ru: str) -> None:
    assert views.schedule_text(read_deadline(phrase, (2022, 2024))) == (
        en if locale == "en" else ru
    )


def test_many_windows_are_cut_short(locale: str) -> None:
    text = views.schedule_text(read_deadline("ежеквартально", (2022, 2024)))
    assert text.endswith("and 8 more" if locale == "en" else "и ещё 8")
    assert text.count(",") == 3
