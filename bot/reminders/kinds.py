"""The reminder outbox's `kind` column: one codec, written when planning, read when sending.

A stored kind is the planner's `ReminderKind` value ("due_in_7", "escalation"…), except:

* a check-in repeats monthly within one occurrence, so its kind carries the month
  ("checkin:2022-06"): the outbox's unique (occurrence, person, kind) keeps each month's row;
* a snooze is its own row, "snooze:2022-05-19" (the day it fires), and reads as "due
  tomorrow" when it is sent.

Pure: no database, no Telegram.
"""

from __future__ import annotations

from datetime import date

from bot.reminders.planner import ReminderKind

_SNOOZE = "snooze"


def encode(kind: ReminderKind, local_day: date) -> str:
    """The stored kind of a planned row firing on `local_day` (the recipient's date)."""
    if kind is ReminderKind.CHECKIN:
        return f"{kind.value}:{local_day:%Y-%m}"
    return kind.value


def snooze(until: date) -> str:
    """The stored kind of a snoozed reminder that fires on `until`."""
    return f"{_SNOOZE}:{until:%Y-%m-%d}"


def decode(stored: str) -> ReminderKind:
    """What a stored row is about, for coalescing and rendering. Raises ValueError on a kind
    no version of the codec wrote."""
    base = stored.split(":", 1)[0]
    if base == _SNOOZE:
        return ReminderKind.DUE_IN_1
    return ReminderKind(base)
