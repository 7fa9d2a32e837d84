"""Fan-out: which organisations must do each measure, and who in them is responsible.

A municipal plan's measure assigned to `ОО` is every school's obligation: each school gets
its own occurrences (one per window of the schedule), is reminded, reports and is counted
on its own. The owner's own share (assigned to its staff, to a group of its people, or to
nobody in particular) stays with the owner. A measure assigned to `МОУО, ОО` is both.

The rules are pure functions (`share_organisations`, `responsible_in`); `sync_shares` applies
them to the stored plan after an import, when members are added or removed, or when a named
group (`ШНОР`) changes. Its work is proportional to what changed: existing occurrences are
read once, only missing ones are inserted, and shares no longer wanted lose only the
occurrences nobody worked on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.roadmap.model import Schedule, ScheduleKind
from storage.models import OccurrenceStatus, OrganisationKind, UnitKind
from storage.repositories.obligations import AssignmentRow, OccurrenceKey
from storage.uow import UnitOfWork

SPAN_KINDS = {ScheduleKind.CONTINUOUS, ScheduleKind.ON_REQUEST}
# A measure whose deadline gives no dates: it spans the plan period until the coordinator
# sets its deadline (its people get the monthly check-in, answers say «срок уточняется»).
UNCLEAR = "unclear"


def deadline_state(schedule: Schedule) -> str | None:
    """`UNCLEAR` when the schedule gives no dates (a phrase not understood, or no window
    inside the plan), else None."""
    return UNCLEAR if not schedule.windows else None


def occurrence_windows(
    schedule: Schedule, period: tuple[int, int]
) -> tuple[set[tuple[date, date]], bool]:
    """The windows a measure's occurrences have, and whether they are spans: an unclear
    deadline is one span over the plan period, so that the measure is never nobody's."""
    if not schedule.windows:
        return {(date(period[0], 1, 1), date(period[1], 12, 31))}, True
    return {(w.start, w.due) for w in schedule.windows}, schedule.kind in SPAN_KINDS


# The owner's people read these units' reminders through unit_member rows.
STAFF_UNIT_KINDS = {UnitKind.OWNER, UnitKind.PEOPLE_GROUP, UnitKind.UNKNOWN}
MEMBER_UNIT_KINDS = {UnitKind.MEMBER_ORGANISATIONS, UnitKind.ORGANISATION}

# Which member organisations a member group's filter takes.
FILTER_KINDS: dict[str, set[str]] = {
    "school": {OrganisationKind.SCHOOL},
    "kindergarten": {OrganisationKind.KINDERGARTEN},
    "supplementary": {OrganisationKind.SUPPLEMENTARY},
    # A region's "МОУО" or "муниципалитеты": its municipalities.
    "municipality": {OrganisationKind.MUNICIPALITY},
}


@dataclass(frozen=True)
class MemberInfo:
    id: int
    kind: str


def members_of_group(
    unit_kind: str,
    member_filter: str | None,
    linked: set[int],
    members: Sequence[MemberInfo],
) -> set[int]:
    """The active members a member-group unit stands for."""
    active = {m.id for m in members}
    if unit_kind == UnitKind.ORGANISATION or member_filter == "named":
        return linked & active
    if member_filter in (None, "all"):
        return active
    kinds = FILTER_KINDS.get(member_filter, set())
    return {m.id for m in members if m.kind in kinds}


def share_organisations(
    owner_id: int,
    assignments: Sequence[AssignmentRow],
    *,
    members: Sequence[MemberInfo],
    linked: Mapping[int, set[int]],
) -> set[int]:
    """The organisations that must do a measure, from the plan's own assignments.

    The owner does it when the plan names a person, its staff, a group of its people, an
    unclassified unit, or no member group at all (a measure with nobody named, or only an
    external body, stays the owner's: listed, and with its coordinator when nobody is named).
    """
    plan_rows = [a for a in assignments if a.organisation_id == owner_id]
    shares: set[int] = set()
    owner_does_it = not any(a.unit_kind in MEMBER_UNIT_KINDS for a in plan_rows)
    for row in plan_rows:
        if row.person_id is not None or row.unit_kind in STAFF_UNIT_KINDS:
            owner_does_it = True
        elif row.unit_kind in MEMBER_UNIT_KINDS and row.unit_id is not None:
            shares |= members_of_group(
                row.unit_kind, row.member_filter, linked.get(row.unit_id, set()), members
            )
    if owner_does_it:
        shares.add(owner_id)
    return shares


def responsible_in(
    organisation_id: int,
    assignments: Sequence[AssignmentRow],
    *,
    unit_members: Mapping[int, set[int]],
    coordinators: Mapping[int, set[int]],
) -> set[int]:
    """The persons responsible for a measure's share in one organisation.

    Those named for it there, directly or through a unit of its staff (a unit nobody reads
    yet reminds nobody: `/people` lists it for the coordinator to fill). When the plan names
    nobody there at all, the organisation's coordinators: a school's coordinator answers for
    the school's share until they hand it to a deputy, and a measure with no responsible is
    never nobody's.
    """
    here = [
        a
        for a in assignments
        if a.organisation_id == organisation_id and a.unit_kind not in MEMBER_UNIT_KINDS
    ]
    if not here:
        return set(coordinators.get(organisation_id, set()))
    persons: set[int] = set()
    for row in here:
        if row.person_id is not None:
            persons.add(row.person_id)
        elif row.unit_id is not None and row.unit_kind in STAFF_UNIT_KINDS:
            persons |= unit_members.get(row.unit_id, set())
    return persons


@dataclass
class ShareChanges:
    added_occurrences: int = 0
    removed_occurrences: int = 0
    organisations: set[int] = field(default_factory=set)
    new_occurrence_ids: list[int] = field(default_factory=list)


async def sync_shares(
    uow: UnitOfWork,
    roadmap_id: int,
    *,
    measure_ids: Iterable[int] | None = None,
) -> ShareChanges:
    """Give every organisation that must do a measure its occurrences; take them from
    organisations that no longer must (unless someone reported on them). Does not commit."""
    roadmap = await uow.roadmaps.get(roadmap_id)
    if roadmap is None:
        return ShareChanges()
    owner_id = roadmap.organisation_id
    measures = await uow.obligations.measures_of_roadmap(roadmap_id)
    if measure_ids is not None:
        wanted_ids = set(measure_ids)
        measures = [m for m in measures if m.id in wanted_ids]
    if not measures:
        return ShareChanges()
    members = [MemberInfo(m.id, m.kind) for m in await uow.obligations.members(owner_id)]
    assignments = await uow.obligations.assignments([m.id for m in measures])
    by_measure: dict[int, list[AssignmentRow]] = defaultdict(list)
    for row in assignments:
        by_measure[row.measure_id].append(row)
    group_units = {
        a.unit_id
        for a in assignments
        if a.unit_id is not None and a.unit_kind in MEMBER_UNIT_KINDS
    }
    linked = await uow.obligations.unit_organisations(sorted(group_units))

    existing: dict[tuple[int, int], dict[tuple[date, date], OccurrenceKey]] = defaultdict(dict)
    for key in await uow.obligations.occurrence_keys([m.id for m in measures]):
        existing[(key.measure_id, key.organisation_id)][(key.window_start, key.due_date)] = key

    changes = ShareChanges(organisations=set())
    to_insert: list[dict[str, object]] = []
    to_delete: list[int] = []
    respan: dict[bool, list[int]] = {True: [], False: []}
    for measure in measures:
        schedule = Schedule.from_json(measure.schedule)
        windows, is_span = occurrence_windows(schedule, (roadmap.period_start, roadmap.period_end))
        shares = share_organisations(
            owner_id, by_measure.get(measure.id, []), members=members, linked=linked
        )
        changes.organisations |= shares
        stored_orgs = {org for (mid, org) in existing if mid == measure.id}
        for organisation_id in shares | stored_orgs:
            have = existing.get((measure.id, organisation_id), {})
            keep = windows if organisation_id in shares else set()
            for start, due in sorted(keep - set(have)):
                to_insert.append(
                    {
                        "measure_id": measure.id,
                        "organisation_id": organisation_id,
                        "window_start": start,
                        "due_date": due,
                        "is_span": is_span,
                        "status": OccurrenceStatus.OPEN.value,
                    }
                )
            for window, key in have.items():
                if window in keep:
                    continue
                # A window or a share the plan no longer has goes only if nobody worked on it.
                if key.status == OccurrenceStatus.OPEN and not key.has_reports:
                    to_delete.append(key.id)
            # A schedule whose kind changed on re-import turns deadlines into spans (or back).
            respan[is_span].extend(
                key.id for window, key in have.items() if window in keep and key.is_span != is_span
            )
    for is_span, ids in respan.items():
        if ids:
            await uow.obligations.set_span(ids, is_span)
    if to_delete:
        await uow.obligations.delete_occurrences(to_delete)
        changes.removed_occurrences = len(to_delete)
    if to_insert:
        changes.added_occurrences = await uow.obligations.insert_occurrences(to_insert)
    return changes


async def responsible_persons(
    uow: UnitOfWork, shares: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], set[int]]:
    """The persons responsible for each (measure, organisation) share (see responsible_in)."""
    wanted = sorted(set(shares))
    if not wanted:
        return {}
    assignments = await uow.obligations.assignments(sorted({m for m, _o in wanted}))
    by_measure: dict[int, list[AssignmentRow]] = defaultdict(list)
    for row in assignments:
        by_measure[row.measure_id].append(row)
    staff_units = {
        a.unit_id for a in assignments if a.unit_id is not None and a.unit_kind in STAFF_UNIT_KINDS
    }
    unit_members = await uow.obligations.unit_members(sorted(staff_units))
    coordinators = await uow.obligations.coordinators(sorted({o for _m, o in wanted}))
    return {
        (measure_id, organisation_id): responsible_in(
            organisation_id,
            by_measure.get(measure_id, []),
            unit_members=unit_members,
            coordinators=coordinators,
        )
        for measure_id, organisation_id in wanted
    }
