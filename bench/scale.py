"""A region on one bot: reminder planning at 100 organisations, and questions meanwhile.

Builds N organisations (default 100) × 300 measures × 20 people, everyone joined and
reachable, by bulk inserts (monthly, quarterly, yearly and continuous measures over
2022–2024, each assigned to one or two people). Then the real bot starts (build_app, long
polling against the fake Bot API server): its start-up planning job plans the first days of
every organisation while a person asks «что у меня в мае» again and again; an echo bot
through another fake server in the same run is the floor. Printed:

* plan_s: start to every organisation planned (the bot's own start-up job);
* question median/p99 during that planning, and in the first 10 s after start (the same
  start-up work whatever its speed: a fair comparison between runs), and the echo floor's;
* noop_s: a re-plan with nothing to add (as at the next start or tick);
* next_day_s: planning the next day for every organisation (the morning's work);
* reminder rows, peak RSS of the process.

Aims (issue 12): no-op re-plan ≤ 2 s; question p99 during planning ≤ 200 ms.

    .venv/bin/python bench/scale.py [--orgs 100] [--postgres]

On SQLite; with --postgres and TEST_DATABASE_URL set, on PostgreSQL too (its rows removed
afterwards). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, insert, select  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from bench.latency import QUESTION, echo_floor  # noqa: E402
from bench.summaries import _ids, _insert  # noqa: E402
from bot.app import build_app  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.reminders.outbox import plan_due  # noqa: E402
from bot.runner import background_jobs  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.db import create_engine, create_session_factory, upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    Assignment,
    Measure,
    Membership,
    Occurrence,
    Organisation,
    Person,
    Reminder,
    Roadmap,
)
from storage.statistics import refresh_now  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402

MEASURES, PEOPLE = 300, 20
# A Monday in June: «в мае» is the May just past; reminders are due around this week.
MOMENT = datetime(2022, 6, 6, 4, 0, tzinfo=UTC)
CREATED = datetime(2022, 1, 10, 9, 0, tzinfo=UTC)
FIRST_TELEGRAM_ID = 80_000_000
SCHEDULES = ("monthly", "quarterly", "yearly", "continuous")
FIRST_WINDOW = 10  # seconds after start whose questions are also reported apart


def _windows(kind: str, i: int) -> list[tuple[date, date, bool]]:
    """(window_start, due, is_span) of a measure over 2022–2024."""
    day = 5 + i % 20
    if kind == "continuous":
        return [(date(2022, 1, 1), date(2024, 12, 31), True)]
    if kind == "yearly":
        month = 1 + i % 12
        return [(date(y, month, 1), date(y, month, day), False) for y in (2022, 2023, 2024)]
    step = 1 if kind == "monthly" else 3
    return [
        (date(y, m, 1), date(y, m, day), False)
        for y in (2022, 2023, 2024)
        for m in range(step, 13, step)
    ]


async def build(session: AsyncSession, orgs: int) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:6]
    org_ids = await _ids(
        session,
        Organisation,
        [
            {
                "name": f"Школа {tag}-{n}",
                "timezone": ("Europe/Moscow", "Asia/Yekaterinburg", "Asia/Vladivostok")[n % 3],
                "language": "ru",
                "morning_hour": 9,
                "one_report_closes": True,
                "created_at": CREATED,
            }
            for n in range(orgs)
        ],
    )
    person_ids = await _ids(
        session,
        Person,
        [
            {
                "full_name": f"Сотрудник{n:03d}-{k:02d} А.Б.",
                "telegram_user_id": FIRST_TELEGRAM_ID + n * PEOPLE + k,
                "chat_id": FIRST_TELEGRAM_ID + n * PEOPLE + k,
                "created_at": CREATED,
            }
            for n in range(orgs)
            for k in range(PEOPLE)
        ],
    )
    await session.execute(
        insert(Membership),
        [
            {
                "organisation_id": org_id,
                "person_id": person_ids[n * PEOPLE + k],
                "role": "coordinator" if k == 0 else "officer",
                "joined_at": CREATED,
                "created_at": CREATED,
            }
            for n, org_id in enumerate(org_ids)
            for k in range(PEOPLE)
        ],
    )
    roadmap_ids = await _ids(
        session,
        Roadmap,
        [
            {
                "organisation_id": org_id,
                "title": "План мероприятий («дорожная карта») на 2022–2024 годы",
                "period_start": 2022,
                "period_end": 2024,
                "created_at": CREATED,
                "updated_at": CREATED,
            }
            for org_id in org_ids
        ],
    )
    occurrences = 0
    for n, (org_id, roadmap_id) in enumerate(zip(org_ids, roadmap_ids, strict=True)):
        kinds = [SCHEDULES[i % len(SCHEDULES)] for i in range(MEASURES)]
        measure_ids = await _insert(
            session,
            Measure,
            [
                {
                    "roadmap_id": roadmap_id,
                    "number": f"{i // 30 + 1}.{i % 30 + 1}",
                    "title": f"Мероприятие {i}: мониторинг качества образования",
                    "deadline_raw": kinds[i],
                    "schedule_kind": "span" if kinds[i] == "continuous" else "recurring",
                    "schedule": {"kind": "recurring", "windows": []},
                    "responsible_raw": "",
                    "position": i,
                }
                for i in range(MEASURES)
            ],
            Measure.roadmap_id == roadmap_id,
        )
        people = person_ids[n * PEOPLE : (n + 1) * PEOPLE]
        assignments = []
        for i, mid in enumerate(measure_ids):
            owner = {"measure_id": mid, "organisation_id": org_id}
            assignments.append({**owner, "person_id": people[1 + i % (PEOPLE - 1)]})
            if i % 3 == 0:
                assignments.append({**owner, "person_id": people[1 + (i * 7) % (PEOPLE - 1)]})
        await session.execute(insert(Assignment), assignments)
        rows = [
            {
                "measure_id": mid,
                "organisation_id": org_id,
                "window_start": start,
                "due_date": due,
                "is_span": span,
                "status": "open",
            }
            for i, mid in enumerate(measure_ids)
            for start, due, span in _windows(kinds[i], i)
        ]
        await session.execute(insert(Occurrence), rows)
        occurrences += len(rows)
    await session.commit()
    # As after an import: the statistics of the tables that grew (storage.statistics).
    await refresh_now(session)
    return {"org_ids": org_ids, "person_ids": person_ids, "occurrences": occurrences}


async def _reminder_rows(factory: Any, org_ids: list[int]) -> int:
    async with factory() as session:
        count = await session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.organisation_id.in_(org_ids))
        )
    return int(count or 0)


async def _unplanned(factory: Any, now: datetime) -> int:
    async with UnitOfWork(factory) as uow:
        return len(await uow.organisations.needing_plan(now))


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples) or [0.0]
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(p99 * 1000, 1),
    }


async def run(url: str, orgs: int, files_dir: Path, *, cleanup: bool) -> dict[str, Any]:
    await upgrade(url)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    figures: dict[str, Any] = {"organisations": orgs, "measures": orgs * MEASURES}
    started = time.perf_counter()
    async with factory() as session:
        built = await build(session, orgs)
    figures["build_s"] = round(time.perf_counter() - started, 1)
    figures["occurrences"] = built["occurrences"]
    try:
        async with FakeTelegram(token="3333:SCALE") as tg:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                bot_token=tg.token,
                telegram_api_url=tg.base_url,
                database_url=url,
                files_dir=files_dir,
            )
            # An officer of the last organisation: planned last, asking all along.
            user = tg.user(FIRST_TELEGRAM_ID + (orgs - 1) * PEOPLE + 1)
            clock = FixedClock(MOMENT)
            started = time.perf_counter()
            app = await build_app(settings, clock)
            # As `roadmap-bot run` does: polling plus the scheduler, whose start-up job
            # plans every organisation (and whose delivery sends what is due meanwhile).
            jobs = background_jobs(app)
            await jobs.__aenter__()
            polling = asyncio.create_task(
                app.dispatcher.start_polling(app.bot, handle_signals=False, polling_timeout=1)
            )
            samples: list[float] = []
            timed: list[tuple[float, float]] = []  # (asked, seconds after start; latency)
            planned_at: float | None = None
            try:
                # Questions until every organisation is planned and at least FIRST_WINDOW
                # seconds have passed: the start-up jobs' work is the same whatever its
                # speed, so the first seconds compare runs fairly.
                while planned_at is None or time.perf_counter() - started < FIRST_WINDOW:
                    asked = time.perf_counter()
                    await user.send_text(QUESTION)
                    await user.wait_for_message(timeout=120)
                    latency = time.perf_counter() - asked
                    timed.append((asked - started, latency))
                    if planned_at is None:
                        samples.append(latency)
                    user._cursor = len(user._bot_messages)
                    await asyncio.sleep(0.02)
                    if planned_at is None and not await _unplanned(factory, MOMENT):
                        planned_at = time.perf_counter()
                    if time.perf_counter() - started > 1800:
                        raise RuntimeError("planning did not finish in 30 minutes")
                assert planned_at is not None
                figures["plan_s"] = round(planned_at - started, 1)
                figures["questions_during_planning"] = _stats(samples)
                figures[f"questions_first_{FIRST_WINDOW}s"] = _stats(
                    [latency for at, latency in timed if at < FIRST_WINDOW]
                )
                figures["rows"] = await _reminder_rows(factory, built["org_ids"])

                started = time.perf_counter()
                await plan_due(app.session_factory, MOMENT)
                figures["noop_s"] = round(time.perf_counter() - started, 3)

                started = time.perf_counter()
                await plan_due(app.session_factory, MOMENT + timedelta(days=1))
                figures["next_day_s"] = round(time.perf_counter() - started, 1)
                figures["rows_after_next_day"] = await _reminder_rows(factory, built["org_ids"])
            finally:
                await app.dispatcher.stop_polling()
                await asyncio.wait_for(polling, 60)
                await jobs.__aexit__(None, None, None)
                await app.close()
    finally:
        if cleanup:
            async with factory() as session:
                await session.execute(
                    delete(Organisation).where(Organisation.id.in_(built["org_ids"]))
                )
                await session.execute(delete(Person).where(Person.id.in_(built["person_ids"])))
                await session.commit()
        await engine.dispose()
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--postgres", action="store_true", help="also on TEST_DATABASE_URL")
    args = parser.parse_args()
    results: dict[str, Any] = {"echo": await echo_floor(30)}
    print("echo floor:", results["echo"], flush=True)
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'scale.db'}"
        results["sqlite"] = await run(url, args.orgs, Path(directory) / "f", cleanup=False)
        print("sqlite:", results["sqlite"], flush=True)
        postgres = os.environ.get("TEST_DATABASE_URL")
        if args.postgres and postgres:
            from bot.settings import normalise_database_url

            results["postgresql"] = await run(
                normalise_database_url(postgres), args.orgs, Path(directory) / "p", cleanup=True
            )
            print("postgresql:", results["postgresql"], flush=True)
        else:
            print("postgresql: skipped (--postgres with TEST_DATABASE_URL runs it)")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
