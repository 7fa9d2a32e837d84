"""Fixing measures in the bot: what an edit costs, and what re-applying edits adds to a
re-import.

Run: .venv/bin/python bench/edits.py [--measures 600]

A plan of N measures (one in ten with a deadline phrase the importer cannot read) is stored
on SQLite; then:
- edit: `edit_measure` setting a deadline («ежегодно, сентябрь»), a commit each (it re-plans
  the measure's occurrences and reminders), median and max over the unclear measures;
- reimport: `store_roadmap` of the same plan again, before any edit and after every unclear
  measure was edited (each edit is then applied again), median of 3 runs each.
The last line is one JSON object with all the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.imports import store_roadmap
from bot.measure_edits import edit_measure, unclear_measures
from bot.roadmap.deadlines import parse_deadline
from bot.roadmap.edits import EditField
from bot.roadmap.model import ParsedMeasure, ParsedRoadmap, Section
from bot.services import Identity
from storage.db import create_engine, create_session_factory, upgrade_sync
from storage.models import Role
from storage.uow import UnitOfWork

NOW = datetime(2022, 5, 16, 6, 0, tzinfo=UTC)
PERIOD = (2022, 2024)


def _plan(n: int) -> ParsedRoadmap:
    measures = []
    for i in range(1, n + 1):
        phrase = "будет определён позднее" if i % 10 == 0 else "ежегодно, май"
        person = f"Сотрудник{i % 40:02d} А.А."
        measures.append(
            ParsedMeasure(
                number=f"1.{i}",
                section="1",
                title=f"Мероприятие {i}",
                deadline_raw=phrase,
                schedule=parse_deadline(phrase, PERIOD),
                persons=[person],
                responsible_raw=person,
            )
        )
    return ParsedRoadmap(
        title="План мероприятий на 2022-2024 годы",
        plan_period=PERIOD,
        sections=[Section("1", "Раздел")],
        measures=measures,
    )


async def _reimport(factory, organisation_id: int, plan: ParsedRoadmap) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    async with UnitOfWork(factory) as uow:
        await store_roadmap(uow, organisation_id=organisation_id, parsed=plan, now=NOW)
        await uow.commit()
    return time.perf_counter() - started


async def main(url: str, n: int) -> dict[str, object]:
    engine = create_engine(url)
    factory = create_session_factory(engine)
    plan = _plan(n)
    async with UnitOfWork(factory) as uow:
        organisation = await uow.organisations.add(
            name="Гимназия", timezone="Europe/Moscow", now=NOW
        )
        result = await store_roadmap(uow, organisation_id=organisation.id, parsed=plan, now=NOW)
        coordinator = await uow.people.add(full_name="Координатор К.К.", now=NOW)
        await uow.people.add_membership(
            organisation_id=organisation.id,
            person_id=coordinator.id,
            role=Role.COORDINATOR,
            now=NOW,
        )
        await uow.commit()
        organisation_id, roadmap_id, coordinator_id = (
            organisation.id,
            result.roadmap_id,
            coordinator.id,
        )
    await _reimport(factory, organisation_id, plan)  # warm-up: caches, the first re-read
    before = sorted([await _reimport(factory, organisation_id, plan) for _ in range(3)])

    async with UnitOfWork(factory) as uow:
        unclear = await unclear_measures(uow, roadmap_id)
    edits: list[float] = []
    for measure_id, _label in unclear:
        async with UnitOfWork(factory) as uow:
            identity = Identity(
                telegram_user_id=1,
                person=await uow.people.get(coordinator_id),
                membership=await uow.people.membership(organisation_id, coordinator_id),
                organisation=await uow.organisations.get(organisation_id),
            )
            started = time.perf_counter()
            await edit_measure(
                uow, identity, measure_id, EditField.DEADLINE, "ежегодно, сентябрь", now=NOW
            )
            edits.append(time.perf_counter() - started)
    after = sorted([await _reimport(factory, organisation_id, plan) for _ in range(3)])
    async with UnitOfWork(factory) as uow:
        left = len(await unclear_measures(uow, roadmap_id))
        kept = len(await uow.roadmaps.edits(roadmap_id))
    await engine.dispose()
    return {
        "measures": n,
        "unclear": len(unclear),
        "unclear_after_edits": left,
        "edits_in_force_after_reimport": kept,
        "edit_ms_median": round(statistics.median(edits) * 1000, 1),
        "edit_ms_max": round(max(edits) * 1000, 1),
        "reimport_ms_without_edits": round(before[1] * 1000, 1),
        "reimport_ms_with_edits": round(after[1] * 1000, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--measures", type=int, default=600)
    database = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    upgrade_sync(database)  # runs its own event loop: before ours
    figures = asyncio.run(main(database, parser.parse_args().measures))
    print(f"{figures['measures']} measures, {figures['unclear']} with a deadline not understood")
    print(
        f"edit (deadline, re-plan, commit): median {figures['edit_ms_median']} ms, "
        f"max {figures['edit_ms_max']} ms"
    )
    print(
        f"re-import: {figures['reimport_ms_without_edits']} ms without edits, "
        f"{figures['reimport_ms_with_edits']} ms with {figures['edits_in_force_after_reimport']} "
        "edits applied again"
    )
    print(json.dumps(figures, ensure_ascii=False))
