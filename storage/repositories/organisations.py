from __future__ import annotations

import builtins
from datetime import date, datetime

from sqlalchemy import or_, select, update

from storage.models import Organisation
from storage.repositories.base import Repository


class OrganisationRepository(Repository):
    async def get(self, organisation_id: int) -> Organisation | None:
        return await self.session.get(Organisation, organisation_id)

    async def by_name(self, name: str) -> Organisation | None:
        """The organisation a name means, or None when none or several do.

        Names are unique among siblings only: «Район / МБОУ СОШ №1» names a member by its
        parent, `#12` by its id. A bare name prefers a top-level organisation. Exact name
        first, then case-insensitively (SQLite's lower() is ASCII-only, so the comparison
        of Cyrillic names happens here).
        """
        name = " ".join(name.split())
        if name.startswith("#") and name[1:].isdigit():
            return await self.get(int(name[1:]))
        parent_id: int | None = None
        if " / " in name:
            parent_name, name = name.rsplit(" / ", 1)
            parent = await self.by_name(parent_name)
            if parent is None:
                return None
            parent_id = parent.id
        result = await self.session.execute(select(Organisation).where(Organisation.name == name))
        found = list(result.scalars())
        if not found:
            wanted = name.casefold()
            found = [o for o in await self.list() if o.name.casefold() == wanted]
        if parent_id is not None:
            found = [o for o in found if o.parent_id == parent_id]
        elif len(found) > 1:
            found = [o for o in found if o.parent_id is None]
        return found[0] if len(found) == 1 else None

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
        parent_id: int | None = None,
        kind: str = "other",
        short_name: str | None = None,
    ) -> Organisation:
        organisation = Organisation(
            name=name,
            timezone=timezone,
            language=language,
            morning_hour=morning_hour,
            one_report_closes=True,
            parent_id=parent_id,
            kind=kind,
            short_name=short_name,
            created_at=now,
        )
        self.session.add(organisation)
        await self.session.flush()
        return organisation

    async def advance_planned_through(self, organisation_id: int, day: date) -> None:
        """Move the planning watermark forward only (two planners may race)."""
        await self.session.execute(
            update(Organisation)
            .where(
                Organisation.id == organisation_id,
                or_(Organisation.planned_through.is_(None), Organisation.planned_through < day),
            )
            .values(planned_through=day)
            .execution_options(synchronize_session="fetch")
        )

    async def needing_plan(self, now: datetime, horizon_days: int = 1) -> builtins.list[int]:
        """Active organisations whose planned days end before their local today + horizon.

        One read of (id, time zone, watermark) for all of them; the comparison in local
        dates happens here, since zones differ per organisation.
        """
        from datetime import timedelta
        from zoneinfo import ZoneInfo

        result = await self.session.execute(
            select(Organisation.id, Organisation.timezone, Organisation.planned_through)
            .where(Organisation.archived_at.is_(None))
            .order_by(Organisation.id)
        )
        due: builtins.list[int] = []
        for organisation_id, timezone, planned_through in result.all():
            target = now.astimezone(ZoneInfo(timezone)).date() + timedelta(days=horizon_days)
            if planned_through is None or planned_through < target:
                due.append(organisation_id)
        return due

    async def morning_slots(self) -> builtins.list[tuple[str, int]]:
        """Every (time zone, hour) at which some organisation or person gets reminders."""
        from storage.models import Membership, Person

        orgs = await self.session.execute(
            select(Organisation.timezone, Organisation.morning_hour)
            .where(Organisation.archived_at.is_(None))
            .distinct()
        )
        slots = {(zone, hour) for zone, hour in orgs.all()}
        people = await self.session.execute(
            select(
                Person.timezone,
                Person.reminder_hour,
                Organisation.timezone,
                Organisation.morning_hour,
            )
            .join(Membership, Membership.person_id == Person.id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(or_(Person.timezone.is_not(None), Person.reminder_hour.is_not(None)))
            .distinct()
        )
        for own_zone, own_hour, zone, hour in people.all():
            slots.add((own_zone or zone, own_hour if own_hour is not None else hour))
        return sorted(slots)
