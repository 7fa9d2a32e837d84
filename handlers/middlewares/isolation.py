"""aiogram's FSM middleware, with album items let through without event isolation.

With Redis, aiogram's event isolation runs one update of a (chat, user) at a time across
all processes, so that a conversation whose messages land on different processes reads
and writes its state in order. The items of an album must not wait for each other: they
are gathered for a moment (`handlers.reports.albums`) and handled as one batch, under the
report flow's own per-chat lock, which all the flow's handlers take.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from aiogram import Bot
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.types import TelegramObject, Update


class AlbumsBypassIsolation(FSMContextMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        message = event.message if isinstance(event, Update) else None
        if message is None or message.media_group_id is None:
            return await super().__call__(handler, event, data)
        context = self.resolve_event_context(cast(Bot, data["bot"]), data)
        data["fsm_storage"] = self.storage
        if context:
            data.update({"state": context, "raw_state": await context.get_state()})
        return await handler(event, data)
