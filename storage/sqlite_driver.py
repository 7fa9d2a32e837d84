"""aiosqlite with one thread round trip per statement instead of four.

aiosqlite runs every call on its connection's thread: creating a cursor, executing,
fetching and closing are four round trips (each a queue hand-over, a thread wake-up, a
wake-up of the event loop), and SQLAlchemy's session adds a rollback and a pool reset at
the end of every unit of work. One question's single SELECT cost six of them; on a busy
machine a round trip to a sleeping thread costs from 0.05 ms to several milliseconds,
while the statement itself costs 0.1 ms.

Here, as SQLAlchemy's `async_creator`:

* a cursor is created, executed, read (up to `PREFETCH` rows) and, when read to the end,
  closed in the one round trip that executes it; more rows are fetched as asked;
* commit and rollback are skipped when SQLite has no transaction open (a unit of work
  that only read: Python's sqlite3 opens one before a write only), as sqlite3 itself
  would do nothing then.

Everything else is aiosqlite's own `Connection` (its thread, its queue, close, stop).
"""

from __future__ import annotations

import re
import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from types import TracebackType
from typing import Any

import aiosqlite

__all__ = ["BUSY_TIMEOUT_MS", "INLINE_STEPS", "PREFETCH", "Connection", "connect"]

PREFETCH = 1000  # rows read with the statement; a longer result is read on demand

# A SELECT first runs in the event loop and is moved to the connection's thread when it has
# not finished after this many steps of SQLite's virtual machine (a few tenths of a
# millisecond; the bench question's SELECT at 10,000 measures takes ~3,300), checked every
# PROGRESS_STEPS. Longer reads (planning's) leave the loop to the questions.
INLINE_STEPS = 20_000
PROGRESS_STEPS = 1000
BUSY_TIMEOUT_MS = 5000  # how long a statement waits for another connection's lock

Row = Any
# aiosqlite's own queueing of a call on the connection's thread (untyped there).
_execute: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute
Parameters = Sequence[Any] | dict[str, Any] | None


# A statement that writes: in a WITH statement, after its common table expressions.
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def _reads_only(sql: str) -> bool:
    """SELECT, or WITH … SELECT: a statement that can be stopped without undoing anything
    (stopping a write inside a transaction would roll the whole transaction back)."""
    head = sql.lstrip()[:5].upper()
    if head == "SELEC":
        return sql.lstrip()[:7].upper() == "SELECT "
    return head == "WITH " and _WRITES.search(sql) is None


class Cursor:
    """The part of aiosqlite's `Cursor` SQLAlchemy's adapter uses."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._cursor: sqlite3.Cursor | None = None  # open while rows remain unread
        self._rows: deque[Row] = deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- in the connection's thread ------------------------------------------------------
    def _run(self, call: Callable[[sqlite3.Cursor], Any]) -> None:
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None
        self._rows.clear()
        cursor = self._connection._conn.cursor()
        try:
            call(cursor)
            self.description = cursor.description
            self.rowcount = cursor.rowcount
            self.lastrowid = cursor.lastrowid
            if cursor.description is not None:
                self._take(cursor, cursor.fetchmany(PREFETCH), PREFETCH)
                if self._cursor is not None:
                    return
        except BaseException:
            cursor.close()
            raise
        cursor.close()

    def _take(self, cursor: sqlite3.Cursor, rows: list[Row], asked: int) -> None:
        self._rows.extend(rows)
        self._cursor = cursor if len(rows) >= asked else None
        if self._cursor is None:
            cursor.close()

    def _more(self, size: int | None) -> None:
        cursor = self._cursor
        if cursor is None:
            return
        if size is None:
            self._rows.extend(cursor.fetchall())
            self._close()
        else:
            self._take(cursor, cursor.fetchmany(size), size)

    def _close(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None

    # -- in the event loop, for a short read -------------------------------------------
    def _run_here(self, call: Callable[[sqlite3.Cursor], Any]) -> bool:
        """Run a SELECT in the calling thread if it finishes within `INLINE_STEPS` steps of
        SQLite's virtual machine and without waiting for a lock; False (nothing kept)
        when it was stopped."""
        connection = self._connection._connection
        if connection is None:
            return False
        # Counted in steps rather than time: a read is cheap or not whatever the machine's
        # load (time would also count the waits for the GIL while SQLite runs).
        checks = iter(range(INLINE_STEPS // PROGRESS_STEPS))

        def too_long() -> int:
            return 0 if next(checks, None) is not None else 1

        connection.execute("PRAGMA busy_timeout = 0")  # a lock is waited for in the thread
        connection.set_progress_handler(too_long, PROGRESS_STEPS)
        try:
            self._run(call)
        except sqlite3.OperationalError:
            # Stopped, or a lock: a SELECT changes nothing and its transaction stays.
            self._close()
            self._rows.clear()
            return False
        finally:
            connection.set_progress_handler(None, 0)
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return True

    # -- awaited ----------------------------------------------------------------------
    async def execute(self, sql: str, parameters: Parameters = None) -> Cursor:
        def call(cursor: sqlite3.Cursor) -> None:
            if parameters is None:
                cursor.execute(sql)
            else:
                cursor.execute(sql, parameters)

        if _reads_only(sql) and self._run_here(call):
            return self
        await _execute(self._connection, self._run, call)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Parameters]) -> Cursor:
        await _execute(self._connection, self._run, lambda c: c.executemany(sql, parameters))
        return self

    async def fetchone(self) -> Row | None:
        if not self._rows and self._cursor is not None:
            await _execute(self._connection, self._more, max(self.arraysize, PREFETCH))
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Row]:
        wanted = size or self.arraysize
        if len(self._rows) < wanted and self._cursor is not None:
            await _execute(self._connection, self._more, max(wanted, PREFETCH))
        count = min(wanted, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Row]:
        if self._cursor is not None:
            await _execute(self._connection, self._more, None)
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()
        if self._cursor is not None:
            await _execute(self._connection, self._close)


class Connection(aiosqlite.Connection):
    def cursor(self) -> Cursor:  # type: ignore[override]
        return Cursor(self)

    def _in_transaction(self) -> bool:
        # Read while the connection's thread runs nothing of this connection: SQLAlchemy
        # awaits each call on a connection before the next.
        connection = self._connection
        return connection is not None and connection.in_transaction

    async def commit(self) -> None:
        if self._in_transaction():
            await super().commit()

    async def rollback(self) -> None:
        if self._in_transaction():
            await super().rollback()


def connect(database: str, **kwargs: Any) -> Connection:
    """Like `aiosqlite.connect` (await it), with the cursors above."""

    def connector() -> sqlite3.Connection:
        opened: sqlite3.Connection = sqlite3.connect(database, **kwargs)
        return opened

    connection = Connection(connector, iter_chunk_size=64)
    # As SQLAlchemy does for aiosqlite: the thread never keeps the process alive.
    connection._thread.daemon = True
    return connection
