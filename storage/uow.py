"""Unit of work: one database transaction, with the repositories as attributes.

Services open it, do their work through the repositories and call `commit()`; leaving the
block without a commit rolls everything back, so a use case is all-or-nothing.
Repositories never commit. Services never touch the session: `flush()` sends pending
changes (so that planning sees them) and `reads` runs the read-side queries.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.board.records import BoardData, BoardPlan, CellEvent, CellReport
from bot.records import (
    OrganisationRow,
    PersonRow,
    PlanData,
    RoadmapRow,
    SharedPlanRow,
    SummaryData,
)
from storage import cache, read, read_board, read_summaries, statistics
from storage.repositories.audit import AuditRepository
from storage.repositories.invites import InviteRepository
from storage.repositories.obligations import ObligationRepository
from storage.repositories.organisations import OrganisationRepository
from storage.repositories.people import PersonRepository
from storage.repositories.reminders import ReminderRepository
from storage.repositories.reports import ReportRepository
from storage.repositories.roadmaps import RoadmapRepository


async def _as_tuple(names: Awaitable[list[str]]) -> tuple[str, ...]:
    return tuple(await names)


class Reads:
    """The read side within the unit of work's transaction: plain records, never ORM objects,
    a fixed handful of queries each (see `storage.read` and `storage.read_summaries`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def summary_data(
        self, organisation_id: int, start: date | None, end: date
    ) -> SummaryData:
        return await read_summaries.read_summary_data(self._session, organisation_id, start, end)

    async def share_data(self, organisation_id: int, start: date | None, end: date) -> SummaryData:
        """The organisation's share of its parent's plans alone (its own plans left out)."""
        return await read_summaries.read_summary_data(
            self._session, organisation_id, start, end, parent_plans_only=True
        )

    async def shared_plans(self, organisation_id: int) -> list[SharedPlanRow]:
        return await read_summaries.read_shared_plans(self._session, organisation_id)

    async def share_plan(
        self, roadmap_id: int, organisation_id: int, start: date, end: date
    ) -> PlanData:
        return await read_summaries.read_share_plan(
            self._session, roadmap_id, organisation_id, start, end
        )

    async def municipal_data(
        self, organisation_id: int, start: date | None, end: date
    ) -> SummaryData:
        return await read_summaries.read_municipal_data(self._session, organisation_id, start, end)

    async def members(self, parent_id: int) -> list[OrganisationRow]:
        return await read_summaries.read_members(self._session, parent_id)

    async def plan(self, roadmap_id: int, start: date, end: date) -> PlanData:
        return await read_summaries.read_plan(self._session, roadmap_id, start, end)

    async def roadmaps(self, organisation_id: int) -> list[RoadmapRow]:
        return await read_summaries.read_roadmaps(self._session, organisation_id)

    async def people(self, organisation_id: int) -> list[PersonRow]:
        return await read_summaries.read_people(self._session, organisation_id)

    async def measure_items(
        self,
        organisation_id: int,
        *,
        start: date | None = None,
        end: date | None = None,
        person_id: int | None = None,
        person_is_coordinator: bool = False,
        names: bool = True,
    ) -> list[read.ItemRow]:
        return await read.measure_items(
            self._session,
            organisation_id,
            start=start,
            end=end,
            person_id=person_id,
            person_is_coordinator=person_is_coordinator,
            names=names,
        )

    async def directory(self, organisation_id: int) -> list[str]:
        """The organisation's member names (kept per process: `storage.cache`)."""
        names = await cache.cached(
            self._session,
            "directory",
            organisation_id,
            lambda: _as_tuple(read.directory(self._session, organisation_id)),
        )
        return list(names)

    async def plan_years(self, organisation_id: int) -> tuple[int, int] | None:
        """The years the organisation's plans cover (kept per process: `storage.cache`)."""
        return await cache.cached(
            self._session,
            "plan_years",
            organisation_id,
            lambda: read.plan_years(self._session, organisation_id),
        )

    async def person_units(self, person_id: int, organisation_id: int) -> list[str]:
        return await read.person_units(self._session, person_id, organisation_id)

    # The coordinator's board (storage.read_board): scoped by the viewer's organisation.
    async def board_plans(self, organisation_id: int) -> list[BoardPlan]:
        return await read_board.board_plans(self._session, organisation_id)

    async def board(
        self,
        plan: BoardPlan,
        organisation_id: int,
        start: date,
        end: date,
        *,
        measure_id: int | None = None,
    ) -> BoardData:
        return await read_board.read_board(
            self._session, plan, organisation_id, start, end, measure_id=measure_id
        )

    async def board_plan_data(
        self, plan: BoardPlan, organisation_id: int, start: date, end: date
    ) -> PlanData:
        return await read_board.read_board_plan_data(
            self._session, plan, organisation_id, start, end
        )

    async def cell_reports(self, occurrence_ids: list[int]) -> dict[int, list[CellReport]]:
        return await read_board.read_cell_reports(self._session, occurrence_ids)

    async def measure_history(
        self, plan: BoardPlan, organisation_id: int, measure_id: int, occurrence_ids: list[int]
    ) -> list[CellEvent]:
        return await read_board.read_measure_history(
            self._session, plan, organisation_id, measure_id, occurrence_ids
        )

    async def board_attachment(
        self, organisation_id: int, attachment_id: int
    ) -> tuple[str, str | None, str | None, str] | None:
        return await read_board.attachment_path(self._session, organisation_id, attachment_id)


class UnitOfWork:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self.session: AsyncSession | None = None

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.organisations = OrganisationRepository(self.session)
        self.people = PersonRepository(self.session)
        self.roadmaps = RoadmapRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.reminders = ReminderRepository(self.session)
        self.reports = ReportRepository(self.session)
        self.invites = InviteRepository(self.session)
        self.obligations = ObligationRepository(self.session)
        self.reads = Reads(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.session is not None
        session, self.session = self.session, None
        if not session.sync_session.in_transaction():
            # Nothing began (an update answered from kept copies and quick reads): no
            # connection is held, nothing to roll back; closing only lets go of the
            # objects merged in, with no I/O, so without the two trips through
            # SQLAlchemy's greenlet bridge.
            session.sync_session.close()
            return
        try:
            await session.rollback()
        finally:
            await session.close()

    async def commit(self) -> None:
        """Commit; when the transaction wrote many rows to a table (an import, a municipal
        plan's new schools, a big planning), its statistics are refreshed in the background
        on PostgreSQL (`storage.statistics`), so the next question is planned knowing them."""
        assert self.session is not None
        await self.session.commit()
        grown = statistics.grown_tables(self.session.sync_session)
        if grown:
            statistics.refresh_later(self._session_factory, grown)

    async def rollback(self) -> None:
        assert self.session is not None
        await self.session.rollback()

    async def flush(self) -> None:
        """Send pending changes within the transaction (queries after it see them)."""
        assert self.session is not None
        await self.session.flush()
