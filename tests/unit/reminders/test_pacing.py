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


# Replies: sent at once, counted in the budget (bot.telegram_io.CountRepliesInBudget).


async def test_a_reply_holds_its_chats_next_reminder_in_memory() -> None:
    pacer = MemoryPacer()
    pacer.note(11)
    assert await _elapsed(_send(pacer, 11)) >= 0.9


async def test_replies_fill_the_memory_budget() -> None:
    pacer = MemoryPacer(per_second=10)
    for chat in range(20, 30):
        pacer.note(chat)  # ten replies: a second of the budget
    assert await _elapsed(_send(pacer, 99)) >= 0.9


async def test_a_reply_in_one_process_holds_the_chat_in_another(redis: Redis) -> None:
    replying, reminding = RedisPacer(redis, "5"), RedisPacer(redis, "5")
    replying.note(12)
    await replying.drain()
    assert await _elapsed(_send(reminding, 12)) >= 0.9


async def test_replies_fill_the_shared_window(redis: Redis) -> None:
    replying = RedisPacer(redis, "6", per_second=100, window_limit=3)
    reminding = RedisPacer(redis, "6", per_second=100, window_limit=3)
    for chat in (31, 32, 33):
        replying.note(chat)
    await replying.drain()
    # The window's three messages of this second are the replies': a reminder waits for
    # the first of them to stop counting.
    assert await _elapsed(_send(reminding, 34)) >= 0.9


class _Recording:
    def __init__(self) -> None:
        self.noted: list[int] = []

    def note(self, chat_id: int) -> None:
        self.noted.append(chat_id)

    def slot(self, chat_id: int):  # type: ignore[no-untyped-def]
        return MemoryPacer(per_second=1000, per_chat_interval=0).slot(chat_id)

    async def pause(self, seconds: float) -> None:
        pass


async def test_replies_are_noted_and_slotted_sends_are_not() -> None:
    from aiogram.methods import AnswerCallbackQuery, SendMessage, SendPhoto

    from bot.telegram_io import CountRepliesInBudget

    pacer = _Recording()
    middleware = CountRepliesInBudget(pacer)  # type: ignore[arg-type]

    async def telegram(bot, method):  # type: ignore[no-untyped-def]
        return "sent"

    assert await middleware(telegram, None, SendMessage(chat_id=41, text="ответ")) == "sent"  # type: ignore[arg-type]
    await middleware(telegram, None, SendPhoto(chat_id=42, photo="file-id"))  # type: ignore[arg-type]
    await middleware(telegram, None, AnswerCallbackQuery(callback_query_id="1"))  # type: ignore[arg-type]
    async with pacer.slot(43):  # a reminder: its slot counted it already
        await middleware(telegram, None, SendMessage(chat_id=43, text="напоминание"))  # type: ignore[arg-type]
    assert pacer.noted == [41, 42]

    async def refused(bot, method):  # type: ignore[no-untyped-def]
        raise RuntimeError("not sent")

    with pytest.raises(RuntimeError):
        await middleware(refused, None, SendMessage(chat_id=44, text="ответ"))  # type: ignore[arg-type]
    assert pacer.noted == [41, 42]
