"""The report flow's conversation states, and the filters built from them."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup


class ReportStates(StatesGroup):
    collecting = State()  # text and files of a new report; the draft is in the state data
    reason = State()  # "not done": waiting for the reason
    postpone = State()  # "postpone": waiting for the new date
    attaching = State()  # files for a report already stored (after "✅ done")
    correcting = State()  # the corrected text of a stored report
    picking = State()  # choosing the ongoing measures a check-in report is about


REPORT_STATES = (
    ReportStates.collecting,
    ReportStates.reason,
    ReportStates.postpone,
    ReportStates.attaching,
    ReportStates.correcting,
    ReportStates.picking,
)
# A new report being written (not yet stored): what naming a measure or a file adds to.
DRAFT_STATES = (ReportStates.collecting, ReportStates.reason, ReportStates.postpone)
IDLE_OR_REPORT = StateFilter(None, *REPORT_STATES)
FILE_MESSAGE = F.document | F.photo | F.voice | F.video_note | F.video | F.audio
# Text that is not a command.
PLAIN_TEXT = F.text & ~F.text.startswith("/")


def is_drafting(state: str | None) -> bool:
    return state in {s.state for s in DRAFT_STATES}
