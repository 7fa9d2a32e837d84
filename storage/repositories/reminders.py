"""The reminder outbox: planned rows, atomic claims, and what happened to each send.

Claiming locks the *persons* whose rows are due (`FOR UPDATE SKIP LOCKED` on PostgreSQL),
then takes all of those persons' due rows: several workers share the work, never send the
same row twice, and a person's rows of one morning stay together in one message. SQLite
has no row locks; it is the single-process mode, where one worker ticks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models import (
    Measure,
    Membership,
    Occurrence,
    OccurrenceStatus,
    Organisation,
    Person,
    Reminder,
    ReminderHold,
    ReminderState,
    Role,
)
from storage.repositories.base import Repository, affected


@dataclass(frozen=True)
class ClaimedReminder:
    """A claimed row with what delivery needs to render it."""

    id: int
    organisation_id: int
    person_id: int
    kind: str
    fire_at: datetime
    attempts: int
    occurrence_id: int | None
    window_start: date | None
    due_date: date | None
    occurrence_status: str | None
    measure_id: int | None
    measure_number: str | None
    measure_title: str | None
    document_type: str | None
    deadline_unclear: bool = False  # «срок уточняется»: checked in on until it is set


@dataclass(frozen=True)
class Recipient:
    person_id: int
    full_name: str
    chat_id: int | None
    language: str | None
    timezone: str
    hour: int
    paused_until: date | None
    organisation_id: int
    organisation_name: str
    unreachable: bool = False


@dataclass(frozen=True, slots=True)
class PlanningCandidate:
    """An open occurrence that may have a reminder in the days being planned."""

    id: int
    measure_id: int
    organisation_id: int
    window_start: date
    due: date  # the postponed date when postponed
    is_span: bool


@dataclass
class Holds:
    """The persons' standing wishes: "not mine" per measure, snoozes per occurrence."""

    not_mine: set[tuple[int, int]]  # (person, measure)
    snoozed: dict[tuple[int, int], datetime]  # (person, occurrence) -> quiet until

    def blocks(
        self, person_id: int, measure_id: int, occurrence_id: int, fire_at: datetime
    ) -> bool:
        if (person_id, measure_id) in self.not_mine:
            return True
        until = self.snoozed.get((person_id, occurrence_id))
        return until is not None and fire_at < until


class ReminderRepository(Repository):
    async def insert_planned(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert rows, skipping any (occurrence, person, kind) already planned.

        One statement, compiled once, executed for many parameter sets (SQLAlchemy batches
        them into multi-row VALUES itself); RETURNING counts only the rows really added.
        """
        if not rows:
            return 0
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(Reminder)
            .on_conflict_do_nothing(index_elements=["occurrence_id", "person_id", "kind"])
            .returning(Reminder.id)
        )
        inserted = 0
        for start in range(0, len(rows), 5000):
            chunk = [
                {"state": ReminderState.PENDING.value, "attempts": 0, **row}
                for row in rows[start : start + 5000]
            ]
            result = await self.session.execute(statement, chunk)
            inserted += len(result.all())
        return inserted

    async def planning_candidates(
        self,
        organisation_id: int,
        *,
        due_from: date,
        due_to: date,
        start_from: date,
        start_to: date,
        span_first: date | None,
        span_last: date | None,
        occurrence_ids: Iterable[int] | None = None,
        measure_ids: Iterable[int] | None = None,
    ) -> list[PlanningCandidate]:
        """Open occurrences of the organisation that may remind on some day of a range:
        deadlines due (or postponed to) in [due_from, due_to] or opening in [start_from,
        start_to]; spans covering [span_first, span_last] (check-in days)."""
        due = case(
            (Occurrence.postponed_to.is_not(None), Occurrence.postponed_to),
            else_=Occurrence.due_date,
        )
        deadline = and_(
            Occurrence.is_span.is_(False),
            or_(
                Occurrence.due_date.between(due_from, due_to),
                Occurrence.postponed_to.between(due_from, due_to),
                Occurrence.window_start.between(start_from, start_to),
            ),
        )
        wanted = [deadline]
        if span_first is not None and span_last is not None:
            wanted.append(
                and_(
                    Occurrence.is_span.is_(True),
                    Occurrence.window_start <= span_last,
                    Occurrence.due_date >= span_first,
                )
            )
        query = (
            select(
                Occurrence.id,
                Occurrence.measure_id,
                Occurrence.organisation_id,
                Occurrence.window_start,
                due,
                Occurrence.is_span,
            )
            .join(Measure, Measure.id == Occurrence.measure_id)
            .where(
                Occurrence.organisation_id == organisation_id,
                Measure.archived_at.is_(None),
                Occurrence.status.in_([OccurrenceStatus.OPEN, OccurrenceStatus.POSTPONED]),
                or_(*wanted),
            )
            .order_by(Occurrence.id)
        )
        if occurrence_ids is not None:
            query = query.where(Occurrence.id.in_(sorted(occurrence_ids)))
        if measure_ids is not None:
            query = query.where(Occurrence.measure_id.in_(sorted(measure_ids)))
        result = await self.session.execute(query)
        return [
            PlanningCandidate(
                id=oid,
                measure_id=measure_id,
                organisation_id=organisation_id_,
                window_start=window_start,
                due=due_date,
                is_span=bool(is_span),
            )
            for oid, measure_id, organisation_id_, window_start, due_date, is_span in result.all()
        ]

    async def holds(self, person_ids: Sequence[int], measure_ids: Sequence[int]) -> Holds:
        holds = Holds(not_mine=set(), snoozed={})
        if not person_ids or not measure_ids:
            return holds
        measures = set(measure_ids)
        result = await self.session.execute(
            select(
                ReminderHold.person_id,
                ReminderHold.measure_id,
                ReminderHold.occurrence_id,
                ReminderHold.until,
            ).where(ReminderHold.person_id.in_(list(person_ids)))
        )
        for person_id, measure_id, occurrence_id, until in result.all():
            if measure_id not in measures:
                continue
            if occurrence_id is None and until is None:
                holds.not_mine.add((person_id, measure_id))
            elif occurrence_id is not None and until is not None:
                key = (person_id, occurrence_id)
                holds.snoozed[key] = max(until, holds.snoozed.get(key, until))
        return holds

    async def add_hold(self, **fields: Any) -> None:
        self.session.add(ReminderHold(**fields))
        await self.session.flush()

    async def delete_pending(
        self,
        *,
        person_id: int | None = None,
        occurrence_ids: Sequence[int] | None = None,
        organisation_id: int | None = None,
        after: datetime | None = None,
    ) -> int:
        """Drop pending rows so they can be planned again (hour or pause changed, re-import)."""
        conditions = [Reminder.state == ReminderState.PENDING]
        if person_id is not None:
            conditions.append(Reminder.person_id == person_id)
        if occurrence_ids is not None:
            conditions.append(Reminder.occurrence_id.in_(list(occurrence_ids)))
        if organisation_id is not None:
            conditions.append(Reminder.organisation_id == organisation_id)
        if after is not None:
            conditions.append(Reminder.fire_at > after)
        result = await self.session.execute(delete(Reminder).where(*conditions))
        return affected(result)

    async def delete_pending_before(
        self, *, occurrence_id: int, person_id: int, before: datetime
    ) -> int:
        result = await self.session.execute(
            delete(Reminder).where(
                Reminder.occurrence_id == occurrence_id,
                Reminder.person_id == person_id,
                Reminder.state == ReminderState.PENDING,
                Reminder.fire_at < before,
            )
        )
        return affected(result)

    async def delete_unsent(self, occurrence_ids: Sequence[int]) -> int:
        """Forget pending and cancelled rows of occurrences about to be planned again.

        Sent and failed rows stay: they are the history of what people were told.
        """
        result = await self.session.execute(
            delete(Reminder).where(
                Reminder.occurrence_id.in_(list(occurrence_ids)),
                Reminder.state.in_([ReminderState.PENDING, ReminderState.CANCELLED]),
            )
        )
        return affected(result)

    async def cancel_for_occurrence(
        self, occurrence_id: int, *, person_id: int | None = None, reason: str = "closed"
    ) -> int:
        conditions = [
            Reminder.occurrence_id == occurrence_id,
            Reminder.state == ReminderState.PENDING,
        ]
        if person_id is not None:
            conditions.append(Reminder.person_id == person_id)
        result = await self.session.execute(
            update(Reminder)
            .where(*conditions)
            .values(state=ReminderState.CANCELLED, last_error=reason)
        )
        return affected(result)

    async def claim_due(
        self,
        *,
        now: datetime,
        worker: str,
        lease: timedelta = timedelta(minutes=5),
        max_persons: int = 200,
    ) -> list[ClaimedReminder]:
        """Claim every due row of up to `max_persons` persons; the caller commits at once."""
        due = or_(
            and_(Reminder.state == ReminderState.PENDING, Reminder.fire_at <= now),
            # A worker that died mid-delivery leaves claimed rows whose lease ran out.
            and_(Reminder.state == ReminderState.CLAIMED, Reminder.claimed_until < now),
        )
        persons_with_due = select(Reminder.person_id).where(due).distinct().scalar_subquery()
        locked = await self.session.execute(
            select(Person.id)
            .where(Person.id.in_(persons_with_due), Person.chat_id.is_not(None))
            .order_by(Person.id)
            .limit(max_persons)
            .with_for_update(skip_locked=True)
        )
        person_ids = list(locked.scalars())
        if not person_ids:
            return []
        # The claim itself is one conditional UPDATE tagged with a fresh token: on SQLite,
        # where there are no row locks, a second claimer's UPDATE waits for the first to
        # commit and then finds the rows no longer due, so a row is never claimed twice.
        token = f"{worker[:40]}:{uuid.uuid4().hex[:16]}"
        await self.session.execute(
            update(Reminder)
            .where(due, Reminder.person_id.in_(person_ids))
            .values(state=ReminderState.CLAIMED, claimed_by=token, claimed_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(
            select(Reminder, Occurrence, Measure)
            .outerjoin(Occurrence, Occurrence.id == Reminder.occurrence_id)
            .outerjoin(Measure, Measure.id == Occurrence.measure_id)
            .where(Reminder.claimed_by == token, Reminder.state == ReminderState.CLAIMED)
            .order_by(Reminder.person_id, Reminder.fire_at, Reminder.id)
        )
        return [
            _claimed(reminder, occurrence, measure)
            for reminder, occurrence, measure in result.all()
        ]

    async def delivered_with(
        self, person_id: int, telegram_message_id: int
    ) -> list[ClaimedReminder]:
        """The person's rows delivered in one bot message, with what rendering them needs
        (a morning message's "show all" and its check-in report)."""
        result = await self.session.execute(
            select(Reminder, Occurrence, Measure)
            .join(Occurrence, Occurrence.id == Reminder.occurrence_id)
            .join(Measure, Measure.id == Occurrence.measure_id)
            .where(
                Reminder.person_id == person_id,
                Reminder.telegram_message_id == telegram_message_id,
            )
            .order_by(Reminder.id)
        )
        return [
            _claimed(reminder, occurrence, measure)
            for reminder, occurrence, measure in result.all()
        ]

    async def mark_sent(
        self, ids: Sequence[int], *, now: datetime, telegram_message_id: int | None
    ) -> None:
        await self.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(list(ids)))
            .values(
                state=ReminderState.SENT,
                sent_at=now,
                telegram_message_id=telegram_message_id,
                claimed_until=None,
            )
            .execution_options(synchronize_session=False)
        )

    async def mark_closed(self, ids: Sequence[int], *, reason: str) -> None:
        """Rows that no longer need sending (their occurrence was closed meanwhile)."""
        await self.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(list(ids)))
            .values(state=ReminderState.CANCELLED, last_error=reason, claimed_until=None)
            .execution_options(synchronize_session=False)
        )

    async def renew_claims(self, ids: Sequence[int], *, worker: str, until: datetime) -> set[int]:
        """Extend the lease of rows this worker still holds; returns their ids. A row whose
        lease ran out and that another worker claimed meanwhile is not returned."""
        if not ids:
            return set()
        result = await self.session.execute(
            update(Reminder)
            .where(
                Reminder.id.in_(list(ids)),
                Reminder.state == ReminderState.CLAIMED,
                Reminder.claimed_by.startswith(f"{worker[:40]}:", autoescape=True),
            )
            .values(claimed_until=until)
            .returning(Reminder.id)
            .execution_options(synchronize_session=False)
        )
        return set(result.scalars())

    async def release(self, ids: Sequence[int], *, fire_at: datetime) -> None:
        """Give rows back without an attempt (the person is paused: send later)."""
        await self.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(list(ids)))
            .values(state=ReminderState.PENDING, fire_at=fire_at, claimed_until=None)
            .execution_options(synchronize_session=False)
        )

    async def retry_later(
        self, ids: Sequence[int], *, fire_at: datetime, error: str, max_attempts: int
    ) -> list[int]:
        """Count an attempt; rows out of attempts become failed. Returns the failed ids."""
        rows = await self.session.execute(select(Reminder).where(Reminder.id.in_(list(ids))))
        failed = []
        for reminder in rows.scalars():
            reminder.attempts += 1
            reminder.last_error = error[:1000]
            reminder.claimed_until = None
            if reminder.attempts >= max_attempts:
                reminder.state = ReminderState.FAILED
                failed.append(reminder.id)
            else:
                reminder.state = ReminderState.PENDING
                reminder.fire_at = fire_at
        await self.session.flush()
        return failed

    async def mark_failed(self, ids: Sequence[int], *, error: str) -> None:
        await self.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(list(ids)))
            .values(state=ReminderState.FAILED, last_error=error[:1000], claimed_until=None)
            .execution_options(synchronize_session=False)
        )

    async def recipients(self, person_ids: Sequence[int]) -> dict[int, Recipient]:
        """Where and how to reach each person: their chat, language, zone, hour, pause."""
        result = await self.session.execute(
            select(Person, Membership, Organisation)
            .join(Membership, Membership.person_id == Person.id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Person.id.in_(list(person_ids)))
            .order_by(Membership.id)
        )
        recipients: dict[int, Recipient] = {}
        for person, _membership, organisation in result.all():
            if person.id in recipients:
                continue
            recipients[person.id] = Recipient(
                unreachable=person.unreachable_since is not None,
                person_id=person.id,
                full_name=person.full_name,
                chat_id=person.chat_id,
                language=person.language or organisation.language,
                timezone=person.timezone or organisation.timezone,
                hour=person.reminder_hour
                if person.reminder_hour is not None
                else organisation.morning_hour,
                paused_until=person.paused_until,
                organisation_id=organisation.id,
                organisation_name=organisation.name,
            )
        return recipients

    async def coordinators(self, organisation_id: int) -> list[Person]:
        result = await self.session.execute(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.role == Role.COORDINATOR,
            )
            .order_by(Person.id)
        )
        return list(result.scalars())

    async def coordinator_recipients(
        self, organisation_id: int, *, excluding: int | None = None
    ) -> list[Recipient]:
        """The organisation's coordinators who can be written to (they have a chat)."""
        coordinators = await self.coordinators(organisation_id)
        reach = await self.recipients([c.id for c in coordinators if c.id != excluding])
        return [r for r in reach.values() if r.chat_id is not None]

    async def counts(self) -> dict[str, int]:
        result = await self.session.execute(
            select(Reminder.state, func.count(Reminder.id)).group_by(Reminder.state)
        )
        return {state: count for state, count in result.all()}

    async def for_person(self, person_id: int) -> list[Reminder]:
        result = await self.session.execute(
            select(Reminder).where(Reminder.person_id == person_id).order_by(Reminder.fire_at)
        )
        return list(result.scalars())

    async def get(self, reminder_id: int) -> Reminder | None:
        return await self.session.get(Reminder, reminder_id)

    async def responsible_names(self, measure_ids: Sequence[int]) -> dict[int, list[str]]:
        """Names for escalation lines: the persons and units a measure is assigned to."""
        from storage.models import Assignment, Unit

        names: dict[int, list[str]] = {measure_id: [] for measure_id in measure_ids}
        if not measure_ids:
            return names
        result = await self.session.execute(
            select(Assignment.measure_id, Person.full_name, Unit.name)
            .outerjoin(Person, Person.id == Assignment.person_id)
            .outerjoin(Unit, Unit.id == Assignment.unit_id)
            .where(Assignment.measure_id.in_(list(measure_ids)))
            .order_by(Assignment.id)
        )
        for measure_id, person_name, unit_name in result.all():
            names[measure_id].append(person_name or unit_name or "")
        return names

    async def mark_unreachable(self, person_id: int, *, now: datetime) -> None:
        person = await self.session.get(Person, person_id)
        if person is not None and person.unreachable_since is None:
            person.unreachable_since = now
            await self.session.flush()


def _claimed(
    reminder: Reminder, occurrence: Occurrence | None, measure: Measure | None
) -> ClaimedReminder:
    return ClaimedReminder(
        id=reminder.id,
        organisation_id=reminder.organisation_id,
        person_id=reminder.person_id,
        kind=reminder.kind,
        fire_at=reminder.fire_at,
        attempts=reminder.attempts,
        occurrence_id=reminder.occurrence_id,
        window_start=occurrence.window_start if occurrence else None,
        due_date=(occurrence.postponed_to or occurrence.due_date) if occurrence else None,
        occurrence_status=occurrence.status if occurrence else None,
        measure_id=measure.id if measure else None,
        measure_number=measure.number if measure else None,
        measure_title=measure.title if measure else None,
        document_type=measure.document_type if measure else None,
        deadline_unclear=bool(measure and measure.deadline_state),
    )
