"""A scanned plan's rows repaired after every page is read, before the interpreter sees
them: a header printed again on each page, read with slips, made an exact copy of the first;
measure numbers whose dots were lost or misread («128» after 1.2.7) put back from their
neighbours and section headings (with a lower confidence, so the preview asks).
"""

from __future__ import annotations

import itertools
import re

from bot.roadmap.raw import RawCell, RawDocument, RawRow
from bot.roadmap.units import KNOWN_UNITS

NUMBER_HEADER = re.compile(r"^(?:№|N[eo°º]?)\s*[а-яёa-z/.!|]{0,4}$", re.IGNORECASE)
NUMBER = re.compile(r"^\d{1,2}(?:[.,]\d{1,2}){0,3}[.,]?$")


def _parts(text: str) -> tuple[int, ...] | None:
    if not NUMBER.match(text):
        return None
    return tuple(int(p) for p in re.split(r"[.,]", text.rstrip(".,")) if p)


def _follows(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """Whether number `b` can come right after `a` in a plan's numbering (1.1.3 → 1.1.4,
    1.1 → 1.1.1, 1.1.21 → 1.2 or 2), allowing a few missing in between."""
    if len(b) == len(a) and b[:-1] == a[:-1]:
        return 0 < b[-1] - a[-1] <= 5
    if len(b) == len(a) + 1:
        return b[:-1] == a and b[-1] <= 5
    if len(b) < len(a):
        return b[:-1] == a[: len(b) - 1] and 0 < b[-1] - a[len(b) - 1] <= 5
    return False


DOUBTED = 0.5  # the confidence given to a number filled in from its neighbours


def finish(doc: RawDocument) -> None:
    """What is done once all pages are read: the header printed again on each page made
    exactly the first one (so the interpreter skips it and joins a row a page break split),
    then the number column repaired by its sequence."""
    repair_headers(doc)
    repair_numbers(doc)
    repair_units(doc)


HEADER_LIKE = 80  # rapidfuzz ratio of a cell to the header's cell in a header read again


def _header_tail(rows: list[RawRow], header: RawRow) -> list[RawRow]:
    """The lines under a borderless table's header that are the rest of its cells («Срок» /
    «выполнения»): up to two rows of printed lines, no number, no digit, text only under
    the header's cells."""
    tail: list[RawRow] = []
    for row in rows[:2]:
        texts = row.texts()
        if ", line " not in row.where or len(texts) != len(header.cells) or texts[0].strip():
            break
        if any(re.search(r"\d", t) for t in texts) or not any(t.strip() for t in texts):
            break
        if any(t.strip() and not h.text.strip() for t, h in zip(texts, header.cells, strict=True)):
            break
        tail.append(row)
    return tail


def _same_texts(row: RawRow, model: RawRow) -> bool:
    from rapidfuzz.fuzz import ratio

    from bot.roadmap.textnorm import norm_key

    if len(row.cells) != len(model.cells):
        return False
    pairs = [
        (norm_key(a.text), norm_key(b.text)) for a, b in zip(row.cells, model.cells, strict=True)
    ]
    return all((not a and not b) or (a and b and ratio(a, b) >= HEADER_LIKE) for a, b in pairs)


def repair_headers(doc: RawDocument) -> None:
    """Rows read from a scan that repeat the table's header with recognition slips (a cell
    misread, the «№ п/п» cell not read at all) get the header's own texts. A borderless
    table's header printed on two lines is one row, on every page (its second line would
    otherwise go on the measure a page break split)."""
    from rapidfuzz.fuzz import ratio

    from bot.roadmap.table import find_header
    from bot.roadmap.textnorm import norm_key

    found = find_header(doc.rows)
    if found is None:
        return
    at, _ = found
    header = doc.rows[at]
    if NUMBER_HEADER.match(header.cells[0].text.strip()):
        # «№ пт», «Ne п/п»: how the number column's header is misread.
        header.cells[0] = RawCell("№ п/п", confidence=header.cells[0].confidence)
    keys = [norm_key(c.text) for c in header.cells]
    named = sum(1 for k in keys if k)
    tail = _header_tail(doc.rows[at + 1 :], header)
    merged = [
        RawCell(
            " ".join(t for t in [c.text, *(r.cells[i].text for r in tail)] if t.strip()),
            confidence=c.confidence,
        )
        for i, c in enumerate(header.cells)
    ]
    drop: set[int] = {id(r) for r in tail}
    rows = doc.rows
    for k in range(at + 1, len(rows)):
        row = rows[k]
        if len(row.cells) != len(keys) or not _scanned(row) or id(row) in drop:
            continue
        same = 0
        for cell, key in zip(row.cells, keys, strict=True):
            text = norm_key(cell.text)
            if key and text and ratio(text, key) >= HEADER_LIKE:
                same += 1
            elif text and not (NUMBER_HEADER.match(text) and key.startswith("№")):
                break  # a cell that is not the header's: a data row
        else:
            if same >= 2 and same >= named - 1:
                row.cells = [RawCell(c.text, confidence=c.confidence) for c in merged]
                for follower, model in zip(rows[k + 1 :], tail, strict=False):
                    if not _same_texts(follower, model):
                        break
                    drop.add(id(follower))
    header.cells = merged
    doc.rows = [r for r in rows if id(r) not in drop]


def repair_units(doc: RawDocument) -> None:
    """The cells of the responsible column read with the plan's unit names in mind
    (ocr_words.correct_units): known unit abbreviations and those the plan prints. The
    confidence is kept, so a doubtful cell is still shown to confirm; a unit corrected by a
    letter is reported with the importer's joins."""
    from bot.roadmap.columns import RESPONSIBLE
    from bot.roadmap.readers.ocr_words import DOUBT_BELOW, abbreviations, correct_units
    from bot.roadmap.table import find_header

    found = find_header(doc.rows)
    if found is None or RESPONSIBLE not in found[1]:
        return
    column = found[1][RESPONSIBLE]
    printed = abbreviations([c.text for r in doc.rows for c in r.cells if c.text])
    for row in doc.rows[found[0] + 1 :]:
        if len(row.cells) <= column or not _scanned(row):
            continue
        cell = row.cells[column]
        if not cell.text.strip():
            continue
        doubtful = cell.confidence is not None and cell.confidence < DOUBT_BELOW
        guesses: list[str] = []
        text = correct_units(cell.text, UNIT_ABBREVIATIONS, printed, doubtful, guesses)
        for guess in guesses:
            note = f"{guess} (probable recognition slip)"
            if note not in doc.joins:
                doc.joins.append(note)
        if text != cell.text:
            row.cells[column] = RawCell(text, confidence=cell.confidence)


# The unit abbreviations the field uses (ОО, ДОО, МОУО, ИМЦ …) and the words in capitals of
# its longer names (КО, НОО, ПРОД of «ГБУ КО НОО ПРОД»).
UNIT_ABBREVIATIONS = frozenset(
    w for u in KNOWN_UNITS for w in re.findall(r"\w+", u) if re.fullmatch(r"[А-ЯЁ]{2,6}", w)
)


def _successors(a: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The numbers that can come right after `a`: the next at its level, its first child,
    the next at each level above."""
    out = [(*a[:-1], a[-1] + 1), (*a, 1)]
    out += [(*a[: k - 1], a[k - 1] + 1) for k in range(len(a) - 1, 0, -1)]
    return out


_NUMBERISH = re.compile(r"^\d[\d.,:;\s]{0,10}$")  # digits with whatever their dots were read as


_SECTION_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,2})\.?\s+[А-ЯЁA-Z]")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def repair_numbers(doc: RawDocument, column: int = 0, title: int = 1) -> None:
    """The number column read by its sequence. A number whose digits are those of a number
    that can follow the one before (a measure or a section heading «1.3. Система …»), or the
    one after it, its dots lost or misread («128» after 1.2.7), is that number. Then a
    number that fits neither of its neighbours, or not the one place two neighbours leave
    (7 between 2.3.3 and 2.3.5), is doubted, and the measure rows between two numbers of the
    same level (a heading «2.3.» counting as 2.3.0) that are exactly as many as the numbers
    missing between them get those numbers. A number changed gets confidence DOUBTED, so
    the preview asks. Only rows read from a scan are touched; repeated headers are skipped."""
    rows = [
        r
        for r in doc.rows
        if len(r.cells) > max(column, title) and _scanned(r) and not _is_header_copy(r, column)
    ]
    previous: tuple[int, ...] | None = None
    for row in rows:
        text = row.cells[column].text.strip()
        me = _parts(text)
        heading = _SECTION_NUMBER.match(text)
        if me is None and heading:  # «2.2. Система …»: its measures are 2.2.1, 2.2.2, …
            me = _parts(heading.group(1))
        if previous is None:
            previous = me
            continue
        # The next numbers, or those one further (the row before was not read at all).
        near = _successors(previous)
        near += [b for a in near for b in _successors(a) if b not in near]
        if me in near:
            previous = me
        elif _NUMBERISH.match(text):
            for candidate in near:
                if _digits(text) == "".join(str(p) for p in candidate):
                    row.cells[column] = RawCell(".".join(map(str, candidate)), confidence=DOUBTED)
                    previous = candidate
                    break
            else:
                if me is not None and len(me) >= len(previous) and _follows(previous, me):
                    previous = me  # a few numbers missing, at the same level or deeper
        elif me is not None:
            previous = me
    numbers = [_parts(r.cells[column].text) for r in rows]
    for i, row in enumerate(rows):  # a section heading «1.2. …» stands for 1.2.0
        heading = _SECTION_NUMBER.match(row.cells[column].text.strip())
        if numbers[i] is None and heading and not row.cells[title].text.strip():
            numbers[i] = (*(_parts(heading.group(1)) or ()), 0)
    anchors = [i for i, n in enumerate(numbers) if n is not None]
    # A number that fits neither neighbour, or not the one place they leave, is no anchor.
    for k, i in enumerate(anchors):
        before = numbers[anchors[k - 1]] if k > 0 else None
        after = numbers[anchors[k + 1]] if k + 1 < len(anchors) else None
        me = numbers[i]
        assert me is not None
        fits = (before is not None and _follows(before, me)) or (
            after is not None and _follows(me, after)
        )
        if before is not None and after is not None:
            # Neighbours one apart (2.3.3 … 2.3.5) leave room for one number only (2.3.4).
            room = (*before[:-1], before[-1] + 1)
            if not fits or (after == (*before[:-1], before[-1] + 2) and me != room):
                numbers[i] = None
    anchors = [i for i, n in enumerate(numbers) if n is not None]
    for a, b in itertools.pairwise(anchors):
        first, last = numbers[a], numbers[b]
        assert first is not None and last is not None
        if len(first) != len(last) or first[:-1] != last[:-1]:
            continue
        between = [i for i in range(a + 1, b) if _measure_like(rows[i], column, title)]
        if not between or len(between) != last[-1] - first[-1] - 1:
            continue
        for step, i in enumerate(between, start=1):
            value = ".".join(str(p) for p in (*first[:-1], first[-1] + step))
            rows[i].cells[column] = RawCell(value, confidence=DOUBTED)


def _is_header_copy(row: RawRow, column: int) -> bool:
    return row.cells[column].text == "№ п/п"


def _measure_like(row: RawRow, column: int, title: int) -> bool:
    """A row that can be a measure: a title, and a number or another cell beside it (the
    rest of a title a page break split has nothing else)."""
    if not row.cells[title].text.strip():
        return False
    others = [c for i, c in enumerate(row.cells) if i not in (column, title) and c.text.strip()]
    return bool(row.cells[column].text.strip() or others)


def _scanned(row: RawRow) -> bool:
    return any(c.confidence is not None for c in row.cells)
