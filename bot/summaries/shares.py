"""A municipal plan across its member organisations: pure computation over `bot.records`.

A measure assigned to `ОО` is every school's obligation; each school's occurrences carry
its `organisation_id`. Here the same definitions as `bot.summaries.compute` (assessed,
overdue, not reported, completion) are applied per organisation:

* the **cell** of (organisation, measure) over the period: `open` when nothing of it is due
  yet; `done` when every due occurrence is done; else the worst of `not_reported` (past
  due, still open, no report), `not_done`, `overdue`, `partial`, `postponed`;
* `status_matrix`: organisation × measure cells, for the XLSX sheet «По организациям»;
* `across`: one measure across the organisations ("done in 12 of 14; not done: …");
* `not_reported`: the organisations with a past-due occurrence of the measures and no report;
* `municipal_summary`: the owner's summary with completion per school (worst first), units
  counted where they work (staff units on the owner's occurrences, `ОО` on the schools'),
  the overdue list by school, and the roll-up of the schools' own plans, one line per plan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.i18n import _, use_locale
from bot.records import (
    MeasureRow,
    OccurrenceRow,
    OrganisationRow,
    RoadmapRow,
    SummaryData,
    UnitKind,
    gc_paused,
)
from bot.summaries.compute import (
    DONE,
    NOT_DONE,
    PARTIAL,
    POSTPONED,
    Assessment,
    CompletionRow,
    OverdueItem,
    ShareOf,
    Summary,
    Totals,
    _Tally,
    assess,
    completion_by,
    section_label,
    worst_first,
)

# Cell states, worst first (the order a cell takes the worst of its occurrences in).
CELL_ORDER = ("not_reported", "not_done", "overdue", "partial", "postponed", "done", "open")
NOT_DONE_CELLS = frozenset({"not_reported", "not_done", "overdue"})
MEMBER_UNIT_KINDS = frozenset({UnitKind.MEMBER_ORGANISATIONS.value, UnitKind.ORGANISATION.value})


def cell_state(items: Iterable[Assessment]) -> str | None:
    """How one organisation stands on one measure over the period (None: not its measure)."""
    seen = False
    due: list[Assessment] = []
    for item in items:
        seen = True
        if item.assessed:
            due.append(item)
    if not seen:
        return None
    if not due:
        return "open"
    worst = "done"
    for item in due:
        if item.not_reported:
            current = "not_reported"
        elif item.state == NOT_DONE:
            current = "not_done"
        elif item.overdue:
            current = "overdue"
        elif item.state == PARTIAL:
            current = "partial"
        elif item.state == POSTPONED:
            current = "postponed"
        elif item.state == DONE:
            current = "done"
        else:  # closed some other way: counts as not done
            current = "not_done"
        if CELL_ORDER.index(current) < CELL_ORDER.index(worst):
            worst = current
    return worst


@dataclass(frozen=True, slots=True)
class StatusMatrix:
    """Organisation × measure: the measures any member shares, in plan order."""

    organisations: tuple[OrganisationRow, ...]
    measures: tuple[MeasureRow, ...]
    cells: dict[tuple[int, int], str]  # (organisation id, measure id) -> cell state

    def cell(self, organisation_id: int, measure_id: int) -> str | None:
        return self.cells.get((organisation_id, measure_id))


def _by_share(
    occurrences: Iterable[OccurrenceRow], today: date
) -> dict[tuple[int, int], list[Assessment]]:
    grouped: dict[tuple[int, int], list[Assessment]] = defaultdict(list)
    for occurrence in occurrences:
        grouped[(occurrence.organisation_id, occurrence.measure.id)].append(
            assess(occurrence, today)
        )
    return grouped


def status_matrix(
    members: Sequence[OrganisationRow], occurrences: Iterable[OccurrenceRow], today: date
) -> StatusMatrix:
    """The cells of every member's share (the owner's own occurrences are left out)."""
    wanted = {m.id for m in members}
    measures: dict[int, MeasureRow] = {}
    mine = []
    for occurrence in occurrences:
        if occurrence.organisation_id in wanted:
            mine.append(occurrence)
            measures.setdefault(occurrence.measure.id, occurrence.measure)
    cells: dict[tuple[int, int], str] = {}
    for key, items in _by_share(mine, today).items():
        value = cell_state(items)
        if value is not None:
            cells[key] = value
    ordered = sorted(measures.values(), key=lambda m: (m.roadmap_id, m.position, m.id))
    return StatusMatrix(tuple(members), tuple(ordered), cells)


@dataclass(frozen=True, slots=True)
class Across:
    """One measure across the member organisations that must do it."""

    measure: MeasureRow
    total: int  # organisations that must do it
    done: tuple[OrganisationRow, ...]
    not_done: tuple[OrganisationRow, ...]  # overdue, not reported or reported not done
    in_progress: tuple[OrganisationRow, ...]  # partly done or postponed
    not_due: tuple[OrganisationRow, ...]  # nothing due yet


def across(matrix: StatusMatrix, measure_id: int) -> Across | None:
    """The line across organisations for one measure (None: no member shares it)."""
    measure = next((m for m in matrix.measures if m.id == measure_id), None)
    if measure is None:
        return None
    groups: dict[str, list[OrganisationRow]] = defaultdict(list)
    total = 0
    for organisation in matrix.organisations:
        value = matrix.cell(organisation.id, measure_id)
        if value is None:
            continue
        total += 1
        if value == "done":
            groups["done"].append(organisation)
        elif value in NOT_DONE_CELLS:
            groups["not_done"].append(organisation)
        elif value == "open":
            groups["open"].append(organisation)
        else:
            groups["progress"].append(organisation)
    return Across(
        measure,
        total,
        tuple(groups["done"]),
        tuple(groups["not_done"]),
        tuple(groups["progress"]),
        tuple(groups["open"]),
    )


@dataclass(frozen=True, slots=True)
class NotReported:
    """Who has not reported on some measures (past due, still open, no report)."""

    measures: tuple[MeasureRow, ...]
    organisations: tuple[tuple[OrganisationRow, int], ...]  # with their unreported deadlines
    due: int  # organisations with something of these measures already due
    total: int  # organisations that must do any of them


def not_reported(
    members: Sequence[OrganisationRow],
    occurrences: Iterable[OccurrenceRow],
    today: date,
    measure_ids: Iterable[int] | None = None,
) -> NotReported:
    """The members (in their order) that owe a report on the measures (all when None)."""
    wanted = set(measure_ids) if measure_ids is not None else None
    by_id = {m.id: m for m in members}
    measures: dict[int, MeasureRow] = {}
    counts: dict[int, int] = defaultdict(int)
    due: set[int] = set()
    involved: set[int] = set()
    for occurrence in occurrences:
        measure = occurrence.measure
        whose = occurrence.organisation_id
        if whose not in by_id or (wanted is not None and measure.id not in wanted):
            continue
        measures.setdefault(measure.id, measure)
        involved.add(whose)
        item = assess(occurrence, today)
        if item.assessed:
            due.add(whose)
        if item.not_reported:
            counts[whose] += 1
    ordered = sorted(measures.values(), key=lambda m: (m.roadmap_id, m.position, m.id))
    return NotReported(
        tuple(ordered),
        tuple((m, counts[m.id]) for m in members if counts.get(m.id)),
        len(due),
        len(involved),
    )


def measures_numbered(measures: Iterable[MeasureRow], number: str) -> list[MeasureRow]:
    """The measures a number names: the one numbered so, else those under it (`2.1` →
    `2.1.1`, `2.1.2`, …)."""
    wanted = number.strip().rstrip(".")
    pool = list(measures)
    exact = [m for m in pool if (m.number or "").strip().rstrip(".") == wanted]
    if exact:
        return exact
    prefix = wanted + "."
    return [m for m in pool if (m.number or "").strip().startswith(prefix)]


# The municipal summary ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RollupRow:
    """A member's own plan, summed up on one line of the municipality's summary."""

    organisation: OrganisationRow
    roadmap: RoadmapRow
    totals: Totals

    @property
    def percent(self) -> int:
        return self.totals.percent


@dataclass(frozen=True, slots=True)
class SchoolOverdue:
    organisation: OrganisationRow
    items: tuple[OverdueItem, ...]  # longest overdue first


@dataclass(frozen=True, slots=True)
class ParentShare:
    """The owner's own share of its parent's plans (a municipality's part of the region's
    plan): figured apart from its own plan."""

    plans: tuple[ShareOf, ...]
    totals: Totals
    overdue: tuple[OverdueItem, ...]  # longest overdue first


def parent_share(data: SummaryData, plans: Sequence[ShareOf], today: date) -> ParentShare:
    """The figures of `data` (the owner's share of its parent's plans alone)."""
    tally = _Tally(today)
    for occurrence in data.occurrences:
        tally.add(assess(occurrence, today))
    return ParentShare(tuple(plans), tally.totals(), tuple(tally.overdue_items()))


@dataclass(frozen=True, slots=True)
class MunicipalSummary:
    summary: Summary  # totals and sections over everyone; persons of the owner's staff
    owner_overdue: tuple[OverdueItem, ...]  # the owner's own
    schools: tuple[CompletionRow, ...]  # worst first; key: organisation id
    overdue_by_school: tuple[SchoolOverdue, ...]  # most overdue first
    rollup: tuple[RollupRow, ...]  # worst first
    parent_share: ParentShare | None = None  # its part of its parent's plans, apart


def _unit_keys(
    kinds: Callable[[int], bool],
) -> Callable[[MeasureRow], Iterable[tuple[Hashable, str]]]:
    def keys(measure: MeasureRow) -> Iterable[tuple[Hashable, str]]:
        return [(u, n) for u, n in zip(measure.unit_ids, measure.units, strict=True) if kinds(u)]

    return keys


def municipal_summary(
    data: SummaryData, today: date, *, locale: str | None = None
) -> MunicipalSummary:
    """The figures of a municipal plan as of `today`: `data` from the municipal read."""
    with use_locale(locale):
        no_section = _("No section")
    owner = data.organisation_id
    members = {m.id: m for m in data.members}
    everyone = _Tally(today)
    own = _Tally(today)
    theirs = _Tally(today)
    schools: dict[int, _Tally] = {}
    with gc_paused():
        for occurrence in data.occurrences:
            item = assess(occurrence, today)
            everyone.add(item)
            whose = occurrence.organisation_id
            if whose == owner:
                own.add(item)
            elif whose in members:
                theirs.add(item)
                tally = schools.get(whose)
                if tally is None:
                    tally = schools[whose] = _Tally(today)
                tally.add(item)
    member_units = {u.id for u in data.units if u.kind in MEMBER_UNIT_KINDS}
    units = completion_by(own.measures, _unit_keys(lambda u: u not in member_units))
    units += completion_by(theirs.measures, _unit_keys(lambda u: u in member_units))
    persons = completion_by(own.measures, lambda m: zip(m.person_ids, m.persons, strict=True))
    summary = Summary(
        organisation_name=data.organisation_name,
        start=data.start,
        end=data.end,
        today=today,
        totals=everyone.totals(),
        persons=tuple(persons),
        units=tuple(worst_first(units)),
        sections=tuple(
            completion_by(everyone.measures, lambda m: (section_label(m, no_section),))
        ),
        overdue=tuple(everyone.overdue_items()),
        not_joined=tuple(p for p in data.people if p.joined_at is None),
        unreachable=tuple(
            p for p in data.people if p.unreachable_since is not None or p.failed_reminders > 0
        ),
    )
    school_rows = []
    late = []
    for organisation in data.members:
        tally = schools.get(organisation.id)
        if tally is None:
            continue
        t = tally.totals()
        school_rows.append(
            CompletionRow(
                organisation.id, organisation.label, t.total, t.due, t.done, t.partial, t.overdue
            )
        )
        if tally.overdue:
            late.append(SchoolOverdue(organisation, tuple(tally.overdue_items())))
    late.sort(key=lambda s: (-len(s.items), -s.items[0].days, s.organisation.label.casefold()))
    return MunicipalSummary(
        summary=summary,
        owner_overdue=tuple(own.overdue_items()),
        schools=tuple(worst_first(school_rows)),
        overdue_by_school=tuple(late),
        rollup=tuple(rollup(data, today)),
    )


def rollup(data: SummaryData, today: date) -> list[RollupRow]:
    """One line per member's own plan (never mixed with the owner's plan), worst first."""
    members = {m.id: m for m in data.members}
    tallies: dict[tuple[int, int], _Tally] = {}
    for occurrence in data.member_plan_occurrences:
        key = (occurrence.organisation_id, occurrence.measure.roadmap_id)
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = _Tally(today)
        tally.add(assess(occurrence, today))
    rows = []
    for plan in data.member_plans:
        organisation = members.get(plan.organisation_id)
        if organisation is None:
            continue
        tally = tallies.get((plan.organisation_id, plan.roadmap.id))
        rows.append(RollupRow(organisation, plan.roadmap, tally.totals() if tally else Totals()))
    rows.sort(
        key=lambda r: (
            r.totals.rate is None,
            r.totals.rate if r.totals.rate is not None else 0.0,
            -r.totals.overdue,
            r.organisation.label.casefold(),
        )
    )
    return rows


def only_organisation(data: SummaryData, organisation_id: int) -> SummaryData:
    """The data narrowed to one member's share (a drill-down into one school)."""
    member = next((m for m in data.members if m.id == organisation_id), None)
    return replace(
        data,
        organisation_name=member.name if member else data.organisation_name,
        occurrences=tuple(o for o in data.occurrences if o.organisation_id == organisation_id),
        members=(member,) if member else (),
        member_plans=tuple(p for p in data.member_plans if p.organisation_id == organisation_id),
        member_plan_occurrences=tuple(
            o for o in data.member_plan_occurrences if o.organisation_id == organisation_id
        ),
    )


__all__ = [
    "CELL_ORDER",
    "Across",
    "MunicipalSummary",
    "NotReported",
    "ParentShare",
    "RollupRow",
    "SchoolOverdue",
    "StatusMatrix",
    "across",
    "across_text",
    "cell_state",
    "measures_numbered",
    "municipal_summary",
    "not_reported",
    "only_organisation",
    "parent_share",
    "rollup",
    "status_matrix",
]


def across_text(line: Across, *, max_names: int = 30) -> str:
    """«выполнено в 12 из 14 ОО; не выполнено: МБОУ СОШ №3, …» in the locale in force."""
    text = _("done in {done} of {total} organisations").format(
        done=len(line.done), total=line.total
    )
    parts = [text]
    for names, label in (
        (line.not_done, _("not done: {names}")),
        (line.in_progress, _("in progress: {names}")),
    ):
        if names:
            shown = ", ".join(o.name for o in names[:max_names])
            if len(names) > max_names:
                shown += ", " + _("… and {n} more").format(n=len(names) - max_names)
            parts.append(label.format(names=shown))
    if line.not_due:
        parts.append(_("not due yet: {n}").format(n=len(line.not_due)))
    return "; ".join(parts)
