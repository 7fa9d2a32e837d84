from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.models import Organisation
from storage.repositories.base import Repository


class OrganisationRepository(Repository):
    async def get(self, organisation_id: int) -> Organisation | None:
        return await self.session.get(Organisation, organisation_id)

    async def by_name(self, name: str) -> Organisation | None:
        """Exact name first, then case-insensitively (SQLite's lower() is ASCII-only, so
        the comparison of Cyrillic names happens here)."""
        result = await self.session.execute(select(Organisation).where(Organisation.name == name))
        found = result.scalar_one_or_none()
        if found is not None:
            return found
        wanted = name.casefold()
        for organisation in await self.list():
            if organisation.name.casefold() == wanted:
                return organisation
        return None

    async def list(self) -> list[Organisation]:
        result = await self.session.execute(select(Organisation).order_by(Organisation.id))
        return list(result.scalars())

    async def add(
        self,
        *,
        name: str,
        timezone: str,
        now: datetime,
        language: str = "ru",
        morning_hour: int = 9,
    ) -> Organisation:
        organisation = Organisation(
            name=name,
            timezone=timezone,
            language=language,
            morning_hour=morning_hour,
            one_report_closes=True,
            created_at=now,
        )
        self.session.add(organisation)
        await self.session.flush()
        return organisation
