"""Updates that arrive together: per-chat locks, and albums gathered into one batch.

The items of one album arrive as separate updates within a fraction of a second and are
handled concurrently; a lock per (chat, person) keeps the draft in the conversation state
consistent, and an album is collected for a moment and handled as one batch. Both belong
to one dispatcher (the tests build many), so the report router creates its own.

With `REDIS_URL` the processes behind one bot share them: the lock is a Redis lock and the
album's items are gathered in a Redis list, so an album whose items land on different
processes is still handled once, whole (album items skip aiogram's event isolation for
this: see `bot.app`).
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from typing import Any

from aiogram.types import Message

from bot.shared import Shared

# Album items arrive as separate updates within a fraction of a second.
ALBUM_WAIT = 1.0
# A Redis lock held longer than this (a process died holding it) is given up.
LOCK_TIMEOUT = 120


class ChatLocks:
    def __init__(self) -> None:
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}

    def __call__(self, chat_id: int, user_id: int) -> AbstractAsyncContextManager[Any]:
        return self._locks.setdefault((chat_id, user_id), asyncio.Lock())


class RedisChatLocks(ChatLocks):
    def __init__(self, shared: Shared) -> None:
        super().__init__()
        self.shared = shared

    def __call__(self, chat_id: int, user_id: int) -> AbstractAsyncContextManager[Any]:
        return self.shared.redis.lock(
            self.shared.key("chat-lock", chat_id, user_id), timeout=LOCK_TIMEOUT
        )


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


# The album's items if no item came after the caller's (the list is as long as it was),
# taken out of Redis at once so that exactly one caller gets them.
_TAKE_ALBUM = """
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) then
  return nil
end
local items = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
return items
"""


class RedisAlbums(Albums):
    def __init__(self, shared: Shared, wait: float = ALBUM_WAIT) -> None:
        super().__init__(wait)
        self.shared = shared
        self._take = shared.redis.register_script(_TAKE_ALBUM)

    async def collect(self, message: Message) -> list[Message] | None:
        assert message.media_group_id is not None
        key = self.shared.key("album", message.chat.id, message.media_group_id)
        async with self.shared.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, message.model_dump_json(exclude_none=True))
            pipe.expire(key, 60)
            seen, _ = await pipe.execute()
        await asyncio.sleep(self.wait)
        items = await self._take(keys=[key], args=[seen])
        if items is None:
            return None  # a later item of the album, maybe in another process, has it
        album = [Message.model_validate_json(item).as_(message.bot) for item in items]
        return sorted(album, key=lambda m: m.message_id)
