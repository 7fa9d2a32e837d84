"""The commonest message, a plain question, handled without trying every router first.

A text message of a known member who is not a coordinator, in no conversation state,
neither a command nor a reply nor a report entry ("отчёт 1.1.2", "сделал 1.1.2"), meets
no handler before `handlers.questions.on_question` in `handlers.get_routers`' order:

* start, admin, people, members, org_settings, settings_menu, measure_edit: commands,
  coordinators, or a conversation state;
* stranger: strangers only; roadmap_import: commands, files, or a coordinator's states;
  reminders: buttons only;
* reports: states, commands, files, albums, replies, and a typed entry (which it hands
  on, as `SkipHandler`, when the text is a question rather than an entry);
* coordinator: coordinators only.

Routed through the whole tree, such a message passed fourteen routers and about fifty
handler checks (a third of a question's own time in Python). This router, first in the
private chats' parent, takes exactly those messages to the same handler; everything else
goes on down the tree as before. A router that comes to take such messages must be
named here, and this filter narrowed (`tests/unit/test_shortcuts.py` lists what the
tree's message handlers filter on, and fails when that changes).
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import Message

from bot.reports.draft import asks_to_report
from bot.services import Identity
from handlers import questions


class PlainQuestion(Filter):
    """A known member's text, in no conversation state, neither a command, a reply nor a
    report entry; coordinators go the long way (their words may ask for a summary or about
    a member school: handlers.coordinator).

    One filter in plain Python rather than four (`F.text`, `~F.reply_to_message`,
    `StateFilter(None)` and this): a plain question is what most updates are, and each
    filter aiogram calls costs it tens of microseconds."""

    async def __call__(
        self, message: Message, identity: Identity | None = None, raw_state: str | None = None
    ) -> Any:
        text = message.text
        if not text or text.startswith("/") or message.reply_to_message is not None:
            return False
        if raw_state is not None:
            return False
        if identity is None or not (identity.is_known or identity.is_admin):
            return False
        if identity.is_coordinator:
            return False
        return not asks_to_report(text)


def create_router() -> Router:
    router = Router(name=__name__)
    # The same messages as PLAIN_TEXT, ~F.reply_to_message and StateFilter(None) would let
    # through (tests/unit/test_shortcuts.py), then PlainQuestion's own checks.
    router.message.register(questions.on_question, PlainQuestion())
    return router
