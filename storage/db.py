"""The async engine and session factory, and the migration entry point."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import cache, sqlite_driver
from storage.models import Base

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# What services and jobs are handed to open their own units of work: the rest of the code
# names this type instead of importing SQLAlchemy.
SessionFactory = async_sessionmaker[AsyncSession]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets the console and a reader coexist;
    # busy_timeout waits for a lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={sqlite_driver.BUSY_TIMEOUT_MS}")
    cursor.close()


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite database URL; None for PostgreSQL or an in-memory database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _sqlite_creator(url: URL, kwargs: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
    """aiosqlite connections with one thread round trip per statement
    (`storage.sqlite_driver`), opened with what SQLAlchemy would pass aiosqlite."""
    arguments, options = SQLiteDialect_aiosqlite().create_connect_args(url)
    options = {**options, **kwargs.pop("connect_args", {})}

    async def creator() -> Any:
        return await sqlite_driver.connect(*arguments, **options)

    return creator


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    # A new engine may find a fresh database behind a known URL: nothing cached holds.
    cache.clear()
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, async_creator=_sqlite_creator(url, kwargs), **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


async def refresh_statistics(bind: AsyncSession | AsyncEngine, tables: Iterable[str]) -> bool:
    """ANALYZE the tables (names of `storage.models` tables) on PostgreSQL, so that the
    planner knows rows just written in bulk; commits (a session's transaction too). Nothing
    on SQLite (see `storage.statistics`). Returns whether it ran.

    ANALYZE samples up to 30,000 rows a table: at 10,000 measures (50,000 occurrences) the
    tables an import writes take about 100 ms together."""
    wanted = sorted(set(tables))
    unknown = [name for name in wanted if name not in Base.metadata.tables]
    if unknown:
        raise ValueError(f"not a table of the schema: {', '.join(unknown)}")
    engine = bind.bind if isinstance(bind, AsyncSession) else bind
    dialect = engine.dialect if engine is not None else None
    if not wanted or dialect is None or dialect.name != "postgresql":
        return False
    quote = dialect.identifier_preparer.quote
    statement = text("ANALYZE " + ", ".join(quote(name) for name in wanted))
    if isinstance(bind, AsyncSession):
        await bind.execute(statement)
        await bind.commit()
    else:
        async with bind.begin() as connection:
            await connection.execute(statement)
    return True


async def check_connection(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def _alembic_config(database_url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_sync(database_url: str, revision: str = "head") -> None:
    from alembic import command

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(_alembic_config(database_url), revision)


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations. Alembic's env runs its own event loop, so run it in a thread."""
    await asyncio.to_thread(upgrade_sync, database_url, revision)
