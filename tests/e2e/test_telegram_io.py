"""bot.telegram_io against the fake server's connection resets: how many times a call is
tried, what is never retried, and downloads started again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter

from bot.reminders.pacing import MemoryPacer
from bot.telegram_io import CountRepliesInBudget, HonourRetryAfter, RetryNetworkErrors, download
from tests.fake_telegram import FakeTelegram, bot_for

USER_ID = 1001
NO_WAIT = (0.0, 0.0, 0.0)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with bot_for(tg) as real_bot:
        real_bot.session.middleware(RetryNetworkErrors(NO_WAIT))
        yield real_bot


async def test_a_call_is_tried_four_times_then_fails(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    tg.reset_connections("sendMessage", times=3)
    await bot.send_message(USER_ID, "through on the fourth try")
    assert [m.text for m in user.messages] == ["through on the fourth try"]
    tg.reset_connections("sendMessage", times=4)
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(USER_ID, "never")
    assert len(tg.resets) == 7


async def test_telegram_answers_are_not_retried(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(424242, "no such chat")
    assert len(tg.calls_to("sendMessage")) == 1


async def test_long_polling_is_left_to_aiogram(tg: FakeTelegram, bot: Bot) -> None:
    tg.reset_connections("getUpdates")
    with pytest.raises(TelegramNetworkError):
        await bot.get_updates(timeout=0)


async def test_a_download_cut_off_is_started_again(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    payload = bytes(range(256)) * 4000
    sent = await user.send_document(payload, "scan.pdf")
    tg.reset_connections("download", times=2)
    assert await download(bot, sent["document"]["file_id"], NO_WAIT) == payload
    tg.reset_connections("download", times=4)
    with pytest.raises(aiohttp.ClientPayloadError):
        await download(bot, sent["document"]["file_id"], NO_WAIT)


async def test_a_429_to_any_call_pauses_the_pacer(tg: FakeTelegram, bot: Bot) -> None:
    """A reply refused with 429 holds back the reminders too: every sender waits it out.
    (A lower bound only: a slow machine waits longer, never shorter.)"""
    import time

    pacer = MemoryPacer()
    bot.session.middleware(HonourRetryAfter(pacer))
    tg.user(USER_ID)
    tg.set_limits(True)
    await bot.send_message(USER_ID, "first")
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(USER_ID, "second, too soon for this chat")
    started = time.monotonic()
    async with pacer.slot(USER_ID + 1):  # another chat, yet it waits
        pass
    assert time.monotonic() - started >= refused.value.retry_after - 0.2


async def test_a_reply_sent_holds_the_reminders_to_its_chat(tg: FakeTelegram, bot: Bot) -> None:
    """A reply goes at once, and counts in the send budget: a reminder to the same chat
    waits its second. (A lower bound only.)"""
    import time

    pacer = MemoryPacer()
    bot.session.middleware(CountRepliesInBudget(pacer))
    tg.user(USER_ID)
    await bot.send_message(USER_ID, "ответ на вопрос")
    started = time.monotonic()
    async with pacer.slot(USER_ID):
        pass
    assert time.monotonic() - started >= 0.8
