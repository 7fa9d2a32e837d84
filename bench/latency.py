"""Question latency through the fake Bot API, side by side with an echo bot (its floor).

What a deputy director waits for: from sending «что у меня в мае» to the first message of
the answer arriving in the chat. The bot runs whole (build_app, long polling, real
AiohttpSession) against the fake Bot API server, on an organisation of 10 measures and of
10,000 measures (bulk-built as bench/summaries.py builds them). The floor is a minimal
aiogram bot answering every text with the same text, polled through the same kind of fake
server in the same process, asked in turn with the bot (echo, bot, echo, bot…): a busy
moment of the machine falls on both. Printed per case: median and p95 in milliseconds, the
echo's asked in between, and their ratios. Aim (issue 12): ≤ 1.5× the floor at 10
measures, ≤ 2× at 10,000.

A second floor shows what the database alone costs: the same minimal bot running, before
it echoes, the question's own SELECT (the SQL the bot runs, with its values) through the
bare driver — `sqlite3`, or `asyncpg` with one connection — on the same database. Asked in
turn with the echo in the same way, after the bot's rounds; printed as `read_floor` with its
ratio to the echo asked beside it, and the bot's ratio to the echo divided by that one.

Also timed: the first answer after start-up (the bot must answer from its first second).

    .venv/bin/python bench/latency.py [--rounds 30] [--measures 10 10000]

On SQLite by default; with TEST_DATABASE_URL set, the 10,000-measure case runs on
PostgreSQL too (its organisation removed afterwards), and with TEST_REDIS_URL as well once
more as several processes run it (conversations and event isolation in Redis: aiogram's
lock and state read are round trips to Redis before any handler). The last line is one
JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiogram import Bot, Dispatcher  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from aiogram.types import Message  # noqa: E402
from sqlalchemy import delete, update  # noqa: E402

from bench.summaries import build  # noqa: E402
from bot.app import build_app  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.db import create_engine, create_session_factory, upgrade  # noqa: E402
from storage.models import Organisation, Person  # noqa: E402
from storage.quick_read import _compile  # noqa: E402
from storage.read import _items_statement  # noqa: E402
from tests.fake_telegram import FakeTelegram, FakeUser  # noqa: E402

QUESTION = "что у меня в мае"
USER_ID = 70_000_001
# June 2022: «в мае» is the May just past, inside the built plan (2022–2024).
MOMENT = datetime(2022, 6, 1, 7, 0, tzinfo=UTC)


def _figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
    }


async def _ask(user: FakeUser, text: str, timeout: float = 60) -> float:
    started = time.perf_counter()
    await user.send_text(text)
    await user.wait_for_message(timeout=timeout)
    elapsed = time.perf_counter() - started
    # The rest of a paged answer is not what the person waits for; let it arrive and drop it.
    await asyncio.sleep(0.05)
    user._cursor = len(user._bot_messages)
    return elapsed


@asynccontextmanager
async def echo_bot(
    before: Callable[[], Awaitable[object]] | None = None, token: str = "1111:ECHO-FLOOR"
) -> AsyncIterator[Callable[[], Awaitable[float]]]:
    """A minimal aiogram bot (one handler answering with the text it got, after awaiting
    `before` when given), running; yields how to ask it the question once (seconds until
    its answer arrives)."""
    async with FakeTelegram(token=token) as tg:
        bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
        dispatcher = Dispatcher()

        @dispatcher.message()
        async def echo(message: Message) -> None:
            if before is not None:
                await before()
            await message.answer(message.text or "")

        polling = asyncio.create_task(
            dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1)
        )
        try:
            user = tg.user(USER_ID)
            await _ask(user, "разминка")
            yield lambda: _ask(user, QUESTION)
        finally:
            await dispatcher.stop_polling()
            await asyncio.wait_for(polling, 20)
            await bot.session.close()


def _question_sql(url: str, built: dict[str, Any]) -> tuple[str, list[Any]]:
    """The SQL of the asker's items for May and its values, as the bot runs them (an officer
    asking about their own measures), bound for the bare driver."""
    engine = create_engine(url)
    try:
        compiled = _compile(_items_statement(True, True, True, False), engine.dialect)
    finally:
        engine.sync_engine.dispose()
    given = {
        **compiled.defaults,
        "organisation_id": built["organisation_id"],
        "person_id": built["person_ids"][1],
        "start": date(2022, 5, 1),
        "end": date(2022, 5, 31),
    }
    values = [
        given[name] if bind is None else bind(given[name])
        for name, bind in zip(compiled.names, compiled.binds, strict=True)
    ]
    return compiled.sql, values


@asynccontextmanager
async def read_floor_bot(
    url: str, built: dict[str, Any]
) -> AsyncIterator[Callable[[], Awaitable[float]]]:
    """The echo bot reading the question's rows through the bare driver before it answers;
    yields how to ask it once."""
    sql, values = _question_sql(url, built)
    connection: Any
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.split("///", 1)[1], check_same_thread=False)

        async def read() -> int:
            return len(connection.execute(sql, values).fetchall())

        async def close() -> None:
            connection.close()
    else:
        import asyncpg  # type: ignore[import-untyped]

        connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql", 1))

        async def read() -> int:
            return len(await connection.fetch(sql, *values))

        async def close() -> None:
            await connection.close()

    try:
        if not await read():
            raise RuntimeError("the read floor's SELECT finds no rows")
        async with echo_bot(read, token="3333:READ-FLOOR") as ask:
            yield ask
    finally:
        await close()


async def echo_floor(rounds: int) -> dict[str, float]:
    """The echo bot asked `rounds` times on its own (the floor of other benches)."""
    async with echo_bot() as ask:
        samples = [await ask() for _ in range(rounds)]
    return _figures(samples)


async def _seed(url: str, measures: int) -> dict[str, Any]:
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            built = await build(session, measures)
            # A run stopped half-way may have left its asker behind: the Telegram id is
            # unique.
            await session.execute(
                update(Person)
                .where(Person.telegram_user_id == USER_ID)
                .values(telegram_user_id=None, chat_id=None)
            )
            # Person 1 has joined (bench/summaries joins three of four) and carries measures.
            await session.execute(
                update(Person)
                .where(Person.id == built["person_ids"][1])
                .values(telegram_user_id=USER_ID, chat_id=USER_ID)
            )
            await session.commit()
    finally:
        await engine.dispose()
    return built


async def _cleanup(url: str, built: dict[str, Any]) -> None:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            await session.execute(
                delete(Organisation).where(Organisation.id == built["organisation_id"])
            )
            await session.execute(delete(Person).where(Person.id.in_(built["person_ids"])))
            await session.commit()
    finally:
        await engine.dispose()


async def bot_case(
    url: str,
    measures: int,
    rounds: int,
    files_dir: Path,
    ask_echo: Callable[[], Awaitable[float]],
    settle: float = 0,
    redis_url: str | None = None,
) -> dict[str, Any]:
    built = await _seed(url, measures)
    figures: dict[str, Any] = {"measures": measures, "occurrences": built["occurrences"]}
    try:
        async with FakeTelegram(token="2222:LATENCY") as tg:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                bot_token=tg.token,
                telegram_api_url=tg.base_url,
                database_url=url,
                files_dir=files_dir,
                redis_url=redis_url,
            )
            user = tg.user(USER_ID)
            started = time.perf_counter()
            app = await build_app(settings, FixedClock(MOMENT))
            polling = asyncio.create_task(
                app.dispatcher.start_polling(app.bot, handle_signals=False, polling_timeout=1)
            )
            try:
                # The first answer of the bot's life, asked as soon as the process runs.
                first = await _ask(user, QUESTION)
                figures["first_answer_ms"] = round(first * 1000, 1)
                figures["start_to_first_answer_s"] = round(time.perf_counter() - started, 2)
                reply = user.history[-1].content if user.history else ""
                figures["answer_head"] = reply[:60]
                if settle:
                    await asyncio.sleep(settle)
                samples, floor = [], []
                for _ in range(rounds):
                    floor.append(await ask_echo())
                    samples.append(await _ask(user, QUESTION))
                figures.update(_figures(samples))
                echo = _figures(floor)
                figures["echo"] = echo
                figures["median_ratio"] = round(figures["median_ms"] / echo["median_ms"], 2)
                figures["p95_ratio"] = round(figures["p95_ms"] / echo["p95_ms"], 2)
                # The read floor, asked in turn with the echo in the same way, after the bot's
                # rounds (between the echo and the bot it would change what it measures).
                read_floor, read_echo = [], []
                async with read_floor_bot(url, built) as ask_read_floor:
                    for _ in range(rounds):
                        read_echo.append(await ask_echo())
                        read_floor.append(await ask_read_floor())
                read, beside = _figures(read_floor), _figures(read_echo)
                read_ratio = round(read["median_ms"] / beside["median_ms"], 2)
                figures["read_floor"] = {
                    **read,
                    "echo": beside,
                    "median_ratio_to_echo": read_ratio,
                }
                figures["median_ratio_to_read_floor"] = round(
                    figures["median_ratio"] / read_ratio, 2
                )
            finally:
                await app.dispatcher.stop_polling()
                await asyncio.wait_for(polling, 30)
                await app.close()
    finally:
        if url.startswith("postgresql"):
            await _cleanup(url, built)
    return figures


def _line(case: dict[str, Any]) -> str:
    read = case["read_floor"]
    return (
        f"  bot {case['median_ms']} ms = {case['median_ratio']}× the echo"
        f" ({case['echo']['median_ms']} ms), p95 {case['p95_ratio']}×;"
        f" read floor {read['median_ms']} ms = {read['median_ratio_to_echo']}× the echo"
        f" ({read['echo']['median_ms']} ms);"
        f" bot = {case['median_ratio_to_read_floor']}× the read floor"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--measures", type=int, nargs="+", default=[10, 10_000])
    parser.add_argument("--settle", type=float, default=0, help="seconds to wait after start")
    args = parser.parse_args()

    results: dict[str, Any] = {"question": QUESTION, "rounds": args.rounds}
    async with echo_bot() as ask_echo:
        results["echo"] = _figures([await ask_echo() for _ in range(args.rounds)])
        print("echo floor alone:", results["echo"], flush=True)
        with tempfile.TemporaryDirectory() as directory:
            for measures in args.measures:
                url = f"sqlite+aiosqlite:///{Path(directory) / f'latency-{measures}.db'}"
                case = await bot_case(
                    url, measures, args.rounds, Path(directory) / "files", ask_echo, args.settle
                )
                results[f"sqlite_{measures}"] = case
                print(f"sqlite, {measures} measures:", case, flush=True)
                print(_line(case), flush=True)
            postgres = os.environ.get("TEST_DATABASE_URL")
            if postgres:
                from bot.settings import normalise_database_url

                measures = max(args.measures)
                case = await bot_case(
                    normalise_database_url(postgres),
                    measures,
                    args.rounds,
                    Path(directory) / "pf",
                    ask_echo,
                )
                results[f"postgresql_{measures}"] = case
                print(f"postgresql, {measures} measures:", case, flush=True)
                print(_line(case), flush=True)
                redis = os.environ.get("TEST_REDIS_URL")
                if redis:
                    case = await bot_case(
                        normalise_database_url(postgres),
                        measures,
                        args.rounds,
                        Path(directory) / "pr",
                        ask_echo,
                        redis_url=redis,
                    )
                    results[f"postgresql_redis_{measures}"] = case
                    print(f"postgresql + redis, {measures} measures:", case, flush=True)
                    print(_line(case), flush=True)
            else:
                print("postgresql: skipped (TEST_DATABASE_URL is not set)")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
