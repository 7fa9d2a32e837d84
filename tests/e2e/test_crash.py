"""A crash mid-burst loses nothing and repeats at most the messages in flight.

The real bot runs as a subprocess against the fake Bot API server, which enforces
Telegram's rate limits; the test kills it with SIGKILL in the middle of a morning burst,
starts it again later (after the crashed worker's lease has run out) and counts what the
server received.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reminders.delivery import DEFAULT_CONCURRENCY
from storage.db import create_session_factory
from tests.e2e.seed import seed_burst
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 60
FIRE_AT = datetime(2022, 5, 16, 6, 0, tzinfo=UTC)  # 09:00 in Moscow


def _start_bot(tg: FakeTelegram, database_url: str, clock: datetime, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL"}
    }
    env |= {
        "BOT_TOKEN": tg.token,
        "TELEGRAM_API_URL": tg.base_url,
        "DATABASE_URL": database_url,
        "DELIVERY_INTERVAL": "1",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "INFO",
    }
    with (tmp_path / f"bot-{clock:%H%M}.log").open("w") as log:
        # The child keeps its own copy of the descriptor.
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--clock", clock.isoformat()],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _received(tg: FakeTelegram) -> Counter[int]:
    return Counter(
        int(call.params["chat_id"])
        for call in tg.calls_to("sendMessage")
        if call.ok and "Напоминание" in str(call.params.get("text", ""))
    )


async def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_kill_mid_burst_then_restart(
    tmp_path: Path, database_url: str, engine: AsyncEngine
) -> None:
    """On SQLite and on PostgreSQL (`database_url` is parametrised over both)."""
    recipients = await seed_burst(create_session_factory(engine), people=PEOPLE, fire_at=FIRE_AT)

    async with FakeTelegram(token="4343:CRASH-TEST", enforce_limits=True) as tg:
        for telegram_id in recipients:
            tg.user(telegram_id)
        first = _start_bot(tg, database_url, FIRE_AT + timedelta(minutes=1), tmp_path)
        try:
            await _wait(lambda: sum(_received(tg).values()) >= PEOPLE // 3, 120, "a third")
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(30)
        before_restart = _received(tg)
        assert 0 < sum(before_restart.values()) < PEOPLE  # killed mid-burst indeed

        # Back ten minutes later: the dead worker's lease (five minutes) has run out.
        second = _start_bot(tg, database_url, FIRE_AT + timedelta(minutes=10), tmp_path)
        try:
            await _wait(lambda: set(_received(tg)) >= set(recipients), 120, "every recipient")
            await asyncio.sleep(2)  # anything sent twice would arrive now
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(30)

    received = _received(tg)
    lost = [chat for chat in recipients if received[chat] == 0]
    duplicated = sum(count - 1 for count in received.values() if count > 1)
    assert lost == []
    assert duplicated <= DEFAULT_CONCURRENCY
