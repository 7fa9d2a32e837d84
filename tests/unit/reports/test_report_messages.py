"""Every text the reports feature shows has a Russian translation (the interface language):
in the catalogue, or in locales/pending/reports.json until the lead merges it."""

from __future__ import annotations

import json
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

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


def test_every_reports_msgid_has_a_russian_translation() -> None:
    pending_path = ROOT / "locales" / "pending" / "reports.json"
    pending = json.loads(pending_path.read_text("utf-8")) if pending_path.exists() else {}
    with (ROOT / "locales" / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as stream:
        catalogue = read_po(stream, locale="ru")
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalogue
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    msgids = _msgids()
    assert len(msgids) > 50  # the extraction itself works
    missing = sorted(m for m in msgids if m not in pending and m not in translated)
    assert missing == []


def test_pending_plurals_have_three_russian_forms() -> None:
    pending = json.loads((ROOT / "locales" / "pending" / "reports.json").read_text("utf-8"))
    for msgid, value in pending.items():
        if isinstance(value, list):
            assert len(value) == 3 and all("{n}" in form for form in value), msgid
        else:
            assert value.strip(), msgid
