"""Invite links: how a Telegram account becomes a person of an organisation's plan.

An invite token has 192 random bits; only its SHA-256 is stored, so a database leak does
not leak working links. A token is single use, expires after seven days and can be
revoked; a new invite for the same person revokes the previous one.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.access import require_coordinator
from bot.errors import AccessDenied, UserError
from bot.people.members import display_name, people_of
from bot.reminders.outbox import plan_changes
from bot.services import Identity, audit
from storage.models import Role
from storage.uow import UnitOfWork

INVITE_LIFETIME = timedelta(days=7)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


class InviteProblem(StrEnum):
    WRONG = "wrong"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass
class Joined:
    organisation_name: str
    person_name: str
    role: str
    coordinator_chats: list[tuple[int, str | None]] = field(default_factory=list)


async def create_invite(
    uow: UnitOfWork,
    *,
    organisation_id: int,
    person_id: int,
    now: datetime,
    role: Role | None = None,
    created_by: int | None = None,
) -> str:
    """A fresh token for the person (earlier unused ones are revoked). Does not commit."""
    membership = await uow.people.membership(organisation_id, person_id)
    if membership is None:
        raise UserError("This person is not in your organisation.")
    await uow.invites.revoke_for_person(organisation_id, person_id, now)
    token = secrets.token_urlsafe(24)
    await uow.invites.add(
        organisation_id=organisation_id,
        person_id=person_id,
        role=(role or Role(membership.role)).value,
        token_hash=hash_token(token),
        created_by=created_by,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
    )
    await uow.audit.record(
        action="invite.created",
        now=now,
        organisation_id=organisation_id,
        person_id=created_by,
        object_type="person",
        object_id=person_id,
    )
    return token


async def accept_invite(
    uow: UnitOfWork,
    token: str,
    *,
    telegram_user_id: int,
    chat_id: int,
    language: str | None,
    now: datetime,
) -> Joined | InviteProblem:
    """Link the Telegram account to the invited person. Commits on success."""
    invite = await uow.invites.by_hash(hash_token(token.strip()))
    if invite is None:
        return InviteProblem.WRONG
    if invite.revoked_at is not None:
        return InviteProblem.REVOKED
    if invite.used_at is not None:
        return InviteProblem.USED
    if invite.expires_at <= now:
        return InviteProblem.EXPIRED

    person = await uow.people.get(invite.person_id)
    assert person is not None
    existing = await uow.people.by_telegram_id(telegram_user_id)
    if existing is not None and existing.id != person.id:
        # Already known (another organisation): the plan's person becomes that account.
        await uow.invites.merge_person(person.id, existing.id)
        person = existing
    person.telegram_user_id = telegram_user_id
    person.chat_id = chat_id
    person.unreachable_since = None
    if person.language is None and language:
        person.language = language
    membership = await uow.people.membership(invite.organisation_id, person.id)
    assert membership is not None
    membership.joined_at = membership.joined_at or now
    if invite.role == Role.COORDINATOR:
        membership.role = Role.COORDINATOR.value
    invite.used_at = now
    invite.used_by_telegram_id = telegram_user_id
    await uow.audit.record(
        action="invite.accepted",
        now=now,
        organisation_id=invite.organisation_id,
        person_id=person.id,
        object_type="invite",
        object_id=invite.id,
    )
    await uow.flush()
    await plan_changes(uow, invite.organisation_id, now=now, person_ids={person.id})
    organisation = await uow.organisations.get(invite.organisation_id)
    assert organisation is not None
    reach = await uow.reminders.coordinator_recipients(organisation.id, excluding=person.id)
    await uow.commit()
    return Joined(
        organisation_name=organisation.name,
        person_name=person.full_name,
        role=membership.role,
        coordinator_chats=[(r.chat_id, r.language) for r in reach if r.chat_id is not None],
    )


async def invite_everyone_not_joined(
    uow: UnitOfWork, identity: Identity, *, now: datetime
) -> list[tuple[str, str]]:
    """Fresh links for every person who has not joined. Commits. Returns (name, token)."""
    organisation_id = require_coordinator(identity)
    tokens = []
    for line in await people_of(uow, identity, now=now):
        if line.joined:
            continue
        token = await create_invite(
            uow,
            organisation_id=organisation_id,
            person_id=line.person_id,
            now=now,
            created_by=identity.person.id if identity.person else None,
        )
        tokens.append((line.full_name, token))
    await uow.commit()
    return tokens


async def invite_member(
    uow: UnitOfWork, identity: Identity, *, person_id: int, now: datetime
) -> tuple[str, str]:
    """A fresh link for one member of the coordinator's organisation. Commits. Returns
    (name, token)."""
    organisation_id = require_coordinator(identity)
    token = await create_invite(
        uow,
        organisation_id=organisation_id,
        person_id=person_id,
        now=now,
        created_by=identity.person.id if identity.person else None,
    )
    person = await uow.people.get(person_id)
    assert person is not None  # create_invite checked the membership
    await uow.commit()
    return person.full_name, token


async def invite_person(
    uow: UnitOfWork,
    identity: Identity,
    *,
    full_name: str,
    now: datetime,
    role: Role = Role.OFFICER,
) -> tuple[str, str]:
    """Invite someone by name, in the plan or not (then they are added). Commits."""
    organisation_id = require_coordinator(identity)
    return await invite_by_name(
        uow,
        organisation_id=organisation_id,
        full_name=full_name,
        now=now,
        role=role,
        created_by=identity.person.id if identity.person else None,
    )


async def invite_by_name(
    uow: UnitOfWork,
    *,
    organisation_id: int,
    full_name: str,
    now: datetime,
    role: Role = Role.OFFICER,
    created_by: int | None = None,
) -> tuple[str, str]:
    """The rule behind /invite and `roadmap-bot invite` (the CLI is the bot's owner). Commits."""
    display = display_name(full_name)
    if not display:
        raise UserError("Write the person's name, e.g. «Иванова А.П.».")
    people = await uow.roadmaps.people_by_name(organisation_id)
    person = people.get(display)
    if person is None:
        person = await uow.people.add(full_name=display, now=now)
        await uow.people.add_membership(
            organisation_id=organisation_id, person_id=person.id, role=role, now=now
        )
    token = await create_invite(
        uow,
        organisation_id=organisation_id,
        person_id=person.id,
        now=now,
        role=role,
        created_by=created_by,
    )
    await uow.commit()
    return person.full_name, token


async def revoke_invite(
    uow: UnitOfWork, identity: Identity, *, person_id: int, now: datetime
) -> int:
    organisation_id = require_coordinator(identity)
    if await uow.people.membership(organisation_id, person_id) is None:
        raise AccessDenied()
    count = await uow.invites.revoke_for_person(organisation_id, person_id, now)
    await audit(
        uow,
        identity,
        "invite.revoked",
        ("person", person_id),
        now=now,
        organisation_id=organisation_id,
    )
    await uow.commit()
    return count


async def revoke_by_name(
    uow: UnitOfWork, identity: Identity, *, name: str, now: datetime
) -> tuple[str, int] | None:
    """Withdraw the links of the member named `name` (as the plan writes it). Commits.
    Returns (name, links revoked), or None when nobody of the organisation has that name."""
    organisation_id = require_coordinator(identity)
    display = display_name(name)
    person = (await uow.roadmaps.people_by_name(organisation_id)).get(display) if display else None
    if person is None:
        return None
    count = await revoke_invite(uow, identity, person_id=person.id, now=now)
    return person.full_name, count
