"""Read-only queries behind summaries, charts and execution reports.

Everything here returns the plain dataclasses of `bot.records` (read-only): no ORM object
leaves this module, so the computation in `bot.summaries` and the exports in `bot.exports`
never touch the database and never trigger lazy loads. Each function runs a fixed handful
of queries (joins, grouped subqueries and chunked IN lists, never one query per row)
through the Core layer, so a plan of 10,000 measures with 50,000 occurrences is read in
under a second (bench/summaries.py).

Which occurrences belong to a period [start, end]: those whose `due_date` falls in it, and
spans (`is_span`: continuous or on-request work) that overlap it. Archived measures are left
out. The latest non-withdrawn report of each occurrence comes with it.

About 770 lines on purpose: the reads (an organisation's summary, a municipality's with
its members' shares and plans, a plan for export, a member's share of its parent's plan for
its own export) share the private helpers below (sections, measures with their assignees,
the period rule, occurrences with reports); splitting them would export those helpers only
for each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Row,
    Select,
    and_,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from bot.records import (
    MeasureRow,
    MemberPlanRow,
    OccurrenceRow,
    OrganisationRow,
    PersonRow,
    PlanData,
    ReportRow,
    RoadmapRow,
    SectionRow,
    SharedPlanRow,
    SummaryData,
    UnitRow,
    gc_paused,
)
from storage.models import (
    Assignment,
    Attachment,
    Measure,
    Membership,
    Occurrence,
    Organisation,
    Person,
    Reminder,
    ReminderState,
    Report,
    Roadmap,
    Section,
    Unit,
    UnitMember,
)
from storage.responsibility import MEMBER_GROUP_KINDS

__all__ = [
    "read_members",
    "read_municipal_data",
    "read_people",
    "read_plan",
    "read_roadmaps",
    "read_share_plan",
    "read_shared_plans",
    "read_summary_data",
    "read_units",
]

# A row or a select of any columns (SQLAlchemy 2.1 types them by their column types).
AnyRow = Row[*tuple[Any, ...]]
AnySelect = Select[*tuple[Any, ...]]

# Ids per IN list: well under SQLite's and asyncpg's limits on bound parameters.
IN_CHUNK = 5000


# A plan as a RoadmapRow holds it, approval included (RoadmapRow(*row) of these columns).
_PLAN_COLUMNS = (
    Roadmap.id,
    Roadmap.title,
    Roadmap.period_start,
    Roadmap.period_end,
    Roadmap.approval_kind,
    Roadmap.approval_number,
    Roadmap.approval_date,
)


# Queries ---------------------------------------------------------------------------------


async def read_roadmaps(session: AsyncSession, organisation_id: int) -> list[RoadmapRow]:
    result = await session.execute(
        select(Roadmap.id, Roadmap.title, Roadmap.period_start, Roadmap.period_end)
        .where(Roadmap.organisation_id == organisation_id)
        .order_by(Roadmap.id)
    )
    return [RoadmapRow(*row) for row in result.all()]


async def read_people(session: AsyncSession, organisation_id: int) -> list[PersonRow]:
    """Members of the organisation, with how many of their reminders failed to deliver."""
    failed = (
        select(Reminder.person_id, func.count(Reminder.id).label("failed"))
        .where(
            Reminder.organisation_id == organisation_id,
            Reminder.state == ReminderState.FAILED.value,
        )
        .group_by(Reminder.person_id)
        .subquery()
    )
    result = await session.execute(
        select(
            Person.id,
            Person.full_name,
            Membership.role,
            Membership.position,
            Membership.joined_at,
            Person.unreachable_since,
            func.coalesce(failed.c.failed, 0),
        )
        .join(Membership, Membership.person_id == Person.id)
        .outerjoin(failed, failed.c.person_id == Person.id)
        .where(Membership.organisation_id == organisation_id)
        .order_by(Person.full_name, Person.id)
    )
    return [
        PersonRow(
            id=pid,
            full_name=name,
            role=role,
            position=position,
            joined_at=joined_at,
            unreachable_since=unreachable,
            failed_reminders=int(count),
        )
        for pid, name, role, position, joined_at, unreachable, count in result.all()
    ]


async def read_units(session: AsyncSession, organisation_id: int) -> list[UnitRow]:
    result = await session.execute(
        select(Unit.id, Unit.name, UnitMember.person_id, Unit.kind)
        .outerjoin(UnitMember, UnitMember.unit_id == Unit.id)
        .where(Unit.organisation_id == organisation_id)
        .order_by(Unit.name, Unit.id, UnitMember.person_id)
    )
    names: dict[int, tuple[str, str]] = {}
    members: dict[int, list[int]] = defaultdict(list)
    for unit_id, name, person_id, kind in result.all():
        names[unit_id] = (name, kind or "")
        if person_id is not None:
            members[unit_id].append(person_id)
    return [UnitRow(uid, name, tuple(members[uid]), kind) for uid, (name, kind) in names.items()]


async def read_members(session: AsyncSession, parent_id: int) -> list[OrganisationRow]:
    """The active member organisations of `parent_id` (a municipality's schools), by name."""
    result = await session.execute(
        select(Organisation.id, Organisation.name, Organisation.short_name, Organisation.kind)
        .where(Organisation.parent_id == parent_id, Organisation.archived_at.is_(None))
        .order_by(Organisation.name, Organisation.id)
    )
    return [OrganisationRow(*row) for row in result.all()]


async def read_shared_plans(session: AsyncSession, organisation_id: int) -> list[SharedPlanRow]:
    """The plans of the organisation's parent in which it has obligations of its own (a
    school's share of the municipal plan), oldest first."""
    parent = aliased(Organisation)
    member = aliased(Organisation)
    has_share = (
        select(Occurrence.id)
        .join(Measure, Measure.id == Occurrence.measure_id)
        .where(
            Measure.roadmap_id == Roadmap.id,
            Measure.archived_at.is_(None),
            Occurrence.organisation_id == organisation_id,
        )
        .exists()
    )
    result = await session.execute(
        select(parent.id, parent.name, *_PLAN_COLUMNS)
        .join(member, member.parent_id == parent.id)
        .join(Roadmap, Roadmap.organisation_id == parent.id)
        .where(member.id == organisation_id, has_share)
        .order_by(Roadmap.id)
    )
    return [SharedPlanRow(row[0], row[1], RoadmapRow(*row[2:])) for row in result.all()]


async def read_summary_data(
    session: AsyncSession,
    organisation_id: int,
    start: date | None,
    end: date,
    *,
    roadmap_id: int | None = None,
    parent_plans_only: bool = False,
) -> SummaryData:
    """Everything for a summary of the organisation's plans (or one plan) over [start, end];
    with `parent_plans_only`, its share of its parent's plans alone."""
    with gc_paused():
        return await _read_summary_data(
            session, organisation_id, start, end, roadmap_id, parent_plans_only
        )


async def _read_summary_data(
    session: AsyncSession,
    organisation_id: int,
    start: date | None,
    end: date,
    roadmap_id: int | None,
    parent_plans_only: bool = False,
) -> SummaryData:
    organisation_name = await _organisation_name(session, organisation_id)
    roadmaps = [] if parent_plans_only else await read_roadmaps(session, organisation_id)
    parent_id = await session.scalar(
        select(Organisation.parent_id).where(Organisation.id == organisation_id)
    )
    if parent_id is not None:
        # A member's share of its parent's plans (a school's part of the municipal plan):
        # only its own occurrences are read below, never another member's.
        roadmaps = await read_roadmaps(session, parent_id) + roadmaps
    if roadmap_id is not None:
        roadmaps = [r for r in roadmaps if r.id == roadmap_id]
    roadmap_ids = [r.id for r in roadmaps]
    sections = await _sections(session, roadmap_ids)
    measures = await _measures(
        session,
        roadmap_ids,
        sections,
        persons_of=organisation_id,
        member_of=organisation_id if parent_id is not None else None,
    )
    # The organisation's own obligations (a municipal plan's schools have theirs).
    occurrences = await _occurrences(session, roadmap_ids, measures, start, end, [organisation_id])
    return SummaryData(
        organisation_id=organisation_id,
        organisation_name=organisation_name,
        start=start,
        end=end,
        roadmaps=tuple(roadmaps),
        occurrences=tuple(occurrences),
        people=tuple(await read_people(session, organisation_id)),
        units=tuple(await read_units(session, organisation_id)),
    )


async def read_municipal_data(
    session: AsyncSession, organisation_id: int, start: date | None, end: date
) -> SummaryData:
    """A municipal summary: the organisation's plans with the obligations of the
    organisation and of each active member (each occurrence says whose), and the members'
    own plans with their occurrences, kept apart for the roll-up."""
    with gc_paused():
        return await _read_municipal_data(session, organisation_id, start, end)


async def _read_municipal_data(
    session: AsyncSession, organisation_id: int, start: date | None, end: date
) -> SummaryData:
    organisation_name = await _organisation_name(session, organisation_id)
    roadmaps = await read_roadmaps(session, organisation_id)
    members = await read_members(session, organisation_id)
    member_ids = [m.id for m in members]
    roadmap_ids = [r.id for r in roadmaps]
    sections = await _sections(session, roadmap_ids)
    measures = await _measures(session, roadmap_ids, sections, persons_of=organisation_id)
    occurrences = await _occurrences(
        session, roadmap_ids, measures, start, end, [organisation_id, *member_ids]
    )
    member_plans: list[MemberPlanRow] = []
    member_occurrences: list[OccurrenceRow] = []
    if member_ids:
        result = await session.execute(
            select(
                Roadmap.organisation_id,
                Roadmap.id,
                Roadmap.title,
                Roadmap.period_start,
                Roadmap.period_end,
            )
            .where(Roadmap.organisation_id.in_(member_ids))
            .order_by(Roadmap.organisation_id, Roadmap.id)
        )
        member_plans = [MemberPlanRow(row[0], RoadmapRow(*row[1:])) for row in result.all()]
        for plan in member_plans:
            # One plan at a time: each is read with its own organisation's occurrences.
            ids = [plan.roadmap.id]
            own = await _measures(session, ids, await _sections(session, ids))
            member_occurrences += await _occurrences(
                session, ids, own, start, end, [plan.organisation_id]
            )
    return SummaryData(
        organisation_id=organisation_id,
        organisation_name=organisation_name,
        start=start,
        end=end,
        roadmaps=tuple(roadmaps),
        occurrences=tuple(occurrences),
        people=tuple(await read_people(session, organisation_id)),
        units=tuple(await read_units(session, organisation_id)),
        members=tuple(members),
        member_plans=tuple(member_plans),
        member_plan_occurrences=tuple(member_occurrences),
    )


async def read_plan(session: AsyncSession, roadmap_id: int, start: date, end: date) -> PlanData:
    """One plan with all its (non-archived) measures and their occurrences in [start, end]."""
    with gc_paused():
        return await _read_plan(session, roadmap_id, start, end)


async def _read_plan(session: AsyncSession, roadmap_id: int, start: date, end: date) -> PlanData:
    roadmap, owner_name = await _read_plan_head(session, roadmap_id)
    owner_id = await session.scalar(
        select(Roadmap.organisation_id).where(Roadmap.id == roadmap_id)
    )
    assert owner_id is not None
    sections = await _sections(session, [roadmap_id])
    measures = await _measures(session, [roadmap_id], sections, persons_of=owner_id)
    # Every measure of the plan is exported: a deadline open in the period but due later
    # is shown as not yet due, not as "no deadline in the period".
    occurrences = await _occurrences(
        session, [roadmap_id], measures, start, end, [owner_id], open_windows=True
    )
    members = await read_members(session, owner_id)
    shares: list[OccurrenceRow] = []
    if members:
        shares = await _occurrences(
            session,
            [roadmap_id],
            measures,
            start,
            end,
            [m.id for m in members],
            open_windows=True,
        )
    return PlanData(
        organisation_name=owner_name,
        roadmap=roadmap,
        start=start,
        end=end,
        sections=tuple(sorted(sections.values(), key=lambda s: s.position)),
        measures=tuple(measures.values()),
        occurrences=tuple(occurrences),
        members=tuple(members),
        member_occurrences=tuple(shares),
    )


async def read_share_plan(
    session: AsyncSession, roadmap_id: int, organisation_id: int, start: date, end: date
) -> PlanData:
    """A member's share of its parent's plan, for its execution report: the measures it
    must do (it has occurrences of them), its own people and groups on them, and its own
    occurrences in [start, end]; never another member's."""
    with gc_paused():
        plan = await _read_plan_head(session, roadmap_id)
        organisation_name = await _organisation_name(session, organisation_id)
        sections = await _sections(session, [roadmap_id])
        measures = await _measures(
            session,
            [roadmap_id],
            sections,
            persons_of=organisation_id,
            member_of=organisation_id,
        )
        theirs = set(
            await session.scalars(
                select(Occurrence.measure_id)
                .join(Measure, Measure.id == Occurrence.measure_id)
                .where(
                    Measure.roadmap_id == roadmap_id,
                    Occurrence.organisation_id == organisation_id,
                )
                .distinct()
            )
        )
        measures = {mid: m for mid, m in measures.items() if mid in theirs}
        occurrences = await _occurrences(
            session, [roadmap_id], measures, start, end, [organisation_id], open_windows=True
        )
        return PlanData(
            organisation_name=organisation_name,
            roadmap=plan[0],
            start=start,
            end=end,
            sections=tuple(sorted(sections.values(), key=lambda s: s.position)),
            measures=tuple(measures.values()),
            occurrences=tuple(occurrences),
            share_of=plan[1],
        )


async def _read_plan_head(session: AsyncSession, roadmap_id: int) -> tuple[RoadmapRow, str]:
    """A plan's row and its owner's name."""
    row = (
        await session.execute(
            select(*_PLAN_COLUMNS, Organisation.name)
            .join(Organisation, Organisation.id == Roadmap.organisation_id)
            .where(Roadmap.id == roadmap_id)
        )
    ).one_or_none()
    if row is None:
        raise LookupError(f"no roadmap {roadmap_id}")
    return RoadmapRow(*row[:7]), row[7]


# Internals -------------------------------------------------------------------------------


async def _organisation_name(session: AsyncSession, organisation_id: int) -> str:
    name = await session.scalar(
        select(Organisation.name).where(Organisation.id == organisation_id)
    )
    if name is None:
        raise LookupError(f"no organisation {organisation_id}")
    return name


async def _sections(session: AsyncSession, roadmap_ids: list[int]) -> dict[int, SectionRow]:
    if not roadmap_ids:
        return {}
    result = await session.execute(
        select(Section.id, Section.roadmap_id, Section.number, Section.title, Section.position)
        .where(Section.roadmap_id.in_(roadmap_ids))
        .order_by(Section.roadmap_id, Section.position)
    )
    return {row[0]: SectionRow(*row) for row in result.all()}


async def _measures(
    session: AsyncSession,
    roadmap_ids: list[int],
    sections: dict[int, SectionRow],
    *,
    persons_of: int | None = None,
    member_of: int | None = None,
) -> dict[int, MeasureRow]:
    """Non-archived measures of the plans, in plan order, keyed by id.

    `persons_of`: only the people an organisation named (a school hands its share of a
    municipal measure to its own deputy; the municipality's summary does not list them).
    `member_of`: only the units of that organisation and the groups of members.
    """
    if not roadmap_ids:
        return {}
    live = and_(Measure.roadmap_id.in_(roadmap_ids), Measure.archived_at.is_(None))
    named_here = (
        live if persons_of is None else and_(live, Assignment.organisation_id == persons_of)
    )

    persons = await _assignees(session, named_here, Assignment.person_id, Person.full_name)
    units_here = live
    if member_of is not None:
        # A member reading its parent's plan sees the groups that make a measure its own
        # (`ОО`), not the parent's own departments.
        units_here = and_(
            live, or_(Unit.organisation_id == member_of, Unit.kind.in_(MEMBER_GROUP_KINDS))
        )
    units = await _assignees(session, units_here, Assignment.unit_id, Unit.name)

    result = await _rows(
        session,
        select(
            Measure.id,
            Measure.roadmap_id,
            Measure.position,
            Measure.number,
            Measure.title,
            Measure.deadline_raw,
            Measure.schedule_kind,
            Measure.responsible_raw,
            Measure.document_type,
            Measure.expected_result,
            Measure.section_id,
            Measure.deadline_state,
        )
        .where(live)
        .order_by(Measure.roadmap_id, Measure.position, Measure.id),
    )
    measures: dict[int, MeasureRow] = {}
    for row in result:
        _add_measure(measures, row, sections, persons, units)
    return measures


async def _assignees(
    session: AsyncSession,
    live: ColumnElement[bool],
    assignee: InstrumentedAttribute[int | None],
    name: InstrumentedAttribute[str],
) -> dict[int, list[tuple[int, str]]]:
    """(id, name) of the persons or units (`assignee` says which) of each live measure."""
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    owner = name.class_
    for measure_id, assignee_id, value in await _rows(
        session,
        select(Assignment.measure_id, assignee, name)
        .join(Measure, Measure.id == Assignment.measure_id)
        .join(owner, owner.id == assignee)
        .where(live)
        .order_by(Assignment.measure_id, Assignment.id),
    ):
        found[measure_id].append((assignee_id, value))
    return found


def _add_measure(
    measures: dict[int, MeasureRow],
    row: AnyRow,
    sections: dict[int, SectionRow],
    persons: dict[int, list[tuple[int, str]]],
    units: dict[int, list[tuple[int, str]]],
) -> None:
    mid = row[0]
    people = persons.get(mid, ())
    groups = units.get(mid, ())
    measures[mid] = MeasureRow(
        id=mid,
        roadmap_id=row[1],
        position=row[2],
        number=row[3],
        title=row[4] or "",
        deadline_raw=row[5] or "",
        schedule_kind=row[6],
        responsible_raw=row[7] or "",
        document_type=row[8],
        expected_result=row[9],
        section=sections.get(row[10]) if row[10] is not None else None,
        person_ids=tuple(p for p, _ in people),
        persons=tuple(n for _, n in people),
        unit_ids=tuple(u for u, _ in groups),
        units=tuple(n for _, n in groups),
        deadline_unclear=row[11] is not None,
    )


def _in_period(
    start: date | None, end: date, *, open_windows: bool = False
) -> ColumnElement[bool]:
    """Deadlines due in the period and spans that overlap it; with `open_windows` (the
    exports), also deadlines whose window is open in the period though due later."""
    if start is not None and open_windows:
        return and_(Occurrence.window_start <= end, Occurrence.due_date >= start)
    if start is None:
        return Occurrence.due_date <= end
    deadline = and_(Occurrence.is_span.is_(False), Occurrence.due_date.between(start, end))
    span = and_(
        Occurrence.is_span.is_(True),
        Occurrence.window_start <= end,
        Occurrence.due_date >= start,
    )
    return or_(deadline, span)


def _plain_datetime(column: Any) -> Any:
    """A UTC column read without its per-value converter (mostly NULLs on big reads)."""
    return type_coerce(column, DateTime(timezone=True))


def _aware(value: datetime | None) -> datetime | None:
    """What `UtcDateTime` gives: aware UTC (SQLite hands back naive UTC values)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def _rows(session: AsyncSession, statement: AnySelect) -> Sequence[AnyRow]:
    """Plain rows through the session's connection: no ORM loading layer on big reads."""
    connection = await session.connection()
    return (await connection.execute(statement)).all()


async def _occurrences(
    session: AsyncSession,
    roadmap_ids: list[int],
    measures: dict[int, MeasureRow],
    start: date | None,
    end: date,
    organisation_ids: int | Sequence[int] | None = None,
    *,
    open_windows: bool = False,
) -> list[OccurrenceRow]:
    """The occurrences of the plans in the period: the obligations of `organisation_ids`
    (one id or several; every organisation's when None)."""
    if isinstance(organisation_ids, int):
        organisation_ids = [organisation_ids]
    if not roadmap_ids or (organisation_ids is not None and not organisation_ids):
        return []
    if organisation_ids is None:
        whose: list[ColumnElement[bool]] = []
    elif len(organisation_ids) == 1:
        whose = [Occurrence.organisation_id == organisation_ids[0]]
    else:
        whose = [Occurrence.organisation_id.in_(list(organisation_ids))]
    scope = and_(
        Measure.roadmap_id.in_(roadmap_ids),
        Measure.archived_at.is_(None),
        _in_period(start, end, open_windows=open_windows),
        *whose,
    )

    # Occurrences with every non-withdrawn report (an outer join: one row per report, or one
    # with NULLs); the latest report per occurrence is picked here. One pass over the join
    # is cheaper on both engines than a second query or a window function.
    joined = await _rows(
        session,
        select(
            Occurrence.id,
            Occurrence.measure_id,
            Occurrence.window_start,
            Occurrence.due_date,
            Occurrence.is_span,
            Occurrence.status,
            Occurrence.postponed_to,
            _plain_datetime(Occurrence.closed_at),
            _plain_datetime(Report.created_at),
            Report.id,
            Report.status,
            Report.text,
            Report.reason,
            Report.postponed_to,
            Report.person_id,
            Person.full_name,
            Occurrence.organisation_id,
        )
        .join(Measure, Measure.id == Occurrence.measure_id)
        .outerjoin(
            Report, and_(Report.occurrence_id == Occurrence.id, Report.withdrawn_at.is_(None))
        )
        .outerjoin(Person, Person.id == Report.person_id)
        .where(scope),
    )
    occurrences: dict[int, tuple[Any, ...]] = {}
    latest: dict[int, tuple[Any, ...]] = {}
    for row in joined:
        oid = row[0]
        if oid not in occurrences:
            occurrences[oid] = (*row[:7], _aware(row[7]), row[16])
        if row[9] is None:
            continue
        report = (_aware(row[8]), *row[9:16])
        current = latest.get(oid)
        if current is None or (report[0], report[1]) > (current[0], current[1]):
            latest[oid] = report

    files: dict[int, list[str]] = defaultdict(list)
    unnamed: dict[int, list[str]] = defaultdict(list)
    report_ids = sorted(report[1] for report in latest.values())
    for offset in range(0, len(report_ids), IN_CHUNK):
        for report_id, name, kind in await _rows(
            session,
            select(Attachment.report_id, Attachment.file_name, Attachment.kind)
            .where(Attachment.report_id.in_(report_ids[offset : offset + IN_CHUNK]))
            .order_by(Attachment.report_id, Attachment.id),
        ):
            if name:
                files[report_id].append(name)
            else:
                # A photo has no file name: the exports say «фото» rather than nothing.
                unnamed[report_id].append(kind)

    return _occurrence_rows(occurrences, latest, files, measures, unnamed)


def _occurrence_rows(
    occurrences: dict[int, tuple[Any, ...]],
    latest: dict[int, tuple[Any, ...]],
    files: dict[int, list[str]],
    measures: dict[int, MeasureRow],
    unnamed: dict[int, list[str]] | None = None,
) -> list[OccurrenceRow]:
    unnamed = unnamed or {}
    reports = {
        oid: ReportRow(
            id=rid,
            status=status,
            text=text or "",
            reason=reason,
            postponed_to=postponed_to,
            author_id=author_id,
            author=author or "",
            created_at=created_at,
            files=tuple(files.get(rid, ())),
            unnamed=tuple(unnamed.get(rid, ())),
        )
        for oid, (created_at, rid, status, text, reason, postponed_to, author_id, author) in (
            latest.items()
        )
    }

    rows: list[OccurrenceRow] = []
    for (
        oid,
        mid,
        window_start,
        due,
        is_span,
        status,
        postponed_to,
        closed_at,
        whose,
    ) in occurrences.values():
        measure = measures.get(mid)
        if measure is None:  # archived or added between the two reads
            continue
        rows.append(
            OccurrenceRow(
                id=oid,
                measure=measure,
                window_start=window_start,
                due_date=due,
                is_span=bool(is_span),
                status=status,
                postponed_to=postponed_to,
                closed_at=closed_at,
                report=reports.get(oid),
                organisation_id=whose,
            )
        )
    # Plan order, sorted here: cheaper than ORDER BY over the join.
    rows.sort(key=lambda o: (o.measure.roadmap_id, o.measure.position, o.due_date, o.id))
    return rows
