"""Organisations, roles and onboarding: invites that link a Telegram account to a person.

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
from bot.reminders.outbox import plan_changes, replan_organisation, replan_person
from bot.roadmap.people import normalise_person
from bot.services import Identity
from storage.models import Organisation, Person, Role
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


@dataclass
class PersonLine:
    person_id: int
    full_name: str
    role: str
    joined: bool
    unreachable: bool
    units: list[str]
    invite_expires: datetime | None


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
    await uow.session.flush()  # type: ignore[union-attr]
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


async def create_organisation(
    uow: UnitOfWork,
    *,
    name: str,
    timezone: str,
    now: datetime,
    coordinator_name: str | None = None,
    morning_hour: int = 9,
    admin: Identity | None = None,
) -> tuple[Organisation, str | None]:
    """A new organisation and its first coordinator. Commits.

    With a coordinator name, returns an invite token for them; without one, the admin who
    asked becomes the coordinator at once.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = " ".join(name.split())
    if not name:
        raise UserError("The organisation needs a name.")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError("Unknown time zone: {zone}.", zone=timezone) from None
    if await uow.organisations.by_name(name) is not None:
        raise UserError("An organisation named «{name}» already exists.", name=name)
    organisation = await uow.organisations.add(
        name=name, timezone=timezone, now=now, morning_hour=morning_hour
    )
    token = None
    if coordinator_name:
        person = await uow.people.add(full_name=display_name(coordinator_name), now=now)
        await uow.people.add_membership(
            organisation_id=organisation.id, person_id=person.id, role=Role.COORDINATOR, now=now
        )
        token = await create_invite(
            uow, organisation_id=organisation.id, person_id=person.id, now=now
        )
    elif admin is not None:
        person = admin.person
        if person is None:
            person = await uow.people.add(full_name=display_name("Администратор"), now=now)
            person.telegram_user_id = admin.telegram_user_id
            person.chat_id = admin.telegram_user_id
        await uow.people.add_membership(
            organisation_id=organisation.id,
            person_id=person.id,
            role=Role.COORDINATOR,
            now=now,
            joined_at=now,
        )
    await uow.audit.record(
        action="organisation.created",
        now=now,
        organisation_id=organisation.id,
        person_id=admin.person.id if admin and admin.person else None,
        object_type="organisation",
        object_id=organisation.id,
    )
    await uow.commit()
    return organisation, token


def display_name(text: str) -> str:
    """How the plan writes people: `Фамилия И.О.`, also from a full name."""
    words = text.split()
    if len(words) == 3 and all(w[:1].isupper() and w.isalpha() for w in words):
        surname, first, patronymic = words
        text = f"{surname} {first[0]}.{patronymic[0]}."
    normalised = normalise_person(text)
    return normalised or " ".join(text.split())


async def people_of(uow: UnitOfWork, identity: Identity, *, now: datetime) -> list[PersonLine]:
    """Who has joined and who has not, for the coordinator's list."""
    organisation_id = require_coordinator(identity)
    members = await uow.people.members(organisation_id)
    invites = await uow.invites.active_for(organisation_id, now)
    units = await uow.people.units_of_members(organisation_id)
    lines = [
        PersonLine(
            person_id=person.id,
            full_name=person.full_name,
            role=membership.role,
            joined=membership.joined_at is not None and person.telegram_user_id is not None,
            unreachable=person.unreachable_since is not None,
            units=units.get(person.id, []),
            invite_expires=invites[person.id].expires_at if person.id in invites else None,
        )
        for person, membership in members
    ]
    lines.sort(key=lambda line: (line.joined, line.full_name))
    return lines


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
    await uow.audit.record(
        action="invite.revoked",
        now=now,
        organisation_id=organisation_id,
        person_id=identity.person.id if identity.person else None,
        object_type="person",
        object_id=person_id,
    )
    await uow.commit()
    return count


async def link_unit_member(
    uow: UnitOfWork, identity: Identity, *, unit_name: str, person_name: str, now: datetime
) -> tuple[str, str]:
    """Who reads a unit's reminders: `МОУО` → Иванова А.П. Commits; plans their rows."""
    organisation_id = require_coordinator(identity)
    units = await uow.roadmaps.units_by_name(organisation_id)
    unit = units.get(unit_name.strip()) or next(
        (u for name, u in units.items() if name.lower() == unit_name.strip().lower()), None
    )
    if unit is None:
        raise UserError(
            "No unit «{unit}» in your plans. Units: {units}.",
            unit=unit_name,
            units=", ".join(sorted(units)) or "—",
        )
    display = display_name(person_name)
    people = await uow.roadmaps.people_by_name(organisation_id)
    person = people.get(display)
    if person is None:
        raise UserError("No person «{name}» in your organisation.", name=display)
    await uow.people.add_unit_member(unit.id, person.id)
    await uow.audit.record(
        action="unit.member_added",
        now=now,
        organisation_id=organisation_id,
        person_id=identity.person.id if identity.person else None,
        object_type="unit",
        object_id=unit.id,
        data={"person": person.id},
    )
    await replan_person(uow, person.id, now=now)
    await uow.commit()
    return unit.name, person.full_name


async def update_preferences(
    uow: UnitOfWork,
    person: Person,
    *,
    now: datetime,
    hour: int | None = None,
    language: str | None = None,
    paused_until: object = ...,
) -> None:
    """Change hour, language or leave; reminders are re-planned to match. Commits."""
    if hour is not None:
        if not 0 <= hour <= 23:
            raise UserError("The hour must be between 0 and 23.")
        person.reminder_hour = hour
    if language is not None:
        person.language = language
    if paused_until is not ...:
        person.paused_until = paused_until  # type: ignore[assignment]
    await uow.audit.record(
        action="person.preferences",
        now=now,
        person_id=person.id,
        object_type="person",
        object_id=person.id,
        data={
            "hour": hour,
            "language": language,
            "paused_until": None if paused_until is ... else str(paused_until),
        },
    )
    await replan_person(uow, person.id, now=now)
    await uow.commit()


async def update_organisation(
    uow: UnitOfWork,
    identity: Identity,
    *,
    now: datetime,
    morning_hour: int | None = None,
    timezone: str | None = None,
    one_report_closes: bool | None = None,
) -> Organisation:
    """A coordinator changes the organisation's hour, zone or closing rule. Commits.

    The future reminders are planned again to the new hour and zone.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    organisation_id = require_coordinator(identity)
    organisation = await uow.organisations.get(organisation_id)
    assert organisation is not None
    before = {
        "morning_hour": organisation.morning_hour,
        "timezone": organisation.timezone,
        "one_report_closes": organisation.one_report_closes,
    }
    if morning_hour is not None:
        if not 0 <= morning_hour <= 23:
            raise UserError("The hour must be between 0 and 23.")
        organisation.morning_hour = morning_hour
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UserError("Unknown time zone: {zone}.", zone=timezone) from None
        organisation.timezone = timezone
    if one_report_closes is not None:
        organisation.one_report_closes = one_report_closes
    await uow.audit.record(
        action="organisation.settings",
        now=now,
        organisation_id=organisation_id,
        person_id=identity.person.id if identity.person else None,
        object_type="organisation",
        object_id=organisation_id,
        data={"before": before},
    )
    if morning_hour is not None or timezone is not None:
        await uow.session.flush()  # type: ignore[union-attr]
        await replan_organisation(uow, organisation_id, now=now)
    await uow.commit()
    return organisation


async def update_cadence(
    uow: UnitOfWork,
    identity: Identity,
    *,
    now: datetime,
    before: tuple[int, int],
    after: tuple[int, int],
) -> dict[str, object]:
    """Days before the deadline (early, last) and after it (first, second overdue) of the
    organisation's reminders; 0 switches one off. The escalation follows a day after the
    last overdue reminder. Commits; future reminders are planned again."""
    from bot.reminders.planner import Cadence

    organisation_id = require_coordinator(identity)
    organisation = await uow.organisations.get(organisation_id)
    assert organisation is not None
    current = Cadence.from_json(organisation.cadence)
    early, last = (value or None for value in before)
    first, second = (value or None for value in after)
    try:
        cadence = Cadence(
            window_open=current.window_open,
            window_open_min_days=current.window_open_min_days,
            early_warning_days=early,
            last_warning_days=last,
            on_due_day=current.on_due_day,
            first_overdue_days=first,
            second_overdue_days=second,
            escalation_days=max(d for d in (first, second, 0) if d is not None) + 1,
            checkin_working_day=current.checkin_working_day,
        )
    except ValueError:
        raise UserError(
            "Give days before the deadline from the earlier to the later and days after it "
            "from the earlier to the later, e.g. «/cadence 7 1 1 7»."
        ) from None
    organisation.cadence = cadence.to_json()
    await uow.audit.record(
        action="organisation.cadence",
        now=now,
        organisation_id=organisation_id,
        person_id=identity.person.id if identity.person else None,
        object_type="organisation",
        object_id=organisation_id,
        data={"before": current.to_json(), "after": cadence.to_json()},
    )
    await uow.session.flush()  # type: ignore[union-attr]
    await replan_organisation(uow, organisation_id, now=now)
    await uow.commit()
    return cadence.to_json()
