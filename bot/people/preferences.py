"""A person's own settings: the hour of reminders, the language, leave."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import Enum

from bot.errors import UserError
from bot.reminders.outbox import replan_person
from storage.models import Person
from storage.uow import UnitOfWork


class Unchanged(Enum):
    """The default of a setting a call does not change (None means "no leave")."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED
MAX_LEAVE = timedelta(days=366)


async def update_preferences(
    uow: UnitOfWork,
    person: Person,
    *,
    now: datetime,
    hour: int | None = None,
    language: str | None = None,
    paused_until: date | Unchanged | None = UNCHANGED,
) -> None:
    """Change hour, language or leave; reminders are re-planned to match. Commits."""
    if hour is not None:
        if not 0 <= hour <= 23:
            raise UserError("The hour must be between 0 and 23.")
        person.reminder_hour = hour
    if language is not None:
        person.language = language
    if not isinstance(paused_until, Unchanged):
        if paused_until is not None and paused_until > now.date() + MAX_LEAVE:
            # Leave until 31.12.9999 is a typo, and a date that far overflows the calendar.
            raise UserError(
                "Leave can last at most {days} days: write an earlier last day.",
                days=MAX_LEAVE.days,
            )
        person.paused_until = paused_until
    await uow.audit.record(
        action="person.preferences",
        now=now,
        person_id=person.id,
        object_type="person",
        object_id=person.id,
        data={
            "hour": hour,
            "language": language,
            "paused_until": None if paused_until is UNCHANGED else str(paused_until),
        },
    )
    await replan_person(uow, person.id, now=now)
    await uow.commit()
