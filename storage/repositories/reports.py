from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from storage.models import (
    Assignment,
    Attachment,
    Measure,
    Membership,
    Occurrence,
    Report,
    Roadmap,
    UnitMember,
)
from storage.repositories.base import Repository


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
            .join(Measure, Measure.id == Occurrence.measure_id)
            .join(Roadmap, Roadmap.id == Measure.roadmap_id)
            .where(Roadmap.organisation_id == organisation_id, Report.created_at > moment)
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

    async def is_responsible(self, measure_id: int, person_id: int) -> bool:
        """Named on the measure, or a member of a unit named on it."""
        direct = await self.session.scalar(
            select(Assignment.id)
            .where(Assignment.measure_id == measure_id, Assignment.person_id == person_id)
            .limit(1)
        )
        if direct is not None:
            return True
        via_unit = await self.session.scalar(
            select(Assignment.id)
            .join(UnitMember, UnitMember.unit_id == Assignment.unit_id)
            .where(Assignment.measure_id == measure_id, UnitMember.person_id == person_id)
            .limit(1)
        )
        return via_unit is not None

    async def open_occurrences_of(
        self, person_id: int, organisation_id: int
    ) -> list[tuple[Occurrence, Measure]]:
        """The person's open occurrences (own and via units), nearest due first."""
        unit_ids = select(UnitMember.unit_id).where(UnitMember.person_id == person_id)
        result = await self.session.execute(
            select(Occurrence, Measure)
            .join(Measure, Measure.id == Occurrence.measure_id)
            .join(Roadmap, Roadmap.id == Measure.roadmap_id)
            .join(Assignment, Assignment.measure_id == Measure.id)
            .where(
                Roadmap.organisation_id == organisation_id,
                Measure.archived_at.is_(None),
                Occurrence.status.in_(["open", "postponed", "partial"]),
                (Assignment.person_id == person_id) | (Assignment.unit_id.in_(unit_ids)),
            )
            .distinct()
            .order_by(Occurrence.due_date, Measure.position)
        )
        return [(o, m) for o, m in result.all()]

    async def measures_by_number(self, organisation_id: int, number: str) -> list[Measure]:
        result = await self.session.execute(
            select(Measure)
            .join(Roadmap, Roadmap.id == Measure.roadmap_id)
            .where(
                Roadmap.organisation_id == organisation_id,
                Measure.number == number,
                Measure.archived_at.is_(None),
            )
        )
        return list(result.scalars())

    async def occurrences_of_measures(self, measure_ids: Sequence[int]) -> list[Occurrence]:
        result = await self.session.execute(
            select(Occurrence)
            .where(Occurrence.measure_id.in_(list(measure_ids)))
            .order_by(Occurrence.due_date)
        )
        return list(result.scalars())

    async def membership(self, organisation_id: int, person_id: int) -> Membership | None:
        result = await self.session.execute(
            select(Membership).where(
                Membership.organisation_id == organisation_id, Membership.person_id == person_id
            )
        )
        return result.scalar_one_or_none()
