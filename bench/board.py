"""Benchmark: the coordinator's board of a municipal plan, 50 schools × 300 measures.

Builds (SQLite in a temporary file; PostgreSQL too when TEST_DATABASE_URL is set, its
organisations removed afterwards) an education office with 50 schools and a plan of 300
measures in 10 sections, each measure one deadline a year per school (15,000 occurrences in
the year; two in five reported, with reports), then serves the board over HTTP on a local
port and times `GET /board/api/view` (the whole board: initData check, role read, the board
read, the grid, the HTML) as a coordinator would request it, against a floor: a bare aiohttp
handler on the same server returning a static page of the same size. Page weight: the shell,
its script and style, and the board, as sent (gzip) and uncompressed.

Aims: server time ≤ 300 ms (median), page weight ≤ 300 KB as sent. The last line printed is
one JSON object.

    .venv/bin/python bench/board.py [--schools 50] [--measures 300] [--runs 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web
from sqlalchemy import delete, insert, select

from bot.board.auth import init_data_for
from bot.clock import FixedClock
from bot.settings import Settings
from handlers.web import BoardContext, mount_board
from storage.db import create_engine, create_session_factory, upgrade
from storage.models import (
    Measure,
    Membership,
    Occurrence,
    Organisation,
    Person,
    Report,
    Roadmap,
    Role,
    Section,
)

TOKEN = "4242:BENCH-TOKEN"
NOW = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
COORDINATOR = 777


async def build(url: str, schools: int, measures: int) -> None:
    await upgrade(url)
    await remove(url)
    engine = create_engine(url)
    rng = random.Random(15)
    try:
        async with create_session_factory(engine)() as session:
            common = {
                "timezone": "Europe/Moscow",
                "language": "ru",
                "morning_hour": 9,
                "one_report_closes": True,
                "created_at": NOW,
            }
            office = (
                await session.execute(
                    insert(Organisation).returning(Organisation.id),
                    [{"name": "Управление образования", "kind": "municipality", **common}],
                )
            ).scalar_one()
            school_ids = list(
                (
                    await session.execute(
                        insert(Organisation).returning(Organisation.id),
                        [
                            {
                                "name": f"МБОУ «Средняя общеобразовательная школа № {i + 1}»",
                                "short_name": f"СОШ № {i + 1}",
                                "kind": "school",
                                "parent_id": office,
                                **common,
                            }
                            for i in range(schools)
                        ],
                    )
                ).scalars()
            )
            person = (
                await session.execute(
                    insert(Person).returning(Person.id),
                    [
                        {
                            "full_name": "Координатор",
                            "telegram_user_id": COORDINATOR,
                            "created_at": NOW,
                        }
                    ],
                )
            ).scalar_one()
            await session.execute(
                insert(Membership),
                [
                    {
                        "organisation_id": office,
                        "person_id": person,
                        "role": Role.COORDINATOR.value,
                        "joined_at": NOW,
                        "created_at": NOW,
                    }
                ],
            )
            roadmap = (
                await session.execute(
                    insert(Roadmap).returning(Roadmap.id),
                    [
                        {
                            "organisation_id": office,
                            "title": "Дорожная карта на 2026 год",
                            "period_start": 2026,
                            "period_end": 2026,
                            "created_at": NOW,
                            "updated_at": NOW,
                        }
                    ],
                )
            ).scalar_one()
            section_ids = list(
                (
                    await session.execute(
                        insert(Section).returning(Section.id),
                        [
                            {
                                "roadmap_id": roadmap,
                                "number": str(i + 1),
                                "title": f"Раздел {i + 1}: обеспечение качества образования",
                                "position": i,
                            }
                            for i in range(10)
                        ],
                    )
                ).scalars()
            )
            measure_ids = list(
                (
                    await session.execute(
                        insert(Measure).returning(Measure.id),
                        [
                            {
                                "roadmap_id": roadmap,
                                "section_id": section_ids[i * 10 // measures],
                                "number": f"{i * 10 // measures + 1}.{i + 1}",
                                "title": "Проведение мониторинга образовательных результатов "
                                f"обучающихся и анализ данных, этап {i + 1}",
                                "deadline_raw": "ежегодно",
                                "schedule_kind": "once",
                                "schedule": {"kind": "once", "windows": [], "warnings": []},
                                "responsible_raw": "ОО",
                                "position": i,
                            }
                            for i in range(measures)
                        ],
                    )
                ).scalars()
            )
            rows = []
            for index, measure in enumerate(measure_ids):
                due = date(2026, index % 12 + 1, 15)
                for school in school_ids:
                    status = rng.choices(
                        ["open", "done", "partial", "postponed", "not_done"], [60, 28, 6, 3, 3]
                    )[0]
                    rows.append(
                        {
                            "measure_id": measure,
                            "organisation_id": school,
                            "window_start": due - timedelta(days=30),
                            "due_date": due,
                            "is_span": False,
                            "status": status,
                            "postponed_to": due + timedelta(days=60)
                            if status == "postponed"
                            else None,
                        }
                    )
            for start in range(0, len(rows), 5000):
                await session.execute(insert(Occurrence), rows[start : start + 5000])
            closed = (
                await session.execute(
                    select(Occurrence.id, Occurrence.status).where(Occurrence.status != "open")
                )
            ).all()
            reports = [
                {
                    "occurrence_id": oid,
                    "person_id": person,
                    "status": status,
                    "text": "Выполнено, протокол приложен",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for oid, status in closed
            ]
            for start in range(0, len(reports), 5000):
                await session.execute(insert(Report), reports[start : start + 5000])
            await session.commit()
    finally:
        await engine.dispose()


async def remove(url: str) -> None:
    """Take the benchmark's organisations and person out (PostgreSQL: a shared database)."""
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            offices = select(Organisation.id).where(
                Organisation.name == "Управление образования", Organisation.kind == "municipality"
            )
            await session.execute(delete(Organisation).where(Organisation.parent_id.in_(offices)))
            await session.execute(delete(Organisation).where(Organisation.id.in_(offices)))
            await session.execute(delete(Person).where(Person.telegram_user_id == COORDINATOR))
            await session.commit()
    finally:
        await engine.dispose()


async def measure(url: str, files: Path, runs: int) -> dict[str, Any]:
    engine = create_engine(url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        database_url=url,
        files_dir=files,
    )
    web_app = web.Application()
    mount_board(
        web_app,
        BoardContext(
            settings=settings,
            clock=FixedClock(NOW),
            session_factory=create_session_factory(engine),
        ),
    )
    floor_page = {"body": b""}

    async def floor(request: web.Request) -> web.Response:
        response = web.Response(body=floor_page["body"], content_type="text/html")
        response.enable_compression()
        return response

    web_app.router.add_get("/floor", floor)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    tma = init_data_for(COORDINATOR, TOKEN, auth_date=NOW)
    headers = {"Authorization": f"tma {tma}", "Accept-Encoding": "gzip"}
    try:
        async with aiohttp.ClientSession(auto_decompress=False) as client:

            async def get(path: str, auth: bool = True) -> tuple[float, int, bytes, int]:
                started = time.perf_counter()
                async with client.get(
                    base + path, headers=headers if auth else {"Accept-Encoding": "gzip"}
                ) as response:
                    sent = await response.read()
                    elapsed = time.perf_counter() - started
                    assert response.status == 200, (path, response.status)
                    raw = len(sent)
                    if response.headers.get("Content-Encoding") == "gzip":
                        import gzip

                        body = gzip.decompress(sent)
                    else:
                        body = sent
                    return elapsed, raw, body, len(body)

            await get("/board/api/view")  # warm-up: templates, connections
            board_times = []
            for _ in range(runs):
                elapsed, sent, body, size = await get("/board/api/view")
                board_times.append(elapsed)
            cells = body.count(b"<td class=") - body.count(b'<td class="t">')
            floor_page["body"] = body
            await get("/floor", auth=False)
            floor_times = [(await get("/floor", auth=False))[0] for _ in range(runs)]
            shell = await get("/board/", auth=False)
            script = await get("/board/static/board.js", auth=False)
            style = await get("/board/static/board.css", auth=False)
    finally:
        await runner.cleanup()
        await engine.dispose()
    sent_total = sent + shell[1] + script[1] + style[1]
    raw_total = size + shell[3] + script[3] + style[3]
    return {
        "board_ms_median": round(statistics.median(board_times) * 1000, 1),
        "board_ms_max": round(max(board_times) * 1000, 1),
        "floor_ms_median": round(statistics.median(floor_times) * 1000, 2),
        "cells_coloured": cells,
        "page_kb_sent": round(sent_total / 1024, 1),
        "page_kb_uncompressed": round(raw_total / 1024, 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--measures", type=int, default=300)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as directory:
        urls = {"sqlite": f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"}
        postgres = os.environ.get("TEST_DATABASE_URL")
        if postgres:
            from bot.settings import normalise_database_url

            urls["postgresql"] = normalise_database_url(postgres)
        else:
            print("postgresql: skipped (TEST_DATABASE_URL is not set)")
        for engine_name, url in urls.items():
            started = time.perf_counter()
            await build(url, args.schools, args.measures)
            print(
                f"{engine_name}: built {args.schools} schools × {args.measures} measures "
                f"in {time.perf_counter() - started:.1f} s"
            )
            try:
                results[engine_name] = await measure(url, Path(directory) / "files", args.runs)
            finally:
                if engine_name != "sqlite":
                    await remove(url)
    figures: dict[str, Any] = {"schools": args.schools, "measures": args.measures, **results}
    figures["server_ok"] = all(r["board_ms_median"] <= 300 for r in results.values())
    figures["weight_ok"] = all(r["page_kb_sent"] <= 300 for r in results.values())
    for key, value in figures.items():
        print(f"{key}: {value}")
    # The last line: one JSON object.
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
