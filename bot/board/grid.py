"""The board: a plan's measures as rows, periods or schools as columns, a status per cell.

Pure: `BoardData` in (read by `storage.read_board`), a `Board` out, as of `today` (the
organisation's local date). Each occurrence is assessed as the summaries assess it
(`bot.summaries.assess`), then given one of six board statuses:

* done, partly done: the occurrence's state (its status, or its latest report's);
* not reported: its (effective) due date passed, it is still open and nobody reported;
* overdue: its due date passed and it is not done (reported not done, postponed to a date
  that passed too, or a report that did not close it); closed as not done counts here too;
* postponed: moved to a date still ahead;
* not yet due: everything else (a deadline ahead, continuous work under way).

A cell holds the occurrences of one measure in one column; it shows the worst status among
them (overdue first, done last). Totals count occurrences: done / due (due: assessed, as in
the summary), per row, per column and overall.

Filters (all optional) narrow the occurrences first: the period (`start`..`end`), a section,
a status, a person (directly or through a unit) or an organisation, and a text found in the
measure's number or title. The columns are by month, by quarter, or (for a plan with member
organisations) by organisation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from urllib.parse import urlencode

from bot.board.records import BoardData, BoardOccurrence, BoardOrganisation
from bot.i18n import _
from bot.queries.periods import month_period, quarter_period, year_period
from bot.records import MeasureRow, PlanData, SectionRow
from bot.summaries import assess, section_heading
from bot.summaries.compute import DONE, NOT_DONE, PARTIAL, POSTPONED, Assessment


class Status(StrEnum):
    """The board's statuses; the value is the CSS class of a cell (kept one letter short:
    a board of 15,000 cells is mostly these)."""

    OVERDUE = "o"
    NOT_REPORTED = "r"
    POSTPONED = "s"
    PARTIAL = "p"
    NOT_DUE = "n"
    DONE = "d"


# Worst first: a cell shows the first of these among its occurrences.
SEVERITY = tuple(Status)
RANK = {status: index for index, status in enumerate(SEVERITY)}
STATUS_NAMES = {
    "done": Status.DONE,
    "partial": Status.PARTIAL,
    "postponed": Status.POSTPONED,
    "overdue": Status.OVERDUE,
    "not_due": Status.NOT_DUE,
    "not_reported": Status.NOT_REPORTED,
}
STATUS_CODES = {status: name for name, status in STATUS_NAMES.items()}


def status_label(status: Status) -> str:
    return {
        Status.DONE: _("done"),
        Status.PARTIAL: _("partly done"),
        Status.POSTPONED: _("postponed"),
        Status.OVERDUE: _("overdue"),
        Status.NOT_DUE: _("not yet due"),
        Status.NOT_REPORTED: _("not reported"),
    }[status]


def board_status(item: Assessment) -> Status:
    if item.state == DONE:
        return Status.DONE
    if item.state == PARTIAL:
        return Status.PARTIAL
    if item.not_reported:
        return Status.NOT_REPORTED
    if item.overdue or item.state == NOT_DONE:
        return Status.OVERDUE
    if item.state == POSTPONED:
        return Status.POSTPONED
    return Status.NOT_DUE


def worst(statuses: Iterable[Status]) -> Status | None:
    found = None
    for status in statuses:
        if found is None or RANK[status] < RANK[found]:
            found = status
    return found


# Filters ---------------------------------------------------------------------------------

COLUMN_MODES = ("school", "month", "quarter")
PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|-?[Qq]([1-4]))?$")
RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
SHORT = 80  # characters of a search text kept


def parse_period(text: str) -> tuple[date, date] | None:
    """`2026`, `2026-Q1` (or `2026Q1`), `2026-03`, or `2026-01-01..2026-06-30`."""
    text = text.strip()
    found = PERIOD.fullmatch(text)
    try:
        if found:
            year = int(found.group(1))
            if found.group(2):
                return month_period(year, int(found.group(2)))
            if found.group(3):
                return quarter_period(year, int(found.group(3)))
            return year_period(year)
        explicit = RANGE.fullmatch(text)
        if explicit:
            start, end = (
                date.fromisoformat(explicit.group(1)),
                date.fromisoformat(explicit.group(2)),
            )
            return (start, end) if start <= end else (end, start)
    except ValueError:
        return None
    return None


def _int(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit() or len(value.strip()) > 12:
        return None
    return int(value.strip())


@dataclass(frozen=True)
class Filters:
    """What the board shows; read from and written to the page's URL (`query`)."""

    plan: int | None = None
    period: str = ""  # as typed: see parse_period; "" is the default period
    cols: str = ""  # school, month or quarter; "" is the default for the plan
    section: int | None = None
    status: Status | None = None
    who: str = ""  # "p<person id>" or "o<organisation id>"
    q: str = ""

    @classmethod
    def from_query(cls, query: dict[str, str]) -> Filters:
        """From URL parameters; whatever does not parse is ignored (a default instead)."""
        status = STATUS_NAMES.get(query.get("status", ""))
        cols = query.get("cols", "")
        who = query.get("who", "")
        return cls(
            plan=_int(query.get("plan")),
            period=query.get("period", "").strip()[:32],
            cols=cols if cols in COLUMN_MODES else "",
            section=_int(query.get("section")),
            status=status,
            who=who if re.fullmatch(r"[po]\d{1,12}", who) else "",
            q=" ".join(query.get("q", "").split())[:SHORT],
        )

    def query(self, **changes: object) -> str:
        """The URL query of these filters (with `changes`), defaults left out."""
        current = replace(self, **changes)  # type: ignore[arg-type]
        pairs = {
            "plan": str(current.plan) if current.plan is not None else "",
            "period": current.period,
            "cols": current.cols,
            "section": str(current.section) if current.section is not None else "",
            "status": STATUS_CODES[current.status] if current.status else "",
            "who": current.who,
            "q": current.q,
        }
        return urlencode({key: value for key, value in pairs.items() if value})

    @property
    def person_id(self) -> int | None:
        return int(self.who[1:]) if self.who.startswith("p") else None

    @property
    def organisation_id(self) -> int | None:
        return int(self.who[1:]) if self.who.startswith("o") else None


def default_period(today: date, plan_start: int, plan_end: int) -> tuple[date, date]:
    """This year, or the plan's nearest year when today is outside the plan."""
    year = min(max(today.year, plan_start), plan_end)
    return year_period(year)


def resolve_period(
    filters: Filters, today: date, plan_start: int, plan_end: int
) -> tuple[date, date]:
    chosen = parse_period(filters.period) if filters.period else None
    return chosen or default_period(today, plan_start, plan_end)


# The board -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # "o12" (an organisation), "2026-03" (a month), "2026Q1" (a quarter)
    label: str
    done: int = 0
    due: int = 0


@dataclass(frozen=True, slots=True)
class Row:
    measure: MeasureRow
    section: str | None  # the section heading when this row starts a section, else None
    cells: tuple[str, ...]  # a Status value per column, "" for an empty cell
    done: int
    due: int


@dataclass(frozen=True)
class Board:
    data: BoardData
    filters: Filters
    today: date
    start: date
    end: date
    mode: str  # school, month or quarter
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    done: int
    due: int
    counts: dict[Status, int] = field(default_factory=dict)  # cells per status
    municipal: bool = False  # the plan has member organisations' shares


def is_municipal(data: BoardData) -> bool:
    return any(o.id != data.plan.owner_id for o in data.organisations)


def _month_key(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _quarter_key(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def period_columns(
    mode: str, start: date, end: date, label: Callable[[date], str]
) -> list[Column]:
    columns: list[Column] = []
    year, month = start.year, start.month
    step = 3 if mode == "quarter" else 1
    if mode == "quarter":
        month = (month - 1) // 3 * 3 + 1
    while (year, month) <= (end.year, end.month):
        first = date(year, month, 1)
        key = _quarter_key(first) if mode == "quarter" else _month_key(first)
        text = quarter_label(year, (month - 1) // 3 + 1) if mode == "quarter" else label(first)
        columns.append(Column(key, text))
        month += step
        if month > 12:
            year, month = year + 1, month - 12
    return columns


def quarter_label(year: int, quarter: int) -> str:
    return _("Q{quarter} {year}").format(quarter=quarter, year=year)


def column_of(mode: str, start: date, end: date) -> Callable[[BoardOccurrence, Assessment], str]:
    """The key of the column an occurrence falls in."""
    if mode == "school":
        return lambda occurrence, _item: f"o{occurrence.organisation_id}"
    key = _quarter_key if mode == "quarter" else _month_key

    def period_key(_occurrence: BoardOccurrence, item: Assessment) -> str:
        # The effective due date; a span reaching beyond the period shows at its edge.
        day = min(max(item.due, start), end)
        return key(day)

    return period_key


def organisation_order(data: BoardData) -> list[BoardOrganisation]:
    """The plan's owner first, then the others by name."""
    owner = [o for o in data.organisations if o.id == data.plan.owner_id]
    others = sorted(
        (o for o in data.organisations if o.id != data.plan.owner_id),
        key=lambda o: (o.name.casefold(), o.id),
    )
    return owner + others


def measure_matches(measure: MeasureRow, filters: Filters) -> bool:
    if filters.section is not None and (
        measure.section is None or measure.section.id != filters.section
    ):
        return False
    if filters.q:
        needle = filters.q.casefold()
        haystack = f"{measure.number or ''} {measure.title}".casefold()
        if needle not in haystack:
            return False
    return True


def person_measures(data: BoardData, person_id: int) -> Callable[[MeasureRow], bool]:
    units = {u.id for u in data.units if person_id in u.member_ids}
    return lambda m: person_id in m.person_ids or not units.isdisjoint(m.unit_ids)


def build_board(
    data: BoardData,
    filters: Filters,
    today: date,
    *,
    month_label: Callable[[date], str],
) -> Board:
    """The board of `data` (already read for the filters' period) as of `today`."""
    municipal = is_municipal(data)
    mode = filters.cols or ("school" if municipal else "month")
    start, end = data.start, data.end
    if mode == "school":
        organisations = organisation_order(data)
        if filters.organisation_id is not None:
            organisations = [o for o in organisations if o.id == filters.organisation_id]
        columns = [Column(f"o{o.id}", o.name) for o in organisations]
    else:
        columns = period_columns(mode, start, end, month_label)
    index = {column.key: i for i, column in enumerate(columns)}
    key_of = column_of(mode, start, end)

    mine = person_measures(data, filters.person_id) if filters.person_id is not None else None
    organisation = filters.organisation_id
    wanted = [
        m for m in data.measures if measure_matches(m, filters) and (mine is None or mine(m))
    ]
    wanted_ids = {m.id for m in wanted}

    # Per measure: the statuses in each column, and its counts.
    cells: dict[int, list[list[Status]]] = {}
    column_done = [0] * len(columns)
    column_due = [0] * len(columns)
    row_counts: dict[int, list[int]] = {}
    for occurrence in data.occurrences:
        measure_id = occurrence.measure.id
        if measure_id not in wanted_ids:
            continue
        if organisation is not None and occurrence.organisation_id != organisation:
            continue
        item = assess(occurrence, today)
        status = board_status(item)
        if filters.status is not None and status != filters.status:
            continue
        position = index.get(key_of(occurrence, item))
        if position is None:
            continue
        row = cells.get(measure_id)
        if row is None:
            row = cells[measure_id] = [[] for _ in columns]
            row_counts[measure_id] = [0, 0]
        row[position].append(status)
        done = status == Status.DONE
        counts = row_counts[measure_id]
        counts[0] += done
        counts[1] += item.assessed
        column_done[position] += done
        column_due[position] += item.assessed

    rows: list[Row] = []
    cell_counts = dict.fromkeys(SEVERITY, 0)
    previous: SectionRow | bool | None = False  # False: no row yet
    no_section = _("No section")
    for measure in wanted:
        row_cells = cells.get(measure.id)
        if row_cells is None:
            continue
        shown: list[str] = []
        for statuses in row_cells:
            shown_status = worst(statuses)
            if shown_status is None:
                shown.append("")
            else:
                cell_counts[shown_status] += 1
                shown.append(shown_status.value)
        heading = None
        if previous is False or measure.section != previous:
            heading = section_heading(measure.section) if measure.section else no_section
            previous = measure.section
        row_done, row_due = row_counts[measure.id]
        rows.append(Row(measure, heading, tuple(shown), row_done, row_due))

    columns = [
        replace(column, done=column_done[i], due=column_due[i]) for i, column in enumerate(columns)
    ]
    return Board(
        data=data,
        filters=filters,
        today=today,
        start=start,
        end=end,
        mode=mode,
        columns=tuple(columns),
        rows=tuple(rows),
        done=sum(column_done),
        due=sum(column_due),
        counts=cell_counts,
        municipal=municipal,
    )


def cell_occurrences(
    data: BoardData, filters: Filters, today: date, measure_id: int, column: str
) -> list[BoardOccurrence]:
    """The occurrences behind one cell of the board `build_board` makes of the same input."""
    municipal = is_municipal(data)
    mode = filters.cols or ("school" if municipal else "month")
    key_of = column_of(mode, data.start, data.end)
    found = []
    for occurrence in data.occurrences:
        if occurrence.measure.id != measure_id:
            continue
        if filters.organisation_id is not None and (
            occurrence.organisation_id != filters.organisation_id
        ):
            continue
        item = assess(occurrence, today)
        if filters.status is not None and board_status(item) != filters.status:
            continue
        if key_of(occurrence, item) == column:
            found.append(occurrence)
    return found


def narrow_plan(plan: PlanData, data: BoardData, filters: Filters, today: date) -> PlanData:
    """The plan for an export of the filtered board: its measures that the board's section,
    text and person filters keep, and their occurrences that the status filter keeps."""
    mine = person_measures(data, filters.person_id) if filters.person_id is not None else None
    measures = tuple(
        m for m in plan.measures if measure_matches(m, filters) and (mine is None or mine(m))
    )
    kept = {m.id for m in measures}
    occurrences = tuple(
        o
        for o in plan.occurrences
        if o.measure.id in kept
        and (filters.status is None or board_status(assess(o, today)) == filters.status)
    )
    if filters.status is not None:
        with_any = {o.measure.id for o in occurrences}
        measures = tuple(m for m in measures if m.id in with_any)
    return replace(plan, measures=measures, occurrences=occurrences)
