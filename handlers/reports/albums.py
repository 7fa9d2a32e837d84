"""Updates that arrive together: per-chat locks, and albums gathered into one batch.

The items of one album arrive as separate updates within a fraction of a second and are
handled concurrently; a lock per (chat, person) keeps the draft in the conversation state
consistent, and an album is collected for a moment and handled as one batch. Both belong
to one dispatcher (the tests build many), so the report router creates its own.
"""

from __future__ import annotations

import asyncio

from aiogram.types import Message

# Album items arrive as separate updates within a fraction of a second.
ALBUM_WAIT = 1.0


class ChatLocks:
    def __init__(self) -> None:
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}

    def __call__(self, chat_id: int, user_id: int) -> asyncio.Lock:
        return self._locks.setdefault((chat_id, user_id), asyncio.Lock())


class Albums:
    def __init__(self, wait: float = ALBUM_WAIT) -> None:
        self.wait = wait
        self._items: dict[tuple[int, str], list[Message]] = {}

    async def collect(self, message: Message) -> list[Message] | None:
        """The whole album, in order, to the call for its last item; None to the others."""
        assert message.media_group_id is not None
        key = (message.chat.id, message.media_group_id)
        items = self._items.setdefault(key, [])
        items.append(message)
        seen = len(items)
        await asyncio.sleep(self.wait)
        if len(self._items.get(key, [])) != seen:
            return None  # a later item of the album handles the whole album
        return sorted(self._items.pop(key), key=lambda m: m.message_id)
