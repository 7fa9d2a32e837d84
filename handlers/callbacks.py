"""Callback-data factories: short prefixes, ids and enums only (Telegram's 64-byte limit).

Buttons in proactive messages (reminders, digests) carry self-contained data and are
checked against the database and the presser's identity on every press: callback data
is user-controlled, and conversation state may be gone after a restart.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class ReminderAction(StrEnum):
    DONE = "d"
    REPORT = "r"
    SNOOZE = "s"
    NOT_MINE = "n"


class ReminderCallback(CallbackData, prefix="rem"):
    action: ReminderAction
    reminder_id: int


class ImportAction(StrEnum):
    CONFIRM = "ok"
    CANCEL = "no"
    PERIOD = "per"


class ImportCallback(CallbackData, prefix="imp"):
    action: ImportAction


class PageCallback(CallbackData, prefix="pg"):
    """"Ещё" on a long answer: which stored answer and which page."""

    key: str
    page: int


class ExampleCallback(CallbackData, prefix="ex"):
    index: int


class ReportCallback(CallbackData, prefix="rep"):
    """Start a report on an occurrence (from any answer that lists measures)."""

    occurrence_id: int
