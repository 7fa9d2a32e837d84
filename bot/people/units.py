"""Units (МОУО, Комитет…) of a plan and the members who read their reminders."""

from __future__ import annotations

from datetime import datetime

from bot.access import require_coordinator
from bot.errors import UserError
from bot.people.members import display_name
from bot.reminders.outbox import replan_person
from bot.services import Identity, audit
from storage.uow import UnitOfWork


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
    await audit(
        uow,
        identity,
        "unit.member_added",
        ("unit", unit.id),
        now=now,
        data={"person": person.id},
        organisation_id=organisation_id,
    )
    await replan_person(uow, person.id, now=now)
    await uow.commit()
    return unit.name, person.full_name
