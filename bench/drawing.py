"""What an officer waits for while a coordinator takes the execution report.

A 10,000-measure plan's XLSX takes seconds of CPU to write. The officer's question
(«что у меня в мае») is timed through the fake Bot API, end to end, three ways in one run
of the same bot on the same data: with nothing else going on (the floor), while the
coordinator takes `/export` again and again with the report written in a thread of the
bot's process (`RENDER_PROCESSES=0`, the old way), and the same with the report written in
the drawing process (`RENDER_PROCESSES=1`, bot.offload). Printed per case: the question's
median, p95 and max, the longest the event loop was held (a 1 ms sleep woken late), and how
long each export took from `/export` to the file.

    .venv/bin/python bench/drawing.py [--measures 10000] [--rounds 40]

SQLite. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import update  # noqa: E402

from bench.latency import MOMENT, QUESTION, USER_ID, _ask, _figures, _seed  # noqa: E402
from bot.app import build_app  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.db import create_engine, create_session_factory  # noqa: E402
from storage.models import Membership, Person  # noqa: E402
from tests.fake_telegram import FakeTelegram, FakeUser  # noqa: E402

COORDINATOR_ID = 70_000_002


async def _make_coordinator(url: str, built: dict[str, Any]) -> None:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            person_id = built["person_ids"][0]
            await session.execute(
                update(Person)
                .where(Person.id == person_id)
                .values(telegram_user_id=COORDINATOR_ID, chat_id=COORDINATOR_ID)
            )
            await session.execute(
                update(Membership)
                .where(Membership.person_id == person_id)
                .values(role="coordinator")
            )
            await session.commit()
    finally:
        await engine.dispose()


async def _exports(coordinator: FakeUser, stop: asyncio.Event, times: list[float]) -> None:
    """`/export` again and again until told to stop; each timed until its file arrives."""
    while not stop.is_set():
        started = time.perf_counter()
        await coordinator.send_text("/export")
        await coordinator.wait_for_message(lambda m: m.document is not None, timeout=120)
        times.append(time.perf_counter() - started)
        coordinator._cursor = len(coordinator._bot_messages)


async def _watch_loop(stalls: list[float], stop: asyncio.Event) -> None:
    """How late a 1 ms sleep wakes: the longest the event loop was held by something."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.001)
        stalls.append(time.perf_counter() - started - 0.001)


async def case(url: str, files: Path, processes: int, rounds: int, busy: bool) -> dict[str, Any]:
    async with FakeTelegram(token="3333:DRAWING") as tg:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=tg.token,
            telegram_api_url=tg.base_url,
            database_url=url,
            files_dir=files,
            render_processes=processes,
        )
        officer = tg.user(USER_ID)
        coordinator = tg.user(COORDINATOR_ID)
        app = await build_app(settings, FixedClock(MOMENT))
        polling = asyncio.create_task(
            app.dispatcher.start_polling(app.bot, handle_signals=False, polling_timeout=1)
        )
        stop = asyncio.Event()
        export_times: list[float] = []
        stalls: list[float] = []
        watching = asyncio.create_task(_watch_loop(stalls, stop))
        try:
            await _ask(officer, QUESTION)  # warm
            exporting = None
            if busy:
                # One export first, so that the drawing process has started and imported
                # what it writes with: a running bot pays that once, not per question.
                await _exports_once(coordinator)
                exporting = asyncio.create_task(_exports(coordinator, stop, export_times))
                await asyncio.sleep(0.5)
            samples = [await _ask(officer, QUESTION, timeout=120) for _ in range(rounds)]
            stop.set()
            if exporting is not None:
                await asyncio.wait_for(exporting, 120)
            await watching
        finally:
            await app.dispatcher.stop_polling()
            await asyncio.wait_for(polling, 30)
            await app.close()
    figures: dict[str, Any] = _figures(samples)
    figures["max_ms"] = round(max(samples) * 1000, 1)
    figures["longest_loop_stall_ms"] = round(max(stalls) * 1000, 1)
    if export_times:
        figures["exports"] = len(export_times)
        figures["export_median_s"] = round(sorted(export_times)[len(export_times) // 2], 2)
    return figures


async def _exports_once(coordinator: FakeUser) -> None:
    await coordinator.send_text("/export")
    await coordinator.wait_for_message(lambda m: m.document is not None, timeout=120)
    coordinator._cursor = len(coordinator._bot_messages)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    results: dict[str, Any] = {"question": QUESTION, "measures": args.measures}
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'drawing.db'}"
        built = await _seed(url, args.measures)
        await _make_coordinator(url, built)
        files = Path(directory) / "files"
        results["idle"] = await case(url, files, 1, args.rounds, busy=False)
        print("floor, nothing else going on:", results["idle"], flush=True)
        results["export_in_thread"] = await case(url, files, 0, args.rounds, busy=True)
        print("while exporting, report in a thread:", results["export_in_thread"], flush=True)
        results["export_in_process"] = await case(url, files, 1, args.rounds, busy=True)
        print("while exporting, report in a process:", results["export_in_process"], flush=True)
    for name in ("export_in_thread", "export_in_process"):
        for figure in ("median_ms", "p95_ms"):
            ratio = results[name][figure] / results["idle"][figure]
            results[name][figure.replace("_ms", "_ratio")] = round(ratio, 2)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
