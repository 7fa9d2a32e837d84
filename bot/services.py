"""The services holder handlers and scheduler jobs are given: built per update or per job
from the same parts, so the rules live in one place whoever calls them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.calendar import local_date
from bot.clock import Clock
from bot.settings import Settings
from storage.models import Membership, Organisation, Person, Role
from storage.uow import UnitOfWork

FALLBACK_TIMEZONE = "Europe/Moscow"


class Identity:
    """Who is writing: their person row (if linked), current organisation and role.

    The plain facts (ids, role, name, time zone, language) are read from the person as it
    was found, which may be the process's kept copy (`storage.cache`); the session-bound
    objects (`person`, `membership`, `organisation`, `memberships`) are attached to the unit
    of work the first time they are asked for. A plain question never asks for them: it
    reads the plain facts only and leaves the merge (a third of its own time) undone.
    """

    def __init__(
        self,
        telegram_user_id: int,
        person: Person | None = None,
        membership: Membership | None = None,
        organisation: Organisation | None = None,
        is_admin: bool = False,
        memberships: list[Membership] | None = None,
    ) -> None:
        self.telegram_user_id = telegram_user_id
        self.is_admin = is_admin
        self._person = person
        self._membership = membership
        self._organisation = organisation
        self._memberships = list(memberships or [])
        self._attach: Callable[[], Person] | None = None

    @classmethod
    def found(
        cls,
        telegram_user_id: int,
        person: Person,
        *,
        is_admin: bool,
        attach: Callable[[], Person] | None = None,
    ) -> Identity:
        """The identity of a person found by their Telegram id; with `attach`, `person` is a
        copy to be read only and `attach()` gives the session's own object."""
        identity = cls(telegram_user_id, is_admin=is_admin)
        identity._take(person)
        identity._attach = attach
        return identity

    def _take(self, person: Person) -> None:
        self._person = person
        self._memberships = list(person.memberships)
        # The first organisation joined is the current one until the person switches.
        self._membership = min(person.memberships, key=lambda m: m.id, default=None)
        self._organisation = self._membership.organisation if self._membership else None

    def _bound(self) -> None:
        if self._attach is not None:
            attach, self._attach = self._attach, None
            self._take(attach())

    # Session-bound objects: attached on first use.
    @property
    def person(self) -> Person | None:
        self._bound()
        return self._person

    @person.setter
    def person(self, person: Person | None) -> None:
        self._attach = None
        self._person = person

    @property
    def membership(self) -> Membership | None:
        self._bound()
        return self._membership

    @membership.setter
    def membership(self, membership: Membership | None) -> None:
        self._bound()
        self._membership = membership

    @property
    def organisation(self) -> Organisation | None:
        self._bound()
        return self._organisation

    @organisation.setter
    def organisation(self, organisation: Organisation | None) -> None:
        self._bound()
        self._organisation = organisation

    @property
    def memberships(self) -> list[Membership]:
        self._bound()
        return self._memberships

    @memberships.setter
    def memberships(self, memberships: list[Membership]) -> None:
        self._bound()
        self._memberships = memberships

    # Plain facts: read without attaching anything.
    @property
    def is_known(self) -> bool:
        return self._person is not None and self._membership is not None

    @property
    def is_coordinator(self) -> bool:
        return self.is_admin or (
            self._membership is not None and self._membership.role == Role.COORDINATOR
        )

    @property
    def person_id(self) -> int | None:
        return self._person.id if self._person else None

    @property
    def organisation_id(self) -> int | None:
        return self._organisation.id if self._organisation else None

    @property
    def full_name(self) -> str | None:
        return self._person.full_name if self._person else None

    @property
    def language(self) -> str | None:
        """The person's chosen language, if any."""
        return self._person.language if self._person else None

    @property
    def organisation_language(self) -> str | None:
        return self._organisation.language if self._organisation else None

    @property
    def timezone(self) -> str:
        """The person's own time zone if they set one, else the organisation's (Moscow for
        an admin with no organisation)."""
        return (self._person.timezone if self._person else None) or (
            self._organisation.timezone if self._organisation else FALLBACK_TIMEZONE
        )

    def today(self, now: datetime) -> date:
        """The person's local date (see `timezone`)."""
        return local_date(now, self.timezone)

    def __repr__(self) -> str:
        return (
            f"Identity(telegram_user_id={self.telegram_user_id}, person_id={self.person_id}, "
            f"organisation_id={self.organisation_id}, is_admin={self.is_admin})"
        )


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
        is_admin = telegram_user_id in self.settings.admin_ids
        person, attach = await self.uow.people.identified_view(telegram_user_id)
        if person is None:
            return Identity(telegram_user_id=telegram_user_id, is_admin=is_admin)
        identity = Identity.found(telegram_user_id, person, is_admin=is_admin, attach=attach)
        if chat_id is not None and person.chat_id != chat_id:
            bound = identity.person
            assert bound is not None
            bound.chat_id = chat_id
            await self.uow.commit()
        return identity
