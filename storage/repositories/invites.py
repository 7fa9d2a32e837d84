from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from storage.models import (
    Assignment,
    Invite,
    Membership,
    Person,
    Reminder,
    UnitMember,
)
from storage.repositories.base import Repository, affected


class InviteRepository(Repository):
    async def add(self, **fields: object) -> Invite:
        invite = Invite(**fields)
        self.session.add(invite)
        await self.session.flush()
        return invite

    async def by_hash(self, token_hash: str) -> Invite | None:
        result = await self.session.execute(select(Invite).where(Invite.token_hash == token_hash))
        return result.scalar_one_or_none()

    async def active_for(self, organisation_id: int, now: datetime) -> dict[int, Invite]:
        result = await self.session.execute(
            select(Invite).where(
                Invite.organisation_id == organisation_id,
                Invite.used_at.is_(None),
                Invite.revoked_at.is_(None),
                Invite.expires_at > now,
            )
        )
        return {invite.person_id: invite for invite in result.scalars()}

    async def revoke_for_person(self, organisation_id: int, person_id: int, now: datetime) -> int:
        result = await self.session.execute(
            update(Invite)
            .where(
                Invite.organisation_id == organisation_id,
                Invite.person_id == person_id,
                Invite.used_at.is_(None),
                Invite.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return affected(result)

    async def merge_person(self, source_id: int, target_id: int) -> None:
        """Fold a plan-named person into the account that already has a Telegram link.

        Happens when someone already known in one organisation is invited by another.
        """
        existing = await self.session.execute(
            select(Membership.organisation_id).where(Membership.person_id == target_id)
        )
        target_orgs = set(existing.scalars())
        memberships = await self.session.execute(
            select(Membership).where(Membership.person_id == source_id)
        )
        for membership in memberships.scalars():
            if membership.organisation_id in target_orgs:
                await self.session.delete(membership)
            else:
                membership.person_id = target_id
        for model in (Assignment, UnitMember, Reminder, Invite):
            await self.session.execute(
                update(model)
                .where(model.person_id == source_id)
                .values(person_id=target_id)
                .execution_options(synchronize_session=False)
            )
        source = await self.session.get(Person, source_id)
        if source is not None:
            await self.session.delete(source)
        await self.session.flush()
