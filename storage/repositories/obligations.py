"""Who must do what: member organisations, the shares of measures, and who is responsible.

A measure's *share* is one organisation's part of it: the plan owner's own, or a member
organisation's when the measure is assigned to a group of members (`ОО`). Each share has its
own occurrences. Everything here is set-based: a handful of queries per roadmap, whatever
the number of schools.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models import (
    Assignment,
    Measure,
    Membership,
    Occurrence,
    Organisation,
    Report,
    Role,
    Unit,
    UnitMember,
    UnitOrganisation,
)
from storage.repositories.base import Repository

# Ids per IN list: well under SQLite's and asyncpg's limits on bound parameters.
IN_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    measure_id: int
    organisation_id: int
    person_id: int | None
    unit_id: int | None
    unit_kind: str | None
    member_filter: str | None


@dataclass(frozen=True, slots=True)
class OccurrenceKey:
    id: int
    measure_id: int
    organisation_id: int
    window_start: date
    due_date: date
    status: str
    is_span: bool
    has_reports: bool


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield list(ids[start : start + IN_CHUNK])


class ObligationRepository(Repository):
    # --- member organisations -----------------------------------------------------------
    async def members(
        self, parent_id: int, *, include_archived: bool = False
    ) -> list[Organisation]:
        query = select(Organisation).where(Organisation.parent_id == parent_id)
        if not include_archived:
            query = query.where(Organisation.archived_at.is_(None))
        result = await self.session.execute(query.order_by(Organisation.name, Organisation.id))
        return list(result.scalars())

    async def unit_organisations(self, unit_ids: Sequence[int]) -> dict[int, set[int]]:
        """The member organisations of named groups (and of `organisation` units)."""
        linked: dict[int, set[int]] = defaultdict(set)
        for chunk in _chunks(list(unit_ids)):
            result = await self.session.execute(
                select(UnitOrganisation.unit_id, UnitOrganisation.organisation_id).where(
                    UnitOrganisation.unit_id.in_(chunk)
                )
            )
            for unit_id, organisation_id in result.all():
                linked[unit_id].add(organisation_id)
        return linked

    async def set_unit_organisations(self, unit_id: int, organisation_ids: Iterable[int]) -> None:
        await self.session.execute(
            delete(UnitOrganisation).where(UnitOrganisation.unit_id == unit_id)
        )
        self.session.add_all(
            [UnitOrganisation(unit_id=unit_id, organisation_id=oid) for oid in organisation_ids]
        )
        await self.session.flush()

    # --- measures and their assignments -------------------------------------------------
    async def measures_of_roadmap(self, roadmap_id: int) -> list[Measure]:
        result = await self.session.execute(
            select(Measure)
            .where(Measure.roadmap_id == roadmap_id, Measure.archived_at.is_(None))
            .order_by(Measure.position)
        )
        return list(result.scalars())

    async def assignments(self, measure_ids: Sequence[int]) -> list[AssignmentRow]:
        rows: list[AssignmentRow] = []
        for chunk in _chunks(list(measure_ids)):
            result = await self.session.execute(
                select(
                    Assignment.measure_id,
                    Assignment.organisation_id,
                    Assignment.person_id,
                    Assignment.unit_id,
                    Unit.kind,
                    Unit.member_filter,
                )
                .outerjoin(Unit, Unit.id == Assignment.unit_id)
                .where(Assignment.measure_id.in_(chunk))
                .order_by(Assignment.id)
            )
            rows.extend(AssignmentRow(*row) for row in result.all())
        return rows

    async def unit_members(self, unit_ids: Sequence[int]) -> dict[int, set[int]]:
        members: dict[int, set[int]] = defaultdict(set)
        for chunk in _chunks(list(unit_ids)):
            result = await self.session.execute(
                select(UnitMember.unit_id, UnitMember.person_id).where(
                    UnitMember.unit_id.in_(chunk)
                )
            )
            for unit_id, person_id in result.all():
                members[unit_id].add(person_id)
        return members

    async def coordinators(self, organisation_ids: Sequence[int]) -> dict[int, set[int]]:
        found: dict[int, set[int]] = defaultdict(set)
        for chunk in _chunks(list(organisation_ids)):
            result = await self.session.execute(
                select(Membership.organisation_id, Membership.person_id).where(
                    Membership.organisation_id.in_(chunk),
                    Membership.role == Role.COORDINATOR.value,
                )
            )
            for organisation_id, person_id in result.all():
                found[organisation_id].add(person_id)
        return found

    async def joined_coordinators(self, organisation_ids: Sequence[int]) -> dict[int, set[int]]:
        """Coordinators who have opened their invite (linked to Telegram)."""
        from storage.models import Person

        found: dict[int, set[int]] = defaultdict(set)
        for chunk in _chunks(list(organisation_ids)):
            result = await self.session.execute(
                select(Membership.organisation_id, Membership.person_id)
                .join(Person, Person.id == Membership.person_id)
                .where(
                    Membership.organisation_id.in_(chunk),
                    Membership.role == Role.COORDINATOR.value,
                    Membership.joined_at.is_not(None),
                    Person.telegram_user_id.is_not(None),
                )
            )
            for organisation_id, person_id in result.all():
                found[organisation_id].add(person_id)
        return found

    async def delegate(
        self, *, measure_id: int, organisation_id: int, person_ids: Sequence[int]
    ) -> None:
        """Who does a member organisation's share of a measure (replaces the previous)."""
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
        )
        await self.session.flush()

    # --- occurrences --------------------------------------------------------------------
    async def occurrence_keys(self, measure_ids: Sequence[int]) -> list[OccurrenceKey]:
        has_reports = (
            select(Report.id).where(Report.occurrence_id == Occurrence.id).exists()
        ).label("has_reports")
        keys: list[OccurrenceKey] = []
        for chunk in _chunks(list(measure_ids)):
            result = await self.session.execute(
                select(
                    Occurrence.id,
                    Occurrence.measure_id,
                    Occurrence.organisation_id,
                    Occurrence.window_start,
                    Occurrence.due_date,
                    Occurrence.status,
                    Occurrence.is_span,
                    has_reports,
                ).where(Occurrence.measure_id.in_(chunk))
            )
            keys.extend(
                OccurrenceKey(*row[:6], bool(row[6]), bool(row[7])) for row in result.all()
            )
        return keys

    async def insert_occurrences(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert occurrences, skipping those that exist (one compiled statement, many
        parameter sets)."""
        if not rows:
            return 0
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(Occurrence).on_conflict_do_nothing(
            index_elements=["measure_id", "organisation_id", "window_start", "due_date"]
        )
        for start in range(0, len(rows), IN_CHUNK):
            await self.session.execute(statement, list(rows[start : start + IN_CHUNK]))
        # The rows were computed as missing; a conflict means another process just
        # inserted the same (harmless), so the count is what this call asked for.
        return len(rows)

    async def delete_occurrences(self, ids: Sequence[int]) -> None:
        for chunk in _chunks(list(ids)):
            await self.session.execute(delete(Occurrence).where(Occurrence.id.in_(chunk)))

    async def set_span(self, ids: Sequence[int], is_span: bool) -> None:
        from sqlalchemy import update

        for chunk in _chunks(list(ids)):
            await self.session.execute(
                update(Occurrence)
                .where(Occurrence.id.in_(chunk))
                .values(is_span=is_span)
                .execution_options(synchronize_session=False)
            )
