"""Text form: extracted/pasted text with tab-separated cells, markdown tables, .txt/.md, CSV."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

from bot.roadmap.errors import ImportRefused
from bot.roadmap.raw import Budget, RawCell, RawDocument, RawRow
from bot.roadmap.readers import layouts
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
    delimiter = _csv_delimiter(text)
    if csv_hint or delimiter:
        return _read_csv(text, budget, delimiter)
    lines = text.splitlines()
    if not any("\t" in line for line in lines[:400]):
        # Layouts of pages and PDFs: the first that yields a header row is the one.
        layout = layouts.pipe_layout(lines)
        readers = [layouts.read_box]
        if layout == "stream":
            readers.append(layouts.read_pipe_stream)
        elif layout is None:
            readers += [layouts.read_spaced, layouts.read_cell_lines]
        for reader in readers:
            doc = reader(text, budget)
            if doc is not None and _has_header(doc):
                return doc
    return _read_lines(lines, budget, pipe_rows=layouts.pipe_layout(lines) == "rows")


def _has_header(doc: RawDocument) -> bool:
    from bot.roadmap.table import find_header

    return find_header(doc.rows) is not None


def _read_lines(lines: list[str], budget: Budget, *, pipe_rows: bool) -> RawDocument:
    """Tab-separated cells, markdown tables and rows flattened onto lines with " | "."""
    doc = RawDocument(source="text")
    block: list[str] = []
    started = False

    def flush() -> None:
        if block:
            doc.paragraphs.append(clean_cell(" ".join(block)).replace("\n", " "))
            block.clear()

    for number, line in enumerate(lines, start=1):
        if number % 200 == 0:
            budget.tick()
        stripped = line.strip()
        if "\t" in line:
            cells = line.split("\t")
        elif stripped.count("|") >= 2 and (stripped.startswith("|") or pipe_rows):
            if _MD_SEPARATOR.match(stripped):
                continue
            cells = stripped.split("|")
            if stripped.startswith("|"):
                cells = cells[1:]
            if stripped.endswith("|"):
                cells = cells[:-1]
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


def _csv_delimiter(text: str) -> str | None:
    """ ";" or "," when the text is a CSV table (most lines split into the same number of
    three or more fields), else None. Tab-separated text is read as text, not as CSV."""
    head = text[:16384]
    if "\t" in head:
        return None
    lines = [ln for ln in head.splitlines() if ln.strip()][:60]
    if len(lines) < 2:
        return None
    best: tuple[int, str] | None = None
    for delimiter, share in ((";", 0.4), (",", 0.6)):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        wide = [c for c in counts if c >= 3]
        if len(wide) < 2:
            continue
        _, times = Counter(wide).most_common(1)[0]
        if times >= share * len(counts) and (best is None or times > best[0]):
            best = (times, delimiter)
    return best[1] if best else None


def _read_csv(text: str, budget: Budget, delimiter: str | None) -> RawDocument:
    doc = RawDocument(source="csv")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter or ";")
    try:
        for row in reader:
            budget.tick(len(row))
            cells = [_cell(c) for c in row]
            doc.rows.append(RawRow(cells, f"line {reader.line_num}"))
    except csv.Error as exc:
        raise ImportRefused("corrupt_file", kind="CSV") from exc
    return doc
