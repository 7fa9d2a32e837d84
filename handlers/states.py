"""Conversation states of the multi-step flows, one group per flow."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup

# --- reports -------------------------------------------------------------------------------


class ReportStates(StatesGroup):
    collecting = State()  # text and files of a new report; the draft is in the state data
    reason = State()  # "not done": waiting for the reason
    postpone = State()  # "postpone": waiting for the new date
    attaching = State()  # files for a report already stored (after "✅ done")
    correcting = State()  # the corrected text of a stored report


# --- roadmap import ------------------------------------------------------------------------


class ImportForm(StatesGroup):
    waiting_file = State()  # after /import: a file or pasted text is the roadmap
    preview = State()  # a parsed import waits for confirm/cancel/period (see bot.import_flow)
    period = State()  # waiting for the plan period ("2022-2024")
    title = State()  # waiting for the plan's title (the document states none)
