"""Recognition confidence of measures read from a scan.

The readers give each cell read from a scan its confidence (`RawCell.confidence`); the
interpreter is shared with text documents and knows nothing of it. Afterwards each measure
gets the confidence of its least certain cell, and the fields read with doubt, found by the
positions (`where`) of the rows it was made of.
"""

from __future__ import annotations

from bot.roadmap.model import ParsedRoadmap
from bot.roadmap.raw import RawDocument
from bot.roadmap.table import find_header

FIELDS = ("number", "title", "deadline", "responsible")
DOUBT_BELOW = 0.75  # a field whose least certain word is below this is shown to confirm


def with_confidence(parsed: ParsedRoadmap, raw: RawDocument) -> ParsedRoadmap:
    if not any(c.confidence is not None for r in raw.rows for c in r.cells):
        return parsed
    found = find_header(raw.rows)
    if found is None:
        return parsed
    _, columns = found
    index = {row.where: i for i, row in enumerate(raw.rows)}
    for measure in parsed.measures:
        first, _, last = measure.where.partition("–")
        start = index.get(first)
        if start is None:
            continue
        end = start
        if last:
            # "page 2, row 3–5" (same page) or "page 2, row 9–page 3, row 2".
            block = first.rsplit(" ", 1)[0]
            end = index.get(last if " " in last else f"{block} {last}", start)
        lowest: dict[str, float] = {}
        for row in raw.rows[start : end + 1]:
            for name in FIELDS:
                column = columns.get(name)
                if column is None or column >= len(row.cells):
                    continue
                confidence = row.cells[column].confidence
                if confidence is not None:
                    lowest[name] = min(lowest.get(name, 1.0), confidence)
        if lowest:
            measure.confidence = round(min(lowest.values()), 2)
            measure.doubtful = [n for n in FIELDS if lowest.get(n, 1.0) < DOUBT_BELOW]
    return parsed
