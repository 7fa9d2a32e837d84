from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select

from storage.models import (
    Assignment,
    Measure,
    MeasureEdit,
    Membership,
    Occurrence,
    Person,
    Report,
    Roadmap,
    Section,
    Unit,
)
from storage.repositories.base import Repository


class RoadmapRepository(Repository):
    async def get(self, roadmap_id: int) -> Roadmap | None:
        return await self.session.get(Roadmap, roadmap_id)

    async def for_organisation(self, organisation_id: int) -> list[Roadmap]:
        result = await self.session.execute(
            select(Roadmap).where(Roadmap.organisation_id == organisation_id).order_by(Roadmap.id)
        )
        return list(result.scalars())

    async def by_title(self, organisation_id: int, title: str) -> Roadmap | None:
        result = await self.session.execute(
            select(Roadmap).where(
                Roadmap.organisation_id == organisation_id, Roadmap.title == title
            )
        )
        return result.scalars().first()

    async def add(self, **fields: Any) -> Roadmap:
        roadmap = Roadmap(**fields)
        self.session.add(roadmap)
        await self.session.flush()
        return roadmap

    async def sections(self, roadmap_id: int) -> list[Section]:
        result = await self.session.execute(
            select(Section).where(Section.roadmap_id == roadmap_id).order_by(Section.position)
        )
        return list(result.scalars())

    async def replace_sections(
        self, roadmap_id: int, sections: list[dict[str, Any]]
    ) -> list[Section]:
        await self.session.execute(delete(Section).where(Section.roadmap_id == roadmap_id))
        rows = [Section(roadmap_id=roadmap_id, **fields) for fields in sections]
        self.session.add_all(rows)
        await self.session.flush()
        return rows

    async def measures(self, roadmap_id: int, *, include_archived: bool = False) -> list[Measure]:
        query = select(Measure).where(Measure.roadmap_id == roadmap_id)
        if not include_archived:
            query = query.where(Measure.archived_at.is_(None))
        result = await self.session.execute(query.order_by(Measure.position))
        return list(result.scalars())

    async def add_measure(self, **fields: Any) -> Measure:
        measure = Measure(**fields)
        self.session.add(measure)
        await self.session.flush()
        return measure

    async def count_measures(self, organisation_id: int) -> int:
        result = await self.session.execute(
            select(func.count(Measure.id))
            .join(Roadmap, Roadmap.id == Measure.roadmap_id)
            .where(Roadmap.organisation_id == organisation_id, Measure.archived_at.is_(None))
        )
        return int(result.scalar_one())

    async def measures_numbered(self, organisation_id: int, number: str) -> list[Measure]:
        """The organisation's active measures with that number, the newest plan's first."""
        result = await self.session.execute(
            select(Measure)
            .join(Roadmap, Roadmap.id == Measure.roadmap_id)
            .where(
                Roadmap.organisation_id == organisation_id,
                Measure.number == number,
                Measure.archived_at.is_(None),
            )
            .order_by(Roadmap.id.desc(), Measure.position)
        )
        return list(result.scalars())

    async def get_measure(self, measure_id: int) -> Measure | None:
        return await self.session.get(Measure, measure_id)

    # Edits of measures ---------------------------------------------------------------
    async def add_edit(self, **fields: Any) -> MeasureEdit:
        edit = MeasureEdit(**fields)
        self.session.add(edit)
        await self.session.flush()
        return edit

    async def edits(
        self, roadmap_id: int, *, include_superseded: bool = False
    ) -> list[MeasureEdit]:
        """The plan's edits, oldest first."""
        query = select(MeasureEdit).where(MeasureEdit.roadmap_id == roadmap_id)
        if not include_superseded:
            query = query.where(MeasureEdit.superseded_at.is_(None))
        result = await self.session.execute(query.order_by(MeasureEdit.id))
        return list(result.scalars())

    # Assignments ---------------------------------------------------------------------
    async def assignments(self, measure_id: int) -> list[Assignment]:
        result = await self.session.execute(
            select(Assignment).where(Assignment.measure_id == measure_id).order_by(Assignment.id)
        )
        return list(result.scalars())

    async def set_assignments(
        self, measure_id: int, organisation_id: int, person_ids: list[int], unit_ids: list[int]
    ) -> None:
        """What the plan says about a measure, in its owner: replaces the previous version.

        Members' own assignments (a school handing its share to a deputy) are kept.
        """
        await self.session.execute(
            delete(Assignment).where(
                Assignment.measure_id == measure_id,
                Assignment.organisation_id == organisation_id,
            )
        )
        self.session.add_all(
            [
                Assignment(measure_id=measure_id, organisation_id=organisation_id, person_id=pid)
                for pid in person_ids
            ]
            + [
                Assignment(measure_id=measure_id, organisation_id=organisation_id, unit_id=uid)
                for uid in unit_ids
            ]
        )
        await self.session.flush()

    # People and units named by plans -------------------------------------------------
    async def people_by_name(self, organisation_id: int) -> dict[str, Person]:
        result = await self.session.execute(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.organisation_id == organisation_id)
        )
        return {person.full_name: person for person in result.scalars()}

    async def units_by_name(self, organisation_id: int) -> dict[str, Unit]:
        result = await self.session.execute(
            select(Unit).where(Unit.organisation_id == organisation_id)
        )
        return {unit.name: unit for unit in result.scalars()}

    async def add_unit(
        self,
        *,
        organisation_id: int,
        name: str,
        now: datetime,
        kind: str = "people_group",
        member_filter: str | None = None,
    ) -> Unit:
        unit = Unit(
            organisation_id=organisation_id,
            name=name,
            kind=kind,
            member_filter=member_filter,
            created_at=now,
        )
        self.session.add(unit)
        await self.session.flush()
        return unit

    # Occurrences ---------------------------------------------------------------------
    async def occurrences(self, measure_id: int) -> list[Occurrence]:
        result = await self.session.execute(
            select(Occurrence)
            .where(Occurrence.measure_id == measure_id)
            .order_by(Occurrence.due_date)
        )
        return list(result.scalars())

    async def add_occurrence(
        self,
        *,
        measure_id: int,
        organisation_id: int,
        window_start: date,
        due_date: date,
        is_span: bool,
    ) -> Occurrence:
        occurrence = Occurrence(
            measure_id=measure_id,
            organisation_id=organisation_id,
            window_start=window_start,
            due_date=due_date,
            is_span=is_span,
        )
        self.session.add(occurrence)
        await self.session.flush()
        return occurrence

    async def has_reports(self, occurrence_id: int) -> bool:
        found = await self.session.scalar(
            select(Report.id).where(Report.occurrence_id == occurrence_id).limit(1)
        )
        return found is not None

    async def delete_occurrence(self, occurrence: Occurrence) -> None:
        await self.session.delete(occurrence)
        await self.session.flush()
