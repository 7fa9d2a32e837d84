"""Callback-data factories: short prefixes, ids and enums only (Telegram's 64-byte limit).

Buttons in proactive messages (reminders, digests) carry self-contained data and are
checked against the database and the presser's identity on every press: callback data
is user-controlled, and conversation state may be gone after a restart.

Every field is typed as narrowly as the buttons the bot makes: ids within the database's
integer range, pages and dates within sane bounds, codes from their closed sets. So a
forged or stale value (`rep:99999999999`, `set:h:abc`, `org:c:zzz`) fails to unpack, and
`handlers.middlewares.callbacks.RefuseUnknownButtons` answers it as out of date before
any handler (or the database) sees it. `FACTORIES` lists every factory; no other module
defines one (a unit test checks).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from aiogram.filters.callback_data import MAX_CALLBACK_LENGTH, CallbackData
from pydantic import Field, model_validator

from bot.i18n import SUPPORTED_LOCALES
from bot.people import CHOOSABLE_KINDS

# The primary keys are PostgreSQL `integer`s: a larger id would fail in the database.
DB_INT_MAX = 2**31 - 1
DbId = Annotated[int, Field(ge=0, le=DB_INT_MAX)]  # 0 is no row: found nowhere, harmless
PAGE_MAX = 10_000
Page = Annotated[int, Field(ge=0, le=PAGE_MAX)]
# Dates on buttons (postponements, periods) lie within the plans' years.
FIRST_ORDINAL = date(2000, 1, 1).toordinal()
LAST_ORDINAL = date(2100, 12, 31).toordinal()
DateOrdinal = Annotated[int, Field(ge=FIRST_ORDINAL, le=LAST_ORDINAL)]
Key = Annotated[str, Field(min_length=1)]


def _number_in(value: str, low: int, high: int) -> bool:
    return value.isascii() and value.isdigit() and low <= int(value) <= high


def _iso_date_or_empty(value: str) -> bool:
    if not value:
        return True
    try:
        return FIRST_ORDINAL <= date.fromisoformat(value).toordinal() <= LAST_ORDINAL
    except ValueError:
        return False


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

    reminder_id: DbId
    page: Page


class CheckinPickCallback(CallbackData, prefix="cp"):
    """Toggle one ongoing measure in the check-in report being put together."""

    occurrence_id: DbId


class CheckinPageCallback(CallbackData, prefix="cpp"):
    """Another page of the ongoing measures to choose from."""

    page: Page


class ReminderCallback(CallbackData, prefix="rem"):
    action: ReminderAction
    reminder_id: DbId


class ImportAction(StrEnum):
    CONFIRM = "ok"
    CANCEL = "no"
    PERIOD = "per"
    ACCEPT_PERIOD = "acc"  # the period proposed from the deadlines
    TITLE = "ttl"  # name a plan whose document states no title


class ImportCallback(CallbackData, prefix="imp"):
    action: ImportAction


class CheckAction(StrEnum):
    START = "go"  # walk through the cells a scan was read with doubt in
    RIGHT = "ok"  # the cell shown is right as read
    FIX = "fix"  # correct it with a short reply
    CELL = "cell"  # back from the correction to the cell
    SKIP_REST = "skip"  # leave the rest as read
    BACK = "back"  # back to the preview


class CheckCallback(CallbackData, prefix="chk"):
    """Buttons of the walk through doubtful cells; the cell itself is in the conversation
    state (bot.import_flow.PendingImport.checking), checked against the pressed message."""

    action: CheckAction


class PageCallback(CallbackData, prefix="pg"):
    """ "Ещё" on a long answer: which stored answer and which page."""

    key: Key
    page: Page


class ExampleCallback(CallbackData, prefix="ex"):
    index: Page


class ReportCallback(CallbackData, prefix="rep"):
    """Start a report on an occurrence (from any answer that lists measures)."""

    occurrence_id: DbId


class PeopleAction(StrEnum):
    INVITE_ALL = "all"
    LINK = "lnk"
    REVOKE = "rev"


class PeopleCallback(CallbackData, prefix="ppl"):
    action: PeopleAction
    person_id: DbId = 0  # 0: none (INVITE_ALL)


class MembersAction(StrEnum):
    ADD = "add"  # paste a list of member organisations
    LINKS = "lnk"  # fresh links for members' coordinators who have not joined


class MembersCallback(CallbackData, prefix="mem"):
    action: MembersAction


class UnitKindCallback(CallbackData, prefix="uk"):
    """The coordinator says what an unclassified unit is (a key of CHOOSABLE_KINDS)."""

    unit_id: DbId
    choice: str

    @model_validator(mode="after")
    def _known_choice(self) -> Self:
        if self.choice not in CHOOSABLE_KINDS:
            raise ValueError("unknown unit kind")
        return self


class SettingsAction(StrEnum):
    HOUR = "h"
    LANGUAGE = "l"
    LEAVE = "lv"
    RESUME = "rs"
    MENU = "m"


class SettingsCallback(CallbackData, prefix="set"):
    action: SettingsAction
    value: str = ""

    @model_validator(mode="after")
    def _value_fits_action(self) -> Self:
        valid = {
            SettingsAction.HOUR: _number_in(self.value, 0, 23),
            SettingsAction.LANGUAGE: self.value in SUPPORTED_LOCALES,
            SettingsAction.LEAVE: _number_in(self.value, 1, 366),
        }.get(self.action, self.value == "")
        if not valid:
            raise ValueError(f"no such setting: {self.action}:{self.value}")
        return self


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

    ordinal: DateOrdinal


class ReportManageAction(StrEnum):
    WITHDRAW = "w"
    CORRECT = "c"
    ATTACH = "a"
    FILES = "f"


class ReportManageCallback(CallbackData, prefix="rm"):
    """A stored report's buttons: checked against its author/organisation on every press."""

    action: ReportManageAction
    report_id: DbId


class ReportFixCallback(CallbackData, prefix="rx"):
    """Correct a stored report's status (done or partly)."""

    report_id: DbId
    status: str

    @model_validator(mode="after")
    def _correctable_status(self) -> Self:
        if self.status not in ("done", "partial"):  # bot.reports.service.ReportStatus
            raise ValueError(f"not a correctable status: {self.status}")
        return self


class MeasureReportsCallback(CallbackData, prefix="mrp"):
    """Every report on a measure (coordinators)."""

    measure_id: DbId


class ReopenCallback(CallbackData, prefix="rro"):
    """A coordinator reopens a closed occurrence."""

    occurrence_id: DbId


class AskPeriodCallback(CallbackData, prefix="qp"):
    """The "show <month>" button under an empty answer: the stored question, for that period.

    The period travels as date ordinals so that the button works without recomputing it;
    `key` names the stored question (as in PageCallback).
    """

    key: Key
    start: DateOrdinal
    end: DateOrdinal


class SummaryKind(StrEnum):
    PERSON = "p"
    SECTION = "s"
    ORGANISATION = "o"


class SummaryCallback(CallbackData, prefix="sum"):
    """Drill into a summary: kind "p" (person id), "s" (section key) or "o" (member
    organisation id), and the period."""

    kind: SummaryKind
    key: Key
    start: str = ""
    end: str = ""

    @model_validator(mode="after")
    def _valid_key_and_period(self) -> Self:
        if self.kind is SummaryKind.PERSON and not _number_in(self.key, 0, DB_INT_MAX):
            raise ValueError(f"not a person id: {self.key}")
        if self.kind is SummaryKind.ORGANISATION and not _number_in(self.key, 0, DB_INT_MAX):
            raise ValueError(f"not an organisation id: {self.key}")
        if not (_iso_date_or_empty(self.start) and _iso_date_or_empty(self.end)):
            raise ValueError("not a period")
        return self


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    DOCX = "docx"


class ExportCallback(CallbackData, prefix="exp"):
    fmt: ExportFormat
    start: str = ""
    end: str = ""

    @model_validator(mode="after")
    def _valid_period(self) -> Self:
        if not (_iso_date_or_empty(self.start) and _iso_date_or_empty(self.end)):
            raise ValueError("not a period")
        return self


class ShareExportCallback(CallbackData, prefix="exs"):
    """The execution report of the caller's share of a parent's plan (a school's part of
    the municipal plan): the plan's id, checked against the caller's shares on press."""

    fmt: ExportFormat
    plan: DbId
    start: str = ""
    end: str = ""

    @model_validator(mode="after")
    def _valid_period(self) -> Self:
        if not (_iso_date_or_empty(self.start) and _iso_date_or_empty(self.end)):
            raise ValueError("not a period")
        return self


class OrgSettingsAction(StrEnum):
    HOUR = "h"  # the morning hour
    CLOSING = "c"  # whether one report closes a measure for everyone responsible


class OrgSettingsCallback(CallbackData, prefix="org"):
    """Organisation settings: "h" hour (0–23), "c" closing rule ("1" one report closes
    for all, "0" each reports separately). Anything else does not unpack."""

    action: OrgSettingsAction
    value: str

    @model_validator(mode="after")
    def _value_fits_action(self) -> Self:
        valid = (
            _number_in(self.value, 0, 23)
            if self.action is OrgSettingsAction.HOUR
            else self.value in ("0", "1")
        )
        if not valid:
            raise ValueError(f"no such organisation setting: {self.action}:{self.value}")
        return self


class EditCallback(CallbackData, prefix="ed"):
    """Fix a measure (coordinators): `field` is "d" deadline, "r" responsible, "t" title,
    or "" to show the measure with those three buttons."""

    measure_id: DbId
    field: str = ""

    @model_validator(mode="after")
    def _known_field(self) -> Self:
        if self.field not in ("", "d", "r", "t"):  # handlers.measure_edit._CODES
            raise ValueError(f"no such field: {self.field}")
        return self


FACTORIES: tuple[type[CallbackData], ...] = tuple(
    factory
    for factory in list(globals().values())
    if isinstance(factory, type)
    and issubclass(factory, CallbackData)
    and factory is not CallbackData
)


# --- packed without the model ----------------------------------------------------------------
# An answer page carries up to ten report buttons and "more": packing them through pydantic
# was the larger part of building its keyboard. These give the same string for what the
# model accepts and hand anything else to the model, which refuses it as it always did.


def report_data(occurrence_id: int) -> str:
    """`ReportCallback(occurrence_id=...).pack()`."""
    if type(occurrence_id) is int and 0 <= occurrence_id <= DB_INT_MAX:
        return f"{ReportCallback.__prefix__}{ReportCallback.__separator__}{occurrence_id}"
    return ReportCallback(occurrence_id=occurrence_id).pack()


def page_data(key: str, page: int) -> str:
    """`PageCallback(key=..., page=...).pack()`."""
    sep = PageCallback.__separator__
    if type(key) is str and key and sep not in key and type(page) is int and 0 <= page <= PAGE_MAX:
        data = f"{PageCallback.__prefix__}{sep}{key}{sep}{page}"
        if len(data.encode()) <= MAX_CALLBACK_LENGTH:
            return data
    return PageCallback(key=key, page=page).pack()
