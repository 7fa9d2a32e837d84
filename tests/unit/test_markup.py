"""bot.markup.quote is html.escape without quotes (Telegram HTML), for any value."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from bot.markup import quote, quote_short


@given(st.text(alphabet=st.sampled_from("<>&\"'a б\n…") | st.characters()))
def test_quote_is_html_escape_without_quotes(text: str) -> None:
    assert quote(text) == html.escape(text, quote=False)


@given(st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.text()))
def test_quote_takes_any_value(value: object) -> None:
    assert quote(value) == html.escape("" if value is None else str(value), quote=False)


def test_quote_short_cuts_the_text_not_the_entities() -> None:
    assert quote_short("a & b <c>", 6) == "a &amp; b…"
    assert quote_short("<<<<", 3, one_line=True) == "&lt;&lt;…"
