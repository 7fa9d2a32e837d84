"""The send budget: one process's (memory) or all processes' (Redis) — never faster than
Telegram's limits. Only lower bounds of waiting are asserted: a slow machine waits longer,
never shorter, so none of these can fail on timing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.reminders.pacing import MemoryPacer, Pacer, RedisPacer


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def _elapsed(*calls: object) -> float:
    started = time.monotonic()
    await asyncio.gather(*calls)  # type: ignore[call-overload]
    return time.monotonic() - started


async def test_two_processes_share_one_chat_slot_a_second(redis: Redis) -> None:
    first, second = RedisPacer(redis, "1"), RedisPacer(redis, "1")
    await first.acquire(501)
    # The other "process" waits for the chat's second, whichever clock it has.
    assert await _elapsed(second.acquire(501)) >= 0.9
    # Another chat is not held up by it... but the bot's budget is shared.
    assert await _elapsed(second.acquire(502)) < 0.9


async def test_the_bot_budget_is_shared_by_the_processes(redis: Redis) -> None:
    pacers = [RedisPacer(redis, "1", per_second=10), RedisPacer(redis, "1", per_second=10)]
    # 21 messages to 21 chats from two processes at 10 a second in total: at least 2 s.
    sends = [pacers[i % 2].acquire(1000 + i) for i in range(21)]
    assert await _elapsed(*sends) >= 1.9


async def test_a_429_pauses_every_process(redis: Redis) -> None:
    hit, other = RedisPacer(redis, "1"), RedisPacer(redis, "1")
    await hit.pause(1.5)
    assert await _elapsed(other.acquire(7)) >= 1.4


async def test_bots_sharing_one_redis_keep_their_own_budgets(redis: Redis) -> None:
    await RedisPacer(redis, "1").pause(5)
    assert await _elapsed(RedisPacer(redis, "2").acquire(7)) < 4


async def _three_to_one_chat(pacer: Pacer) -> float:
    return await _elapsed(pacer.acquire(9), pacer.acquire(9), pacer.acquire(9))


async def test_one_chat_gets_one_message_a_second_in_memory() -> None:
    assert await _three_to_one_chat(MemoryPacer()) >= 1.9


async def test_one_chat_gets_one_message_a_second_through_redis(redis: Redis) -> None:
    assert await _three_to_one_chat(RedisPacer(redis, "3")) >= 1.9
