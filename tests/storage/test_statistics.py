"""Statistics after a bulk write: on PostgreSQL the tables an import (or new member schools)
grew by many rows are analysed after the commit; small writes, rolled-back writes and SQLite
leave the statistics alone (storage.statistics)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.import_flow import save_roadmap
from bot.imports import store_roadmap
from bot.member_list import parse_member_lines
from bot.members import add_members
from bot.roadmap.model import Schedule, ScheduleKind, Window
from storage import statistics
from storage.db import refresh_statistics
from storage.models import Occurrence
from storage.uow import UnitOfWork
from tests.e2e.seed import save_text_plan
from tests.factories import make_measure, make_roadmap

NOW = datetime(2022, 1, 17, 6, 0, tzinfo=UTC)
MONTHLY = Schedule(
    kind=ScheduleKind.RECURRING,
    windows=[
        Window(date(y, m, 1), date(y, m, 28)) for y in (2022, 2023, 2024) for m in range(1, 13)
    ],
)


def _plan(measures: int):  # type: ignore[no-untyped-def]
    return make_roadmap(
        [
            make_measure(
                f"1.{n}", f"Отчёт о мониторинге № {n}", persons=["Бобров В.С."], schedule=MONTHLY
            )
            for n in range(1, measures + 1)
        ]
    )


async def _analysed(engine: AsyncEngine) -> dict[str, int]:
    """How many times each table was analysed by hand (autovacuum counts apart); {} on
    SQLite. A connection of its own: the statistics views keep a snapshot per transaction."""
    if engine.dialect.name != "postgresql":
        return {}
    async with engine.connect() as connection:
        result = await connection.execute(
            text("SELECT relname, analyze_count FROM pg_stat_user_tables")
        )
        return {name: int(count) for name, count in result.all()}


async def _sqlite_has_statistics(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        result = await connection.execute(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        )
        return bool(result.scalar())


async def _organisation(session_factory, name: str = "Гимназия", kind: str = "school") -> int:  # type: ignore[no-untyped-def]
    async with UnitOfWork(session_factory) as uow:
        organisation = await uow.organisations.add(
            name=name, timezone="Europe/Kaliningrad", now=NOW, kind=kind
        )
        await uow.commit()
        return organisation.id


async def _import(session_factory, organisation_id: int, measures: int):  # type: ignore[no-untyped-def]
    async with UnitOfWork(session_factory) as uow:
        return await save_roadmap(
            uow,
            organisation_id=organisation_id,
            parsed=_plan(measures),
            now=NOW,
            source_name="plan.xlsx",
            source_sha256=None,
        )


async def test_an_import_analyses_the_tables_it_grew(engine, session_factory) -> None:  # type: ignore[no-untyped-def]
    organisation_id = await _organisation(session_factory)
    before = await _analysed(engine)

    # 40 monthly measures over three years: 1,440 occurrences, 40 measures.
    confirmed = await _import(session_factory, organisation_id, 40)
    await statistics.wait_for_refreshes()

    assert confirmed.result.created
    async with session_factory() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(Occurrence)
            .where(Occurrence.organisation_id == organisation_id)
        )
    assert stored == 40 * 36 >= statistics.ANALYZE_AFTER_ROWS
    after = await _analysed(engine)
    if engine.dialect.name == "postgresql":
        assert after["occurrence"] == before["occurrence"] + 1
        # Only the tables that grew past the threshold: 40 measures are not worth it.
        assert after["measure"] == before["measure"]
        assert after["assignment"] == before["assignment"]
    else:
        # SQLite: nothing run (its planner does better without statistics here).
        assert not await _sqlite_has_statistics(engine)


async def test_a_small_import_leaves_the_statistics_alone(engine, session_factory) -> None:  # type: ignore[no-untyped-def]
    organisation_id = await _organisation(session_factory)
    before = await _analysed(engine)

    await _import(session_factory, organisation_id, 3)  # 108 occurrences
    await statistics.wait_for_refreshes()

    assert await _analysed(engine) == before


async def test_writes_rolled_back_are_not_counted(engine, session_factory) -> None:  # type: ignore[no-untyped-def]
    organisation_id = await _organisation(session_factory)
    before = await _analysed(engine)

    async with UnitOfWork(session_factory) as uow:
        # As the import preview's dry run: stored, then rolled back.
        await store_roadmap(uow, organisation_id=organisation_id, parsed=_plan(40), now=NOW)
        await uow.rollback()
        await uow.organisations.add(name="Лицей", timezone="Europe/Kaliningrad", now=NOW)
        await uow.commit()
    await statistics.wait_for_refreshes()

    assert await _analysed(engine) == before


async def test_schools_added_to_a_municipal_plan_analyse_its_occurrences(  # type: ignore[no-untyped-def]
    engine, session_factory, samples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Five schools of a small sample plan write fewer rows than fifty of a real one.
    monkeypatch.setattr(statistics, "ANALYZE_AFTER_ROWS", 20)
    office_id = await _organisation(
        session_factory, "Управление образования Правдинского округа", "municipality"
    )
    text_plan = (samples_dir / "002_6e3e695228452652.txt").read_text(encoding="utf-8")
    async with UnitOfWork(session_factory) as uow:
        await save_text_plan(uow, office_id, text_plan, now=NOW, source_name="plan.txt")
    await statistics.wait_for_refreshes()
    before = await _analysed(engine)

    async with UnitOfWork(session_factory) as uow:
        added = await add_members(
            uow,
            parent_id=office_id,
            members=parse_member_lines("1. МБОУ «СОШ № 1»\n2. МБОУ «СОШ № 2»\n3. МБОУ «Гимназия»"),
            now=NOW,
        )
    await statistics.wait_for_refreshes()

    assert added.obligations >= 20
    if engine.dialect.name == "postgresql":
        assert (await _analysed(engine))["occurrence"] == before["occurrence"] + 1


async def test_refresh_statistics_takes_only_tables_of_the_schema(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="not a table"):
        await refresh_statistics(engine, ["occurrence; DROP TABLE person"])
    ran = await refresh_statistics(engine, ["occurrence", "measure"])
    assert ran is (engine.dialect.name == "postgresql")
