"""Who is in an organisation: names as the plan writes them, and the coordinator's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.access import require_coordinator
from bot.cleaning import PERSON_NAME_TOO_LONG, clean_line, fitted_line
from bot.roadmap.people import normalise_person
from bot.services import Identity
from storage.models import PERSON_NAME_CHARS
from storage.uow import UnitOfWork


@dataclass
class PersonLine:
    person_id: int
    full_name: str
    role: str
    joined: bool
    unreachable: bool
    units: list[str]
    invite_expires: datetime | None


def display_name(text: str) -> str:
    """How the plan writes people: `Фамилия И.О.`, also from a full name. Refused (with
    the limit) when longer than the database keeps."""
    text = clean_line(text)
    words = text.split()
    if len(words) == 3 and all(w[:1].isupper() and w.isalpha() for w in words):
        surname, first, patronymic = words
        text = f"{surname} {first[0]}.{patronymic[0]}."
    normalised = normalise_person(text)
    return fitted_line(normalised or text, PERSON_NAME_CHARS, PERSON_NAME_TOO_LONG)


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
