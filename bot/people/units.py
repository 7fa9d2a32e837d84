"""Units (МОУО, Комитет…) of a plan and the members who read their reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.access import require_coordinator
from bot.cleaning import UNIT_NAME_TOO_LONG, fitted_line
from bot.errors import UserError
from bot.people.members import display_name
from bot.reminders.outbox import replan_person
from bot.services import Identity, audit
from storage.models import UNIT_NAME_CHARS, UnitKind
from storage.uow import UnitOfWork


async def link_unit_member(
    uow: UnitOfWork, identity: Identity, *, unit_name: str, person_name: str, now: datetime
) -> tuple[str, str]:
    """Who reads a unit's reminders: `МОУО` → Иванова А.П. Commits; plans their rows."""
    organisation_id = require_coordinator(identity)
    unit_name = fitted_line(unit_name, UNIT_NAME_CHARS, UNIT_NAME_TOO_LONG)
    units = await uow.roadmaps.units_by_name(organisation_id)
    unit = units.get(unit_name) or next(
        (u for name, u in units.items() if name.lower() == unit_name.lower()), None
    )
    if unit is None:
        raise UserError(
            "No unit «{unit}» in your plans. Units: {units}.",
            unit=unit_name,
            units=", ".join(sorted(units)) or "—",
        )
    if unit.kind in (UnitKind.MEMBER_ORGANISATIONS, UnitKind.ORGANISATION):
        raise UserError(
            "«{unit}» means member organisations: each of them does the measure and reports "
            "on it itself. Add them with /schools; a school's coordinator hands its part to "
            "a deputy.",
            unit=unit.name,
        )
    display = display_name(person_name)
    people = await uow.roadmaps.people_by_name(organisation_id)
    person = people.get(display)
    if person is None:
        raise UserError(
            "No person «{name}» in your organisation. Invite them first: /invite {name}",
            name=display,
        )
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


@dataclass(frozen=True)
class UnitLine:
    """A unit of the organisation's plans, what it is and who reads its reminders."""

    unit_id: int
    name: str
    kind: str
    member_filter: str | None
    readers: list[str]  # names of the persons who read its reminders (staff units)
    members: int  # member organisations it stands for (groups of organisations)


async def units_of(uow: UnitOfWork, identity: Identity) -> list[UnitLine]:
    """Every unit of the coordinator's plans, for /people: what it is, who reads it."""
    from bot.obligations import MemberInfo, members_of_group

    organisation_id = require_coordinator(identity)
    units = await uow.roadmaps.units_by_name(organisation_id)
    readers = await uow.people.unit_readers(organisation_id)
    members = [MemberInfo(m.id, m.kind) for m in await uow.obligations.members(organisation_id)]
    linked = await uow.obligations.unit_organisations([u.id for u in units.values()])
    lines = []
    for unit in units.values():
        count = 0
        if unit.kind in (UnitKind.MEMBER_ORGANISATIONS, UnitKind.ORGANISATION):
            count = len(
                members_of_group(
                    unit.kind, unit.member_filter, linked.get(unit.id, set()), members
                )
            )
        lines.append(
            UnitLine(
                unit_id=unit.id,
                name=unit.name,
                kind=unit.kind,
                member_filter=unit.member_filter,
                readers=readers.get(unit.id, []),
                members=count,
            )
        )
    order = {kind: i for i, kind in enumerate(UnitKind)}
    return sorted(lines, key=lambda line: (order.get(UnitKind(line.kind), 9), line.name))


# What a coordinator may say a unit is (the buttons under an unclassified unit).
CHOOSABLE_KINDS: dict[str, tuple[str, str | None]] = {
    "owner": (UnitKind.OWNER.value, None),
    "schools": (UnitKind.MEMBER_ORGANISATIONS.value, "school"),
    "members": (UnitKind.MEMBER_ORGANISATIONS.value, "all"),
    "people": (UnitKind.PEOPLE_GROUP.value, None),
    "external": (UnitKind.EXTERNAL.value, None),
}


async def set_unit_kind(
    uow: UnitOfWork, identity: Identity, *, unit_id: int, choice: str, now: datetime
) -> str:
    """The coordinator says what a unit is; the plans fan out again. Commits."""
    from bot.members import refresh_shares

    organisation_id = require_coordinator(identity)
    if choice not in CHOOSABLE_KINDS:
        raise UserError("This button is out of date.")
    unit = next(
        (
            u
            for u in (await uow.roadmaps.units_by_name(organisation_id)).values()
            if u.id == unit_id
        ),
        None,
    )
    if unit is None:
        raise UserError("This button is out of date.")
    unit.kind, unit.member_filter = CHOOSABLE_KINDS[choice]
    unit.kind_confirmed = True
    await uow.flush()
    await audit(
        uow,
        identity,
        "unit.kind_set",
        ("unit", unit.id),
        now=now,
        data={"kind": unit.kind, "member_filter": unit.member_filter},
        organisation_id=organisation_id,
    )
    await refresh_shares(uow, organisation_id, now=now)
    await uow.commit()
    return unit.name
