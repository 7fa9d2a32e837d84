"""Read-only queries behind the coordinator's board (`bot.board`).

Which plans an organisation may open: its own (with every organisation's occurrences: a
municipal plan's schools' shares), and the plans of others where it has a share of its own
(then only its own occurrences). Everything is scoped by the caller's organisation here, so
that no id typed into a URL reaches another organisation's data.

The board's grid needs little of each occurrence (its dates, status and its latest report's
status), so the read is lean: one query for the occurrences with their latest report's
status, no texts, no files. A cell's reports (texts, authors, files) are read when it is
opened, for the few occurrences behind it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.board.records import (
    BoardData,
    BoardOccurrence,
    BoardOrganisation,
    BoardPlan,
    CellAttachment,
    CellEvent,
    CellReport,
)
from bot.records import MeasureRow, PlanData, ReportRow, RoadmapRow, gc_paused
from storage.models import (
    Attachment,
    AuditEvent,
    Measure,
    Membership,
    Occurrence,
    Organisation,
    Person,
    Reminder,
    ReminderState,
    Report,
    Roadmap,
)
from storage.read_summaries import (
    _in_period,
    _measures,
    _occurrences,
    _organisation_name,
    _rows,
    _sections,
    read_plan,
    read_units,
)

__all__ = [
    "attachment_path",
    "board_plans",
    "read_board",
    "read_board_plan_data",
    "read_cell_reports",
    "read_measure_history",
]


async def board_plans(session: AsyncSession, organisation_id: int) -> list[BoardPlan]:
    """The plans the organisation may open on its board: its own, then those it has a share
    of; newest first within each."""
    shared = (
        select(Measure.roadmap_id)
        .join(Occurrence, Occurrence.measure_id == Measure.id)
        .where(Occurrence.organisation_id == organisation_id)
        .distinct()
    )
    result = await session.execute(
        select(
            Roadmap.id,
            Roadmap.title,
            Roadmap.period_start,
            Roadmap.period_end,
            Roadmap.organisation_id,
        )
        .where((Roadmap.organisation_id == organisation_id) | Roadmap.id.in_(shared))
        .order_by(Roadmap.id.desc())
    )
    plans = [
        BoardPlan(rid, title, first, last, owner, owner == organisation_id)
        for rid, title, first, last, owner in result.all()
    ]
    return sorted(plans, key=lambda p: not p.owned)  # stable: newest first within each


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def read_board(
    session: AsyncSession,
    plan: BoardPlan,
    viewer_organisation_id: int,
    start: date,
    end: date,
    *,
    measure_id: int | None = None,
) -> BoardData:
    """The plan's measures and occurrences in [start, end] for the viewer: every
    organisation's when the viewer owns the plan, else the viewer's own only. With
    `measure_id`, that measure's occurrences only (one cell's, for its details)."""
    with gc_paused():
        return await _read_board(session, plan, viewer_organisation_id, start, end, measure_id)


async def _read_board(
    session: AsyncSession,
    plan: BoardPlan,
    viewer: int,
    start: date,
    end: date,
    measure_id: int | None,
) -> BoardData:
    sections = await _sections(session, [plan.id])
    measures = await _measures(session, [plan.id], sections)
    if measure_id is not None:
        measures = {measure_id: measures[measure_id]} if measure_id in measures else {}
    scope = [
        Measure.roadmap_id == plan.id,
        Measure.archived_at.is_(None),
        _in_period(start, end),
    ]
    if not plan.owned:
        scope.append(Occurrence.organisation_id == viewer)
    if measure_id is not None:
        scope.append(Occurrence.measure_id == measure_id)
    # Every non-withdrawn report's status and postponement with its occurrence (an outer
    # join, as storage.read_summaries reads them: one pass, cheaper on both engines than a
    # grouped subquery); the latest per occurrence is picked in _board_occurrences.
    rows = await _rows(
        session,
        select(
            Occurrence.id,
            Occurrence.measure_id,
            Occurrence.organisation_id,
            Occurrence.window_start,
            Occurrence.due_date,
            Occurrence.is_span,
            Occurrence.status,
            Occurrence.postponed_to,
            Report.id,
            Report.status,
            Report.postponed_to,
        )
        .join(Measure, Measure.id == Occurrence.measure_id)
        .outerjoin(
            Report, and_(Report.occurrence_id == Occurrence.id, Report.withdrawn_at.is_(None))
        )
        .where(*scope),
    )
    occurrences = _board_occurrences(rows, measures)
    organisation_ids = sorted({o.organisation_id for o in occurrences})
    organisations: list[BoardOrganisation] = []
    if organisation_ids:
        result = await session.execute(
            select(Organisation.id, Organisation.short_name, Organisation.name).where(
                Organisation.id.in_(organisation_ids)
            )
        )
        organisations = [
            BoardOrganisation(oid, short or name) for oid, short, name in result.all()
        ]
    people = await session.execute(
        select(Person.id, Person.full_name)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.organisation_id == viewer)
        .order_by(Person.full_name, Person.id)
    )
    return BoardData(
        plan=plan,
        viewer_organisation_id=viewer,
        start=start,
        end=end,
        sections=tuple(sorted(sections.values(), key=lambda s: s.position)),
        measures=tuple(measures.values()),
        occurrences=tuple(occurrences),
        organisations=tuple(organisations),
        people=tuple((pid, name) for pid, name in people.all()),
        units=tuple(await read_units(session, viewer)),
    )


def _board_occurrences(rows: Any, measures: dict[int, MeasureRow]) -> list[BoardOccurrence]:
    found: dict[int, BoardOccurrence] = {}
    for (
        oid,
        mid,
        organisation_id,
        window_start,
        due,
        is_span,
        status,
        postponed_to,
        report_id,
        report_status,
        report_postponed_to,
    ) in rows:
        occurrence = found.get(oid)
        if occurrence is None:
            measure = measures.get(mid)
            if measure is None:
                continue
            occurrence = found[oid] = BoardOccurrence(
                id=oid,
                measure=measure,
                window_start=window_start,
                due_date=due,
                is_span=bool(is_span),
                status=status,
                postponed_to=postponed_to,
                closed_at=None,
                report=None,
                organisation_id=organisation_id,
            )
        if report_id is not None and (
            occurrence.report is None or report_id > occurrence.report.id
        ):
            # Only what the grid reads (status, postponement): texts come with a cell.
            occurrence.report = ReportRow(
                report_id, report_status, "", None, report_postponed_to, 0, "", _EPOCH, ()
            )
    ordered = list(found.values())
    ordered.sort(key=lambda o: (o.measure.position, o.due_date, o.organisation_id, o.id))
    return ordered


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def read_cell_reports(
    session: AsyncSession, occurrence_ids: list[int]
) -> dict[int, list[CellReport]]:
    """Every non-withdrawn report of these occurrences (newest first), with its files."""
    if not occurrence_ids:
        return {}
    result = await session.execute(
        select(
            Report.occurrence_id,
            Report.id,
            Report.status,
            Report.text,
            Report.reason,
            Report.postponed_to,
            Person.full_name,
            Report.created_at,
        )
        .join(Person, Person.id == Report.person_id)
        .where(Report.occurrence_id.in_(occurrence_ids), Report.withdrawn_at.is_(None))
        .order_by(Report.created_at.desc(), Report.id.desc())
    )
    rows = result.all()
    files: dict[int, list[CellAttachment]] = defaultdict(list)
    report_ids = [row[1] for row in rows]
    if report_ids:
        attached = await session.execute(
            select(
                Attachment.id,
                Attachment.report_id,
                Attachment.file_name,
                Attachment.kind,
                Attachment.size,
            )
            .where(Attachment.report_id.in_(report_ids))
            .order_by(Attachment.report_id, Attachment.id)
        )
        for aid, rid, name, kind, size in attached.all():
            files[rid].append(CellAttachment(aid, rid, name or f"{kind}-{aid}", size))
    reports: dict[int, list[CellReport]] = defaultdict(list)
    for oid, rid, status, text, reason, postponed_to, author, created_at in rows:
        reports[oid].append(
            CellReport(
                rid,
                status,
                text or "",
                reason,
                postponed_to,
                author,
                _aware(created_at) or _EPOCH,
                tuple(files.get(rid, ())),
            )
        )
    return reports


async def attachment_path(
    session: AsyncSession, viewer_organisation_id: int, attachment_id: int
) -> tuple[str, str | None, str | None, str] | None:
    """(file name, stored path, MIME type, Telegram file id) of an attachment, if the viewer
    may read it: a report on its own occurrence, or on a plan it owns."""
    row = (
        await session.execute(
            select(
                Attachment.file_name,
                Attachment.kind,
                Attachment.id,
                Attachment.stored_path,
                Attachment.mime_type,
                Attachment.telegram_file_id,
            )
            .join(Report, Report.id == Attachment.report_id)
            .join(Occurrence, Occurrence.id == Report.occurrence_id)
            .join(Measure, Measure.id == Occurrence.measure_id)
            .join(Roadmap, Roadmap.id == Measure.roadmap_id)
            .where(
                Attachment.id == attachment_id,
                Report.withdrawn_at.is_(None),
                and_(
                    (Occurrence.organisation_id == viewer_organisation_id)
                    | (Roadmap.organisation_id == viewer_organisation_id)
                ),
            )
        )
    ).one_or_none()
    if row is None:
        return None
    name, kind, aid, stored, mime, file_id = row
    return name or f"{kind}-{aid}", stored, mime, file_id


async def read_board_plan_data(
    session: AsyncSession, plan: BoardPlan, viewer_organisation_id: int, start: date, end: date
) -> PlanData:
    """The plan for the exports: as `read_plan` reads it for its owner; for a share of
    another organisation's plan, with the viewer's own occurrences and name."""
    if plan.owned:
        return await read_plan(session, plan.id, start, end)
    with gc_paused():
        sections = await _sections(session, [plan.id])
        measures = await _measures(session, [plan.id], sections)
        occurrences = await _occurrences(
            session, [plan.id], measures, start, end, viewer_organisation_id
        )
        return PlanData(
            organisation_name=await _organisation_name(session, viewer_organisation_id),
            roadmap=RoadmapRow(plan.id, plan.title, plan.period_start, plan.period_end),
            start=start,
            end=end,
            sections=tuple(sorted(sections.values(), key=lambda s: s.position)),
            measures=tuple(measures.values()),
            occurrences=tuple(occurrences),
        )


HISTORY_LIMIT = 50


async def read_measure_history(
    session: AsyncSession,
    plan: BoardPlan,
    viewer_organisation_id: int,
    measure_id: int,
    occurrence_ids: list[int],
) -> list[CellEvent]:
    """What happened to a measure, newest first: the plan's imports (for its owner), events
    on the measure (hand-overs, disputes: the viewer's own unless it owns the plan), and the
    reminders sent about these occurrences (already scoped to the viewer)."""
    measure_events = and_(AuditEvent.object_type == "measure", AuditEvent.object_id == measure_id)
    if not plan.owned:
        measure_events = and_(measure_events, AuditEvent.organisation_id == viewer_organisation_id)
    wanted = [measure_events]
    if plan.owned:
        wanted.append(
            and_(
                AuditEvent.object_type == "roadmap",
                AuditEvent.object_id == plan.id,
                AuditEvent.action == "roadmap.imported",
            )
        )
    audit = await session.execute(
        select(AuditEvent.created_at, AuditEvent.action, Person.full_name, AuditEvent.data)
        .outerjoin(Person, Person.id == AuditEvent.person_id)
        .where(or_(*wanted))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(HISTORY_LIMIT)
    )
    events = [
        CellEvent(_aware(when) or _EPOCH, action, who, data)
        for when, action, who, data in audit.all()
    ]
    if occurrence_ids:
        sent = await session.execute(
            select(Reminder.sent_at, Person.full_name)
            .join(Person, Person.id == Reminder.person_id)
            .where(
                Reminder.occurrence_id.in_(occurrence_ids),
                Reminder.state == ReminderState.SENT.value,
                Reminder.sent_at.is_not(None),
            )
            .order_by(Reminder.sent_at.desc(), Reminder.id.desc())
            .limit(HISTORY_LIMIT)
        )
        events += [
            CellEvent(_aware(when) or _EPOCH, "reminder.sent", who) for when, who in sent.all()
        ]
    events.sort(key=lambda e: e.when, reverse=True)
    return events[:HISTORY_LIMIT]
