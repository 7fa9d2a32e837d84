"""Finding what to report on, and reading reports back.

Every function starts from the caller's Identity (bot.access): callback data and typed
numbers are user input, so another organisation's report, measure or file is "not found",
and an officer sees only their own reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.access import occurrence_for_report, require_coordinator, require_member
from bot.errors import NotFound
from bot.reminders.actions import own_reminder
from bot.reports.draft import number_variants
from bot.services import Identity
from storage.models import Attachment, Measure, Occurrence, OccurrenceStatus
from storage.repositories.reports import ReportRow
from storage.uow import UnitOfWork

REPORTABLE = {
    OccurrenceStatus.OPEN.value,
    OccurrenceStatus.POSTPONED.value,
    OccurrenceStatus.PARTIAL.value,
    OccurrenceStatus.NOT_DONE.value,
}
MAX_CHOICES = 8
VIEWED = "reports.viewed"


@dataclass(frozen=True)
class Target:
    """An occurrence to report on, with what the prompt shows."""

    occurrence_id: int
    measure_id: int
    number: str | None
    title: str
    window_start: date
    due_date: date
    postponed_to: date | None
    status: str
    is_span: bool
    document_type: str | None = None
    expected_result: str | None = None
    other_periods: int = 0  # further reportable periods of the same measure

    @property
    def due(self) -> date:
        return self.postponed_to or self.due_date


def _target(occurrence: Occurrence, measure: Measure, other_periods: int = 0) -> Target:
    return Target(
        occurrence_id=occurrence.id,
        measure_id=measure.id,
        number=measure.number,
        title=measure.title,
        window_start=occurrence.window_start,
        due_date=occurrence.due_date,
        postponed_to=occurrence.postponed_to,
        status=occurrence.status,
        is_span=occurrence.is_span,
        document_type=measure.document_type,
        expected_result=measure.expected_result,
        other_periods=other_periods,
    )


def current_occurrence(occurrences: Sequence[Occurrence], today: date) -> Occurrence | None:
    """The period a report is about by default: the one whose window is open today, else
    the most recent overdue one, else the next one to come."""
    live = [o for o in occurrences if o.status in REPORTABLE]
    if not live:
        return None

    def due(o: Occurrence) -> date:
        return o.postponed_to or o.due_date

    open_now = [o for o in live if o.window_start <= today <= due(o)]
    if open_now:
        return min(open_now, key=due)
    overdue = [o for o in live if due(o) < today]
    if overdue:
        return max(overdue, key=due)
    return min(live, key=due)


async def target(uow: UnitOfWork, identity: Identity, occurrence_id: int) -> Target:
    """The occurrence, if the caller may report on it (else NotFound/AccessDenied)."""
    occurrence, measure, _roadmap = await occurrence_for_report(uow, identity, occurrence_id)
    siblings = await uow.reports.occurrences_of_measure(measure.id, occurrence.organisation_id)
    others = sum(1 for o in siblings if o.status in REPORTABLE and o.id != occurrence.id)
    return _target(occurrence, measure, others)


@dataclass
class Resolution:
    """A typed number resolved: one target to start on, or choices to ask about."""

    target: Target | None = None
    choices: list[Target] = field(default_factory=list)
    unknown_number: str | None = None  # the number named no measure of the caller's


async def resolve(
    uow: UnitOfWork, identity: Identity, number: str | None, now: datetime
) -> Resolution:
    organisation_id = require_member(identity)
    assert identity.person is not None
    if number:
        measures: list[Measure] = []
        for variant in number_variants(number):
            measures += await uow.reports.measures_by_number(organisation_id, variant)
        mine = [
            m
            for m in measures
            if identity.is_coordinator
            or await uow.reports.responsible_for_measure(
                m.id, organisation_id, identity.person.id, is_coordinator=False
            )
        ]
        today = identity.today(now)
        found: list[Target] = []
        for measure in mine:
            occurrences = await uow.reports.occurrences_of_measure(measure.id, organisation_id)
            current = current_occurrence(occurrences, today)
            if current is not None:
                others = sum(
                    1 for o in occurrences if o.status in REPORTABLE and o.id != current.id
                )
                found.append(_target(current, measure, others))
        if len(found) == 1:
            return Resolution(target=found[0])
        if found:
            return Resolution(choices=found[:MAX_CHOICES])
        resolution = await open_choices(uow, identity)
        resolution.unknown_number = number
        return resolution
    return await open_choices(uow, identity)


async def open_choices(uow: UnitOfWork, identity: Identity) -> Resolution:
    """The caller's open occurrences, nearest due first."""
    organisation_id = require_member(identity)
    assert identity.person is not None
    pairs = await uow.reports.open_occurrences_of(
        identity.person.id, organisation_id, is_coordinator=identity.is_coordinator
    )
    return Resolution(choices=[_target(o, m) for o, m in pairs[:MAX_CHOICES]])


async def periods(uow: UnitOfWork, identity: Identity, occurrence_id: int) -> list[Target]:
    """Every reportable period of the occurrence's measure (to report an earlier one)."""
    occurrence, measure, _roadmap = await occurrence_for_report(uow, identity, occurrence_id)
    occurrences = await uow.reports.occurrences_of_measure(measure.id, occurrence.organisation_id)
    return [_target(o, measure) for o in occurrences if o.status in REPORTABLE][:MAX_CHOICES]


async def reminder_occurrence(uow: UnitOfWork, identity: Identity, reminder_id: int) -> int:
    """The occurrence of the caller's own reminder ("not yours" for anyone else's)."""
    reminder = await own_reminder(uow, identity, reminder_id)
    assert reminder.occurrence_id is not None
    return reminder.occurrence_id


async def reply_targets(
    uow: UnitOfWork, identity: Identity, telegram_message_id: int
) -> list[Target]:
    """What a reply to a bot message reports on: the reminders that message carried."""
    if identity.person is None or identity.organisation is None:
        return []
    reminders = await uow.reports.reminders_by_message(identity.person.id, telegram_message_id)
    targets: list[Target] = []
    for occurrence_id in dict.fromkeys(r.occurrence_id for r in reminders):
        if occurrence_id is None:
            continue
        found = await uow.reports.occurrence(occurrence_id)
        if found is None or found[0].organisation_id != identity.organisation.id:
            continue
        targets.append(_target(found[0], found[1]))
    return targets


# --- reading reports back ---------------------------------------------------------------


@dataclass(frozen=True)
class ReportView:
    report_id: int
    measure_id: int
    occurrence_id: int
    number: str | None
    title: str
    due_date: date
    occurrence_status: str
    author: str
    author_id: int
    status: str
    text: str
    reason: str | None
    postponed_to: date | None
    created_at: datetime
    updated_at: datetime
    withdrawn: bool
    files: int


def _views(rows: Sequence[ReportRow], counts: dict[int, int]) -> list[ReportView]:
    return [
        ReportView(
            report_id=row.report.id,
            measure_id=row.measure.id,
            occurrence_id=row.occurrence.id,
            number=row.measure.number,
            title=row.measure.title,
            due_date=row.occurrence.due_date,
            occurrence_status=row.occurrence.status,
            author=row.author.full_name,
            author_id=row.author.id,
            status=row.report.status,
            text=row.report.text,
            reason=row.report.reason,
            postponed_to=row.report.postponed_to,
            created_at=row.report.created_at,
            updated_at=row.report.updated_at,
            withdrawn=row.report.withdrawn_at is not None,
            files=counts.get(row.report.id, 0),
        )
        for row in rows
    ]


async def _with_counts(uow: UnitOfWork, rows: Sequence[ReportRow]) -> list[ReportView]:
    counts = await uow.reports.attachment_counts([row.report.id for row in rows])
    return _views(rows, counts)


async def my_reports(uow: UnitOfWork, identity: Identity) -> list[ReportView]:
    organisation_id = require_member(identity)
    assert identity.person is not None
    rows = await uow.reports.rows_of_person(identity.person.id, organisation_id)
    return await _with_counts(uow, rows)


@dataclass
class NewReports:
    since: datetime | None
    reports: list[ReportView]


async def new_reports(uow: UnitOfWork, identity: Identity, *, now: datetime) -> NewReports:
    """Reports new or changed since the coordinator last looked; this look is recorded
    (audit "reports.viewed") so the next one starts from here. Commits."""
    organisation_id = require_coordinator(identity)
    assert identity.person is not None
    since = await uow.reports.last_event(organisation_id, identity.person.id, VIEWED)
    rows = await uow.reports.rows_since(organisation_id, since)
    views = await _with_counts(uow, rows)
    await uow.audit.record(
        action=VIEWED,
        now=now,
        organisation_id=organisation_id,
        person_id=identity.person.id,
        data={"count": len(views)},
    )
    await uow.commit()
    return NewReports(since=since, reports=views)


@dataclass
class MeasureReports:
    measure_id: int
    number: str | None
    title: str
    reports: list[ReportView]
    closed_occurrences: list[tuple[int, date]]  # (occurrence id, due date): reopenable


async def measure_reports(uow: UnitOfWork, identity: Identity, measure_id: int) -> MeasureReports:
    """Every report on a measure, withdrawn ones included (the coordinator's view)."""
    organisation_id = require_coordinator(identity)
    found = await uow.reports.measure(measure_id)
    if found is None:
        raise NotFound("This measure was not found.")
    measure, roadmap = found
    # The plan's owner sees every organisation's reports on it; a member only its own.
    only = None if roadmap.organisation_id == organisation_id else organisation_id
    occurrences = await uow.reports.occurrences_of_measures([measure.id], only)
    if only is not None and not occurrences:
        raise NotFound("This measure was not found.")
    rows = await uow.reports.rows_of_measure(measure.id, only)
    closed = [(o.id, o.due_date) for o in occurrences if o.status == OccurrenceStatus.DONE.value]
    return MeasureReports(
        measure.id, measure.number, measure.title, await _with_counts(uow, rows), closed
    )


async def measures_by_number(uow: UnitOfWork, identity: Identity, number: str) -> list[int]:
    """The measures with that number the coordinator's organisation has a share of, plan by
    plan: a school's own plan and its share of the municipality's may both have a 1.2."""
    organisation_id = require_coordinator(identity)
    for variant in number_variants(number):
        measures = await uow.reports.measures_by_number(organisation_id, variant)
        if measures:
            return [measure.id for measure in measures]
    raise NotFound("Measure {number} was not found.", number=number)


@dataclass(frozen=True)
class ReportFiles:
    report: ReportView
    attachments: list[Attachment]


async def report_files(uow: UnitOfWork, identity: Identity, report_id: int) -> ReportFiles:
    """A report's files, for its author and the coordinators of its organisation only."""
    organisation_id = require_member(identity)
    assert identity.person is not None
    row = await uow.reports.row(report_id)
    visible = row is not None and (
        row.organisation_id == organisation_id
        # The plan's owner (a municipality) reads its schools' reports on its plan.
        or (identity.is_coordinator and row.owner_id == organisation_id)
    )
    if row is None or not visible:
        raise NotFound("This report was not found.")
    if not identity.is_coordinator and row.author.id != identity.person.id:
        raise NotFound("This report was not found.")
    attachments = await uow.reports.attachments(report_id)
    view = _views([row], {report_id: len(attachments)})[0]
    return ReportFiles(view, attachments)


async def report_view(uow: UnitOfWork, identity: Identity, report_id: int) -> ReportView:
    return (await report_files(uow, identity, report_id)).report


async def is_file_referenced(uow: UnitOfWork, sha256: str) -> bool:
    """Whether a stored copy belongs to some report (a cancelled draft's may be removed)."""
    return await uow.reports.attachment_by_sha256(sha256) is not None
