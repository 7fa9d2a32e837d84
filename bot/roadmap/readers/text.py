"""Text form: extracted/pasted text with tab-separated cells, markdown tables, .txt/.md, CSV."""

from __future__ import annotations

import csv
import io
import re

from bot.roadmap.errors import ImportRefused
from bot.roadmap.raw import Budget, RawCell, RawDocument, RawRow
from bot.roadmap.textnorm import clean_cell, is_bold_markup

_MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM, or UTF-16 with BOM), else Windows-1251 (Russian offices)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportRefused("corrupt_file", kind="text") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12))
    return controls <= len(sample) // 100


def _cell(raw: str) -> RawCell:
    return RawCell(clean_cell(raw), bold=is_bold_markup(raw))


def read_text(text: str, budget: Budget | None = None, *, csv_hint: bool = False) -> RawDocument:
    budget = budget or Budget()
    if csv_hint or _is_csv(text):
        return _read_csv(text, budget)
    doc = RawDocument(source="text")
    block: list[str] = []
    started = False

    def flush() -> None:
        if block:
            doc.paragraphs.append(clean_cell(" ".join(block)).replace("\n", " "))
            block.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        if number % 200 == 0:
            budget.tick()
        stripped = line.strip()
        if "\t" in line:
            cells = line.split("\t")
        elif stripped.startswith("|") and stripped.count("|") >= 2:
            if _MD_SEPARATOR.match(stripped):
                continue
            cells = stripped.strip("|").split("|")
        else:
            if not started:
                if stripped:
                    block.append(stripped)
                else:
                    flush()
                continue
            if not stripped:
                continue
            cells = [line]
        if not started:
            flush()
            doc.preamble_count = len(doc.paragraphs)
            started = True
        budget.tick(len(cells))
        doc.rows.append(RawRow([_cell(c) for c in cells], f"line {number}"))
    if not started:
        flush()
        doc.preamble_count = len(doc.paragraphs)
    return doc


def _is_csv(text: str) -> bool:
    head = text[:8192]
    if "\t" in head:
        return False
    lines = [ln for ln in head.splitlines() if ln.strip()][:20]
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=";,")
    except csv.Error:
        return False
    counts = [len(r) for r in csv.reader(lines, dialect)]
    wide = [c for c in counts if c >= 3]
    return len(wide) >= max(2, len(counts) // 2)


def _read_csv(text: str, budget: Budget) -> RawDocument:
    doc = RawDocument(source="csv")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:8192], delimiters=";,\t"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for row in reader:
            budget.tick(len(row))
            cells = [_cell(c) for c in row]
            doc.rows.append(RawRow(cells, f"line {reader.line_num}"))
    except csv.Error as exc:
        raise ImportRefused("corrupt_file", kind="CSV") from exc
    return doc
