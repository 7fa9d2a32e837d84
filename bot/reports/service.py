"""Submitting, correcting, withdrawing and reopening reports.

A report on an occurrence sets its status. With the organisation's "one report closes"
rule (the default), a done report closes the occurrence for everyone responsible;
otherwise the occurrence closes once every responsible person has reported done. Closing
cancels the pending reminders; postponing moves the person's reminders to the new date.
Every change is kept in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.access import occurrence_for_report, require_coordinator
from bot.errors import UserError
from bot.reminders.outbox import plan_organisation
from bot.services import Identity
from storage.models import OccurrenceStatus, Report
from storage.uow import UnitOfWork

CORRECTION_WINDOW = timedelta(hours=24)


class ReportStatus(StrEnum):
    DONE = "done"
    PARTIAL = "partial"
    POSTPONED = "postponed"
    NOT_DONE = "not_done"


@dataclass
class SubmittedReport:
    report_id: int
    occurrence_id: int
    measure_number: str | None
    measure_title: str
    status: ReportStatus
    occurrence_closed: bool


async def submit_report(
    uow: UnitOfWork,
    identity: Identity,
    *,
    occurrence_id: int,
    status: ReportStatus,
    now: datetime,
    text: str = "",
    reason: str | None = None,
    postponed_to: date | None = None,
) -> SubmittedReport:
    """Store a report and apply its effect on the occurrence and reminders. Commits."""
    occurrence, measure, roadmap = await occurrence_for_report(uow, identity, occurrence_id)
    assert identity.person is not None
    if status is ReportStatus.POSTPONED and postponed_to is None:
        raise UserError("A postponement needs the new date.")
    report = await uow.reports.add(
        occurrence_id=occurrence.id,
        person_id=identity.person.id,
        status=status.value,
        text=text.strip(),
        reason=reason,
        postponed_to=postponed_to,
        created_at=now,
        updated_at=now,
    )
    closed = await _apply(uow, report, now=now)
    await uow.audit.record(
        action="report.submitted",
        now=now,
        organisation_id=roadmap.organisation_id,
        person_id=identity.person.id,
        object_type="report",
        object_id=report.id,
        data={"occurrence": occurrence.id, "status": status.value},
    )
    await uow.commit()
    return SubmittedReport(
        report_id=report.id,
        occurrence_id=occurrence.id,
        measure_number=measure.number,
        measure_title=measure.title,
        status=status,
        occurrence_closed=closed,
    )


async def _apply(uow: UnitOfWork, report: Report, *, now: datetime) -> bool:
    """Recompute the occurrence's status from its live reports; returns whether it closed."""
    found = await uow.reports.occurrence(report.occurrence_id)
    assert found is not None
    occurrence, measure, roadmap = found
    organisation = await uow.organisations.get(roadmap.organisation_id)
    assert organisation is not None
    reports = await uow.reports.for_occurrence(occurrence.id)
    latest: dict[int, Report] = {}
    for item in reports:
        latest[item.person_id] = item
    statuses = {item.status for item in latest.values()}

    if organisation.one_report_closes:
        closed = OccurrenceStatus.DONE.value in statuses
    else:
        responsible = await uow.roadmaps.responsible_persons([measure.id])
        needed = responsible.get(measure.id, set())
        done_by = {pid for pid, item in latest.items() if item.status == "done"}
        closed = (bool(needed) and needed <= done_by) or (not needed and "done" in statuses)

    if closed:
        occurrence.status = OccurrenceStatus.DONE.value
        occurrence.closed_at = occurrence.closed_at or now
        occurrence.postponed_to = None
        await uow.reminders.cancel_for_occurrence(occurrence.id, reason="reported done")
        return True

    occurrence.closed_at = None
    newest = reports[-1] if reports else None
    if newest is None:
        occurrence.status = OccurrenceStatus.OPEN.value
        occurrence.postponed_to = None
    elif newest.status == ReportStatus.POSTPONED and newest.postponed_to is not None:
        occurrence.status = OccurrenceStatus.POSTPONED.value
        occurrence.postponed_to = newest.postponed_to
    elif newest.status in (ReportStatus.PARTIAL, ReportStatus.NOT_DONE):
        occurrence.status = newest.status
    else:
        occurrence.status = OccurrenceStatus.OPEN.value
    # Postponing, reopening or a withdrawn "done": the reminders follow the new state.
    await uow.reminders.delete_unsent([occurrence.id])
    await uow.session.flush()  # type: ignore[union-attr]
    if occurrence.status in (OccurrenceStatus.OPEN, OccurrenceStatus.POSTPONED):
        await plan_organisation(
            uow, roadmap.organisation_id, now=now, occurrence_ids={occurrence.id}
        )
    return False


async def withdraw_report(
    uow: UnitOfWork, identity: Identity, *, report_id: int, now: datetime
) -> None:
    """The author takes a report back within 24 hours. Commits."""
    report = await _own_recent_report(uow, identity, report_id, now)
    report.withdrawn_at = now
    report.updated_at = now
    await _apply(uow, report, now=now)
    await uow.audit.record(
        action="report.withdrawn",
        now=now,
        organisation_id=identity.organisation.id if identity.organisation else None,
        person_id=identity.person.id if identity.person else None,
        object_type="report",
        object_id=report.id,
    )
    await uow.commit()


async def correct_report(
    uow: UnitOfWork,
    identity: Identity,
    *,
    report_id: int,
    now: datetime,
    text: str | None = None,
    status: ReportStatus | None = None,
) -> None:
    """The author changes text or status within 24 hours. Commits."""
    report = await _own_recent_report(uow, identity, report_id, now)
    before = {"text": report.text, "status": report.status}
    if text is not None:
        report.text = text.strip()
    if status is not None:
        report.status = status.value
    report.updated_at = now
    await _apply(uow, report, now=now)
    await uow.audit.record(
        action="report.corrected",
        now=now,
        organisation_id=identity.organisation.id if identity.organisation else None,
        person_id=identity.person.id if identity.person else None,
        object_type="report",
        object_id=report.id,
        data={"before": before, "after": {"text": report.text, "status": report.status}},
    )
    await uow.commit()


async def reopen_occurrence(
    uow: UnitOfWork, identity: Identity, *, occurrence_id: int, now: datetime
) -> None:
    """A coordinator reopens a closed occurrence (its reports stay, marked withdrawn)."""
    organisation_id = require_coordinator(identity)
    found = await uow.reports.occurrence(occurrence_id)
    if found is None or found[2].organisation_id != organisation_id:
        raise UserError("This measure was not found.")
    reports = await uow.reports.for_occurrence(occurrence_id)
    for report in reports:
        report.withdrawn_at = now
    occurrence = found[0]
    occurrence.status = OccurrenceStatus.OPEN.value
    occurrence.closed_at = None
    occurrence.postponed_to = None
    await uow.reminders.delete_unsent([occurrence_id])
    await plan_organisation(uow, organisation_id, now=now, occurrence_ids={occurrence_id})
    await uow.audit.record(
        action="occurrence.reopened",
        now=now,
        organisation_id=organisation_id,
        person_id=identity.person.id if identity.person else None,
        object_type="occurrence",
        object_id=occurrence_id,
    )
    await uow.commit()


async def _own_recent_report(
    uow: UnitOfWork, identity: Identity, report_id: int, now: datetime
) -> Report:
    report = await uow.reports.get(report_id)
    if report is None or identity.person is None or report.person_id != identity.person.id:
        raise UserError("This report was not found.")
    if report.withdrawn_at is not None:
        raise UserError("This report was already withdrawn.")
    if now - report.created_at > CORRECTION_WINDOW:
        raise UserError(
            "A report can be changed within 24 hours; ask the coordinator to reopen it."
        )
    return report
