"""Counted nouns are remembered per locale: switching the language never shows the other's."""

from __future__ import annotations

from bot.i18n import use_locale
from bot.wording import deadlines_count, measures_count


def test_counted_nouns_follow_the_locale_in_force() -> None:
    for _round in range(2):  # the second round is answered from what was remembered
        with use_locale("ru"):
            assert [measures_count(n) for n in (1, 3, 5, 21)] == [
                "1 мероприятие",
                "3 мероприятия",
                "5 мероприятий",
                "21 мероприятие",
            ]
            assert deadlines_count(2) == "2 срока"
        with use_locale("en"):
            assert [measures_count(n) for n in (1, 3)] == ["1 measure", "3 measures"]
            assert deadlines_count(1) == "1 deadline"
