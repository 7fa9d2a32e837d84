"""The planner's statistics after a bulk write, on PostgreSQL.

Right after tens of thousands of rows arrive (a plan imported, fifty schools added to a
municipal plan), PostgreSQL knows nothing of them until autovacuum's ANALYZE comes round,
and on a table that already holds other organisations' rows it may not come at all (it
waits for 10 % of the table to change). Meanwhile the planner takes the new organisation for
a handful of rows and picks nested loops over all of them: the question «что у меня в мае»
on a new plan of 10,000 measures took 57 ms instead of 1.4 ms (see docs/ARCHITECTURE.md).

So the unit of work counts the rows each session writes, per table (session events: objects
flushed, bulk INSERTs), and after a commit that wrote at least `ANALYZE_AFTER_ROWS` rows
to a table it has those tables analysed in the background (`refresh_later`): the user who
imported does not wait for it, and reads meanwhile are not blocked (ANALYZE takes a lock
that only conflicts with schema changes, VACUUM and another ANALYZE). The tasks are tracked
here; the app waits for them before closing the engine (`wait_for_refreshes`).

On SQLite nothing is done: without statistics its planner already picks the index plan,
and `PRAGMA optimize` made the same question slower (0.26 ms → 1.06 ms).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from storage.db import SessionFactory, refresh_statistics

__all__ = [
    "ANALYZE_AFTER_ROWS",
    "grown_tables",
    "refresh_later",
    "refresh_now",
    "wait_for_refreshes",
]

logger = logging.getLogger(__name__)

# Rows written to one table by one unit of work before its statistics are refreshed.
# Below that the planner's misestimate costs little: a new organisation of 100 measures
# (500 occurrences) answered in 2.7 ms without statistics against 1.2 ms with them, one of
# 1,000 measures in 7 ms against 1.2 ms, and ANALYZE of the tables an import writes costs
# 100-200 ms of the database's time. Autovacuum catches up with small changes anyway.
ANALYZE_AFTER_ROWS = 1000

WRITTEN = "statistics_written"  # Session.info key: rows written per table, not committed

_refreshes: set[asyncio.Task[None]] = set()


def _written(session: Session) -> Counter[str]:
    counts: Counter[str] | None = session.info.get(WRITTEN)
    if counts is None:
        counts = session.info[WRITTEN] = Counter()
    return counts


@event.listens_for(Session, "after_flush")
def _count_flushed(session: Session, _context: UOWTransaction) -> None:
    # In after_flush `new` and `deleted` still hold what this flush wrote.
    counts = None
    for obj in (*session.new, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table is not None:
            counts = counts if counts is not None else _written(session)
            counts[table] += 1


@event.listens_for(Session, "do_orm_execute")
def _count_inserted(state: ORMExecuteState) -> None:
    # Bulk INSERTs (many parameter sets); UPDATEs and DELETEs by condition do not say how
    # many rows they touch before they run, and the app's big writes are inserts.
    if not state.is_insert:
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table is None:
        return
    parameters: Any = state.parameters
    rows = len(parameters) if isinstance(parameters, list | tuple) else 1
    _written(state.session)[table] += rows


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(WRITTEN, None)


def grown_tables(session: Session, threshold: int | None = None) -> list[str]:
    """The tables this session wrote at least `threshold` rows to since the last call,
    sorted; their counts start again, the others' keep adding up. Call after a commit."""
    limit = ANALYZE_AFTER_ROWS if threshold is None else threshold
    counts = session.info.get(WRITTEN)
    if not counts:
        return []
    grown = sorted(table for table, rows in counts.items() if rows >= limit)
    for table in grown:
        del counts[table]
    return grown


async def _refresh(session_factory: SessionFactory, tables: list[str]) -> None:
    try:
        async with session_factory() as session:
            await refresh_statistics(session, tables)
    except Exception:  # statistics are an optimisation: never a failure for anyone
        logger.exception("ANALYZE of %s failed", ", ".join(tables))


def refresh_later(session_factory: SessionFactory, tables: Iterable[str]) -> None:
    """Refresh the tables' statistics in a background task (PostgreSQL; see the module)."""
    wanted = sorted(set(tables))
    if not wanted:
        return
    bind = session_factory.kw.get("bind")
    if bind is None or bind.dialect.name != "postgresql":
        return
    task = asyncio.get_running_loop().create_task(_refresh(session_factory, wanted))
    _refreshes.add(task)
    task.add_done_callback(_refreshes.discard)


async def refresh_now(session: AsyncSession, threshold: int | None = None) -> list[str]:
    """After a commit, the refresh the unit of work does in the background, awaited: for
    code that writes in bulk on a session of its own (the benchmarks' seeds, which stand
    for an import). Returns the tables analysed (none on SQLite)."""
    grown = grown_tables(session.sync_session, threshold)
    if grown and await refresh_statistics(session, grown):
        return grown
    return []


async def wait_for_refreshes(timeout: float | None = 30) -> None:
    """Let the statistics refreshes under way in this event loop finish (before the engine
    is closed)."""
    loop = asyncio.get_running_loop()
    mine = [task for task in _refreshes if task.get_loop() is loop]
    if mine:
        await asyncio.wait(mine, timeout=timeout)
