"""Benchmark: summary, XLSX and DOCX export of a big plan, on SQLite and PostgreSQL.

Builds an organisation with 10,000 measures, 50,000 occurrences and 20,000 reports by bulk
inserts (on SQLite in a temporary file; on PostgreSQL too when TEST_DATABASE_URL is set,
in its own organisation, removed afterwards), analyses the tables that grew as the bot does
after an import (storage.statistics), then times for the whole plan period:

* summary: read (storage.read_summaries) + compute + the message text;
* xlsx / docx: read_plan + the export.

Aims: summary < 1 s, each export < 5 s. The last line printed is one JSON object.

    .venv/bin/python bench/summaries.py [--measures 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.exports.docx import plan_docx
from bot.exports.xlsx import plan_xlsx
from bot.summaries import compute_summary, render_summary_text
from storage.db import create_engine, create_session_factory, upgrade
from storage.models import (
    Assignment,
    Attachment,
    Measure,
    Membership,
    Occurrence,
    Organisation,
    Person,
    Reminder,
    Report,
    Roadmap,
    Section,
    Unit,
    UnitMember,
)
from storage.read_summaries import read_plan, read_summary_data
from storage.statistics import refresh_now

NOW = datetime(2022, 1, 10, 9, 0, tzinfo=UTC)
TODAY = date(2023, 6, 15)
PLAN_START, PLAN_END = date(2022, 1, 1), date(2024, 12, 31)
RUNS = 3  # per figure: the first (cold) and the best of the others (warm)
STATUSES = ["done"] * 5 + ["partial", "postponed", "not_done"] + ["open"] * 4


async def _ids(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert, returning the new ids in the order of `rows`."""
    ids: list[int] = []
    for offset in range(0, len(rows), 5000):
        result = await session.scalars(
            insert(model).returning(model.id, sort_by_parameter_order=True),
            rows[offset : offset + 5000],
        )
        ids.extend(result.all())
    return ids


async def _insert(
    session: AsyncSession, model: Any, rows: list[dict[str, Any]], scope: Any
) -> list[int]:
    """Plain bulk insert (executemany), then the new ids in insertion order.

    Cheaper than RETURNING on both engines; ids grow with insertion order in one transaction.
    """
    await session.execute(insert(model), rows)
    ids = list((await session.scalars(select(model.id).where(scope).order_by(model.id))).all())
    assert len(ids) == len(rows), (model, len(ids), len(rows))
    return ids


async def build(session: AsyncSession, measures: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    occurrences_per_measure = 5
    n_reports = measures * 2
    org_id = (
        await _ids(
            session,
            Organisation,
            [
                {
                    "name": f"Бенчмарк {uuid.uuid4().hex[:8]}",
                    "timezone": "Europe/Moscow",
                    "language": "ru",
                    "morning_hour": 9,
                    "one_report_closes": True,
                    "created_at": NOW,
                }
            ],
        )
    )[0]
    person_ids = await _ids(
        session,
        Person,
        [{"full_name": f"Сотрудник{i:03d} А.Б.", "created_at": NOW} for i in range(200)],
    )
    await session.execute(
        insert(Membership),
        [
            {
                "organisation_id": org_id,
                "person_id": pid,
                "role": "officer",
                "joined_at": NOW if i % 4 else None,
                "created_at": NOW,
            }
            for i, pid in enumerate(person_ids)
        ],
    )
    unit_ids = await _ids(
        session,
        Unit,
        [{"organisation_id": org_id, "name": f"Отдел {i}", "created_at": NOW} for i in range(20)],
    )
    await session.execute(
        insert(UnitMember),
        [{"unit_id": uid, "person_id": person_ids[i * 5]} for i, uid in enumerate(unit_ids)],
    )
    roadmap_id = (
        await _ids(
            session,
            Roadmap,
            [
                {
                    "organisation_id": org_id,
                    "title": "План мероприятий («дорожная карта») на 2022–2024 годы",
                    "period_start": 2022,
                    "period_end": 2024,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            ],
        )
    )[0]
    n_sections = max(1, measures // 200)
    section_ids = await _ids(
        session,
        Section,
        [
            {
                "roadmap_id": roadmap_id,
                "number": str(i + 1),
                "title": f"Раздел {i + 1}",
                "position": i,
            }
            for i in range(n_sections)
        ],
    )
    measure_ids = await _insert(
        session,
        Measure,
        [
            {
                "roadmap_id": roadmap_id,
                "section_id": section_ids[i * n_sections // measures],
                "number": f"{i * n_sections // measures + 1}.{i % 200 + 1}",
                "title": f"Мероприятие {i}: проведение мониторинга качества образования "
                "в общеобразовательных организациях района",
                "deadline_raw": "ежеквартально, до 25 числа последнего месяца квартала",
                "schedule_kind": "recurring",
                "schedule": {"kind": "recurring", "windows": []},
                "responsible_raw": "",
                "position": i,
            }
            for i in range(measures)
        ],
        Measure.roadmap_id == roadmap_id,
    )
    in_plan = select(Measure.id).where(Measure.roadmap_id == roadmap_id)
    assignments = []
    for i, mid in enumerate(measure_ids):
        owner = {"measure_id": mid, "organisation_id": org_id}
        assignments.append({**owner, "person_id": person_ids[i % 200]})
        if i % 3 == 0:
            assignments.append({**owner, "person_id": person_ids[(i * 7 + 1) % 200]})
        if i % 4 == 0:
            assignments.append({**owner, "unit_id": unit_ids[i % 20]})
    await session.execute(insert(Assignment), assignments)

    days = (PLAN_END - PLAN_START).days
    occurrence_rows = []
    for i, mid in enumerate(measure_ids):
        span = i % 20 == 0
        for k in range(occurrences_per_measure):
            if span:
                start = PLAN_START + timedelta(days=k * days // occurrences_per_measure)
                due = start + timedelta(days=days // occurrences_per_measure - 1)
            else:
                due = PLAN_START + timedelta(days=rng.randrange(days))
                start = due - timedelta(days=20)
            status = "open" if due >= TODAY else rng.choice(STATUSES)
            occurrence_rows.append(
                {
                    "measure_id": mid,
                    "organisation_id": org_id,
                    "window_start": start,
                    "due_date": due + timedelta(days=k),  # unique per measure
                    "is_span": span,
                    "status": status,
                    "postponed_to": due + timedelta(days=30) if status == "postponed" else None,
                }
            )
    occurrence_ids = await _insert(
        session, Occurrence, occurrence_rows, Occurrence.measure_id.in_(in_plan)
    )

    reported = rng.sample(range(len(occurrence_ids)), n_reports)
    report_rows = []
    for n, index in enumerate(reported):
        row = occurrence_rows[index]
        created = datetime.combine(row["due_date"], datetime.min.time(), tzinfo=UTC)
        report_rows.append(
            {
                "occurrence_id": occurrence_ids[index],
                "person_id": person_ids[n % 200],
                "status": row["status"] if row["status"] != "open" else "done",
                "text": f"Выполнено: подготовлена справка № {n}, направлена в управление.",
                "created_at": created,
                "updated_at": created,
                "withdrawn_at": created + timedelta(hours=1) if n % 25 == 0 else None,
            }
        )
    report_ids = await _insert(
        session,
        Report,
        report_rows,
        Report.occurrence_id.in_(select(Occurrence.id).where(Occurrence.measure_id.in_(in_plan))),
    )
    await session.execute(
        insert(Attachment),
        [
            {
                "report_id": rid,
                "kind": "document",
                "telegram_file_id": f"f{rid}",
                "telegram_file_unique_id": f"u{rid}",
                "file_name": f"справка_{rid}.pdf",
                "created_at": NOW,
            }
            for rid in report_ids[::4]
        ],
    )
    await session.execute(
        insert(Reminder),
        [
            {
                "organisation_id": org_id,
                "occurrence_id": occurrence_ids[i],
                "person_id": person_ids[i % 200],
                "kind": "due_in_7",
                "fire_at": NOW,
                "state": "failed",
            }
            for i in range(0, len(occurrence_ids), 100)
        ],
    )
    await session.commit()
    # As after an import: the statistics of the tables that grew (storage.statistics).
    await refresh_now(session)
    return {
        "organisation_id": org_id,
        "roadmap_id": roadmap_id,
        "person_ids": person_ids,
        "occurrences": len(occurrence_ids),
        "reports": len(report_ids),
    }


def _timed(started: float) -> float:
    return round(time.perf_counter() - started, 3)


async def run(url: str, measures: int, *, cleanup: bool) -> dict[str, Any]:
    await upgrade(url)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    figures: dict[str, Any] = {"measures": measures}
    try:
        started = time.perf_counter()
        async with factory() as session:
            built = await build(session, measures)
        figures["build_s"] = _timed(started)
        figures["occurrences"] = built["occurrences"]
        figures["reports"] = built["reports"]

        org_id, roadmap_id = built["organisation_id"], built["roadmap_id"]

        async def summary() -> dict[str, Any]:
            async with factory() as session:
                data = await read_summary_data(session, org_id, PLAN_START, PLAN_END)
            pages = render_summary_text(compute_summary(data, TODAY), "ru")
            return {"occurrences": len(data.occurrences), "pages": len(pages)}

        async def xlsx() -> dict[str, Any]:
            async with factory() as session:
                plan = await read_plan(session, roadmap_id, PLAN_START, PLAN_END)
            return {"bytes": len(plan_xlsx(plan, TODAY).content)}

        async def docx() -> dict[str, Any]:
            async with factory() as session:
                plan = await read_plan(session, roadmap_id, PLAN_START, PLAN_END)
            return {"bytes": len(plan_docx(plan, TODAY).content)}

        for name, job in (("summary", summary), ("xlsx", xlsx), ("docx", docx)):
            times = []
            for _ in range(RUNS):
                started = time.perf_counter()
                details = await job()
                times.append(_timed(started))
            # The first run pays one-off costs (statement compilation, locale data, imports);
            # the best of the rest is what a running bot sees.
            figures[f"{name}_first_s"] = times[0]
            figures[f"{name}_s"] = min(times[1:]) if len(times) > 1 else times[0]
            figures.update({f"{name}_{key}": value for key, value in details.items()})

        if cleanup:
            async with factory() as session:
                await session.execute(
                    delete(Organisation).where(Organisation.id == built["organisation_id"])
                )
                await session.execute(delete(Person).where(Person.id.in_(built["person_ids"])))
                await session.commit()
    finally:
        await engine.dispose()
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=10_000)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        results["sqlite"] = await run(url, args.measures, cleanup=False)
    print("sqlite:", results["sqlite"])
    postgres = os.environ.get("TEST_DATABASE_URL")
    if postgres:
        from bot.settings import normalise_database_url

        results["postgresql"] = await run(
            normalise_database_url(postgres), args.measures, cleanup=True
        )
        print("postgresql:", results["postgresql"])
    else:
        print("postgresql: skipped (TEST_DATABASE_URL is not set)")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
