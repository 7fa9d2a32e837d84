"""Reminder delivery under Telegram's limits: N reminders due at the same minute.

Drives the real delivery code (claim, coalesce, render, pace, send over HTTP) against the
fake Bot API server enforcing Telegram's limits (30 messages a second per bot, one a
second per chat), and prints messages per second against the 30/s ceiling, 429s, lost
and duplicated messages: with one worker on SQLite, with two worker processes sharing
a PostgreSQL database and splitting the budget by hand (when TEST_DATABASE_URL is set),
and with 2 and 4 processes sharing PostgreSQL and one send budget in Redis (when
TEST_REDIS_URL is set too). The last line is one JSON object.

    .venv/bin/python bench/reminders.py [--n 3000] [--only redis]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402

from bot.app import bot_namespace, build_bot  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.reminders.delivery import ReminderDelivery  # noqa: E402
from bot.reminders.pacing import MemoryPacer, RedisPacer  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.shared import connect  # noqa: E402
from handlers import views  # noqa: E402
from storage.db import create_engine, create_session_factory, upgrade_sync  # noqa: E402
from tests.e2e.seed import seed_burst  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402

FIRE_AT = datetime(2022, 5, 16, 6, 0, tzinfo=UTC)
CEILING = 30.0
TOKEN = "5151:BENCH-REMINDERS"


async def deliver_once(
    database_url: str, api_url: str, rate: float, redis_url: str | None = None
) -> dict[str, int]:
    """One worker: deliver everything due, as the bot's tick does; with `redis_url`, under
    the budget all workers share (`rate` is then the total)."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, bot_token=TOKEN, telegram_api_url=api_url, database_url=database_url
    )
    engine = create_engine(database_url)
    bot = build_bot(settings, AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    shared = await connect(redis_url, bot_namespace(settings)) if redis_url else None
    delivery = ReminderDelivery(
        bot=bot,
        session_factory=create_session_factory(engine),
        clock=FixedClock(FIRE_AT + timedelta(minutes=1)),
        render=views.reminder_messages,
        render_unreachable=views.unreachable_notice,
        pacer=RedisPacer(shared.redis, shared.namespace, per_second=rate)
        if shared
        else MemoryPacer(per_second=rate),
    )
    try:
        stats = await delivery.tick()
    finally:
        await bot.session.close()
        await engine.dispose()
        if shared:
            await shared.close()
    return {"messages": stats.messages, "retried_429": stats.retried_429}


def _received(tg: FakeTelegram) -> Counter[int]:
    return Counter(
        int(call.params["chat_id"])
        for call in tg.calls_to("sendMessage")
        if call.ok and "Напоминание" in str(call.params.get("text", ""))
    )


async def run_case(
    name: str, database_url: str, n: int, workers: int, redis_url: str | None = None
) -> dict[str, object]:
    await asyncio.to_thread(upgrade_sync, database_url)
    engine = create_engine(database_url)
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        from storage.models import Base

        async with engine.begin() as connection:
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    recipients = await seed_burst(create_session_factory(engine), people=n, fire_at=FIRE_AT)
    await engine.dispose()

    async with FakeTelegram(token=TOKEN, enforce_limits=True) as tg:
        for telegram_id in recipients:
            tg.user(telegram_id)
        # The bot's ceiling: shared through Redis, or split between the processes by hand.
        rate = 29.0 if redis_url else 29.0 / workers
        started = time.perf_counter()
        if workers == 1:
            await deliver_once(database_url, tg.base_url, rate)
        else:
            processes = [
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    __file__,
                    "--worker",
                    database_url,
                    tg.base_url,
                    str(rate),
                    redis_url or "",
                    env={**os.environ, "PYTHONPATH": str(ROOT)},
                )
                for _ in range(workers)
            ]
            await asyncio.gather(*(p.wait() for p in processes))
        elapsed = time.perf_counter() - started
        received = _received(tg)
        # The first message is sent after start-up work (claiming); the rate counts from it.
        times = sorted(c.time for c in tg.calls_to("sendMessage") if c.ok)
        span = (times[-1] - times[0]) if len(times) > 1 else elapsed
        result = {
            "case": name,
            "reminders": n,
            "workers": workers,
            "budget": "redis" if redis_url else "split",
            "seconds": round(elapsed, 2),
            "messages_per_second": round(sum(received.values()) / span, 2) if span else 0.0,
            "ceiling_share": round(sum(received.values()) / span / CEILING, 3) if span else 0.0,
            "rate_limited_429": tg.rate_limit_hits,
            "lost": sum(1 for chat in recipients if received[chat] == 0),
            "duplicated": sum(count - 1 for count in received.values() if count > 1),
        }
    share = float(result["ceiling_share"]) * 100  # type: ignore[arg-type]
    print(
        f"{name:<28} {n} reminders, {workers} worker(s): {result['messages_per_second']} msg/s "
        f"({share:.1f}% of 30/s), 429s {result['rate_limited_429']}, "
        f"lost {result['lost']}, duplicated {result['duplicated']}, {result['seconds']} s"
    )
    return result


async def main(n: int, only: str | None) -> None:
    results = []
    if only is None:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite_url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            results.append(await run_case("sqlite, one worker", sqlite_url, n, 1))
    postgres_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if postgres_url:
        from bot.settings import normalise_database_url

        postgres_url = normalise_database_url(postgres_url)
        if only is None:
            results.append(await run_case("postgresql, one worker", postgres_url, n, 1))
            results.append(await run_case("postgresql, two workers", postgres_url, n, 2))
        if redis_url:
            for workers in (2, 4):
                results.append(
                    await run_case(
                        f"postgresql+redis, {workers} procs", postgres_url, n, workers, redis_url
                    )
                )
        else:
            print("Redis cases skipped: set TEST_REDIS_URL to run them")
    else:
        print("PostgreSQL cases skipped: set TEST_DATABASE_URL to run them")
    print(json.dumps({"bench": "reminders", "results": results}, ensure_ascii=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--only", choices=["redis"], help="only the cases with Redis")
    parser.add_argument(
        "--worker", nargs=4, metavar=("DATABASE_URL", "API_URL", "RATE", "REDIS_URL")
    )
    args = parser.parse_args()
    if args.worker:
        database_url, api_url, rate, redis_url = args.worker
        asyncio.run(deliver_once(database_url, api_url, float(rate), redis_url or None))
    else:
        asyncio.run(main(args.n, args.only))
