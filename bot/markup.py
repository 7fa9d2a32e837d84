"""Telegram HTML for text that comes from documents and people: quoted, and shortened as
plain text before quoting, so that a cut never splits a tag or an entity.

The bot sends HTML (`parse_mode=HTML`); a measure title with `<` or `&` must never break
a message, and Telegram refuses a message whose markup a slice left half-open.
Pure: no aiogram (its `html.quote` is the same `html.escape(..., quote=False)`).
"""

from __future__ import annotations

import html
import re

ELLIPSIS = "…"
_TAG = re.compile(r"<[^>]*>")


def quote(text: object) -> str:
    """`text` (any value; None is empty) safe inside Telegram HTML."""
    if type(text) is not str:
        text = "" if text is None else str(text)
    # html.escape(text, quote=False), without its call: an answer page quotes ~100 strings.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str | None, limit: int, *, one_line: bool = False) -> str:
    """Plain text of at most `limit` characters, ending in "…" when it was cut. `one_line`
    folds line breaks and runs of spaces first."""
    text = " ".join((text or "").split()) if one_line else (text or "").strip()
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + ELLIPSIS


def quote_short(text: str | None, limit: int, *, one_line: bool = False) -> str:
    """Shortened, then quoted: the cut is on the text, never on the markup."""
    return quote(shorten(text, limit, one_line=one_line))


def plain(markup: str) -> str:
    """The text of Telegram HTML: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def fit(markup: str, limit: int) -> str:
    """`markup` if it fits in `limit` characters; otherwise its plain text, shortened and
    quoted to fit (the formatting is lost, never the validity of the message)."""
    if len(markup) <= limit:
        return markup
    text = plain(markup)
    # The longest cut whose quoted form fits: quoting lengthens "&" and "<" five- or fourfold.
    low, high = 0, min(len(text), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if len(quote(shorten(text, middle))) <= limit:
            low = middle
        else:
            high = middle - 1
    return quote(shorten(text, low))


def measure_label(number: str | None, title: str | None, limit: int = 90) -> str:
    """`<b>1.1.2</b> Title…`: a measure as a line of a message, its title shortened."""
    shown = quote(shorten(title, limit))
    return f"<b>{quote(number)}</b> {shown}" if number else shown


def measure_tag(number: str | None, title: str | None, limit: int = 20) -> str:
    """Plain text naming a measure in a button: its number, else the start of its title."""
    return number or shorten(title, limit)
