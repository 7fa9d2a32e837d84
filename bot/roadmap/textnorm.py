"""Turning cell text (with HTML fragments, markdown emphasis, odd spaces) into plain text."""

from __future__ import annotations

import html
import re

_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:p|li|br|div|tr|ol|ul|h[1-6])\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*\b[^<>]*>")
_BOLD_OPEN = re.compile(r"^\s*(?:<\s*(?:b|strong)\b[^>]*>|\*\*)", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f\u200b\ufeff]+")
_MD_EMPHASIS = re.compile(r"\*\*|__")
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DASH_RE = re.compile(f"[{DASHES}]")


def is_bold_markup(raw: str) -> bool:
    """True when the cell's text starts bold (`<b>` or markdown `**`): a heading hint."""
    return bool(_BOLD_OPEN.match(raw))


def clean_cell(raw: str) -> str:
    """Plain text of a cell: HTML blocks and list items on their own lines, spaces folded."""
    if not raw:
        return ""
    text = raw
    if "<" in text:
        text = _BLOCK_TAG.sub("\n", text)
        text = _ANY_TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    if "*" in text or "__" in text:
        text = _MD_EMPHASIS.sub("", text)
    lines = []
    for line in text.replace("\r", "\n").split("\n"):
        line = _SPACES.sub(" ", line).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def fold(text: str) -> str:
    """One line, single spaces: for matching and comparing."""
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def norm_key(text: str) -> str:
    """Lower case, ё→е, unified dashes, folded spaces: a key for comparisons."""
    return _DASH_RE.sub("-", fold(text).lower().replace("ё", "е"))
