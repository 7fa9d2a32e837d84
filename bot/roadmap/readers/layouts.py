"""Tables pasted from web pages and extracted from PDFs, in the layouts they arrive in.

- a pseudographic box table (`┌─┬─┐`, `│`, or ASCII `+---+`, `|`): the lines between two
  borders are one row, each cell's text joined over its lines;
- cells separated by `|` in a stream (one cell per line ending in `|`, or cells with `|`
  lines between them, or a whole table flattened onto a few lines): the stream is cut into
  rows at the number column;
- cells separated by runs of spaces (PDF layout text): columns by the header's positions;
- one cell per line with no separator at all: rows start at the number lines.

Each function returns a RawDocument, or None when the text is not in its layout.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from bot.roadmap.columns import DEADLINE, MEASURE_NUMBER, TITLE, role_scores
from bot.roadmap.columns import header_map as columns_of
from bot.roadmap.raw import Budget, RawCell, RawDocument, RawRow
from bot.roadmap.textnorm import clean_cell, fold

_BOX_CHARS = "│┃║┌┐└┘├┤┬┴┼─━═╔╗╚╝╠╣╦╩╬╒╕╘╛╞╡╤╧╪╓╖╙╜╟╢╥╨╫"
_BOX_SEPARATORS = "│┃║"
_BOX_BORDER = re.compile(rf"^\s*[{_BOX_CHARS}+\-=|/\\ ]+$")
_ASCII_BORDER = re.compile(r"^\s*[|+/\\]?[-=]{3,}[-=+|/\\ ]*$")
_ROMAN = re.compile(r"^[IVXLCІ]{1,5}\.?(?:\s+\S.*)?$", re.S)
_LIST_ITEM = re.compile(r"^(?:[-–—•·]\s?|\d{1,2}[).]\s|[а-я]\)\s)")
_CHUNK = re.compile(r"\S+(?: \S+)*")


def paragraphs_of(lines: list[str]) -> list[str]:
    """Lines grouped into paragraphs at blank lines, each folded onto one line."""
    out: list[str] = []
    block: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            block.append(line.strip())
        elif block:
            out.append(clean_cell(" ".join(block)).replace("\n", " "))
            block = []
    return [p for p in out if p]


def join_lines(lines: list[str]) -> str:
    """A cell's lines as the reader meant them: wrapped words joined, list items apart."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
        elif _LIST_ITEM.match(line):
            out += "\n" + line
        elif out.endswith("-") and line[:1].islower() and not out.endswith(" -"):
            out = out[:-1] + line  # a word hyphenated at the line end: "вза-" + "имодействии"
        else:
            out += " " + line
    return out


def _number(text: str) -> str | None:
    m = MEASURE_NUMBER.match(text.strip())
    return m.group(1) if m else None


def _follows(previous: str | None, number: str) -> bool:
    """Whether `number` can come after `previous` in a plan's numbering."""
    if previous is None:
        return True
    prev = [int(p) for p in previous.split(".")]
    cur = [int(p) for p in number.split(".")]
    if cur == [*prev, 1]:
        return True  # the first child: 1.2 → 1.2.1
    for depth in range(len(prev), 0, -1):
        head = prev[: depth - 1]
        if (
            cur[: depth - 1] == head
            and len(cur) >= depth
            and cur[depth - 1] == prev[depth - 1] + 1
        ):
            return all(x == 1 for x in cur[depth:])  # 1.2.3 → 1.3 / 2 / 2.1
    return cur[0] == 1 and len(cur) <= 2  # numbering restarts in a new section


# ---- box tables --------------------------------------------------------------------------------
def _ascii_border(line: str) -> re.Match[str] | None:
    return _ASCII_BORDER.match(line) if "|" in line or "+" in line else None


def read_box(text: str, budget: Budget) -> RawDocument | None:
    lines = text.splitlines()
    separators = [ln for ln in lines if any(ch in ln for ch in _BOX_SEPARATORS)]
    is_border: Callable[[str], re.Match[str] | None]
    if len(separators) >= 3:
        sep = next(ch for ch in _BOX_SEPARATORS if any(ch in ln for ln in separators))
        is_border = _BOX_BORDER.match
    else:
        borders = [ln for ln in lines if _ASCII_BORDER.match(ln)]
        content = [ln for ln in lines if ln.strip().startswith("|") and ln.count("|") >= 3]
        if len(borders) < 3 or len(content) < 3:
            return None
        sep = "|"

        is_border = _ascii_border

    start = next(
        (i for i, ln in enumerate(lines) if (sep in ln or is_border(ln)) and ln.strip()), None
    )
    if start is None:
        return None
    doc = RawDocument(source="text", paragraphs=paragraphs_of(lines[:start]))
    doc.preamble_count = len(doc.paragraphs)
    group: list[tuple[int, list[str]]] = []

    def flush() -> None:
        if not group:
            return
        for first_line, cells in _box_rows(group):
            budget.tick(len(cells))
            doc.rows.append(RawRow([RawCell(clean_cell(c)) for c in cells], f"line {first_line}"))
        group.clear()

    after: list[str] = []
    for number, line in enumerate(lines[start:], start=start + 1):
        if not line.strip():
            continue
        if is_border(line) and sep not in line.strip("".join(_BOX_CHARS) + "+-=/\\ |"):
            flush()
            continue
        if sep not in line:
            flush()
            after.append(line)
            continue
        pieces = line.split(sep)
        cells = pieces[1:-1] if len(pieces) > 2 else pieces
        group.append((number, cells))
    flush()
    doc.paragraphs.extend(paragraphs_of(after))
    return doc


def _box_rows(group: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """The rows of the lines between two borders: one row, unless its number column holds
    several numbers (a table ruled only around its header)."""
    starts = [
        i for i, (_, cells) in enumerate(group) if cells and _number(cells[0].strip()) is not None
    ]
    cuts = starts if len(starts) > 1 else [0]
    if cuts[0] != 0:
        cuts = [0, *cuts[1:]] if not any(c[0].strip() for _, c in group[: cuts[0]]) else [0, *cuts]
    rows = []
    for a, b in zip(cuts, [*cuts[1:], len(group)], strict=True):
        part = group[a:b]
        width = max(len(cells) for _, cells in part)
        joined = [
            join_lines([cells[i] for _, cells in part if i < len(cells)]) for i in range(width)
        ]
        rows.append((part[0][0], joined))
    return rows


# ---- pipe streams ------------------------------------------------------------------------------
def pipe_layout(lines: list[str]) -> str | None:
    """ "rows" when each line with pipes is a row, "stream" when the cells run on, or None."""
    counts = [ln.count("|") for ln in lines if "|" in ln]
    if len(counts) < 2:
        return None
    common, times = Counter(counts).most_common(1)[0]
    if common >= 2 and times >= 0.6 * len(counts):
        return "rows"
    return "stream"


def read_pipe_stream(text: str, budget: Budget) -> RawDocument | None:
    lines = text.splitlines()
    first = next((i for i, ln in enumerate(lines) if "|" in ln), None)
    if first is None:
        return None
    start = first
    before = [i for i in range(first) if lines[i].strip()]
    if lines[first].strip() == "|":
        # Cells with "|" lines between them: the first header cell is the line before.
        if before and _cells_between_pipes(lines[first:]):
            start = before[-1]
    else:
        # The first header cell may begin on the lines above ("№" / "" / " п/п | …").
        while before and len(lines[before[-1]].strip()) <= 4 and before[-1] >= first - 3:
            start = before.pop()
    preamble = lines[:start]
    doc = RawDocument(source="text", paragraphs=paragraphs_of(preamble))
    doc.preamble_count = len(doc.paragraphs)
    cells: list[tuple[int, str]] = []
    current: list[str] = []
    current_line = start + 1
    for number, line in enumerate(lines[start:], start=start + 1):
        parts = line.split("|")
        for k, part in enumerate(parts):
            if part.strip():
                if not current:
                    current_line = number
                current.append(part)
            if k < len(parts) - 1:  # a pipe ends the cell
                cells.append((current_line, join_lines(current)))
                current = []
                current_line = number
    if any(p.strip() for p in current):
        cells.append((current_line, join_lines(current)))
    for row_line, row in stream_rows(cells):
        budget.tick(len(row))
        doc.rows.append(RawRow([RawCell(clean_cell(c)) for c in row], f"line {row_line}"))
    return doc


def _cells_between_pipes(lines: list[str]) -> bool:
    pipes = [ln for ln in lines if "|" in ln]
    return sum(1 for ln in pipes if not ln.strip().strip("|").strip()) >= 0.6 * len(pipes)


def _row_start(text: str) -> bool:
    t = text.strip()
    return _number(t) is not None or bool(_ROMAN.match(t))


def stream_rows(
    cells: list[tuple[int, str]], width: int | None = None
) -> list[tuple[int, list[str]]]:
    """A stream of cells cut into rows: the header is what comes before the first number;
    a row starts at a number that can follow the previous one (or a section's numeral)."""
    while cells and not cells[0][1].strip():
        cells = cells[1:]
    head = 0
    while head < len(cells) and head <= 12 and not _row_start(cells[head][1]):
        head += 1
    header = [c for _, c in cells[:head]]
    while header and not header[-1].strip():
        header.pop()
    width = width or max(len(header), 2)
    rows: list[tuple[int, list[str]]] = []
    if header:
        rows.append((cells[0][0], header))
    current: list[str] = []
    current_line = cells[head][0] if head < len(cells) else 0
    previous: str | None = None
    for line, text in cells[head:]:
        number = _number(text)
        roman = bool(_ROMAN.match(text.strip()))
        starts = current and (
            roman or (number is not None and (_follows(previous, number) or len(current) >= width))
        )
        if starts:
            rows.append((current_line, _trim(current, width)))
            current = []
        if not current:
            current_line = line
            if number is not None:
                previous = number
            elif roman:
                previous = None
        current.append(text)
    if current:
        rows.append((current_line, _trim(current, width)))
    return rows


def _trim(row: list[str], width: int) -> list[str]:
    row = list(row)
    while len(row) > width and not row[-1].strip():
        row.pop()
    return row


# ---- runs of spaces ----------------------------------------------------------------------------
def read_spaced(text: str, budget: Budget) -> RawDocument | None:
    lines = text.splitlines()
    header_at = None
    for i, line in enumerate(lines):
        chunks = [m.group(0) for m in _CHUNK.finditer(line.replace("\t", "  "))]
        if len(chunks) >= 3 and re.search(r"\S {2,}\S", line):
            found = columns_of(chunks)
            if found and TITLE in found and DEADLINE in found:
                header_at = i
                break
    if header_at is None:
        return None
    header = lines[header_at].replace("\t", "  ")
    spans = [(m.start(), m.end()) for m in _CHUNK.finditer(header)]
    starts = [a for a, _ in spans]
    doc = RawDocument(source="text", paragraphs=paragraphs_of(lines[:header_at]))
    doc.preamble_count = len(doc.paragraphs)
    doc.rows.append(
        RawRow([RawCell(fold(header[a:b])) for a, b in spans], f"line {header_at + 1}")
    )
    for number, raw in enumerate(lines[header_at + 1 :], start=header_at + 2):
        line = raw.replace("\t", "  ")
        if not line.strip():
            continue
        cells = [""] * len(starts)
        for m in _CHUNK.finditer(line):
            column = _column_at(m.start(), m.end(), starts)
            cells[column] = f"{cells[column]} {m.group(0)}".strip()
        budget.tick(len(cells))
        doc.rows.append(RawRow([RawCell(clean_cell(c)) for c in cells], f"line {number}"))
    return doc


def _column_at(start: int, end: int, starts: list[int]) -> int:
    best, best_overlap = 0, -1
    for j, a in enumerate(starts):
        b = starts[j + 1] if j + 1 < len(starts) else 10**6
        overlap = min(end, b) - max(start, a)
        if overlap > best_overlap:
            best, best_overlap = j, overlap
    if best_overlap <= 0:
        best = min(range(len(starts)), key=lambda j: abs(starts[j] - start))
    return best


# ---- one cell per line -------------------------------------------------------------------------
def read_cell_lines(text: str, budget: Budget) -> RawDocument | None:
    numbered = [(i, ln.strip()) for i, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    first = next((k for k, (_, t) in enumerate(numbered) if _number(t) == "1"), None)
    if first is None or first < 2:
        return None
    # The header: the short lines right before the first number, each naming a column.
    best = None
    for width in range(2, min(first, 8) + 1):
        header = [t for _, t in numbered[first - width : first]]
        if len(header[0]) > 45 or not (role_scores(header[0]) or _number_header(header[0])):
            break
        columns = columns_of(header)
        named = set(columns.values()) if columns else set()
        every = all(i in named or "other" in role_scores(t) for i, t in enumerate(header))
        if columns and TITLE in columns and DEADLINE in columns and every:
            best = (width, columns)
    if best is None:
        return None
    width, columns = best
    return _cell_lines(numbered, first - width, width, columns, budget)


def _number_header(text: str) -> bool:
    return "number" in role_scores(text)


def _cell_lines(
    numbered: list[tuple[int, str]],
    k: int,
    width: int,
    columns: dict[str, int],
    budget: Budget,
) -> RawDocument:
    from bot.roadmap.deadlines import parse_deadline
    from bot.roadmap.model import ScheduleKind

    doc = RawDocument(source="text", paragraphs=_line_paragraphs(numbered[:k]))
    doc.preamble_count = len(doc.paragraphs)
    header = [t for _, t in numbered[k : k + width]]
    doc.rows.append(RawRow([RawCell(t) for t in header], f"line {numbered[k][0]}"))
    number_col = columns.get("number", 0)
    deadline_col = columns[DEADLINE]

    def is_deadline(t: str) -> bool:
        schedule = parse_deadline(t, (2000, 2000))
        return schedule.kind is not ScheduleKind.UNPARSED and schedule.note is None

    for line, row in stream_rows(numbered[k + width :], width):
        if len(row) <= 1 or len(row) == width:
            cells = row
        else:
            number, rest = row[0], row[1:]
            cells = [""] * width
            cells[number_col] = number
            others = [c for c in range(width) if c != number_col]
            if len(rest) < len(others):
                for c, t in zip(others, rest, strict=False):
                    cells[c] = t
            else:
                before = [c for c in others if c < deadline_col]
                after = [c for c in others if c > deadline_col]
                at = next(
                    (i for i in range(len(before), len(rest)) if is_deadline(rest[i])),
                    len(before),
                )
                head, tail = rest[:at], rest[at + 1 :]
                _spread(cells, before, head)
                cells[deadline_col] = rest[at] if at < len(rest) else ""
                _spread(cells, after, tail)
        budget.tick(len(cells))
        doc.rows.append(RawRow([RawCell(clean_cell(c)) for c in cells], f"line {line}"))
    return doc


def _spread(cells: list[str], targets: list[int], texts: list[str]) -> None:
    """Texts into columns in order; what is left over joins the last column (a cell that ran
    over several lines)."""
    if not targets:
        return
    for c, t in zip(targets, texts, strict=False):
        cells[c] = t
    if len(texts) > len(targets):
        cells[targets[-1]] = " ".join([cells[targets[-1]], *texts[len(targets) :]])


def _line_paragraphs(numbered: list[tuple[int, str]]) -> list[str]:
    """Paragraphs of the lines before the table: consecutive lines join."""
    out: list[str] = []
    previous = -1
    for number, text in numbered:
        if out and number == previous + 1:
            out[-1] = f"{out[-1]} {text}"
        else:
            out.append(text)
        previous = number
    return [clean_cell(p).replace("\n", " ") for p in out]
