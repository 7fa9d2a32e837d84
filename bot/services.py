"""The services holder handlers and scheduler jobs are given: built per update or per job
from the same parts, so the rules live in one place whoever calls them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.calendar import local_date
from bot.clock import Clock
from bot.settings import Settings
from storage.models import Membership, Organisation, Person, Role
from storage.uow import UnitOfWork

FALLBACK_TIMEZONE = "Europe/Moscow"


@dataclass
class Identity:
    """Who is writing: their person row (if linked), current organisation and role."""

    telegram_user_id: int
    person: Person | None = None
    membership: Membership | None = None
    organisation: Organisation | None = None
    is_admin: bool = False
    memberships: list[Membership] = field(default_factory=list)

    @property
    def is_known(self) -> bool:
        return self.person is not None and self.membership is not None

    @property
    def is_coordinator(self) -> bool:
        return self.is_admin or (
            self.membership is not None and self.membership.role == Role.COORDINATOR
        )

    @property
    def person_id(self) -> int | None:
        return self.person.id if self.person else None

    @property
    def organisation_id(self) -> int | None:
        return self.organisation.id if self.organisation else None

    def today(self, now: datetime) -> date:
        """The person's local date: in their own time zone if they set one, else in the
        organisation's (Moscow for an admin with no organisation)."""
        tz = (self.person.timezone if self.person else None) or (
            self.organisation.timezone if self.organisation else FALLBACK_TIMEZONE
        )
        return local_date(now, tz)


async def audit(
    uow: UnitOfWork,
    identity: Identity,
    action: str,
    subject: tuple[str, int],
    *,
    now: datetime,
    data: dict[str, Any] | None = None,
    organisation_id: int | None = None,
) -> None:
    """Put in the audit trail what `identity` did to `subject` (a type and an id), in their
    current organisation unless another one is named."""
    await uow.audit.record(
        action=action,
        now=now,
        organisation_id=organisation_id
        if organisation_id is not None
        else identity.organisation_id,
        person_id=identity.person_id,
        object_type=subject[0],
        object_id=subject[1],
        data=data,
    )


@dataclass
class Services:
    uow: UnitOfWork
    clock: Clock
    settings: Settings

    async def identify(self, telegram_user_id: int, chat_id: int | None) -> Identity:
        identity = Identity(
            telegram_user_id=telegram_user_id,
            is_admin=telegram_user_id in self.settings.admin_ids,
        )
        person = await self.uow.people.identified(telegram_user_id)
        if person is None:
            return identity
        identity.person = person
        identity.memberships = list(person.memberships)
        if person.memberships:
            # The first organisation joined is the current one until the person switches.
            membership = min(person.memberships, key=lambda m: m.id)
            identity.membership = membership
            identity.organisation = membership.organisation
        if chat_id is not None and person.chat_id != chat_id:
            person.chat_id = chat_id
            await self.uow.commit()
        return identity
