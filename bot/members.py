"""Member organisations: a municipality's schools (a region's municipalities).

A coordinator pastes the list of schools (or sends it as XLSX/CSV); each becomes an
organisation of its own under the coordinator's, with the parent's time zone, language and
morning hour, and its contact (if given) an invited coordinator of it. Then every plan of
the parent fans out to the new members (`bot.obligations.sync_shares`) and their reminders
are planned. Removing a member archives it: its open obligations nobody worked on go, its
reports stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.access import require_coordinator
from bot.cleaning import GROUP_NAME_TOO_LONG, clip, fitted_line
from bot.errors import NotFound, UserError
from bot.member_list import (
    MemberEntry,
    MemberList,
    MemberListError,
    SkipReason,
    guess_kind,
    member_list_from_json,
    name_key,
    short_name,
)
from bot.obligations import sync_shares
from bot.people import create_invite, display_name
from bot.reminders.outbox import plan_measures
from bot.services import Identity
from storage.models import SHORT_NAME_CHARS, UNIT_NAME_CHARS, Organisation, Role, UnitKind
from storage.uow import UnitOfWork

MAX_MEMBER_FILE = 2 * 1024 * 1024  # a list of 500 schools is a few dozen kilobytes


async def read_member_document(data: bytes, filename: str | None) -> MemberList:
    """A member list from the bytes of a text, CSV or XLSX file, read like a plan: in the
    limited child process (bot.limited_reader), after the importer's prechecks of the zip
    directory and the cell count. Raises MemberListError."""
    from bot.limited_reader import read
    from bot.roadmap import ImportRefused

    if len(data) > MAX_MEMBER_FILE:
        raise MemberListError("too_big", limit=MAX_MEMBER_FILE)
    try:
        result = await read("member_list", data, filename or "members")
    except ImportRefused as refusal:  # a zip bomb, too many cells, out of memory or time
        raise MemberListError("unreadable", reason=refusal.reason) from refusal
    return member_list_from_json(result)


@dataclass(frozen=True)
class AddedMember:
    organisation_id: int
    name: str
    short_name: str
    kind: str
    contact: str | None  # «Фамилия И.О.» of the invited coordinator
    token: str | None  # their invite token (None without a contact)
    restored: bool = False  # it was removed before and is back


@dataclass
class MembersAdded:
    added: list[AddedMember] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)  # already members: left as they are
    skipped: list[tuple[int, str, SkipReason]] = field(default_factory=list)
    obligations: int = 0  # occurrences the plans gave the new members


async def add_members(
    uow: UnitOfWork,
    *,
    parent_id: int,
    members: MemberList,
    now: datetime,
    created_by: int | None = None,
) -> MembersAdded:
    """Create the listed organisations under the parent (each once). Commits."""
    parent = await uow.organisations.get(parent_id)
    if parent is None:
        raise NotFound("This organisation was not found.")
    result = MembersAdded(skipped=list(members.skipped))
    known = {
        name_key(m.name): m
        for m in await uow.obligations.members(parent_id, include_archived=True)
    }
    for entry in members.entries:
        member = known.get(name_key(entry.name))
        if member is not None and member.archived_at is None:
            result.existing.append(member.name)
            continue
        restored = member is not None
        if member is None:
            member = await uow.organisations.add(
                name=entry.name,
                timezone=parent.timezone,
                language=parent.language,
                morning_hour=parent.morning_hour,
                now=now,
                parent_id=parent.id,
                kind=guess_kind(entry.name),
                short_name=clip(short_name(entry.name), SHORT_NAME_CHARS),
            )
            member.cadence = parent.cadence
            member.one_report_closes = parent.one_report_closes
            known[name_key(entry.name)] = member
        else:
            member.archived_at = None
        contact, token = await _invite_contact(uow, member, entry, now, created_by)
        result.added.append(
            AddedMember(
                organisation_id=member.id,
                name=member.name,
                short_name=member.short_name or member.name,
                kind=member.kind,
                contact=contact,
                token=token,
                restored=restored,
            )
        )
        await uow.audit.record(
            action="member.restored" if restored else "member.added",
            now=now,
            organisation_id=parent.id,
            person_id=created_by,
            object_type="organisation",
            object_id=member.id,
        )
    if result.added:
        result.obligations = await _fan_out(
            uow, parent.id, [m.organisation_id for m in result.added], now=now
        )
    await uow.commit()
    return result


async def _invite_contact(
    uow: UnitOfWork,
    member: Organisation,
    entry: MemberEntry,
    now: datetime,
    created_by: int | None,
) -> tuple[str | None, str | None]:
    """The member's contact becomes its coordinator (invited); None without a contact."""
    if not entry.contact:
        return None, None
    name = display_name(entry.contact)
    people = await uow.roadmaps.people_by_name(member.id)
    person = people.get(name)
    if person is None:
        person = await uow.people.add(full_name=name, now=now)
        await uow.people.add_membership(
            organisation_id=member.id, person_id=person.id, role=Role.COORDINATOR, now=now
        )
    token = await create_invite(
        uow,
        organisation_id=member.id,
        person_id=person.id,
        now=now,
        role=Role.COORDINATOR,
        created_by=created_by,
    )
    return name, token


async def _fan_out(
    uow: UnitOfWork, parent_id: int, organisation_ids: Sequence[int], *, now: datetime
) -> int:
    """Every plan of the parent gives (or takes) the members' shares; reminders follow."""
    added = 0
    for roadmap in await uow.roadmaps.for_organisation(parent_id):
        changes = await sync_shares(uow, roadmap.id)
        added += changes.added_occurrences
        measure_ids = [m.id for m in await uow.roadmaps.measures(roadmap.id)]
        await plan_measures(uow, organisation_ids, measure_ids=measure_ids, now=now)
    return added


async def refresh_shares(uow: UnitOfWork, parent_id: int, *, now: datetime) -> int:
    """After what a unit means changed: every plan fans out again, to the owner and every
    member, and their reminders follow. Does not commit."""
    members = [m.id for m in await uow.obligations.members(parent_id)]
    return await _fan_out(uow, parent_id, [parent_id, *members], now=now)


async def add_members_as(
    uow: UnitOfWork, identity: Identity, members: MemberList, *, now: datetime
) -> MembersAdded:
    """The coordinator adds members to their own organisation."""
    parent_id = require_coordinator(identity)
    return await add_members(
        uow,
        parent_id=parent_id,
        members=members,
        now=now,
        created_by=identity.person.id if identity.person else None,
    )


async def invite_member_coordinators(
    uow: UnitOfWork, identity: Identity, *, now: datetime
) -> list[tuple[str, str]]:
    """Fresh links for the members' coordinators who have not joined. Commits.
    Returns («short name — person», token)."""
    parent_id = require_coordinator(identity)
    pairs: list[tuple[str, str]] = []
    for member in await uow.obligations.members(parent_id):
        for person, membership in await uow.people.members(member.id):
            if membership.role != Role.COORDINATOR or person.telegram_user_id is not None:
                continue
            token = await create_invite(
                uow,
                organisation_id=member.id,
                person_id=person.id,
                now=now,
                role=Role.COORDINATOR,
                created_by=identity.person.id if identity.person else None,
            )
            pairs.append((f"{member.short_name or member.name} — {person.full_name}", token))
    await uow.commit()
    return pairs


@dataclass(frozen=True)
class MemberLine:
    organisation_id: int
    name: str
    short_name: str
    kind: str
    coordinators: int  # invited or joined
    joined: int  # coordinators who have joined


async def list_members(uow: UnitOfWork, identity: Identity) -> list[MemberLine]:
    parent_id = require_coordinator(identity)
    members = await uow.obligations.members(parent_id)
    coordinators = await uow.obligations.coordinators([m.id for m in members])
    joined = await uow.obligations.joined_coordinators([m.id for m in members])
    return [
        MemberLine(
            organisation_id=m.id,
            name=m.name,
            short_name=m.short_name or m.name,
            kind=m.kind,
            coordinators=len(coordinators.get(m.id, ())),
            joined=len(joined.get(m.id, ())),
        )
        for m in members
    ]


async def find_member(uow: UnitOfWork, parent_id: int, text: str) -> Organisation:
    """A member by its name or short name (as the coordinator types it)."""
    wanted = name_key(text)
    members = await uow.obligations.members(parent_id)
    exact = [m for m in members if wanted in (name_key(m.name), name_key(m.short_name or ""))]
    if len(exact) == 1:
        return exact[0]
    partial = [m for m in members if wanted and wanted in name_key(m.name)]
    if len(partial) == 1:
        return partial[0]
    raise UserError("No member organisation «{name}».", name=text)


async def remove_member(uow: UnitOfWork, identity: Identity, *, name: str, now: datetime) -> str:
    """Archive a member: its open obligations nobody worked on go, reports stay. Commits."""
    parent_id = require_coordinator(identity)
    member = await find_member(uow, parent_id, name)
    member.archived_at = now
    await uow.reminders.delete_pending(organisation_id=member.id)
    await uow.flush()
    await _fan_out(uow, parent_id, [], now=now)
    await uow.audit.record(
        action="member.removed",
        now=now,
        organisation_id=parent_id,
        person_id=identity.person.id if identity.person else None,
        object_type="organisation",
        object_id=member.id,
    )
    await uow.commit()
    return member.name


@dataclass
class GroupDefined:
    unit_name: str
    members: list[str]
    unknown: list[str]


async def define_group(
    uow: UnitOfWork, identity: Identity, *, unit_name: str, names: Sequence[str], now: datetime
) -> GroupDefined:
    """A named subset of the members (`ШНОР`: these schools). Commits; fan-out follows."""
    parent_id = require_coordinator(identity)
    unit_name = fitted_line(unit_name, UNIT_NAME_CHARS, GROUP_NAME_TOO_LONG)
    if not unit_name:
        raise UserError("Write the group's name, then its members, e.g. «/group ШНОР; СОШ №3».")
    units = await uow.roadmaps.units_by_name(parent_id)
    unit = units.get(unit_name) or next(
        (u for u in units.values() if u.name.casefold() == unit_name.casefold()), None
    )
    if unit is None:
        unit = await uow.roadmaps.add_unit(organisation_id=parent_id, name=unit_name, now=now)
    found: list[Organisation] = []
    unknown: list[str] = []
    for name in names:
        if not name.strip():
            continue
        try:
            found.append(await find_member(uow, parent_id, name))
        except UserError:
            unknown.append(name.strip())
    unit.kind = UnitKind.MEMBER_ORGANISATIONS.value
    unit.member_filter = "named"
    unit.kind_confirmed = True
    await uow.obligations.set_unit_organisations(unit.id, sorted({m.id for m in found}))
    await _fan_out(uow, parent_id, [m.id for m in found], now=now)
    await uow.audit.record(
        action="group.defined",
        now=now,
        organisation_id=parent_id,
        person_id=identity.person.id if identity.person else None,
        object_type="unit",
        object_id=unit.id,
        data={"members": [m.id for m in found]},
    )
    await uow.commit()
    return GroupDefined(unit.name, [m.short_name or m.name for m in found], unknown)


@dataclass
class HandedOver:
    number: str
    title: str
    persons: list[str]  # who does the organisation's share now (empty: its coordinators)


async def hand_over(
    uow: UnitOfWork,
    identity: Identity,
    *,
    number: str,
    names: Sequence[str] | None,
    now: datetime,
) -> HandedOver:
    """A member's coordinator hands its share of a parent's measure to its own people
    (`names`; an empty list gives it back to the coordinators; None only tells who does it).
    Commits; the share's reminders are planned for whoever does it now."""
    from bot.people import display_name
    from bot.reminders.outbox import plan_changes

    organisation_id = require_coordinator(identity)
    measures = await uow.reports.measures_by_number(organisation_id, number.strip())
    if not measures:
        raise UserError("Measure {number} was not found.", number=number)
    # A parent's measure, when the organisation's own plan has the same number too.
    found = None
    for measure in measures:
        found = await uow.reports.measure(measure.id)
        assert found is not None
        if found[1].organisation_id != organisation_id:
            break
    assert found is not None
    measure = found[0]
    if found[1].organisation_id == organisation_id:
        raise UserError(
            "{number} is a measure of your own plan: its responsible come from the plan "
            "(/unit for a unit's readers).",
            number=number,
        )
    if names is not None:
        people = await uow.roadmaps.people_by_name(organisation_id)
        chosen = []
        for name in names:
            display = display_name(name)
            person = people.get(display)
            if person is None:
                raise UserError(
                    "No person «{name}» in your organisation. Invite them first: /invite {name}",
                    name=display,
                )
            chosen.append(person)
        await uow.obligations.delegate(
            measure_id=measure.id,
            organisation_id=organisation_id,
            person_ids=[p.id for p in chosen],
        )
        occurrences = await uow.reports.occurrences_of_measures([measure.id], organisation_id)
        await uow.reminders.delete_pending(occurrence_ids=[o.id for o in occurrences], after=now)
        await uow.flush()
        await plan_changes(uow, organisation_id, now=now, measure_ids=[measure.id])
        await uow.audit.record(
            action="share.handed_over",
            now=now,
            organisation_id=organisation_id,
            person_id=identity.person.id if identity.person else None,
            object_type="measure",
            object_id=measure.id,
            data={"persons": [p.id for p in chosen]},
        )
        await uow.commit()
    assignments = await uow.obligations.assignments([measure.id])
    person_ids = [
        a.person_id
        for a in assignments
        if a.organisation_id == organisation_id and a.person_id is not None
    ]
    by_id = {
        p.id: p.full_name for p in (await uow.roadmaps.people_by_name(organisation_id)).values()
    }
    return HandedOver(
        number=measure.number or number,
        title=measure.title,
        persons=[by_id[pid] for pid in person_ids if pid in by_id],
    )
