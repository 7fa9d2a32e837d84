"""The shared interpreter: a RawDocument (from any reader) → ParsedRoadmap.

Columns are found by their header text; rows are measures, section headings, continuations of
the previous measure (a page break split it), repeated headers (skipped) or something not
understood (reported and kept on the nearest measure). See the spec's "Rows" section.

Decisions the spec leaves open:
- `ParsedMeasure.section` is the section's number when it has one ("1.1"), else its title.
- Without a plan period (none in the title, none given) `plan_period` stays None and deadlines
  are read against the span of years the deadlines themselves mention; if they mention none,
  phrases that depend on the period get no windows. Either way a "no_plan_period" problem says so.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from bot.roadmap.columns import (
    DEADLINE,
    DOCTYPE,
    MEASURE_NUMBER,
    NUMBER,
    RESPONSIBLE,
    RESULT,
    TITLE,
)
from bot.roadmap.columns import header_map as columns_of
from bot.roadmap.deadlines import parse_deadline, years_in
from bot.roadmap.errors import ImportRefused
from bot.roadmap.model import ParsedMeasure, ParsedRoadmap, Problem, ScheduleKind, Section
from bot.roadmap.people import PeopleIndex, find_names
from bot.roadmap.preamble import find_approval, find_period, find_title
from bot.roadmap.raw import RawDocument, RawRow
from bot.roadmap.textnorm import fold, norm_key
from bot.roadmap.units import classify

REQUIRED = (TITLE, DEADLINE)
COLUMN_ORDER = (NUMBER, TITLE, DEADLINE, RESPONSIBLE, DOCTYPE, RESULT)

_MEASURE_NUMBER = MEASURE_NUMBER
_SECTION_PREFIX = re.compile(
    r"^(?:(\d{1,3}(?:\.\d{1,3})*)[.)]?|([IVXLCІИ]{1,4})\.)\s+(\S.*)$", re.S
)
_TITLE_PREFIX = re.compile(r"^(\d{1,3}(?:\.\d{1,3})+|\d{1,3}\.)\s+(\S.*)$", re.S)
_LIST_START = re.compile(r"^(?:[-–—•·*]|\d{1,2}[).]|[а-я]\))\s*")
_ROMAN_NUMBER = re.compile(r"^[IVXLCІ]{1,5}\.?$")
HEADER_LOOKAHEAD = 30  # data rows consulted to recognise an unnamed number column


def header_map(row: RawRow, data: list[RawRow] | None = None) -> dict[str, int] | None:
    """The columns a row names (role -> index), or None when it is not a header row."""
    return columns_of(row.texts(), [r.texts() for r in data or []])


def _is_numbering_row(texts: list[str]) -> bool:
    """The "1 2 3 4" row under a header that numbers the columns."""
    values = [t.strip().rstrip(".") for t in texts if t.strip()]
    return (
        len(values) >= 2
        and all(v.isdecimal() for v in values)
        and ([int(v) for v in values] == list(range(1, len(values) + 1)))
    )


def _is_decoration(texts: list[str]) -> bool:
    return not any(ch.isalnum() for t in texts for ch in t)


@dataclass
class _Draft:
    number: str | None
    section: str | None
    where: str
    parts: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    last_where: str = ""

    def add(self, kind: str, text: str) -> None:
        if text.strip():
            self.parts.setdefault(kind, []).append(text.strip())

    def text(self, kind: str) -> str:
        out = ""
        for piece in self.parts.get(kind, []):
            if not out:
                out = piece
            elif _LIST_START.match(piece) or out.endswith(":"):
                out += "\n" + piece
            else:
                out += " " + piece
        return out


@dataclass
class _Interpreted:
    title_lines: list[str]
    sections: list[Section]
    drafts: list[_Draft]
    problems: list[Problem]


def find_header(rows: list[RawRow]) -> tuple[int, dict[str, int]] | None:
    """The first row that names the table's columns, and its columns."""
    for i, row in enumerate(rows):
        found = header_map(row, rows[i + 1 : i + 1 + HEADER_LOOKAHEAD])
        if found:
            return i, found
    return None


def _fill_from_data(columns: dict[str, int], header: RawRow, data: list[RawRow]) -> dict[str, int]:
    """A measure or deadline column whose header names nothing known, told by its cells: the
    column of long texts is the measure, a column of deadline phrases is the deadline."""
    columns = dict(columns)
    taken = set(columns.values())
    width = max((len(r.cells) for r in [header, *data]), default=0)
    free = [i for i in range(width) if i not in taken]

    def cells(i: int) -> list[str]:
        return [
            r.cells[i].text.strip() for r in data if i < len(r.cells) and r.cells[i].text.strip()
        ]

    if DEADLINE not in columns:
        for i in free:
            values = cells(i)[:40]
            readable = [
                v
                for v in values
                if parse_deadline(v, (2000, 2000)).kind is not ScheduleKind.UNPARSED
            ]
            if len(values) >= 2 and len(readable) >= 0.6 * len(values):
                columns[DEADLINE] = i
                free.remove(i)
                break
    if TITLE not in columns:
        lengths = {
            i: sum(len(v) for v in cells(i)[:40]) / max(len(cells(i)[:40]), 1) for i in free
        }
        best = max(lengths, key=lambda i: lengths[i], default=None)
        if best is not None and lengths[best] >= 25:
            columns[TITLE] = best
    return columns


def interpret(
    doc: RawDocument, *, period: tuple[int, int] | None = None, title_hint: str = ""
) -> ParsedRoadmap:
    """Read the raw table. `title_hint` is ignored: a file name is never a plan's title (the
    importer asks for one when the document states none); it stays for old callers."""
    del title_hint
    rows = doc.rows
    located = find_header(rows)
    if located is None:
        if not any(p.strip() for p in doc.paragraphs) and all(r.is_empty() for r in rows):
            raise ImportRefused("empty")
        raise ImportRefused("no_table")
    header_at, columns = located
    data = rows[header_at + 1 : header_at + 1 + 60]
    columns = _fill_from_data(columns, rows[header_at], data)
    missing = [k for k in REQUIRED if k not in columns]
    if missing:
        header_names = [fold(c.text) for c in rows[header_at].cells if c.text.strip()]
        raise ImportRefused("missing_columns", found=header_names, missing=missing)

    preamble = list(doc.paragraphs[: doc.preamble_count])
    preamble += [" ".join(t for t in r.texts() if t.strip()) for r in rows[:header_at]]
    preamble = [fold(p) for p in preamble if p.strip()]
    result = _rows_to_drafts(rows[header_at + 1 :], columns, rows[header_at])
    if not result.drafts:
        raise ImportRefused("empty")

    title = find_title(preamble)
    stated = find_period(title, preamble)
    plan_period = period or (stated.years if stated else None)
    # A school-year plan is read as one: bare months fall inside that school year.
    school_year = bool(stated and stated.school_year and plan_period == stated.years)
    approval = find_approval(preamble)
    problems = result.problems
    effective = plan_period
    proposed = None
    if plan_period is None:
        years = sorted(
            {y for d in result.drafts for y in years_in(d.text(DEADLINE)) if 1990 <= y <= 2100}
        )
        effective = proposed = (years[0], years[-1]) if years else None
        problems.insert(
            0,
            Problem(
                "title",
                title,
                (
                    f"no plan period in the title; deadlines read against {years[0]}–{years[-1]}, "
                    "the years the deadlines mention"
                )
                if years
                else "no plan period in the title; phrases that depend on it have no dates",
                "no_plan_period",
            ),
        )
    measures = _finish(result.drafts, effective, problems, school_year=school_year)
    index = PeopleIndex()
    cells = [index.add(m.responsible_raw) for m in measures]
    index.finish()
    for m, parts in zip(measures, cells, strict=True):
        m.persons, m.units = index.resolve(parts)
        if not m.persons and not m.units:
            problems.append(
                Problem(
                    m.where,
                    m.responsible_raw,
                    "no responsible person or unit",
                    "no_responsible",
                    m.number,
                )
            )
    problems.sort(key=lambda p: _where_order(p.where))
    unit_names = list(dict.fromkeys(u for m in measures for u in m.units))
    return ParsedRoadmap(
        title=title,
        plan_period=plan_period,
        sections=result.sections,
        measures=measures,
        problems=problems,
        joins=[*doc.joins, *index.joins],
        approval=approval,
        proposed_period=proposed,
        school_year=school_year,
        unit_details=[classify(u) for u in unit_names],
        unit_joins=index.unit_joins,
    )


def _where_order(where: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", where)) or (0,)


def _is_repeated_header(row: RawRow, columns: dict[str, int], header: RawRow) -> bool:
    """The header printed again on a new page (never a data row that mentions a role)."""
    texts = [norm_key(t) for t in row.texts() if t.strip()]
    if texts and texts == [norm_key(t) for t in header.texts() if t.strip()]:
        return True
    return header_map(row) == columns


def _rows_to_drafts(
    rows: list[RawRow], columns: dict[str, int], header: RawRow | None = None
) -> _Interpreted:
    sections: list[Section] = []
    drafts: list[_Draft] = []
    problems: list[Problem] = []
    current_section: str | None = None
    last_kind = "header"  # header | section | measure
    num_col = columns.get(NUMBER)
    data_cols = {k: v for k, v in columns.items() if k != NUMBER}
    width = max(columns.values()) + 1

    # Numbers of the numbered rows, to tell "1.2. <title>" sections from measures by what follows.
    numbers: list[tuple[int, str]] = []
    for i, row in enumerate(rows):
        if num_col is not None and num_col < len(row.cells):
            m = _MEASURE_NUMBER.match(row.cells[num_col].text.strip())
            if m:
                numbers.append((i, m.group(1)))
    next_number: dict[int, str] = {}
    for (i, _), (_, nxt) in itertools.pairwise(numbers):
        next_number[i] = nxt

    def cell(row: RawRow, kind: str) -> str:
        idx = columns.get(kind)
        if idx is None or idx >= len(row.cells):
            return ""
        return row.cells[idx].text.strip()

    def unrecognised(row: RawRow, why: str) -> None:
        raw = " | ".join(t for t in row.texts() if t.strip())
        problems.append(
            Problem(row.where, raw, why, "unrecognised_row", drafts[-1].number if drafts else None)
        )
        if drafts:
            drafts[-1].notes.append(raw)

    def add_section(number: str | None, title: str) -> None:
        nonlocal current_section, last_kind
        sections.append(Section(number, title))
        current_section = number or title
        last_kind = "section"

    for i, row in enumerate(rows):
        texts = row.texts()
        if not any(t.strip() for t in texts) or _is_decoration(texts):
            continue
        if (header is not None and _is_repeated_header(row, columns, header)) or (
            _is_numbering_row(texts)
        ):
            continue  # a header repeated on a new page
        extra = [c.text for j, c in enumerate(row.cells) if j >= width and c.text.strip()]
        num_cell = row.cells[num_col] if num_col is not None and num_col < len(row.cells) else None
        num_text = num_cell.text.strip() if num_cell else ""
        filled = {k: cell(row, k) for k in data_cols if cell(row, k)}
        bold = any(c.bold for c in row.cells if c.text.strip())

        # A copy of a vertically merged number cell: the same measure goes on.
        if num_cell is not None and num_cell.merged and drafts and last_kind == "measure":
            for k, idx in data_cols.items():
                if idx < len(row.cells) and not row.cells[idx].merged:
                    drafts[-1].add(k, row.cells[idx].text)
            continue

        m = _MEASURE_NUMBER.match(num_text) if num_text else None
        if m:
            number = m.group(1)
            others = {k: v for k, v in filled.items() if k != TITLE}
            if not others and TITLE in filled:
                nxt = next_number.get(i, "")
                if bold or nxt.startswith(number + "."):
                    add_section(number, filled[TITLE])
                    continue
            if not filled:
                # A number alone: the rest of the row may have been lost; keep it as a measure.
                pass
            draft = _Draft(number, current_section, row.where)
            for k, v in filled.items():
                draft.add(k, v)
            drafts.append(draft)
            last_kind = "measure"
        elif num_text and _ROMAN_NUMBER.match(num_text) and TITLE in filled:
            # "I. | Этап подготовки | ноябрь 2012 – май 2013г." : a section of Roman number.
            add_section(num_text.rstrip(".").strip(), fold(filled[TITLE]))
            continue
        elif num_text:
            if not filled:
                sm = _SECTION_PREFIX.match(num_text)
                if sm:
                    add_section(sm.group(1) or sm.group(2), fold(sm.group(3)))
                else:
                    add_section(None, fold(num_text))
                continue
            tm = _TITLE_PREFIX.match(num_text)
            if tm and TITLE not in filled:
                # "1.1.1 Разработка ..." in the number column: split it back.
                number = tm.group(1).rstrip(".")
                draft = _Draft(number, current_section, row.where)
                draft.add(TITLE, tm.group(2))
                for k, v in filled.items():
                    draft.add(k, v)
                drafts.append(draft)
                problems.append(
                    Problem(
                        row.where,
                        num_text,
                        "the title was in the number column",
                        "moved_cell",
                        number,
                    )
                )
                last_kind = "measure"
            else:
                unrecognised(row, "the number column holds text that is not a number")
                continue
        else:
            # No number.
            if num_col is None and TITLE in filled and len(filled) == 1:
                tm = _SECTION_PREFIX.match(filled[TITLE])
                if bold or (tm and not tm.group(1)):
                    add_section(
                        tm.group(1) or tm.group(2) if tm else None,
                        fold(tm.group(3)) if tm else fold(filled[TITLE]),
                    )
                    continue
            if num_col is not None and set(filled) == {TITLE} and bold and last_kind != "measure":
                add_section(None, fold(filled[TITLE]))
                continue
            if drafts and last_kind == "measure" and not _starts_new_measure(filled, drafts[-1]):
                for k, v in filled.items():
                    drafts[-1].add(k, v)
                drafts[-1].last_where = row.where
                if extra:
                    drafts[-1].notes.extend(extra)
                continue
            if TITLE not in filled:
                unrecognised(row, "a row without a number or a title")
                continue
            number = None
            if num_col is None:
                tm = _TITLE_PREFIX.match(filled[TITLE])
                if tm:
                    number = tm.group(1).rstrip(".")
                    filled[TITLE] = tm.group(2)
            draft = _Draft(number, current_section, row.where)
            for k, v in filled.items():
                draft.add(k, v)
            drafts.append(draft)
            last_kind = "measure"
        if extra:
            unrecognised(row, "cells beyond the table's columns")
    return _Interpreted([], sections, drafts, problems)


def _starts_new_measure(filled: dict[str, str], previous: _Draft) -> bool:
    """An unnumbered row that reads as a measure of its own rather than a page-break tail."""
    title = filled.get(TITLE, "")
    if not title or not title[:1].isupper():
        return False
    if not filled.get(DEADLINE) or not filled.get(RESPONSIBLE):
        return False
    return bool(previous.text(DEADLINE)) and bool(previous.text(RESPONSIBLE))


def _split_moved(deadline: str, responsible: str) -> tuple[str, str, str | None]:
    """Move text back to its column; returns (deadline, responsible, what moved or None)."""
    names = find_names(deadline)
    if names:
        head = deadline[: names[0].start].strip(" ,;")
        tail = deadline[names[0].start :].strip()
        if head and parse_deadline(head, (2000, 2000)).kind is not ScheduleKind.UNPARSED:
            joined = f"{tail} {responsible}".strip() if responsible else tail
            return head, joined, tail
    if not deadline and responsible:
        names = find_names(responsible)
        head = responsible[: names[0].start] if names else responsible
        words = head.split()
        for size in range(min(len(words), 8), 0, -1):
            candidate = " ".join(words[:size]).strip(" ,;")
            schedule = parse_deadline(candidate, (2000, 2000))
            if schedule.kind is not ScheduleKind.UNPARSED and schedule.note is None:
                rest = responsible[len(" ".join(words[:size])) :].strip(" ,;")
                if responsible.startswith(" ".join(words[:size])):
                    return candidate, rest, candidate
    return deadline, responsible, None


def _finish(
    drafts: list[_Draft],
    period: tuple[int, int] | None,
    problems: list[Problem],
    *,
    school_year: bool = False,
) -> list[ParsedMeasure]:
    measures: list[ParsedMeasure] = []
    seen: dict[str, str] = {}
    for position, d in enumerate(drafts, start=1):
        deadline = fold(d.text(DEADLINE))
        responsible = fold(d.text(RESPONSIBLE))
        deadline, responsible, moved = _split_moved(deadline, responsible)
        where = d.where
        if d.last_where:
            same_block = d.where.rsplit(" ", 1)[0] == d.last_where.rsplit(" ", 1)[0]
            where += "–" + (d.last_where.rsplit(" ", 1)[-1] if same_block else d.last_where)
        if moved:
            problems.append(
                Problem(
                    where,
                    moved,
                    "text moved between the deadline and responsible columns",
                    "moved_cell",
                    d.number,
                )
            )
        schedule = parse_deadline(deadline, period, school_year=school_year)
        title = d.text(TITLE)
        m = ParsedMeasure(
            number=d.number,
            section=d.section,
            title=title,
            deadline_raw=deadline,
            schedule=schedule,
            responsible_raw=responsible,
            document_type=fold(d.text(DOCTYPE)) or None,
            expected_result=d.text(RESULT) or None,
            where=where,
            notes=list(d.notes),
        )
        if d.number is None:
            problems.append(
                Problem(
                    where,
                    fold(title)[:200],
                    f"no number; kept as measure #{position}",
                    "no_number",
                )
            )
        elif d.number in seen:
            problems.append(
                Problem(
                    where,
                    d.number,
                    f"number {d.number} was already used at {seen[d.number]}",
                    "duplicate_number",
                    d.number,
                )
            )
        else:
            seen[d.number] = where
        if not title:
            problems.append(Problem(where, "", "the measure has no title", "no_title", d.number))
        if not deadline:
            problems.append(
                Problem(where, "", "the measure has no deadline", "no_deadline", d.number)
            )
        elif schedule.kind is ScheduleKind.UNPARSED:
            problems.append(
                Problem(
                    where,
                    deadline,
                    "the deadline was not understood",
                    "unparsed_deadline",
                    d.number,
                )
            )
        elif schedule.note and schedule.kind is not ScheduleKind.ON_REQUEST:
            problems.append(
                Problem(
                    where,
                    deadline,
                    f"only part of the deadline was understood; kept as a note: {schedule.note}",
                    "partly_parsed_deadline",
                    d.number,
                )
            )
        for w in schedule.warnings:
            if "clamped" in w:
                problems.append(Problem(where, deadline, w, "clamped_date", d.number))
        measures.append(m)
    return measures
