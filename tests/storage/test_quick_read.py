"""storage.quick_read: a question's read on a connection of its own gives what the session
would, steps aside whenever it might not, and survives a lost connection (both engines)."""

from __future__ import annotations

import logging
from datetime import date
from itertools import product

import pytest
from sqlalchemy import event, text

from storage import quick_read, sqlite_driver
from storage.db import create_engine, create_session_factory, upgrade
from storage.models import Occurrence
from storage.read import _items_statement, measure_items
from storage.uow import UnitOfWork
from tests.storage.test_read import _keys, _postpone_the_check, _seed

PERIODS = [
    (None, None),
    (date(2022, 5, 1), date(2022, 5, 31)),
    (date(2022, 10, 31), None),
    (None, date(2022, 4, 1)),
]


async def _through_the_session(*_args: object) -> None:
    return None


async def _all_shapes(session_factory, ids):  # type: ignore[no-untyped-def]
    found = {}
    for (start, end), person, coordinator, names in product(
        PERIODS, (None, ids["bobrov"], ids["voropaeva"]), (False, True), (False, True)
    ):
        async with UnitOfWork(session_factory) as uow:
            rows = await measure_items(
                uow.session,
                ids["school"],
                start=start,
                end=end,
                person_id=person,
                person_is_coordinator=coordinator,
                names=names,
            )
        found[(start, end, person, coordinator, names)] = rows
    return found


async def test_same_rows_as_through_the_session(session_factory, now, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(session_factory, now)
    quick = await _all_shapes(session_factory, ids)
    monkeypatch.setattr(quick_read, "rows", _through_the_session)
    usual = await _all_shapes(session_factory, ids)
    assert quick == usual
    # Dates, booleans and statuses come back typed as the session gives them.
    may = quick[(date(2022, 5, 1), date(2022, 5, 31), None, False, True)]
    assert _keys(may) == [("1.1", "2022-05-31"), ("1.4", "2024-12-31")]
    assert isinstance(may[0].window_start, date) and may[1].is_span is True


async def test_the_items_are_not_read_on_the_sessions_connection(
    session_factory, engine, now
) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(session_factory, now)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with UnitOfWork(session_factory) as uow:
            rows = await measure_items(
                uow.session, ids["school"], person_id=ids["bobrov"], names=False
            )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert [k for k, _ in _keys(rows)] == ["1.3", "1.2", "1.4"]
    assert statements == []


async def test_a_write_not_committed_is_read_through_the_session(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        # Unflushed: the session would flush it before its own read.
        await _postpone_the_check(uow)
        assert not quick_read.usable(uow.session)
        june = await measure_items(
            uow.session, ids["school"], start=date(2022, 6, 1), end=date(2022, 6, 30)
        )
        assert ("1.3", "2022-06-15") in _keys(june)
        # Flushed, not committed: still the session's.
        assert not quick_read.usable(uow.session)
        again = await measure_items(
            uow.session, ids["school"], start=date(2022, 6, 1), end=date(2022, 6, 30)
        )
        assert _keys(again) == _keys(june)
        await uow.commit()
        # Committed: anyone's connection sees it.
        assert quick_read.usable(uow.session)
        after = await measure_items(
            uow.session, ids["school"], start=date(2022, 6, 1), end=date(2022, 6, 30)
        )
        assert _keys(after) == _keys(june)


async def test_a_core_write_marks_the_session(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    await _seed(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        assert quick_read.usable(uow.session)
        await uow.session.execute(
            text("UPDATE occurrence SET status = 'done' WHERE id = -1").execution_options()
        )
        await uow.session.execute(
            Occurrence.__table__.update().where(Occurrence.id == -1).values(status="done")
        )
        assert not quick_read.usable(uow.session)
        await uow.session.rollback()
        assert quick_read.usable(uow.session)


async def test_a_long_read_leaves_the_loop_for_the_session(
    session_factory, now, monkeypatch, database_url
) -> None:  # type: ignore[no-untyped-def]
    if not database_url.startswith("sqlite"):
        pytest.skip("the step budget is SQLite's")
    ids = await _seed(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        statement = _items_statement(False, False, False, False)
        assert await quick_read.rows(uow.session, statement, {"organisation_id": ids["school"]})
        monkeypatch.setattr(sqlite_driver, "INLINE_STEPS", 2)
        monkeypatch.setattr(sqlite_driver, "PROGRESS_STEPS", 1)
        stopped = await quick_read.rows(uow.session, statement, {"organisation_id": ids["school"]})
        assert stopped is None
        # measure_items then reads through the session: nothing is lost.
        rows = await measure_items(uow.session, ids["school"])
    assert len(rows) == 6


async def test_an_in_memory_database_is_read_through_the_session(tmp_path, now) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        async with create_session_factory(engine)() as session:
            statement = _items_statement(False, False, False, False)
            assert await quick_read.rows(session, statement, {"organisation_id": 1}) is None
    finally:
        await engine.dispose()


async def test_a_terminated_connection_is_replaced(
    session_factory, engine, now, database_url
) -> None:  # type: ignore[no-untyped-def]
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL connections")
    ids = await _seed(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        before = await measure_items(uow.session, ids["school"], names=False)
    # PostgreSQL restarted, as far as these connections can tell.
    async with engine.connect() as connection:
        await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    async with UnitOfWork(session_factory) as uow:
        statement = _items_statement(False, False, False, False)
        rows = await quick_read.rows(uow.session, statement, {"organisation_id": ids["school"]})
        assert rows is not None and len(rows) == len(before)


class _Pool:
    """asyncpg's pool as the reader uses it, whose first connection turns out dead."""

    def __init__(self, real: object, failures: int) -> None:
        self.real, self.failures, self.released = real, failures, 0

    async def acquire(self):  # type: ignore[no-untyped-def]
        import asyncpg

        if self.failures:
            self.failures -= 1

            class Dead:
                async def fetch(self, *_args: object) -> None:
                    raise asyncpg.ConnectionDoesNotExistError("connection was closed")

            return Dead()
        return await self.real.acquire()  # type: ignore[attr-defined]

    async def release(self, connection) -> None:  # type: ignore[no-untyped-def]
        self.released += 1
        if type(connection).__name__ != "Dead":
            await self.real.release(connection)  # type: ignore[attr-defined]


async def test_a_lost_connection_is_tried_once_more(
    session_factory, engine, now, database_url, caplog, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL connections")
    ids = await _seed(session_factory, now)
    statement = _items_statement(False, False, False, False)
    values = {"organisation_id": ids["school"]}
    async with UnitOfWork(session_factory) as uow:
        expected = await quick_read.rows(uow.session, statement, values)
        reader = quick_read._readers[engine.sync_engine]
        real = await reader.pool()
        once = _Pool(real, failures=1)
        monkeypatch.setattr(reader, "pool", lambda: _awaitable(once))
        with caplog.at_level(logging.INFO, logger="storage.quick_read"):
            assert await quick_read.rows(uow.session, statement, values) == expected
        assert "connection lost" in caplog.text and once.released == 2
        # Dead twice: the read goes back to the session, which answers as before.
        monkeypatch.setattr(reader, "pool", lambda: _awaitable(_Pool(real, failures=2)))
        assert await quick_read.rows(uow.session, statement, values) is None
        rows = await measure_items(uow.session, ids["school"], names=False)
        assert len(rows) == len(expected or [])


async def _awaitable(value):  # type: ignore[no-untyped-def]
    return value


async def test_disposing_the_engine_closes_its_connections(tmp_path, now) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'quick.db'}"
    await upgrade(url)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    ids = await _seed(factory, now)
    async with UnitOfWork(factory) as uow:
        await measure_items(uow.session, ids["school"], names=False)
    reader = quick_read._readers[engine.sync_engine]
    connection = reader._sqlite
    assert connection is not None
    await engine.dispose()
    assert engine.sync_engine not in quick_read._readers
    with pytest.raises(Exception, match="closed"):
        connection.execute("SELECT 1")


async def test_postgresql_connections_are_opened_at_start(engine, database_url, caplog) -> None:  # type: ignore[no-untyped-def]
    await quick_read.open_now(engine)
    reader = quick_read._readers.get(engine.sync_engine)
    if not database_url.startswith("postgresql"):
        # SQLite's connection costs nothing to open: the first read does.
        assert reader is None or reader._sqlite is None
        return
    assert reader is not None and reader._pool is not None
    assert await reader._pool.fetchval("SELECT 1") == 1
    # Unreachable (a wrong port): only logged; the reads would try again later.
    elsewhere = create_engine(database_url.replace(":5432/", ":1/"))
    try:
        with caplog.at_level(logging.WARNING, logger="storage.quick_read"):
            await quick_read.open_now(elsewhere)
        assert "could not open connections at start" in caplog.text
        assert quick_read._readers[elsewhere.sync_engine]._pool is None
    finally:
        await elsewhere.dispose()
