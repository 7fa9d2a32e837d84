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
    MORE = "m"  # the other actions on one measure of a morning message
    ALL = "a"  # every item of a morning message, with buttons, a page at a time
    CHECKINS = "c"  # report on several ongoing measures at once


class MorningPageCallback(CallbackData, prefix="mp"):
    """A page of "show all" of the morning message that `reminder_id` was delivered in."""

    reminder_id: int
    page: int


class CheckinPickCallback(CallbackData, prefix="cp"):
    """Toggle one ongoing measure in the check-in report being put together."""

    occurrence_id: int


class CheckinPageCallback(CallbackData, prefix="cpp"):
    """Another page of the ongoing measures to choose from."""

    page: int


class ReminderCallback(CallbackData, prefix="rem"):
    action: ReminderAction
    reminder_id: int


class ImportAction(StrEnum):
    CONFIRM = "ok"
    CANCEL = "no"
    PERIOD = "per"
    ACCEPT_PERIOD = "acc"  # the period proposed from the deadlines
    TITLE = "ttl"  # name a plan whose document states no title


class ImportCallback(CallbackData, prefix="imp"):
    action: ImportAction


class PageCallback(CallbackData, prefix="pg"):
    """ "Ещё" on a long answer: which stored answer and which page."""

    key: str
    page: int


class ExampleCallback(CallbackData, prefix="ex"):
    index: int


class ReportCallback(CallbackData, prefix="rep"):
    """Start a report on an occurrence (from any answer that lists measures)."""

    occurrence_id: int


class PeopleAction(StrEnum):
    INVITE_ALL = "all"
    LINK = "lnk"
    REVOKE = "rev"


class PeopleCallback(CallbackData, prefix="ppl"):
    action: PeopleAction
    person_id: int = 0


class MembersAction(StrEnum):
    ADD = "add"  # paste a list of member organisations
    LINKS = "lnk"  # fresh links for members' coordinators who have not joined


class MembersCallback(CallbackData, prefix="mem"):
    action: MembersAction


class UnitKindCallback(CallbackData, prefix="uk"):
    """The coordinator says what an unclassified unit is (a key of CHOOSABLE_KINDS)."""

    unit_id: int
    choice: str


class SettingsAction(StrEnum):
    HOUR = "h"
    LANGUAGE = "l"
    LEAVE = "lv"
    RESUME = "rs"
    MENU = "m"


class SettingsCallback(CallbackData, prefix="set"):
    action: SettingsAction
    value: str = ""


# --- reports -------------------------------------------------------------------------------


class ReportFlowAction(StrEnum):
    DONE = "d"
    PARTIAL = "p"
    POSTPONE = "l"
    NOT_DONE = "n"
    CANCEL = "x"
    PERIODS = "o"
    FINISH = "f"  # stop adding files to a stored report
    PICKED = "k"  # the ongoing measures of a check-in report are chosen: write it
    PICK_ALL = "a"  # choose every ongoing measure of the check-in at once


class ReportFlowCallback(CallbackData, prefix="rf"):
    """Buttons of the report being written; the draft itself is in the conversation state."""

    action: ReportFlowAction


class ReportDateCallback(CallbackData, prefix="rdt"):
    """A quick postponement date, as a proleptic ordinal (date.toordinal())."""

    ordinal: int


class ReportManageAction(StrEnum):
    WITHDRAW = "w"
    CORRECT = "c"
    ATTACH = "a"
    FILES = "f"


class ReportManageCallback(CallbackData, prefix="rm"):
    """A stored report's buttons: checked against its author/organisation on every press."""

    action: ReportManageAction
    report_id: int


class ReportFixCallback(CallbackData, prefix="rx"):
    """Correct a stored report's status (done or partly)."""

    report_id: int
    status: str


class MeasureReportsCallback(CallbackData, prefix="mrp"):
    """Every report on a measure (coordinators)."""

    measure_id: int


class ReopenCallback(CallbackData, prefix="rro"):
    """A coordinator reopens a closed occurrence."""

    occurrence_id: int


class AskPeriodCallback(CallbackData, prefix="qp"):
    """The "show <month>" button under an empty answer: the stored question, for that period.

    The period travels as date ordinals so that the button works without recomputing it;
    `key` names the stored question (as in PageCallback).
    """

    key: str
    start: int
    end: int


class SummaryCallback(CallbackData, prefix="sum"):
    """Drill into a summary: kind "p" (person id), "s" (section key) or "o" (member
    organisation id), and the period."""

    kind: str
    key: str
    start: str = ""
    end: str = ""


class ExportCallback(CallbackData, prefix="exp"):
    fmt: str
    start: str = ""
    end: str = ""


class OrgSettingsCallback(CallbackData, prefix="org"):
    """Organisation settings: "h" hour, "c" closing rule."""

    action: str
    value: str = ""


class EditCallback(CallbackData, prefix="ed"):
    """Fix a measure (coordinators): `field` is "d" deadline, "r" responsible, "t" title,
    or "" to show the measure with those three buttons."""

    measure_id: int
    field: str = ""
