"""Submitting, correcting, withdrawing and reopening reports.

A report on an occurrence sets its status. With the organisation's "one report closes"
rule (the default), a done report closes the occurrence for everyone responsible;
otherwise the occurrence closes once every responsible person has reported done. Closing
cancels the pending reminders; postponing moves the person's reminders to the new date.
Every change is kept in the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.access import occurrence_for_report, require_coordinator
from bot.cleaning import clean_file_name, clean_label, clean_text
from bot.errors import N_, UserError
from bot.obligations import responsible_persons
from bot.reminders.outbox import plan_changes
from bot.reports.draft import MAX_TEXT, DraftFile
from bot.services import Identity, audit
from storage.models import FILE_NAME_CHARS, MIME_TYPE_CHARS, OccurrenceStatus, Report
from storage.uow import UnitOfWork

CORRECTION_WINDOW = timedelta(hours=24)
POSTPONEMENT_CHOICES = (7, 14, 30)  # days ahead offered as buttons for a new date


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
    files: int = 0


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
    attachments: Sequence[DraftFile] = (),
) -> SubmittedReport:
    """Store a report with its files and apply its effect on the occurrence and reminders.
    Commits."""
    submitted = await _store_report(
        uow,
        identity,
        occurrence_id=occurrence_id,
        status=status,
        now=now,
        text=text,
        reason=reason,
        postponed_to=postponed_to,
        attachments=attachments,
    )
    await uow.commit()
    return submitted


async def submit_reports(
    uow: UnitOfWork,
    identity: Identity,
    *,
    occurrence_ids: Sequence[int],
    status: ReportStatus,
    now: datetime,
    text: str = "",
    attachments: Sequence[DraftFile] = (),
) -> list[SubmittedReport]:
    """One text and the same files as the report on several measures (the monthly check-in
    of ongoing measures answered at once). All are stored or none: one commit."""
    if status not in (ReportStatus.DONE, ReportStatus.PARTIAL):
        raise UserError("Several measures at once can be reported done or partly done only.")
    submitted = [
        await _store_report(
            uow,
            identity,
            occurrence_id=occurrence_id,
            status=status,
            now=now,
            text=text,
            attachments=attachments,
        )
        for occurrence_id in dict.fromkeys(occurrence_ids)
    ]
    await uow.commit()
    return submitted


async def _store_report(
    uow: UnitOfWork,
    identity: Identity,
    *,
    occurrence_id: int,
    status: ReportStatus,
    now: datetime,
    text: str = "",
    reason: str | None = None,
    postponed_to: date | None = None,
    attachments: Sequence[DraftFile] = (),
) -> SubmittedReport:
    occurrence, measure, _roadmap = await occurrence_for_report(uow, identity, occurrence_id)
    assert identity.person is not None
    if status is ReportStatus.POSTPONED:
        if postponed_to is None:
            raise UserError("A postponement needs the new date.")
        check_postponement(postponed_to, identity.today(now))
    report = await uow.reports.add(
        occurrence_id=occurrence.id,
        person_id=identity.person.id,
        status=status.value,
        text=_stored_text(text),
        reason=_stored_text(reason) if reason is not None else None,
        postponed_to=postponed_to,
        created_at=now,
        updated_at=now,
    )
    for item in attachments:
        await _add_attachment(uow, report.id, item, now)
    closed = await _apply(uow, report, now=now)
    await uow.audit.record(
        action="report.submitted",
        now=now,
        organisation_id=occurrence.organisation_id,
        person_id=identity.person.id,
        object_type="report",
        object_id=report.id,
        data={
            "occurrence": occurrence.id,
            "status": status.value,
            "files": len(attachments),
            **({"postponed_to": postponed_to.isoformat()} if postponed_to else {}),
        },
    )
    return SubmittedReport(
        report_id=report.id,
        occurrence_id=occurrence.id,
        measure_number=measure.number,
        measure_title=measure.title,
        status=status,
        occurrence_closed=closed,
        files=len(attachments),
    )


REPORT_TEXT_TOO_LONG = N_(
    "A report's text can be at most {limit} characters; this one has {length}. "
    "Shorten it, or send the long text as a file."
)


def _stored_text(text: str) -> str:
    """A report's text or reason as stored: no control characters (PostgreSQL refuses a
    NUL), and refused beyond MAX_TEXT characters, on both engines alike."""
    cleaned = clean_text(text).strip()
    if len(cleaned) > MAX_TEXT:
        raise UserError(REPORT_TEXT_TOO_LONG, limit=MAX_TEXT, length=len(cleaned))
    return cleaned


async def _add_attachment(uow: UnitOfWork, report_id: int, item: DraftFile, now: datetime) -> None:
    stored_path = item.stored_path
    if stored_path is None and item.sha256 is not None:
        # The disk failed this time, but the same content may be stored already.
        existing = await uow.reports.attachment_by_sha256(item.sha256)
        stored_path = existing.stored_path if existing else None
    await uow.reports.add_attachment(
        report_id=report_id,
        kind=item.kind,
        telegram_file_id=item.file_id,
        telegram_file_unique_id=item.file_unique_id,
        # Cleaned again here: a draft kept in the conversation state by an older version
        # may hold a raw name, and PostgreSQL refuses a NUL or a name over the column.
        file_name=clean_file_name(item.file_name, FILE_NAME_CHARS),
        mime_type=clean_label(item.mime_type, MIME_TYPE_CHARS),
        size=item.size,
        sha256=item.sha256,
        stored_path=stored_path,
        created_at=now,
    )


async def add_attachments(
    uow: UnitOfWork,
    identity: Identity,
    *,
    report_id: int,
    files: Sequence[DraftFile],
    now: datetime,
) -> int:
    """The author adds files to a stored report within 24 hours. Returns the report's file
    count. Commits."""
    report = await _own_recent_report(uow, identity, report_id, now)
    for item in files:
        await _add_attachment(uow, report.id, item, now)
    report.updated_at = now
    await audit(
        uow,
        identity,
        "report.files_added",
        ("report", report.id),
        now=now,
        data={"files": [item.file_unique_id for item in files]},
    )
    count = (await uow.reports.attachment_counts([report.id])).get(report.id, 0)
    await uow.commit()
    return count


async def _apply(uow: UnitOfWork, report: Report, *, now: datetime) -> bool:
    """Recompute the occurrence's status from its live reports; returns whether it closed."""
    found = await uow.reports.occurrence(report.occurrence_id)
    assert found is not None
    occurrence, measure, _roadmap = found
    # The closing rule is the one of the organisation whose obligation this is.
    organisation = await uow.organisations.get(occurrence.organisation_id)
    assert organisation is not None
    reports = await uow.reports.for_occurrence(occurrence.id)
    latest: dict[int, Report] = {}
    for item in reports:
        latest[item.person_id] = item
    statuses = {item.status for item in latest.values()}

    if organisation.one_report_closes:
        closed = OccurrenceStatus.DONE.value in statuses
    else:
        share = (measure.id, occurrence.organisation_id)
        needed = (await responsible_persons(uow, [share])).get(share, set())
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
    await uow.flush()
    if occurrence.status in (OccurrenceStatus.OPEN, OccurrenceStatus.POSTPONED):
        await plan_changes(
            uow, occurrence.organisation_id, now=now, occurrence_ids={occurrence.id}
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
    await audit(uow, identity, "report.withdrawn", ("report", report.id), now=now)
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
        report.text = _stored_text(text)
    if status is not None:
        report.status = status.value
    report.updated_at = now
    await _apply(uow, report, now=now)
    await audit(
        uow,
        identity,
        "report.corrected",
        ("report", report.id),
        now=now,
        data={"before": before, "after": {"text": report.text, "status": report.status}},
    )
    await uow.commit()


async def reopen_occurrence(
    uow: UnitOfWork, identity: Identity, *, occurrence_id: int, now: datetime
) -> None:
    """A coordinator reopens a closed occurrence (its reports stay, marked withdrawn)."""
    organisation_id = require_coordinator(identity)
    found = await uow.reports.occurrence(occurrence_id)
    # The organisation's own occurrence, or a member's on the organisation's plan (the
    # office sends a school's report back).
    owners = (found[0].organisation_id, found[2].organisation_id) if found else ()
    if found is None or organisation_id not in owners:
        raise UserError("This measure was not found.")
    reports = await uow.reports.for_occurrence(occurrence_id)
    for report in reports:
        report.withdrawn_at = now
    occurrence = found[0]
    occurrence.status = OccurrenceStatus.OPEN.value
    occurrence.closed_at = None
    occurrence.postponed_to = None
    await uow.reminders.delete_unsent([occurrence_id])
    await plan_changes(uow, occurrence.organisation_id, now=now, occurrence_ids={occurrence_id})
    await audit(
        uow,
        identity,
        "occurrence.reopened",
        ("occurrence", occurrence_id),
        now=now,
        organisation_id=organisation_id,
    )
    await uow.commit()


async def _own_recent_report(
    uow: UnitOfWork, identity: Identity, report_id: int, now: datetime
) -> Report:
    report = await uow.reports.get(report_id)
    if report is None:
        raise UserError("This report was not found.")
    check_changeable(
        identity, report.person_id, report.created_at, report.withdrawn_at is not None, now
    )
    return report


def check_changeable(
    identity: Identity, author_id: int, created_at: datetime, withdrawn: bool, now: datetime
) -> None:
    """Only the author changes a report, and only within 24 hours of sending it."""
    if identity.person is None or author_id != identity.person.id:
        raise UserError("This report was not found.")
    if withdrawn:
        raise UserError("This report was already withdrawn.")
    if now - created_at > CORRECTION_WINDOW:
        raise UserError(
            "A report can be changed within 24 hours; ask the coordinator to reopen it."
        )


def postponement_choices(today: date) -> list[date]:
    """The new dates offered as buttons when a report postpones a measure."""
    return [today + timedelta(days=days) for days in POSTPONEMENT_CHOICES]


def check_postponement(new_date: date | None, today: date) -> date:
    """A postponement goes to a date that could be read and that is later than today."""
    if new_date is None:
        raise UserError("I could not read the date. Send it like 15.06.2022.")
    if new_date <= today:
        raise UserError("The new date must be later than today.")
    return new_date
