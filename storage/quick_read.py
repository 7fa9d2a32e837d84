"""Short reads on a connection of their own, past the session, the pool and SQLAlchemy's
execution layer: the read side of a plain question.

A member's question ("что у меня в мае") runs one SELECT whose SQL costs 0.05–0.1 ms. Run
through the unit of work it cost 0.6–1.2 ms in the bot (the session's transaction, the
pool's checkout — and on PostgreSQL its pre-ping, one more round trip — the statement's
execution context and the result's processing), about a quarter of the answer's time.
Here the statement is compiled once per engine by SQLAlchemy's own compiler (the same SQL
as through the session), its values bound and its rows converted with the statement's own
types, and it runs on:

* SQLite: one plain `sqlite3` connection per engine, in the event loop, for a SELECT that
  finishes within `sqlite_driver.INLINE_STEPS` steps without waiting for a lock (the same
  budget the session's driver keeps); a longer read is stopped and `rows` answers None, and
  the caller reads through its session instead (in the connection's thread). In WAL mode
  each statement sees what was committed.
* PostgreSQL: asyncpg's own small pool (`CONNECTIONS` per process; prepared statements kept
  per connection). A connection found dead (PostgreSQL restarted) is given up and the read
  tried once more on a fresh one; past that, None.

`usable(session)` says when such a read may stand in for the session's: the session has
not written anything not yet committed (a read on another connection would not see it).
In-memory SQLite databases are one per connection: there, nothing is read here.
The connections are closed when the engine is disposed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.sql import Select

from storage import sqlite_driver

__all__ = ["CONNECTIONS", "AnySelect", "open_now", "rows", "usable"]

logger = logging.getLogger(__name__)

CONNECTIONS = 2  # PostgreSQL connections per process for these reads
WROTE = "quick_read_wrote"  # Session.info key: a write of this transaction is not committed

Processor = Callable[[Any], Any] | None
AnySelect: TypeAlias = Select[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the bound values' names, in their order in `sql`
    required: frozenset[str]  # the values each call gives
    defaults: dict[str, Any]  # values the statement carries itself (literals)
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]


def _compile(statement: AnySelect, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    required = frozenset(name for name, bind in compiled.binds.items() if bind.required)
    # A literal list (`kind IN (…)`) is expanded into one placeholder per value; the
    # values come with the statement, so the expanded SQL is the same for every call.
    expanded = compiled.construct_expanded_state(dict.fromkeys(required))
    names = tuple(expanded.positiontup or ())

    def bind_of(name: str) -> Any:
        # An expanded value's placeholder is named after its list's: kind_1 → kind_1_2.
        return compiled.binds[name if name in compiled.binds else name.rsplit("_", 1)[0]]

    binds = tuple(
        bind_of(name).type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )
    defaults = {k: v for k, v in expanded.parameters.items() if k not in required}
    return _Compiled(expanded.statement, names, required, defaults, binds, results)


class _Reader:
    """The connection(s) and compiled statements of one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.dialect = engine.dialect
        self.url = engine.url
        self._statements: dict[int, tuple[AnySelect, _Compiled]] = {}
        self._sqlite: sqlite3.Connection | None = None
        self._pool: Any = None  # asyncpg.Pool
        self._pool_opening: asyncio.Lock | None = None

    def compiled(self, statement: AnySelect) -> _Compiled:
        # Keyed by identity: the callers keep their statements (built once, lru-cached); the
        # statement is held beside its compiled form so that its id is never reused.
        kept = self._statements.get(id(statement))
        if kept is None:
            kept = (statement, _compile(statement, self.dialect))
            self._statements[id(statement)] = kept
        return kept[1]

    # -- SQLite ------------------------------------------------------------------------
    def sqlite_rows(self, compiled: _Compiled, values: list[Any]) -> list[Any] | None:
        connection = self._sqlite
        if connection is None:
            connection = sqlite3.connect(
                self.url.database or "", check_same_thread=False, isolation_level=None
            )
            connection.execute("PRAGMA busy_timeout = 0")  # a lock: read through the session
            connection.execute("PRAGMA query_only = 1")
            self._sqlite = connection
        checks = iter(range(sqlite_driver.INLINE_STEPS // sqlite_driver.PROGRESS_STEPS))

        def too_long() -> int:
            return 0 if next(checks, None) is not None else 1

        connection.set_progress_handler(too_long, sqlite_driver.PROGRESS_STEPS)
        try:
            return connection.execute(compiled.sql, values).fetchall()
        except sqlite3.OperationalError:
            return None  # stopped, or a lock
        finally:
            connection.set_progress_handler(None, 0)

    # -- PostgreSQL --------------------------------------------------------------------
    async def pool(self) -> Any:
        if self._pool is None:
            if self._pool_opening is None:
                self._pool_opening = asyncio.Lock()
            async with self._pool_opening:
                if self._pool is None:
                    import asyncpg  # type: ignore[import-untyped]

                    dsn = self.url.set(drivername="postgresql").render_as_string(
                        hide_password=False
                    )
                    self._pool = await asyncpg.create_pool(
                        dsn,
                        min_size=1,
                        max_size=CONNECTIONS,
                        # These statements are planned once per connection: the asker's
                        # measures are an index condition whatever the values (see
                        # storage.responsibility.AmongRows), and planning each call anew cost
                        # 0.3 of the read's 1 ms.
                        server_settings={"plan_cache_mode": "force_generic_plan"},
                        # Nothing to undo between reads (SELECTs outside any transaction,
                        # settings fixed at connection): asyncpg's RESET ALL, CLOSE ALL,
                        # UNLISTEN and unlocks on every release were a second round trip.
                        reset=_nothing_to_reset,
                    )
        return self._pool

    async def postgres_rows(self, compiled: _Compiled, values: list[Any]) -> list[Any] | None:
        import asyncpg

        lost = (
            asyncpg.PostgresConnectionError,
            asyncpg.InterfaceError,
            asyncpg.InternalClientError,
            asyncpg.OperatorInterventionError,  # terminated: a restart, an administrator
            OSError,
        )
        for attempt in (1, 2):
            connection = None
            try:
                pool = await self.pool()
                connection = await pool.acquire()
                return list(await connection.fetch(compiled.sql, *values))
            except lost as error:
                logger.info("quick read: connection lost (%r), attempt %d", error, attempt)
            finally:
                if connection is not None:
                    # The pool resets a connection it gets back, and closes it when that
                    # fails: a broken one is not handed out again.
                    with contextlib.suppress(*lost):
                        await pool.release(connection)
        return None

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._pool is not None:
            self._pool.terminate()  # synchronous: the engine's dispose is no place to await
            self._pool = None


async def _nothing_to_reset(_connection: Any) -> None:
    return None


_readers: weakref.WeakKeyDictionary[Engine, _Reader] = weakref.WeakKeyDictionary()


def _reader(engine: AsyncEngine) -> _Reader | None:
    sync_engine = engine.sync_engine
    reader = _readers.get(sync_engine)
    if reader is None:
        backend = engine.url.get_backend_name()
        database = engine.url.database
        if backend == "sqlite" and (not database or database == ":memory:"):
            return None
        if backend not in ("sqlite", "postgresql"):
            return None
        reader = _Reader(engine)
        _readers[sync_engine] = reader
        if not event.contains(sync_engine, "engine_disposed", _forget):
            event.listen(sync_engine, "engine_disposed", _forget)
    return reader


def _forget(sync_engine: Engine) -> None:
    """The engine was disposed: its connections go with its pool's (a new reader is made
    if the engine is used again)."""
    reader = _readers.pop(sync_engine, None)
    if reader is not None:
        reader.close()


async def open_now(engine: AsyncEngine) -> None:
    """Open the engine's PostgreSQL connections for these reads at start-up, so that the
    first question after it does not wait for them (~20 ms). A failure is only logged: the
    reads open them later, or go through the session."""
    reader = _reader(engine)
    if reader is None or engine.url.get_backend_name() != "postgresql":
        return
    try:
        await reader.pool()
    except Exception as error:
        logger.warning("quick read: could not open connections at start (%r)", error)


def usable(session: AsyncSession) -> bool:
    """Whether a read on another connection sees all the session would: it has no change
    unflushed, and none flushed or executed that is not committed."""
    sync = session.sync_session
    if sync.info.get(WROTE):
        return False
    return not (sync.new or sync.deleted or sync.dirty)


async def rows(
    session: AsyncSession, statement: AnySelect, values: dict[str, Any]
) -> Sequence[tuple[Any, ...]] | None:
    """The statement's rows (converted as the session would), or None when this read must
    go through the session: see the module's docstring."""
    engine = session.bind
    if not isinstance(engine, AsyncEngine) or not usable(session):
        return None
    reader = _reader(engine)
    if reader is None:
        return None
    compiled = reader.compiled(statement)
    if not compiled.required <= values.keys():
        raise ValueError(f"values missing: {sorted(compiled.required - values.keys())}")
    given = {**compiled.defaults, **values}
    bound = [
        given[name] if process is None else process(given[name])
        for name, process in zip(compiled.names, compiled.binds, strict=True)
    ]
    if engine.url.get_backend_name() == "sqlite":
        found = reader.sqlite_rows(compiled, bound)
    else:
        found = await reader.postgres_rows(compiled, bound)
    if found is None:
        return None
    converted = [(i, process) for i, process in enumerate(compiled.results) if process]
    if not converted:
        return [tuple(row) for row in found]
    rows_read = []
    for row in found:
        values_read = list(row)
        for i, process in converted:
            values_read[i] = process(values_read[i])
        rows_read.append(tuple(values_read))
    return rows_read


# Marks of a write this transaction has not committed (see `usable`).
@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _after_end(session: Session) -> None:
    session.info.pop(WROTE, None)
