"""Unit of work: one database transaction, with the repositories as attributes.

Services open it, do their work through the repositories and call `commit()`; leaving the
block without a commit rolls everything back, so a use case is all-or-nothing.
Repositories never commit.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories.audit import AuditRepository
from storage.repositories.invites import InviteRepository
from storage.repositories.obligations import ObligationRepository
from storage.repositories.organisations import OrganisationRepository
from storage.repositories.people import PersonRepository
from storage.repositories.reminders import ReminderRepository
from storage.repositories.reports import ReportRepository
from storage.repositories.roadmaps import RoadmapRepository


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
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.session is not None
        try:
            await self.session.rollback()
        finally:
            await self.session.close()
            self.session = None

    async def commit(self) -> None:
        assert self.session is not None
        await self.session.commit()

    async def flush(self) -> None:
        """Send pending changes so that the next query sees them (no commit)."""
        assert self.session is not None
        await self.session.flush()

    async def rollback(self) -> None:
        assert self.session is not None
        await self.session.rollback()
