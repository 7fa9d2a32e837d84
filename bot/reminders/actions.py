"""What a person can do from a reminder's buttons besides reporting: snooze, "not mine".

Every press is checked against the stored reminder and the presser: buttons carry only
the reminder id, and callback data can be forged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.errors import NotFound
from bot.reminders import kinds
from bot.reminders.planner import DigestLine, DueReminder, coalesce_due, reschedule_for_snooze
from bot.services import Identity
from storage.models import Reminder
from storage.uow import UnitOfWork

SNOOZE_DAYS = 3


async def own_reminder(uow: UnitOfWork, identity: Identity, reminder_id: int) -> Reminder:
    reminder = await uow.reminders.get(reminder_id)
    if reminder is None or identity.person is None or reminder.person_id != identity.person.id:
        raise NotFound("This reminder is not yours.")
    if reminder.occurrence_id is None:
        raise NotFound("This reminder is not yours.")
    return reminder


async def snooze(
    uow: UnitOfWork, identity: Identity, reminder_id: int, *, now: datetime
) -> datetime:
    """Remind again in three days (the working morning on or after). Commits."""
    reminder = await own_reminder(uow, identity, reminder_id)
    recipient = (await uow.reminders.recipients([reminder.person_id]))[reminder.person_id]
    moment = reschedule_for_snooze(
        now,
        SNOOZE_DAYS,
        tz=recipient.timezone,
        hour=recipient.hour,
        paused_until=recipient.paused_until,
    )
    assert reminder.occurrence_id is not None
    found = await uow.reports.occurrence(reminder.occurrence_id)
    assert found is not None
    # Quiet until then: the rows that would fire before the snooze ends are dropped, and
    # the hold keeps the days not planned yet quiet too.
    await uow.reminders.delete_pending_before(
        occurrence_id=reminder.occurrence_id, person_id=reminder.person_id, before=moment
    )
    await uow.reminders.add_hold(
        person_id=reminder.person_id,
        measure_id=found[1].id,
        occurrence_id=reminder.occurrence_id,
        until=moment,
        reason="snooze",
        created_at=now,
    )
    await uow.reminders.insert_planned(
        [
            {
                "organisation_id": reminder.organisation_id,
                "occurrence_id": reminder.occurrence_id,
                "person_id": reminder.person_id,
                "kind": kinds.snooze(moment.date()),
                "fire_at": moment,
            }
        ]
    )
    await uow.audit.record(
        action="reminder.snoozed",
        now=now,
        organisation_id=reminder.organisation_id,
        person_id=reminder.person_id,
        object_type="reminder",
        object_id=reminder.id,
        data={"until": moment.isoformat()},
    )
    await uow.commit()
    return moment


@dataclass
class Disputed:
    measure_number: str | None
    measure_title: str
    person_name: str
    coordinator_chats: list[tuple[int, str | None]]  # chat id, language


async def not_mine(
    uow: UnitOfWork, identity: Identity, reminder_id: int, *, now: datetime
) -> Disputed:
    """Stop reminding this person of this measure and tell the coordinators. Commits."""
    reminder = await own_reminder(uow, identity, reminder_id)
    assert reminder.occurrence_id is not None and identity.person is not None
    found = await uow.reports.occurrence(reminder.occurrence_id)
    assert found is not None
    _occurrence, measure, _roadmap = found
    occurrences = await uow.reports.occurrences_of_measures(
        [measure.id], _occurrence.organisation_id
    )
    for occurrence in occurrences:
        await uow.reminders.cancel_for_occurrence(
            occurrence.id, person_id=reminder.person_id, reason="not mine"
        )
    # Days not planned yet must stay quiet too.
    await uow.reminders.add_hold(
        person_id=reminder.person_id,
        measure_id=measure.id,
        occurrence_id=None,
        until=None,
        reason="not_mine",
        created_at=now,
    )
    await uow.audit.record(
        action="assignment.disputed",
        now=now,
        organisation_id=reminder.organisation_id,
        person_id=reminder.person_id,
        object_type="measure",
        object_id=measure.id,
    )
    reach = await uow.reminders.coordinator_recipients(
        reminder.organisation_id, excluding=reminder.person_id
    )
    await uow.commit()
    return Disputed(
        measure_number=measure.number,
        measure_title=measure.title,
        person_name=identity.person.full_name,
        coordinator_chats=[(r.chat_id, r.language) for r in reach if r.chat_id is not None],
    )


@dataclass(frozen=True)
class MorningItem:
    """One item of a delivered morning message, as it stands today."""

    reminder_id: int  # the row its buttons act on
    occurrence_id: int
    number: str | None
    title: str
    line: DigestLine


async def morning_items(
    uow: UnitOfWork, identity: Identity, reminder_id: int, *, now: datetime
) -> list[MorningItem]:
    """Every item still to do of the morning message that carried the person's reminder
    (the "show all" list, and the check-ins to report on at once), in urgency order."""
    reminder = await own_reminder(uow, identity, reminder_id)
    if reminder.telegram_message_id is None:
        raise NotFound("This reminder is not yours.")
    rows = await uow.reminders.delivered_with(reminder.person_id, reminder.telegram_message_id)
    live = [r for r in rows if r.occurrence_status in ("open", "postponed", "partial")]
    today = identity.today(now)
    due = [
        DueReminder(
            reminder_id=r.id,
            occurrence_key=r.occurrence_id,
            kind=kinds.decode(r.kind),
            due_date=r.due_date or today,
            window_start=r.window_start or today,
        )
        for r in live
        if r.occurrence_id is not None
    ]
    by_id = {r.id: r for r in live}
    items = []
    for line in coalesce_due(due, today_local=today):
        row = by_id[max(line.reminder_ids)]
        assert row.occurrence_id is not None
        items.append(
            MorningItem(
                reminder_id=row.id,
                occurrence_id=row.occurrence_id,
                number=row.measure_number,
                title=row.measure_title or "",
                line=line,
            )
        )
    return items
