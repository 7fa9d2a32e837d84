"""Every text the reports feature shows has a Russian translation (the interface language):
in the catalogue, or in locales/pending/reports.json until the lead merges it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_file

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [
    "handlers/reports.py",
    "bot/reports/service.py",
    "bot/reports/reading.py",
    "bot/reports/files.py",
    "bot/reports/draft.py",
]
# As `make locales-extract`: `_` with one or with plural arguments, and user errors' msgids.
KEYWORD_SETS = [
    {"_": (1,), "UserError": (1,), "AccessDenied": (1,), "NotFound": (1,)},
    {"_": (1, 2)},
]


def _msgids() -> set[str]:
    found: set[str] = set()
    for source in SOURCES:
        for keywords in KEYWORD_SETS:
            found |= _extract(source, keywords)
    return found


def _extract(source: str, keywords: dict[str, tuple[int, ...]]) -> set[str]:
    found: set[str] = set()
    for _line, message, _comments, _context in extract_from_file(
        "python", ROOT / source, keywords=keywords
    ):
        singular = message[0] if isinstance(message, tuple) else message
        if singular:
            found.add(singular)
    return found
