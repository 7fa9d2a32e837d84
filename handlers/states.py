"""Conversation states of the roadmap import (the report flow's are in handlers.reports)."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class ImportForm(StatesGroup):
    waiting_file = State()  # after /import: a file or pasted text is the roadmap
    preview = State()  # a parsed import waits for confirm/cancel/period (see bot.import_flow)
    period = State()  # waiting for the plan period ("2022-2024")
    title = State()  # waiting for the plan's title (the document states none)
    check_value = State()  # waiting for the right text of a cell read from a scan with doubt


class MembersForm(StatesGroup):
    waiting_list = State()  # after /schools: a pasted list or a file of member organisations


class EditForm(StatesGroup):
    value = State()  # waiting for a measure's new deadline phrase, responsible or title
