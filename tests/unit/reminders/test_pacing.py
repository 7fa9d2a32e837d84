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


async def _send(pacer: Pacer, chat_id: int) -> None:
    async with pacer.slot(chat_id):
        pass


async def _elapsed(*calls: object) -> float:
    started = time.monotonic()
    await asyncio.gather(*calls)  # type: ignore[call-overload]
    return time.monotonic() - started


async def test_two_processes_share_one_chat_slot_a_second(redis: Redis) -> None:
    first, second = RedisPacer(redis, "1"), RedisPacer(redis, "1")
    async with first.slot(501):
        pass
    # The other "process" waits for the chat's second, whichever clock it has.
    assert await _elapsed(_send(second, 501)) >= 0.9
    # Another chat is not held up by it... but the bot's budget is shared.
    assert await _elapsed(_send(second, 502)) < 0.9


async def test_the_bot_budget_is_shared_by_the_processes(redis: Redis) -> None:
    pacers = [RedisPacer(redis, "1", per_second=10), RedisPacer(redis, "1", per_second=10)]
    # 21 messages to 21 chats from two processes at 10 a second in total: at least 2 s.
    sends = [_send(pacers[i % 2], 1000 + i) for i in range(21)]
    assert await _elapsed(*sends) >= 1.9


async def test_a_message_counts_from_its_slot_until_a_second_after_its_answer(
    redis: Redis,
) -> None:
    """However late a request reaches Telegram, it arrived before its answer came back: a
    window of 3 full with requests under way for half a second lets the fourth go a second
    after the first answer, not a second after the first slot."""
    pacer = RedisPacer(redis, "4", per_second=100, window_limit=3)
    started = time.monotonic()

    async def slow_send(chat_id: int) -> None:
        async with pacer.slot(chat_id):
            await asyncio.sleep(0.5)

    await asyncio.gather(*(slow_send(chat) for chat in (1, 2, 3)))
    await _send(pacer, 4)
    assert time.monotonic() - started >= 1.45


async def test_a_429_pauses_every_process(redis: Redis) -> None:
    hit, other = RedisPacer(redis, "1"), RedisPacer(redis, "1")
    await hit.pause(1.5)
    assert await _elapsed(_send(other, 7)) >= 1.4


async def test_bots_sharing_one_redis_keep_their_own_budgets(redis: Redis) -> None:
    await RedisPacer(redis, "1").pause(5)
    assert await _elapsed(_send(RedisPacer(redis, "2"), 7)) < 4


async def _three_to_one_chat(pacer: Pacer) -> float:
    return await _elapsed(_send(pacer, 9), _send(pacer, 9), _send(pacer, 9))


async def test_one_chat_gets_one_message_a_second_in_memory() -> None:
    assert await _three_to_one_chat(MemoryPacer()) >= 1.9


async def test_one_chat_gets_one_message_a_second_through_redis(redis: Redis) -> None:
    assert await _three_to_one_chat(RedisPacer(redis, "3")) >= 1.9
