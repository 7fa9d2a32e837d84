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
handler checks (a third of a question's own time in Python). `PlainQuestionLane`, an
update middleware set up after the identity's (`bot.app.build_app`), takes exactly those
messages to the same handler, in the asker's language (the language middleware is called
as the tree would call it), past the router tree: aiogram's propagation through the
dispatcher, the private chats' parent and a router of its own was another 0.2 ms of a
question's 3–4. Everything else goes on down the tree as before, and a failure of the
handler reaches the error router as any other (aiogram's errors middleware wraps every
update middleware). A router that comes to take such messages must be named here, and
this filter narrowed (`tests/unit/test_shortcuts.py` lists what the tree's message
handlers filter on, and fails when that changes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.types import Message, TelegramObject, Update

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


_PLAIN = PlainQuestion()

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class PlainQuestionLane(BaseMiddleware):
    """A plain question in a private chat straight to `questions.on_question` (see the
    module's docstring); `languages` is the language middleware the tree runs."""

    def __init__(self, languages: BaseMiddleware) -> None:
        self.languages = languages

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        message = event.message if isinstance(event, Update) else None
        if (
            message is None
            or message.chat.type != ChatType.PRIVATE
            or not await _PLAIN(message, data.get("identity"), data.get("raw_state"))
        ):
            return await handler(event, data)
        return await self.languages(_answer_question, message, data)


async def _answer_question(message: TelegramObject, data: dict[str, Any]) -> Any:
    assert isinstance(message, Message)
    return await questions.on_question(
        message, data["identity"], data["services"], data["state"], data["bot"]
    )
