"""Pacing sends under Telegram's limits: about 30 messages a second per bot, one a second
per chat, and a 429's `retry_after` honoured by every sender.

- `MemoryPacer`: one process's budget (the default, without `REDIS_URL`).
- `RedisPacer`: one budget shared by every process of the bot through Redis. A Lua script
  takes the bot's slot and the chat's atomically when both have come (Redis's own clock,
  so the processes' clocks do not matter); a 429 stores a pause that the script makes
  every process wait out.
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
# would round them). Returns {outcome, wait}: 1 = the slot is the caller's, now; 0 = the
# bot's next slot (or the end of a 429 pause) is `wait` microseconds away; 2 = the chat's
# is. A slot is only ever taken at its moment, never reserved ahead, so a process that
# stalls cannot send a burst of old reservations when it wakes; a sender up to one
# interval late keeps the cadence (the next slot counts from the planned moment).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused > now then
  return {0, paused - now}
end
local next_slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if next_slot > now then
  return {0, next_slot - now}
end
local chat_next = tonumber(redis.call('GET', KEYS[2]) or '0')
if chat_next > now then
  return {2, chat_next - now}
end
local interval = tonumber(ARGV[1])
local per_chat = tonumber(ARGV[2])
local following = now + interval
if now - next_slot < interval then
  following = next_slot + interval
end
redis.call('SET', KEYS[1], string.format('%.0f', following), 'PX', 60000)
redis.call('SET', KEYS[2], string.format('%.0f', now + per_chat),
           'PX', math.floor(per_chat / 1000) + 1000)
return {1, 0}
"""

# Extends the pause to now + ARGV[1] microseconds (never shortens it).
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

GRANTED, BOT_BUSY, CHAT_BUSY = 1, 0, 2


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
        self._take = redis.register_script(_TAKE)
        self._pause = redis.register_script(_PAUSE)
        # One sender of this process at a time waits for the bot's next slot, so Redis is
        # asked about once per slot and process, not once per waiting sender.
        self._gate = asyncio.Lock()

    async def acquire(self, chat_id: int) -> None:
        keys = [f"{self.prefix}:next", f"{self.prefix}:chat:{chat_id}", f"{self.prefix}:pause"]
        while True:
            async with self._gate:
                while True:
                    outcome, wait_us = await self._take(
                        keys=keys, args=[self.interval_us, self.per_chat_us]
                    )
                    if outcome == GRANTED:
                        return
                    if outcome == CHAT_BUSY:
                        break  # wait for the chat outside the gate: others may go first
                    await asyncio.sleep(int(wait_us) / 1_000_000)
            await asyncio.sleep(int(wait_us) / 1_000_000)

    async def pause(self, seconds: float) -> None:
        await self._pause(keys=[f"{self.prefix}:pause"], args=[round(seconds * 1_000_000)])
