"""storage.sqlite_driver: SQLite through SQLAlchemy as before, in fewer thread round trips."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import db, sqlite_driver
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


async def test_a_short_read_runs_here_and_needs_no_rollback(
    engine: AsyncEngine, round_trips: list[str]
) -> None:
    await _fill(engine, 3)
    round_trips.clear()
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT v FROM t ORDER BY id"))).all()
    assert [r.v for r in rows] == ["row 0", "row 1", "row 2"]
    assert round_trips == []


async def test_a_write_is_one_round_trip(engine: AsyncEngine, round_trips: list[str]) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (v) VALUES ('a')"))
    assert round_trips == ["_run", "commit"]


async def test_a_long_read_moves_to_the_thread_and_keeps_the_transaction(
    engine: AsyncEngine, round_trips: list[str]
) -> None:
    await _fill(engine, 400)
    round_trips.clear()
    long_read = text("SELECT count(*) FROM t a, t b, t c WHERE a.id + b.id > c.id")
    async with engine.connect() as connection:
        await connection.execute(text("INSERT INTO t (v) VALUES ('pending')"))
        count = (await connection.execute(long_read)).scalar()
        assert count is not None and count > 0
        assert round_trips == ["_run", "_run"]  # the insert, then the read moved there
        # Stopping the read in the event loop did not undo the transaction's insert.
        assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 401
        await connection.rollback()
        assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 400


async def test_a_read_waits_for_a_lock_in_the_thread_not_in_the_event_loop(
    tmp_path: Path, round_trips: list[str]
) -> None:
    path = tmp_path / "locked.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    # Without WAL (the bot's connections turn it on) a writer's lock blocks readers.
    event.remove(engine.sync_engine, "connect", db._sqlite_pragmas)
    writer = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        async with engine.connect() as reader:
            await reader.execute(text("SELECT count(*) FROM t"))
            await reader.rollback()
            writer.execute("BEGIN EXCLUSIVE")
            writer.execute("INSERT INTO t (id) VALUES (1)")
            # Another process's writer commits in a while.
            threading.Timer(0.3, writer.commit).start()
            round_trips.clear()
            count = (await reader.execute(text("SELECT count(*) FROM t"))).scalar()
        assert count == 1  # read after the writer's commit...
        assert round_trips == ["_run"]  # ...waiting in the connection's thread
    finally:
        await engine.dispose()
        writer.close()


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


@pytest.mark.parametrize(
    ("sql", "here"),
    [
        ("SELECT 1", True),
        ("  select id FROM t", True),
        ("WITH x AS MATERIALIZED (SELECT 1 AS a) SELECT a FROM x", True),
        ("WITH x AS (SELECT 1 AS a) INSERT INTO t (id) SELECT a FROM x", False),
        ("WITH x AS (SELECT 1 AS a) UPDATE t SET v = 'b' WHERE id IN (SELECT a FROM x)", False),
        ("WITH x AS (SELECT 1 AS a) DELETE FROM t WHERE id IN (SELECT a FROM x)", False),
        ("INSERT INTO t (v) SELECT 'x'", False),
        ("UPDATE t SET v = 'x'", False),
        ("PRAGMA journal_mode", False),
    ],
)
def test_only_reads_run_in_the_event_loop(sql: str, here: bool) -> None:
    assert sqlite_driver._reads_only(sql) is here
