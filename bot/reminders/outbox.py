"""Planning the reminder outbox a day at a time.

The outbox table stays the truth of what must be sent and whether it was (a restart never
loses or repeats a reminder), but rows exist only for the days about to come and only for
people who can receive them (joined and reachable): each organisation's `planned_through`
is the last local day whose rows exist, and the planning job moves it to tomorrow. Work is
proportional to what changed:

* a new day: the occurrences with a reminder on that day (a range query on due dates and
  window starts; the spans of continuous work only on a month's check-in day);
* a join, an import, a report, a change of hour or pause: only those people or occurrences,
  for the days already planned (today .. planned_through);
* nothing new: one comparison per organisation.

The pure planner (`bot.reminders.planner.plan_reminders`) decides the rows of one
occurrence and person; here they are kept when their nominal local day falls in the range
being planned. A range after downtime is planned in one go: its rows are past due and go
out coalesced at the next allowed moment, as before. Rows whose moment passed before the
bot knew of them (a new plan, a new person) are not created.

A person's wishes outlive the rows: "not mine" and snoozes are holds (`reminder_hold`)
that planning respects.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.calendar import local_date, nth_working_day_of_month
from bot.obligations import responsible_persons
from bot.reminders import kinds
from bot.reminders.planner import (
    Cadence,
    OccurrenceSpec,
    ReminderKind,
    defer_for_pause,
    plan_escalation,
    plan_reminders,
)
from storage.db import SessionFactory
from storage.repositories.reminders import PlanningCandidate, Recipient
from storage.uow import UnitOfWork

# A row planned for earlier today still goes out: the morning slot stays open this long.
PLANNING_LOOKBACK = timedelta(hours=12)
# Moving a reminder off days off (the New Year holidays are the longest run) shifts it at
# most this far from its nominal day: candidates are read with this margin.
DAY_OFF_SLACK = 14
# After downtime, at most this many missed days are planned (and delivered coalesced).
MAX_CATCH_UP_DAYS = 92
# How far ahead rows exist: today and tomorrow, so that the morning tick finds them ready.
HORIZON_DAYS = 1


@dataclass(frozen=True)
class PlanScope:
    """What a partial planning covers; None means everything."""

    person_ids: frozenset[int] | None = None
    occurrence_ids: frozenset[int] | None = None
    measure_ids: frozenset[int] | None = None

    @classmethod
    def of(
        cls,
        *,
        person_ids: Iterable[int] | None = None,
        occurrence_ids: Iterable[int] | None = None,
        measure_ids: Iterable[int] | None = None,
    ) -> PlanScope:
        return cls(
            frozenset(person_ids) if person_ids is not None else None,
            frozenset(occurrence_ids) if occurrence_ids is not None else None,
            frozenset(measure_ids) if measure_ids is not None else None,
        )


def checkin_days(first: date, last: date, cadence: Cadence) -> list[date]:
    """The check-in days (the n-th working day of each month) within [first, last]."""
    days: list[date] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        day = nth_working_day_of_month(year, month, cadence.checkin_working_day)
        if first <= day <= last:
            days.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


async def plan_range(
    uow: UnitOfWork,
    organisation_id: int,
    *,
    first: date,
    last: date,
    now: datetime,
    scope: PlanScope | None = None,
    earliest: datetime | None = None,
) -> int:
    """Insert the rows whose nominal local day is in [first, last] for the organisation's
    obligations (or a part of them). Idempotent. Returns how many rows were added. Does not
    commit."""
    if last < first:
        return 0
    scope = scope or PlanScope()
    organisation = await uow.organisations.get(organisation_id)
    if organisation is None or organisation.archived_at is not None:
        return 0
    cadence = Cadence.from_json(organisation.cadence)
    before = max((-offset for _k, offset in cadence.person_offsets() if offset < 0), default=0)
    after = max(
        [offset for _k, offset in cadence.person_offsets() if offset > 0]
        + [cadence.escalation_days or 0]
    )
    spans_on = checkin_days(first, last, cadence)
    candidates = await uow.reminders.planning_candidates(
        organisation_id,
        due_from=first - timedelta(days=after + DAY_OFF_SLACK),
        due_to=last + timedelta(days=before + DAY_OFF_SLACK),
        start_from=first - timedelta(days=DAY_OFF_SLACK),
        start_to=last,
        span_first=min(spans_on) if spans_on else None,
        span_last=max(spans_on) if spans_on else None,
        occurrence_ids=scope.occurrence_ids,
        measure_ids=scope.measure_ids,
    )
    if not candidates:
        return 0
    shares = {(c.measure_id, c.organisation_id) for c in candidates}
    responsible = await responsible_persons(uow, shares)
    everyone = set().union(*responsible.values()) if responsible else set()
    coordinators = await uow.reminders.coordinators(organisation_id)
    recipients = await uow.reminders.recipients(sorted(everyone | {c.id for c in coordinators}))
    reachable = {
        pid: r for pid, r in recipients.items() if r.chat_id is not None and not r.unreachable
    }
    if scope.person_ids is not None:
        reachable = {pid: r for pid, r in reachable.items() if pid in scope.person_ids}
    if not reachable:
        return 0
    holds = await uow.reminders.holds(
        sorted(reachable), sorted({c.measure_id for c in candidates})
    )

    rows: list[dict[str, Any]] = []
    for index, candidate in enumerate(candidates):
        if index and index % 500 == 0:
            await asyncio.sleep(0)  # planning never holds the event loop for long
        spec = OccurrenceSpec(
            start=min(candidate.window_start, candidate.due),
            due=candidate.due,
            is_checkin_span=candidate.is_span,
        )
        persons = responsible.get((candidate.measure_id, candidate.organisation_id), set())
        for person_id in sorted(persons):
            recipient = reachable.get(person_id)
            if recipient is None:
                continue
            planned = [
                row
                for row in plan_reminders(
                    spec, cadence=cadence, tz=recipient.timezone, hour=recipient.hour, now=now
                )
                if row.kind is not ReminderKind.ESCALATION and first <= row.local_day <= last
            ]
            planned = defer_for_pause(
                planned,
                tz=recipient.timezone,
                hour=recipient.hour,
                now=now,
                paused_until=recipient.paused_until,
            )
            for row in planned:
                if holds.blocks(person_id, candidate.measure_id, candidate.id, row.fire_at):
                    continue
                if earliest is not None and row.fire_at < earliest:
                    continue
                rows.append(_row(organisation_id, candidate, person_id, row.kind, row))
        if candidate.is_span or not persons:
            continue
        # The escalation goes to each coordinator, once per occurrence, at their own hour.
        for coordinator in coordinators:
            recipient = reachable.get(coordinator.id)
            if recipient is None:
                continue
            escalation = plan_escalation(
                spec,
                cadence=cadence,
                tz=recipient.timezone,
                hour=recipient.hour,
                now=now,
            )
            if escalation is None or not first <= escalation.local_day <= last:
                continue
            (escalation,) = defer_for_pause(
                [escalation],
                tz=recipient.timezone,
                hour=recipient.hour,
                now=now,
                paused_until=recipient.paused_until,
            )
            if earliest is not None and escalation.fire_at < earliest:
                continue
            rows.append(
                _row(organisation_id, candidate, coordinator.id, escalation.kind, escalation)
            )
    return await uow.reminders.insert_planned(rows)


def _row(
    organisation_id: int,
    candidate: PlanningCandidate,
    person_id: int,
    kind: ReminderKind,
    row: Any,
) -> dict[str, Any]:
    return {
        "organisation_id": organisation_id,
        "occurrence_id": candidate.id,
        "person_id": person_id,
        "kind": kinds.encode(kind, row.local_day),
        "fire_at": row.fire_at,
    }


async def ensure_planned(uow: UnitOfWork, organisation_id: int, *, now: datetime) -> int:
    """Move the organisation's planned days on to tomorrow. A no-op costs one read.

    Does not commit. Two processes doing it at once insert nothing twice (the outbox's
    unique key) and the watermark only moves forward.
    """
    organisation = await uow.organisations.get(organisation_id)
    if organisation is None or organisation.archived_at is not None:
        return 0
    today = local_date(now, organisation.timezone)
    target = today + timedelta(days=HORIZON_DAYS)
    planned_through = organisation.planned_through
    if planned_through is not None and planned_through >= target:
        return 0
    earliest = None
    if planned_through is None:
        # A new organisation: nothing before today, nor earlier than the lookback.
        first, earliest = today, now - PLANNING_LOOKBACK
    else:
        first = max(planned_through + timedelta(days=1), today - timedelta(MAX_CATCH_UP_DAYS))
    added = await plan_range(
        uow, organisation_id, first=first, last=target, now=now, earliest=earliest
    )
    await uow.organisations.advance_planned_through(organisation_id, target)
    return added


async def plan_due(session_factory: SessionFactory, now: datetime) -> int:
    """Plan the next day of every organisation whose rows are not there yet.

    Each organisation in its own short transaction, yielding between them: a region's
    planning never holds the event loop or one long transaction. A no-op is one read.
    """
    added = 0
    async with UnitOfWork(session_factory) as uow:
        due = await uow.organisations.needing_plan(now, HORIZON_DAYS)
    for organisation_id in due:
        async with UnitOfWork(session_factory) as uow:
            added += await ensure_planned(uow, organisation_id, now=now)
            await uow.commit()
        await asyncio.sleep(0)
    return added


async def plan_changes(
    uow: UnitOfWork,
    organisation_id: int,
    *,
    now: datetime,
    person_ids: Iterable[int] | None = None,
    occurrence_ids: Iterable[int] | None = None,
    measure_ids: Iterable[int] | None = None,
) -> int:
    """Plan what a change touches (people, occurrences, measures) for the days already
    planned; plans the organisation's missing days too. Does not commit."""
    added = await ensure_planned(uow, organisation_id, now=now)
    organisation = await uow.organisations.get(organisation_id)
    if organisation is None or organisation.planned_through is None:
        return added
    today = local_date(now, organisation.timezone)
    return added + await plan_range(
        uow,
        organisation_id,
        first=today,
        last=organisation.planned_through,
        now=now,
        scope=PlanScope.of(
            person_ids=person_ids, occurrence_ids=occurrence_ids, measure_ids=measure_ids
        ),
        earliest=now - PLANNING_LOOKBACK,
    )


async def plan_measures(
    uow: UnitOfWork,
    organisation_ids: Iterable[int],
    *,
    measure_ids: Iterable[int],
    now: datetime,
) -> int:
    """After an import or a change of shares: the measures' rows in every organisation
    that must do them. Does not commit."""
    measures = list(measure_ids)
    added = 0
    for organisation_id in sorted(set(organisation_ids)):
        added += await plan_changes(uow, organisation_id, now=now, measure_ids=measures)
    return added


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
        added += await plan_changes(uow, organisation_id, now=now, person_ids={person_id})
    return added


async def replan_organisation(uow: UnitOfWork, organisation_id: int, *, now: datetime) -> int:
    """After the organisation's hour, zone or cadence changed: its future rows anew."""
    await uow.reminders.delete_pending(organisation_id=organisation_id, after=now)
    return await plan_changes(uow, organisation_id, now=now)


__all__ = [
    "PlanScope",
    "Recipient",
    "checkin_days",
    "ensure_planned",
    "plan_changes",
    "plan_due",
    "plan_measures",
    "plan_range",
    "replan_organisation",
    "replan_person",
]
