"""The fake server's network faults, proven against a real aiogram Bot: a connection reset
is a network error to the client (never an HTTP answer), before or after the call is
carried out, and a download stops halfway."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError
from aiogram.types import BufferedInputFile

from tests.fake_telegram import FakeTelegram, bot_for

USER_ID = 1001


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with bot_for(tg) as real_bot:
        yield real_bot


async def test_a_reset_before_the_call_loses_it(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    tg.reset_connections("sendMessage")
    with pytest.raises(TelegramNetworkError, match="reset by peer"):
        await bot.send_message(USER_ID, "first")
    assert user.messages == []
    await bot.send_message(USER_ID, "second")  # one reset only
    assert [m.text for m in user.messages] == ["second"]
    assert tg.resets == [("sendmessage", False)]
    assert tg.failed_calls == []  # a reset is not an HTTP error


async def test_a_reset_after_the_call_hides_that_it_happened(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    tg.reset_connections("sendMessage", after=True)
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(USER_ID, "delivered")
    assert [m.text for m in user.messages] == ["delivered"]
    [call] = tg.calls_to("sendMessage")
    assert call.ok and call.reset


async def test_every_nth_request_is_reset(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(USER_ID)
    tg.reset_connections("sendMessage", every=3, times=2)
    outcomes = []
    for n in range(9):
        try:
            await bot.send_message(USER_ID, str(n))
            outcomes.append("ok")
        except TelegramNetworkError:
            outcomes.append("reset")
    assert outcomes == ["ok", "ok", "reset", "ok", "ok", "reset", "ok", "ok", "ok"]


async def test_an_upload_is_cut_mid_send(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    tg.reset_connections("sendDocument")
    big = BufferedInputFile(b"x" * (4 * 1024 * 1024), "report.xlsx")
    with pytest.raises(TelegramNetworkError):
        await bot.send_document(USER_ID, big)
    assert user.messages == []
    await bot.send_document(USER_ID, big)
    assert user.messages[-1].document.data == b"x" * (4 * 1024 * 1024)


async def test_a_download_stops_halfway(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    payload = b"0123456789" * 100_000
    message = await user.send_document(payload, "plan.docx")
    tg.reset_connections("download")
    with pytest.raises(aiohttp.ClientError):
        await bot.download(message["document"]["file_id"])
    assert (await bot.download(message["document"]["file_id"])).read() == payload
    assert tg.resets == [("download", False)]
