"""Pacing sends under Telegram's limits: about 30 messages a second per bot, one a second
per chat, and a 429's `retry_after` honoured by every sender.

A sender holds a slot while its request is under way: ``async with pacer.slot(chat_id):
await bot.send_message(...)``.

A message sent without a slot — a reply to someone who wrote, which nobody should keep
waiting for a reminder's turn — is noted after it went (`note`, by the bot session's
`telegram_io.CountRepliesInBudget`): it fills the budget's second and its chat's like a
slotted one, so the reminders sent meanwhile yield to it and the bot stays under the limit.

- `MemoryPacer`: one process's budget (the default, without `REDIS_URL`).
- `RedisPacer`: one budget shared by every process of the bot through Redis. Lua scripts,
  on Redis's own clock (the processes' clocks do not matter), take the bot's slot and the
  chat's atomically when both have come, and count each message in a one-second window
  from its slot until a second after its answer came back. Telegram counts a message when
  it arrives, which is somewhere between the two, so however late a request reaches it (a
  busy machine, a slow line) no second ever holds more than the window's limit: jitter
  costs a little speed, never a 429. A 429 stores a pause every process waits out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)

TELEGRAM_PER_SECOND = 30  # Telegram's limit per bot: messages in any one second


_IN_SLOT: ContextVar[bool] = ContextVar("pacer_in_slot", default=False)


def sending_in_slot() -> bool:
    """Whether the current task sends under a pacer's slot (it is counted already)."""
    return _IN_SLOT.get()


@contextmanager
def _holding_slot() -> Iterator[None]:
    token = _IN_SLOT.set(True)
    try:
        yield
    finally:
        _IN_SLOT.reset(token)


class Pacer(Protocol):
    def slot(self, chat_id: int) -> AbstractAsyncContextManager[None]:
        """Wait until a message to this chat may be sent; hold the slot while sending."""

    async def pause(self, seconds: float) -> None:
        """Telegram answered 429: nobody sends for this long."""

    def note(self, chat_id: int) -> None:
        """A message went to this chat without a slot (a reply): count it, without waiting."""


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

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        await self.acquire(chat_id)
        with _holding_slot():
            yield

    def note(self, chat_id: int) -> None:
        now = time.monotonic()
        self._next_slot = max(now, self._next_slot) + self.interval
        self._chat_next[chat_id] = max(
            self._chat_next.get(chat_id, 0.0), now + self.per_chat_interval
        )

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
# would round them).
#
# KEYS: the bot's next slot, the chat's next slot, the pause, the window (a sorted set of
# messages scored by the moment they stop counting). ARGV: interval, per-chat interval,
# window limit, the longest a request may stay in flight, the message's id.
# Returns {outcome, wait}: 1 = the slot is the caller's, now; 0 = the bot is not ready for
# `wait` microseconds (its next slot, the window, a 429 pause); 2 = the chat is not.
# A slot is taken only at its moment, never reserved ahead, so a process that stalls
# cannot send old reservations as a burst; a sender up to one interval late keeps the
# cadence (the next slot counts from the planned moment).
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
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', string.format('%.0f', now - 1000000))
if redis.call('ZCARD', KEYS[4]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
  local wait = tonumber(oldest[2]) + 1000000 - now
  return {0, math.max(1000, math.min(wait, 50000))}
end
local chat_next = tonumber(redis.call('GET', KEYS[2]) or '0')
if chat_next > now then
  return {2, chat_next - now}
end
local interval = tonumber(ARGV[1])
local in_flight = tonumber(ARGV[4])
local following = now + interval
if now - next_slot < interval then
  following = next_slot + interval
end
redis.call('SET', KEYS[1], string.format('%.0f', following), 'PX', 60000)
redis.call('SET', KEYS[2], string.format('%.0f', now + in_flight),
           'PX', math.floor(in_flight / 1000) + 1000)
redis.call('ZADD', KEYS[4], string.format('%.0f', now + in_flight), ARGV[5])
redis.call('PEXPIRE', KEYS[4], math.floor(in_flight / 1000) + 60000)
return {1, 0}
"""

# The answer came back (or the request failed): the message counts for one more second,
# and the chat's next message may go a per-chat interval from now.
# KEYS: the chat's next slot, the window. ARGV: per-chat interval, the message's id.
_DONE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local per_chat = tonumber(ARGV[1])
redis.call('ZADD', KEYS[2], 'XX', string.format('%.0f', now), ARGV[2])
redis.call('SET', KEYS[1], string.format('%.0f', now + per_chat),
           'PX', math.floor(per_chat / 1000) + 1000)
return 0
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

# A message sent without a slot (a reply) after its answer came back: it counts in the
# window for a second, and the chat's next message waits a per-chat interval.
# KEYS: the chat's next slot, the window. ARGV: per-chat interval, the message's id.
_NOTE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local per_chat = tonumber(ARGV[1])
redis.call('ZADD', KEYS[2], string.format('%.0f', now), ARGV[2])
redis.call('PEXPIRE', KEYS[2], 61000)
local chat_next = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + per_chat > chat_next then
  redis.call('SET', KEYS[1], string.format('%.0f', now + per_chat),
             'PX', math.floor(per_chat / 1000) + 1000)
end
return 0
"""

GRANTED, BOT_BUSY, CHAT_BUSY = 1, 0, 2
# A request still under way after this long (its process died) stops counting.
IN_FLIGHT_SECONDS = 30


class RedisPacer:
    """`per_second` sends a second for all the bot's processes together, never more than
    Telegram's 30 in any second, one a second per chat, and a 429 pause that all of them
    honour. `namespace` separates bots sharing one Redis (the bot's id)."""

    def __init__(
        self,
        redis: Redis,
        namespace: str,
        per_second: float = 29.0,
        per_chat_interval: float = 1.0,
        window_limit: int | None = None,
    ) -> None:
        self.redis = redis
        self.interval_us = round(1_000_000 / per_second)
        self.per_chat_us = round(per_chat_interval * 1_000_000)
        # Messages in any one second: Telegram's 30 at the default rate (29 a second leaves
        # room for the odd late request), fewer for a lower SEND_RATE.
        self.window_limit = window_limit or min(TELEGRAM_PER_SECOND, math.ceil(per_second) + 1)
        self.prefix = f"roadmap:{namespace}:pacer"
        self._take = redis.register_script(_TAKE)
        self._done = redis.register_script(_DONE)
        self._pause = redis.register_script(_PAUSE)
        self._note = redis.register_script(_NOTE)
        self._notes: set[asyncio.Task[None]] = set()  # notes under way (`drain` awaits them)
        # One sender of this process at a time waits for the bot's next slot, so Redis is
        # asked about once per slot and process, not once per waiting sender.
        self._gate = asyncio.Lock()

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        chat_key, window = f"{self.prefix}:chat:{chat_id}", f"{self.prefix}:window"
        message = uuid.uuid4().hex
        await self._acquire(chat_key, window, message)
        try:
            with _holding_slot():
                yield
        finally:
            with contextlib.suppress(Exception):  # it stops counting on its own anyway
                await self._done(keys=[chat_key, window], args=[self.per_chat_us, message])

    async def _acquire(self, chat_key: str, window: str, message: str) -> None:
        keys = [f"{self.prefix}:next", chat_key, f"{self.prefix}:pause", window]
        args: list[int | str] = [
            self.interval_us,
            self.per_chat_us,
            self.window_limit,
            IN_FLIGHT_SECONDS * 1_000_000,
            message,
        ]
        while True:
            async with self._gate:
                while True:
                    outcome, wait_us = await self._take(keys=keys, args=args)
                    if outcome == GRANTED:
                        return
                    if outcome == CHAT_BUSY:
                        break  # wait for the chat outside the gate: others may go first
                    await asyncio.sleep(int(wait_us) / 1_000_000)
            await asyncio.sleep(int(wait_us) / 1_000_000)

    async def pause(self, seconds: float) -> None:
        await self._pause(keys=[f"{self.prefix}:pause"], args=[round(seconds * 1_000_000)])

    def note(self, chat_id: int) -> None:
        # In the background: the reply has gone, its sender waits for nothing more.
        task = asyncio.get_running_loop().create_task(self._noted(chat_id))
        self._notes.add(task)
        task.add_done_callback(self._notes.discard)

    async def _noted(self, chat_id: int) -> None:
        keys = [f"{self.prefix}:chat:{chat_id}", f"{self.prefix}:window"]
        try:
            await self._note(keys=keys, args=[self.per_chat_us, uuid.uuid4().hex])
        except Exception as error:  # Redis away for a moment: one reply goes uncounted
            logger.warning("a reply was not counted in the shared send budget: %r", error)

    async def drain(self) -> None:
        """Wait for the notes under way (before the Redis client closes)."""
        if self._notes:
            await asyncio.gather(*self._notes, return_exceptions=True)
