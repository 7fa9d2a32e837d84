"""How the plan is going: pure computation over the records of `bot.records`.

No database, no clock: `today` (the organisation's local date) is always an argument.

Definitions (one place, used by the message, the charts and the exports alike):

* state of an occurrence: its stored status; when that is still `open` but the latest
  report says otherwise, the report's status (so a summary is right whichever way the
  report service closes occurrences);
* effective due date: the date it was postponed to, for a postponed occurrence that has one;
  otherwise its due date;
* due (assessed): the effective due date is before today, or it is already closed as done,
  partly done or not done — the denominator of completion, so measures done early count;
* overdue: not a span (continuous work is never overdue), not done or partly done, and the
  effective due date is before today;
* not reported: the effective due date is before today, it is still open and has no report;
* completion: done / due.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from bot.i18n import _, use_locale
from bot.records import (
    MeasureRow,
    OccurrenceRow,
    OccurrenceStatus,
    PersonRow,
    RoadmapRow,
    SectionRow,
    SummaryData,
    gc_paused,
)

DONE = OccurrenceStatus.DONE.value
PARTIAL = OccurrenceStatus.PARTIAL.value
POSTPONED = OccurrenceStatus.POSTPONED.value
NOT_DONE = OccurrenceStatus.NOT_DONE.value
OPEN = OccurrenceStatus.OPEN.value
CLOSED = frozenset({DONE, PARTIAL, NOT_DONE})
KNOWN = frozenset({OPEN, DONE, PARTIAL, POSTPONED, NOT_DONE})


def state(occurrence: OccurrenceRow) -> str:
    status = occurrence.status if occurrence.status in KNOWN else OPEN
    report = occurrence.report
    if status == OPEN and report is not None and report.status in KNOWN:
        return report.status
    return status


class Assessment(NamedTuple):
    """How one occurrence stands on `today`: computed once, read by every figure."""

    occurrence: OccurrenceRow
    state: str
    due: date  # the effective due date
    assessed: bool
    overdue: bool
    not_reported: bool


def assess(occurrence: OccurrenceRow, today: date) -> Assessment:
    current = state(occurrence)
    due = occurrence.due_date
    if current == POSTPONED:
        report = occurrence.report
        moved = occurrence.postponed_to or (report.postponed_to if report else None)
        if moved is not None:
            due = moved
    past = due < today
    return Assessment(
        occurrence,
        current,
        due,
        past or current in CLOSED,
        past and not occurrence.is_span and current not in (DONE, PARTIAL),
        past and current == OPEN and occurrence.report is None,
    )


def effective_due(occurrence: OccurrenceRow) -> date:
    return assess(occurrence, date.min).due


def is_assessed(occurrence: OccurrenceRow, today: date) -> bool:
    return assess(occurrence, today).assessed


def is_overdue(occurrence: OccurrenceRow, today: date) -> bool:
    return assess(occurrence, today).overdue


def is_not_reported(occurrence: OccurrenceRow, today: date) -> bool:
    return assess(occurrence, today).not_reported


def responsible(occurrence: OccurrenceRow) -> tuple[str, ...]:
    return occurrence.measure.persons + occurrence.measure.units


def percent(part: int, whole: int) -> int:
    """Rounded half up, never 100 unless complete and never 0 unless nothing."""
    if whole <= 0:
        return 0
    value = int(part * 100 / whole + 0.5)
    if part < whole:
        value = min(value, 99)
    if part > 0:
        value = max(value, 1)
    return value


class _Completion:
    """Completion of whatever has `done` and `due` counts: done / due."""

    __slots__ = ()
    done: int
    due: int

    @property
    def rate(self) -> float | None:
        return self.done / self.due if self.due else None

    @property
    def percent(self) -> int:
        return percent(self.done, self.due)


@dataclass(frozen=True, slots=True)
class Totals(_Completion):
    total: int = 0  # occurrences in the period
    due: int = 0  # assessed: see the module docstring
    done: int = 0
    partial: int = 0
    postponed: int = 0
    not_done: int = 0
    open: int = 0
    overdue: int = 0
    not_reported: int = 0


@dataclass(frozen=True, slots=True)
class CompletionRow(_Completion):
    """Completion of one person, unit or section."""

    key: Hashable
    label: str
    total: int
    due: int
    done: int
    partial: int
    overdue: int


@dataclass(frozen=True, slots=True)
class OverdueItem:
    occurrence: OccurrenceRow
    due: date  # the effective due date
    days: int  # days overdue as of today (>= 1)
    responsible: tuple[str, ...]  # person names, then unit names


@dataclass(frozen=True, slots=True)
class Summary:
    organisation_name: str
    start: date | None
    end: date
    today: date
    totals: Totals
    persons: tuple[CompletionRow, ...]  # worst first
    units: tuple[CompletionRow, ...]  # worst first
    sections: tuple[CompletionRow, ...]  # worst first
    overdue: tuple[OverdueItem, ...]  # longest overdue first
    not_joined: tuple[PersonRow, ...]
    unreachable: tuple[PersonRow, ...]  # flagged unreachable, or with failed reminders
    # Measures of the period whose deadline is still to be set, in plan order: listed first.
    unclear: tuple[MeasureRow, ...] = ()


@dataclass(frozen=True, slots=True)
class MonthPoint:
    month: date  # first day of the month
    due: int  # occurrences (not spans) due that month
    done: int  # of those, done


class _Tally:
    """One pass over the assessments: totals, counts per measure, and the overdue ones.

    Assessments are consumed as they are made and never kept, so that tens of thousands of
    short-lived objects do not pile up for the garbage collector to walk over.
    """

    def __init__(self, today: date) -> None:
        self.today = today
        self.counts = dict.fromkeys(
            ("total", "due", "done", "partial", "postponed", "not_done", "open"), 0
        )
        self.counts.update(overdue=0, not_reported=0)
        self.measures: dict[int, tuple[MeasureRow, list[int]]] = {}
        self.overdue: list[OverdueItem] = []

    def add(self, item: Assessment) -> None:
        counts = self.counts
        counts["total"] += 1
        counts[item.state] += 1
        counts["due"] += item.assessed
        counts["not_reported"] += item.not_reported
        occurrence = item.occurrence
        measure = occurrence.measure
        entry = self.measures.get(measure.id)
        if entry is None:
            entry = self.measures[measure.id] = (measure, [0, 0, 0, 0, 0])
        row = entry[1]
        row[0] += 1
        row[1] += item.assessed
        row[2] += item.state == DONE
        row[3] += item.state == PARTIAL
        if item.overdue:
            counts["overdue"] += 1
            row[4] += 1
            days = (self.today - item.due).days
            self.overdue.append(OverdueItem(occurrence, item.due, days, responsible(occurrence)))

    def totals(self) -> Totals:
        return Totals(**self.counts)

    def overdue_items(self) -> list[OverdueItem]:
        """Longest overdue first, then in plan order."""
        return sorted(
            self.overdue,
            key=lambda i: (
                -i.days,
                i.occurrence.measure.roadmap_id,
                i.occurrence.measure.position,
            ),
        )


def _overdue_order(item: OverdueItem) -> tuple[int, int, int]:
    measure = item.occurrence.measure
    return -item.days, measure.roadmap_id, measure.position


def _tally(items: Iterable[Assessment], today: date = date.min) -> _Tally:
    tally = _Tally(today)
    for item in items:
        tally.add(item)
    return tally


def totals(items: Iterable[Assessment]) -> Totals:
    return _tally(items).totals()


def per_measure(items: Iterable[Assessment]) -> dict[int, tuple[MeasureRow, list[int]]]:
    """Counts [total, due, done, partial, overdue] per measure.

    Groups (people, units, sections) are unions of measures, so grouping measures rather
    than occurrences keeps the per-group passes several times shorter.
    """
    return _tally(items).measures


def overdue_items(items: Iterable[Assessment], today: date) -> list[OverdueItem]:
    """The overdue ones, longest overdue first, then in plan order."""
    return _tally(items, today).overdue_items()


def worst_first(rows: Iterable[CompletionRow]) -> list[CompletionRow]:
    """Lowest completion first; rows with nothing due yet last; then most overdue, by name."""
    return sorted(
        rows,
        key=lambda r: (
            r.rate is None,
            r.rate if r.rate is not None else 0.0,
            -r.overdue,
            -r.due,
            r.label.casefold(),
        ),
    )


def completion_by(
    measures: dict[int, tuple[MeasureRow, list[int]]],
    keys: Callable[[MeasureRow], Iterable[tuple[Hashable, str]]],
) -> list[CompletionRow]:
    """Completion per group (worst first); a measure counts in every group `keys` gives it."""
    labels: dict[Hashable, str] = {}
    counts: dict[Hashable, list[int]] = {}
    for measure, values in measures.values():
        for key, label in keys(measure):
            row = counts.get(key)
            if row is None:
                labels[key] = label
                counts[key] = list(values)
            else:
                for index, value in enumerate(values):
                    row[index] += value
    return worst_first(CompletionRow(key, labels[key], *values) for key, values in counts.items())


def section_label(measure: MeasureRow, no_section: str) -> tuple[Hashable, str]:
    section = measure.section
    if section is None:
        return ("section", None), no_section
    return ("section", section.id), section_heading(section)


def section_heading(section: SectionRow) -> str:
    """`1. Title`; a number written with its own dot ("1.") is not given a second one."""
    number = (section.number or "").strip().rstrip(".")
    return f"{number}. {section.title}" if number else section.title


def plan_period(roadmap: RoadmapRow) -> tuple[date, date]:
    """The whole period of a plan: 1 January of its first year to 31 December of its last."""
    return date(roadmap.period_start, 1, 1), date(roadmap.period_end, 12, 31)


def _persons(measure: MeasureRow) -> Iterable[tuple[Hashable, str]]:
    return zip(measure.person_ids, measure.persons, strict=True)


def _units(measure: MeasureRow) -> Iterable[tuple[Hashable, str]]:
    return zip(measure.unit_ids, measure.units, strict=True)


def compute_summary(data: SummaryData, today: date, *, locale: str | None = None) -> Summary:
    """The figures of `data` as of `today` (the organisation's local date).

    `locale` (default: the locale in force) only names the group of measures without a
    section.
    """
    with use_locale(locale):
        no_section = _("No section")
    tally = _Tally(today)
    with gc_paused():
        for occurrence in data.occurrences:
            tally.add(assess(occurrence, today))
    measures = tally.measures
    return Summary(
        organisation_name=data.organisation_name,
        start=data.start,
        end=data.end,
        today=today,
        totals=tally.totals(),
        persons=tuple(completion_by(measures, _persons)),
        units=tuple(completion_by(measures, _units)),
        sections=tuple(completion_by(measures, lambda m: (section_label(m, no_section),))),
        overdue=tuple(tally.overdue_items()),
        not_joined=tuple(p for p in data.people if p.joined_at is None),
        unreachable=tuple(
            p for p in data.people if p.unreachable_since is not None or p.failed_reminders > 0
        ),
        unclear=tuple(
            sorted(
                (m for m, _counts in measures.values() if m.deadline_unclear),
                key=lambda m: (m.roadmap_id, m.position),
            )
        ),
    )


def _month_index(value: date) -> int:
    return value.year * 12 + value.month - 1


def monthly_trend(
    occurrences: Iterable[OccurrenceRow], start: date, end: date
) -> list[MonthPoint]:
    """Per month of [start, end]: deadlines (spans left out) and how many of them are done."""
    first, last = _month_index(start), _month_index(end)
    if first > last:
        first, last = last, first
    due = [0] * (last - first + 1)
    done = [0] * (last - first + 1)
    for occurrence in occurrences:
        if occurrence.is_span:
            continue
        index = _month_index(occurrence.due_date) - first
        if 0 <= index < len(due):
            due[index] += 1
            done[index] += state(occurrence) == DONE
    return [
        MonthPoint(date((first + i) // 12, (first + i) % 12 + 1, 1), due[i], done[i])
        for i in range(len(due))
    ]


# The weekly digest -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShareOf:
    """A parent's plan the organisation has a share of (its measures are in the digest)."""

    plan: str  # the plan's title
    owner: str  # the parent organisation's name


@dataclass(frozen=True, slots=True)
class Digest:
    week_start: date  # Monday
    week_end: date  # Sunday
    due_this_week: tuple[OccurrenceRow, ...]  # still to do, by due date
    overdue: tuple[OverdueItem, ...]  # longest overdue first
    reported: tuple[OccurrenceRow, ...]  # latest report since `since`, newest first
    # The parents' plans whose measures for this organisation are included, said on top.
    shares: tuple[ShareOf, ...] = ()


def week_of(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def concerns(data: SummaryData, person_id: int) -> Callable[[OccurrenceRow], bool]:
    """Whether an occurrence is the person's: assigned to them or to a unit they belong to."""
    units = {u.id for u in data.units if person_id in u.member_ids}

    def check(occurrence: OccurrenceRow) -> bool:
        measure = occurrence.measure
        return person_id in measure.person_ids or not units.isdisjoint(measure.unit_ids)

    return check


def digest(
    data: SummaryData,
    today: date,
    *,
    since: datetime | None = None,
    person_id: int | None = None,
) -> Digest:
    """The Monday digest: due this week, overdue, and reported since last week.

    `data` should be read with no lower bound (`start=None`) so that every overdue
    occurrence is in it, and up to the end of the plan (at least to this Sunday) so that
    reports on later deadlines are in it too. `since` defaults to midnight UTC seven days
    before `today`. With `person_id`, only that person's occurrences (directly or through a
    unit) are kept.
    """
    if since is None:
        since = datetime.combine(today - timedelta(days=7), time.min, tzinfo=UTC)
    monday, sunday = week_of(today)
    occurrences: Sequence[OccurrenceRow] = data.occurrences
    if person_id is not None:
        mine = concerns(data, person_id)
        occurrences = [o for o in occurrences if mine(o)]
    items = [assess(o, today) for o in occurrences]
    due = [
        item
        for item in items
        if not item.occurrence.is_span and item.state not in CLOSED and today <= item.due <= sunday
    ]
    due.sort(key=lambda item: (item.due, item.occurrence.measure.position))
    overdue = overdue_items(items, today)
    reported = [o for o in occurrences if o.report is not None and o.report.created_at >= since]
    reported.sort(key=lambda o: o.report.created_at if o.report else since, reverse=True)
    return Digest(
        monday, sunday, tuple(i.occurrence for i in due), tuple(overdue), tuple(reported)
    )
