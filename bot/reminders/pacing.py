"""Pacing sends under Telegram's limits: about 30 messages a second per bot, one a second
per chat, and a 429's `retry_after` honoured by every sender.

- `MemoryPacer`: one process's budget (the default, without `REDIS_URL`).
- `RedisPacer`: one budget shared by every process of the bot through Redis. A Lua script
  reserves the next free slot of the bot and of the chat atomically (Redis's own clock, so
  the processes' clocks do not matter); a 429 stores a pause that every process reads
  before it sends.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis


class Pacer(Protocol):
    async def acquire(self, chat_id: int) -> None:
        """Wait until a message to this chat may be sent, and take that slot."""

    async def pause(self, seconds: float) -> None:
        """Telegram answered 429: nobody sends for this long."""


class MemoryPacer:
    """About `per_second` sends a second overall and one a second per chat, in one process.

    A RetryAfter from Telegram pauses every sender, because the limit is the bot's.
    """

    def __init__(self, per_second: float = 29.0, per_chat_interval: float = 1.0) -> None:
        self.interval = 1.0 / per_second
        self.per_chat_interval = per_chat_interval
        self._next_slot = 0.0
        self._chat_next: dict[int, float] = {}
        self._lock = asyncio.Lock()
        self._paused_until = 0.0

    async def acquire(self, chat_id: int) -> None:
        while True:
            async with self._lock:
                now = time.monotonic()
                ready = max(self._next_slot, self._chat_next.get(chat_id, 0.0), self._paused_until)
                if ready <= now:
                    self._next_slot = max(now, self._next_slot) + self.interval
                    self._chat_next[chat_id] = now + self.per_chat_interval
                    return
            await asyncio.sleep(ready - now)

    async def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)


# Times are microseconds of Redis's clock, written with %.0f (Lua's default number format
# would round them). Returns {reserved, wait}: with reserved = 1 the caller owns the slot
# `wait` microseconds from now; with 0 the chat (or a 429 pause) is not ready before then.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local next_slot = tonumber(redis.call('GET', KEYS[1]) or '0')
local chat_next = tonumber(redis.call('GET', KEYS[2]) or '0')
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused > now then
  return {0, paused - now}
end
local slot = math.max(now, next_slot)
if chat_next > slot then
  return {0, chat_next - now}
end
local interval = tonumber(ARGV[1])
local per_chat = tonumber(ARGV[2])
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', 60000)
redis.call('SET', KEYS[2], string.format('%.0f', slot + per_chat),
           'PX', math.floor(per_chat / 1000) + 1000)
return {1, slot - now}
"""

# Extends the pause to now + ARGV[1] microseconds (never shortens it); returns nothing.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_ = now + tonumber(ARGV[1])
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > paused then
  redis.call('SET', KEYS[1], string.format('%.0f', until_),
             'PX', math.floor(tonumber(ARGV[1]) / 1000) + 1000)
end
return 0
"""

# Microseconds a 429 pause still has to run (0 when none).
_PAUSED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if paused > now then
  return paused - now
end
return 0
"""


class RedisPacer:
    """`per_second` sends a second for all the bot's processes together, one a second per
    chat, and a 429 pause that all of them honour. `namespace` separates bots sharing one
    Redis (the bot's id)."""

    def __init__(
        self,
        redis: Redis,
        namespace: str,
        per_second: float = 29.0,
        per_chat_interval: float = 1.0,
    ) -> None:
        self.redis = redis
        self.interval_us = round(1_000_000 / per_second)
        self.per_chat_us = round(per_chat_interval * 1_000_000)
        self.prefix = f"roadmap:{namespace}:pacer"
        self._reserve = redis.register_script(_RESERVE)
        self._pause = redis.register_script(_PAUSE)
        self._paused = redis.register_script(_PAUSED)

    async def acquire(self, chat_id: int) -> None:
        keys = [f"{self.prefix}:next", f"{self.prefix}:chat:{chat_id}", f"{self.prefix}:pause"]
        while True:
            reserved, wait_us = await self._reserve(
                keys=keys, args=[self.interval_us, self.per_chat_us]
            )
            if wait_us > 0:
                await asyncio.sleep(int(wait_us) / 1_000_000)
            if not reserved:
                continue
            # A 429 answered to anyone while this slot was waiting: the slot is void.
            if wait_us > 0 and int(await self._paused(keys=[keys[2]])) > 0:
                continue
            return

    async def pause(self, seconds: float) -> None:
        await self._pause(keys=[f"{self.prefix}:pause"], args=[round(seconds * 1_000_000)])
