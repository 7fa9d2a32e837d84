"""Planning the reminder outbox from the stored occurrences.

Rows are planned for the whole plan at once (after an import, when a person joins or
changes their hour or pause, and by a daily job as a safety net), so that a bot that was
down finds its overdue rows waiting and sends them, coalesced, at the next allowed hour.
Rows whose moment is already past when they are first planned are not created: they
belong to a time before the bot knew about them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from bot.reminders import kinds
from bot.reminders.planner import (
    Cadence,
    OccurrenceSpec,
    PlannedReminder,
    ReminderKind,
    plan_escalation,
    plan_reminders,
)
from storage.repositories.reminders import Recipient
from storage.uow import UnitOfWork

# A row planned for earlier today still goes out: the morning slot stays open this long.
PLANNING_LOOKBACK = timedelta(hours=12)


async def plan_organisation(
    uow: UnitOfWork,
    organisation_id: int,
    *,
    now: datetime,
    person_ids: set[int] | None = None,
    occurrence_ids: set[int] | None = None,
) -> int:
    """Plan every missing row of the organisation (or of some persons/occurrences).

    Idempotent: rows already planned (or sent) are left as they are. Returns how many
    rows were added. Does not commit.
    """
    organisation = await uow.organisations.get(organisation_id)
    if organisation is None:
        return 0
    cadence = Cadence.from_json(organisation.cadence)
    pairs = await uow.reminders.open_occurrences(organisation_id)
    if occurrence_ids is not None:
        pairs = [(o, m) for o, m in pairs if o.id in occurrence_ids]
    if not pairs:
        return 0
    responsible = await uow.roadmaps.responsible_persons(sorted({m.id for _o, m in pairs}))
    everyone = set().union(*responsible.values()) if responsible else set()
    coordinators = await uow.reminders.coordinators(organisation_id)
    recipients = await uow.reminders.recipients(sorted(everyone | {c.id for c in coordinators}))

    earliest = now - PLANNING_LOOKBACK
    rows: list[dict[str, Any]] = []

    def add(occurrence_id: int, person_id: int, planned: PlannedReminder) -> None:
        if planned.fire_at >= earliest:
            rows.append(
                {
                    "organisation_id": organisation_id,
                    "occurrence_id": occurrence_id,
                    "person_id": person_id,
                    "kind": kinds.encode(planned.kind, planned.local_day),
                    "fire_at": planned.fire_at,
                }
            )

    def wanted(person_id: int) -> Recipient | None:
        if person_ids is not None and person_id not in person_ids:
            return None
        return recipients.get(person_id)

    for occurrence, measure in pairs:
        due = occurrence.postponed_to or occurrence.due_date
        spec = OccurrenceSpec(
            start=min(occurrence.window_start, due), due=due, is_checkin_span=occurrence.is_span
        )
        for person_id in sorted(responsible.get(measure.id, ())):
            recipient = wanted(person_id)
            if recipient is None:
                continue
            for planned in plan_reminders(spec, cadence=cadence, now=now, **_at(recipient)):
                if planned.kind is not ReminderKind.ESCALATION:
                    add(occurrence.id, person_id, planned)
        if occurrence.is_span or not responsible.get(measure.id):
            continue
        # The escalation goes to each coordinator, once per occurrence, at their own hour.
        for coordinator in coordinators:
            recipient = wanted(coordinator.id)
            if recipient is None:
                continue
            escalation = plan_escalation(spec, cadence=cadence, now=now, **_at(recipient))
            if escalation is not None:
                add(occurrence.id, coordinator.id, escalation)
    return await uow.reminders.insert_planned(rows)


def _at(recipient: Recipient) -> dict[str, Any]:
    """When a recipient's reminders fire: their zone, hour and leave."""
    return {
        "tz": recipient.timezone,
        "hour": recipient.hour,
        "paused_until": recipient.paused_until,
    }


async def replan_person(uow: UnitOfWork, person_id: int, *, now: datetime) -> int:
    """After a change of hour, zone or pause: drop the person's future rows, plan anew."""
    await uow.reminders.delete_pending(person_id=person_id, after=now)
    person = await uow.people.get(person_id)
    if person is None:
        return 0
    added = 0
    organisations: dict[int, None] = defaultdict(lambda: None)
    for membership in await uow.people.memberships_of(person_id):
        organisations[membership.organisation_id] = None
    for organisation_id in organisations:
        added += await plan_organisation(uow, organisation_id, now=now, person_ids={person_id})
    return added
