"""Reports, their attachments, and the lookups the report flow needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from storage.models import (
    Attachment,
    AuditEvent,
    Measure,
    Membership,
    Occurrence,
    Person,
    Reminder,
    Report,
    Roadmap,
)
from storage.repositories.base import Repository
from storage.responsibility import responsible


@dataclass(frozen=True)
class ReportRow:
    """A report with what a listing shows about it."""

    report: Report
    occurrence: Occurrence
    measure: Measure
    author: Person
    organisation_id: int  # whose obligation the occurrence is
    owner_id: int  # whose plan the measure is (a municipality, for its schools' reports)


class ReportRepository(Repository):
    async def get(self, report_id: int) -> Report | None:
        return await self.session.get(Report, report_id)

    async def add(self, **fields: object) -> Report:
        report = Report(**fields)
        self.session.add(report)
        await self.session.flush()
        return report

    async def add_attachment(self, **fields: object) -> Attachment:
        attachment = Attachment(**fields)
        self.session.add(attachment)
        await self.session.flush()
        return attachment

    async def attachments(self, report_id: int) -> list[Attachment]:
        result = await self.session.execute(
            select(Attachment).where(Attachment.report_id == report_id).order_by(Attachment.id)
        )
        return list(result.scalars())

    async def for_occurrence(
        self, occurrence_id: int, *, include_withdrawn: bool = False
    ) -> list[Report]:
        query = select(Report).where(Report.occurrence_id == occurrence_id)
        if not include_withdrawn:
            query = query.where(Report.withdrawn_at.is_(None))
        result = await self.session.execute(query.order_by(Report.created_at, Report.id))
        return list(result.scalars())

    async def by_person(self, person_id: int, *, limit: int = 50) -> list[Report]:
        result = await self.session.execute(
            select(Report)
            .where(Report.person_id == person_id)
            .order_by(Report.created_at.desc(), Report.id.desc())
            .limit(limit)
        )
        return list(result.scalars())

    async def since(self, organisation_id: int, moment: datetime) -> list[Report]:
        result = await self.session.execute(
            select(Report)
            .join(Occurrence, Occurrence.id == Report.occurrence_id)
            .where(Occurrence.organisation_id == organisation_id, Report.created_at > moment)
            .order_by(Report.created_at)
        )
        return list(result.scalars())

    async def occurrence(self, occurrence_id: int) -> tuple[Occurrence, Measure, Roadmap] | None:
        result = await self.session.execute(
            select(Occurrence, Measure, Roadmap)
            .join(Measure, Measure.id == Occurrence.measure_id)
            .join(Roadmap, Roadmap.id == Measure.roadmap_id)
            .where(Occurrence.id == occurrence_id)
        )
        row = result.first()
        return (row[0], row[1], row[2]) if row else None

    async def is_responsible(
        self, occurrence_id: int, person_id: int, *, is_coordinator: bool
    ) -> bool:
        """The occurrence is the person's to do (see storage.responsibility)."""
        found = await self.session.scalar(
            select(Occurrence.id)
            .where(
                Occurrence.id == occurrence_id,
                responsible(person_id, is_coordinator=is_coordinator),
            )
            .limit(1)
        )
        return found is not None

    async def responsible_for_measure(
        self, measure_id: int, organisation_id: int, person_id: int, *, is_coordinator: bool
    ) -> bool:
        """Some occurrence of the measure in the organisation is the person's to do."""
        found = await self.session.scalar(
            select(Occurrence.id)
            .where(
                Occurrence.measure_id == measure_id,
                Occurrence.organisation_id == organisation_id,
                responsible(person_id, is_coordinator=is_coordinator),
            )
            .limit(1)
        )
        return found is not None

    async def open_occurrences_of(
        self, person_id: int, organisation_id: int, *, is_coordinator: bool = False
    ) -> list[tuple[Occurrence, Measure]]:
        """The person's open occurrences in the organisation, nearest due first."""
        result = await self.session.execute(
            select(Occurrence, Measure)
            .join(Measure, Measure.id == Occurrence.measure_id)
            .where(
                Occurrence.organisation_id == organisation_id,
                Measure.archived_at.is_(None),
                Occurrence.status.in_(["open", "postponed", "partial"]),
                responsible(person_id, is_coordinator=is_coordinator),
            )
            .order_by(Occurrence.due_date, Measure.position, Occurrence.id)
        )
        return [(o, m) for o, m in result.all()]

    async def measures_by_number(self, organisation_id: int, number: str) -> list[Measure]:
        """Active measures with that number that the organisation has a share of."""
        shares = select(Occurrence.measure_id).where(Occurrence.organisation_id == organisation_id)
        result = await self.session.execute(
            select(Measure)
            .where(
                Measure.id.in_(shares),
                Measure.number == number,
                Measure.archived_at.is_(None),
            )
            # Plan by plan: a school's share of its municipality's plan and its own plan may
            # both have a 1.2; the order must not be the database's whim.
            .order_by(Measure.roadmap_id, Measure.position, Measure.id)
        )
        return list(result.scalars())

    async def occurrences_of_measures(
        self, measure_ids: Sequence[int], organisation_id: int | None = None
    ) -> list[Occurrence]:
        query = select(Occurrence).where(Occurrence.measure_id.in_(list(measure_ids)))
        if organisation_id is not None:
            query = query.where(Occurrence.organisation_id == organisation_id)
        result = await self.session.execute(query.order_by(Occurrence.due_date))
        return list(result.scalars())

    async def membership(self, organisation_id: int, person_id: int) -> Membership | None:
        result = await self.session.execute(
            select(Membership).where(
                Membership.organisation_id == organisation_id, Membership.person_id == person_id
            )
        )
        return result.scalar_one_or_none()

    # --- the report flow -----------------------------------------------------------------

    async def reminders_by_message(
        self, person_id: int, telegram_message_id: int
    ) -> list[Reminder]:
        """The person's reminders delivered in one bot message (a morning message holds
        several); message ids are per chat, so the person narrows them to their chat."""
        result = await self.session.execute(
            select(Reminder)
            .where(
                Reminder.person_id == person_id,
                Reminder.telegram_message_id == telegram_message_id,
                Reminder.occurrence_id.is_not(None),
            )
            .order_by(Reminder.id)
        )
        return list(result.scalars())

    async def occurrences_of_measure(
        self, measure_id: int, organisation_id: int
    ) -> list[Occurrence]:
        """The organisation's occurrences of a measure (each school has its own)."""
        result = await self.session.execute(
            select(Occurrence)
            .where(
                Occurrence.measure_id == measure_id,
                Occurrence.organisation_id == organisation_id,
            )
            .order_by(Occurrence.due_date, Occurrence.id)
        )
        return list(result.scalars())

    async def measure(self, measure_id: int) -> tuple[Measure, Roadmap] | None:
        result = await self.session.execute(
            select(Measure, Roadmap)
            .join(Roadmap, Roadmap.id == Measure.roadmap_id)
            .where(Measure.id == measure_id)
        )
        row = result.first()
        return (row[0], row[1]) if row else None

    async def attachment_by_sha256(self, sha256: str) -> Attachment | None:
        """Any attachment already holding this content (its stored copy can be shared)."""
        return await self.session.scalar(
            select(Attachment)
            .where(Attachment.sha256 == sha256, Attachment.stored_path.is_not(None))
            .order_by(Attachment.id)
            .limit(1)
        )

    async def referenced_paths(self, paths: Sequence[str]) -> set[str]:
        """Which of these stored copies (relative paths) some attachment points to."""
        found: set[str] = set()
        for start in range(0, len(paths), 500):
            batch = list(paths[start : start + 500])
            result = await self.session.execute(
                select(Attachment.stored_path).where(Attachment.stored_path.in_(batch))
            )
            found.update(path for path in result.scalars() if path is not None)
        return found

    async def attachment_counts(self, report_ids: Sequence[int]) -> dict[int, int]:
        if not report_ids:
            return {}
        result = await self.session.execute(
            select(Attachment.report_id, func.count(Attachment.id))
            .where(Attachment.report_id.in_(list(report_ids)))
            .group_by(Attachment.report_id)
        )
        return {report_id: count for report_id, count in result.all()}

    def _rows(self) -> Any:
        return (
            select(
                Report,
                Occurrence,
                Measure,
                Person,
                Occurrence.organisation_id,
                Roadmap.organisation_id,
            )
            .join(Occurrence, Occurrence.id == Report.occurrence_id)
            .join(Measure, Measure.id == Occurrence.measure_id)
            .join(Roadmap, Roadmap.id == Measure.roadmap_id)
            .join(Person, Person.id == Report.person_id)
        )

    @staticmethod
    def _row_list(rows: Any) -> list[ReportRow]:
        return [ReportRow(r, o, m, p, org, owner) for r, o, m, p, org, owner in rows]

    async def row(self, report_id: int) -> ReportRow | None:
        result = await self.session.execute(self._rows().where(Report.id == report_id))
        rows = self._row_list(result.all())
        return rows[0] if rows else None

    async def rows_since(
        self, organisation_id: int, moment: datetime | None, *, limit: int = 50
    ) -> list[ReportRow]:
        """Reports created or changed after the moment (all, when it is None), oldest first."""
        query = self._rows().where(Occurrence.organisation_id == organisation_id)
        if moment is not None:
            query = query.where(Report.updated_at > moment)
        result = await self.session.execute(
            query.order_by(Report.updated_at.desc(), Report.id.desc()).limit(limit)
        )
        return list(reversed(self._row_list(result.all())))

    async def rows_of_person(
        self, person_id: int, organisation_id: int, *, limit: int = 20
    ) -> list[ReportRow]:
        result = await self.session.execute(
            self._rows()
            .where(Report.person_id == person_id, Occurrence.organisation_id == organisation_id)
            .order_by(Report.created_at.desc(), Report.id.desc())
            .limit(limit)
        )
        return self._row_list(result.all())

    async def rows_of_measure(
        self, measure_id: int, organisation_id: int | None = None
    ) -> list[ReportRow]:
        """Every report on a measure, or only one organisation's (a school's own)."""
        query = self._rows().where(Measure.id == measure_id)
        if organisation_id is not None:
            query = query.where(Occurrence.organisation_id == organisation_id)
        result = await self.session.execute(
            query.order_by(Occurrence.due_date, Report.created_at, Report.id)
        )
        return self._row_list(result.all())

    async def last_event(
        self, organisation_id: int, person_id: int, action: str
    ) -> datetime | None:
        """When the person last did `action` in the organisation (e.g. "reports.viewed")."""
        return await self.session.scalar(
            select(func.max(AuditEvent.created_at)).where(
                AuditEvent.organisation_id == organisation_id,
                AuditEvent.person_id == person_id,
                AuditEvent.action == action,
            )
        )
