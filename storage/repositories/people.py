from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storage import cache
from storage.models import Membership, Person, Role
from storage.repositories.base import Repository


class PersonRepository(Repository):
    async def get(self, person_id: int) -> Person | None:
        return await self.session.get(Person, person_id)

    async def by_telegram_id(self, telegram_user_id: int) -> Person | None:
        result = await self.session.execute(
            select(Person)
            .where(Person.telegram_user_id == telegram_user_id)
            .options(selectinload(Person.memberships).selectinload(Membership.organisation))
        )
        return result.scalar_one_or_none()

    async def identified(self, telegram_user_id: int) -> Person | None:
        """`by_telegram_id`, kept per process (`storage.cache`): who is writing, read once
        until a person, membership or organisation changes (or `cache.TTL` passes)."""
        return await cache.cached_person(
            self.session, telegram_user_id, lambda: self.by_telegram_id(telegram_user_id)
        )

    async def identified_view(
        self, telegram_user_id: int
    ) -> tuple[Person | None, Callable[[], Person] | None]:
        """`identified` to be read, and how to bind it to the session when it is a kept
        copy (`storage.cache.cached_person_view`)."""
        return await cache.cached_person_view(
            self.session, telegram_user_id, lambda: self.by_telegram_id(telegram_user_id)
        )

    async def add(self, *, full_name: str, now: datetime, **fields: object) -> Person:
        person = Person(full_name=full_name, created_at=now, **fields)
        self.session.add(person)
        await self.session.flush()
        return person

    async def membership(self, organisation_id: int, person_id: int) -> Membership | None:
        result = await self.session.execute(
            select(Membership).where(
                Membership.organisation_id == organisation_id,
                Membership.person_id == person_id,
            )
        )
        return result.scalar_one_or_none()

    async def add_membership(
        self,
        *,
        organisation_id: int,
        person_id: int,
        role: Role,
        now: datetime,
        position: str | None = None,
        joined_at: datetime | None = None,
    ) -> Membership:
        membership = Membership(
            organisation_id=organisation_id,
            person_id=person_id,
            role=role.value,
            position=position,
            joined_at=joined_at,
            created_at=now,
        )
        self.session.add(membership)
        await self.session.flush()
        return membership

    async def members(self, organisation_id: int) -> list[tuple[Person, Membership]]:
        result = await self.session.execute(
            select(Person, Membership)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.organisation_id == organisation_id)
            .order_by(Person.full_name)
        )
        return [(person, membership) for person, membership in result.all()]

    async def memberships_of(self, person_id: int) -> list[Membership]:
        result = await self.session.execute(
            select(Membership).where(Membership.person_id == person_id).order_by(Membership.id)
        )
        return list(result.scalars())

    async def units_of_members(self, organisation_id: int) -> dict[int, list[str]]:
        from storage.models import Unit, UnitMember

        result = await self.session.execute(
            select(UnitMember.person_id, Unit.name)
            .join(Unit, Unit.id == UnitMember.unit_id)
            .where(Unit.organisation_id == organisation_id)
            .order_by(Unit.name)
        )
        units: dict[int, list[str]] = {}
        for person_id, name in result.all():
            units.setdefault(person_id, []).append(name)
        return units

    async def add_unit_member(self, unit_id: int, person_id: int) -> None:
        from storage.models import UnitMember

        exists = await self.session.scalar(
            select(UnitMember.id).where(
                UnitMember.unit_id == unit_id, UnitMember.person_id == person_id
            )
        )
        if exists is None:
            self.session.add(UnitMember(unit_id=unit_id, person_id=person_id))
            await self.session.flush()

    async def unit_readers(self, organisation_id: int) -> dict[int, list[str]]:
        """Who reads each unit's reminders: unit id -> full names."""
        from storage.models import Unit, UnitMember

        result = await self.session.execute(
            select(UnitMember.unit_id, Person.full_name)
            .join(Unit, Unit.id == UnitMember.unit_id)
            .join(Person, Person.id == UnitMember.person_id)
            .where(Unit.organisation_id == organisation_id)
            .order_by(Person.full_name)
        )
        readers: dict[int, list[str]] = {}
        for unit_id, name in result.all():
            readers.setdefault(unit_id, []).append(name)
        return readers
