"""storage.sqlite_driver: SQLite through SQLAlchemy as before, in fewer thread round trips."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import sqlite_driver
from storage.db import create_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The calls queued on a connection's thread."""
    seen: list[str] = []
    queue = sqlite_driver._execute

    async def counted(connection: Any, function: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(function, "__name__", repr(function)))
        return await queue(connection, function, *args, **kwargs)

    monkeypatch.setattr(sqlite_driver, "_execute", counted)
    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield seen


async def _fill(engine: AsyncEngine, count: int) -> None:
    if not count:
        return
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO t (v) VALUES (:v)"), [{"v": f"row {n}"} for n in range(count)]
        )


async def test_the_driver_is_used(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, sqlite_driver.Connection)


async def test_a_read_is_one_round_trip_and_no_rollback(
    engine: AsyncEngine, round_trips: list[str]
) -> None:
    await _fill(engine, 3)
    round_trips.clear()
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT v FROM t ORDER BY id"))).all()
    assert [r.v for r in rows] == ["row 0", "row 1", "row 2"]
    assert round_trips == ["_run"]


@pytest.mark.parametrize("count", [0, 1, sqlite_driver.PREFETCH, sqlite_driver.PREFETCH * 2 + 7])
async def test_every_row_is_read(engine: AsyncEngine, count: int) -> None:
    await _fill(engine, count)
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT id FROM t ORDER BY id"))).scalars().all()
        assert rows == list(range(1, count + 1))
        streamed = await connection.stream(text("SELECT id FROM t ORDER BY id"))
        parts = [part async for part in streamed.scalars().partitions(333)]
    assert [n for part in parts for n in part] == list(range(1, count + 1))


async def test_writes_commit_roll_back_and_report_counts(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert inserted.lastrowid == 1
    async with engine.connect() as connection:
        await connection.execute(text("INSERT INTO t (v) VALUES ('b')"))
        await connection.rollback()
        changed = await connection.execute(text("UPDATE t SET v = v || '!'"))
        assert changed.rowcount == 1
        await connection.commit()
        assert (await connection.execute(text("SELECT v FROM t"))).scalars().all() == ["a!"]


async def test_errors_are_sqlalchemys_and_the_connection_goes_on(engine: AsyncEngine) -> None:
    await _fill(engine, 1)
    async with engine.connect() as connection:
        with pytest.raises(OperationalError):
            await connection.execute(text("SELECT nothing FROM nowhere"))
        await connection.rollback()
        with pytest.raises(IntegrityError):
            await connection.execute(text("INSERT INTO t (v) VALUES ('row 0')"))
        await connection.rollback()
        assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 1
