"""Shared fixtures: the samples, and databases (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, create_session_factory, upgrade_sync
from storage.models import Base
from storage.statistics import wait_for_refreshes

SAMPLES_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "samples"
POSTGRES_HINT = (
    "PostgreSQL tests need TEST_DATABASE_URL, e.g. "
    "TEST_DATABASE_URL=postgresql+asyncpg://postgres:postgres@localhost/roadmap_test "
    "(.ci/run installs and starts a server and sets it)"
)


@pytest.fixture
def samples_dir() -> Path:
    if not SAMPLES_DIR.is_dir():
        pytest.skip(f"the shared samples are not beside this checkout ({SAMPLES_DIR})")
    return SAMPLES_DIR


@pytest.fixture
def now() -> datetime:
    return datetime(2022, 5, 16, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def _postgres_url() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(POSTGRES_HINT)
    from bot.settings import normalise_database_url

    url = normalise_database_url(url)
    # Once per session (tables are wiped between tests), in a thread of its own: Alembic
    # runs its own event loop, and this fixture may be first needed inside a running one.
    with ThreadPoolExecutor(1) as executor:
        executor.submit(upgrade_sync, url).result()
    yield url


async def _wipe(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(table.delete())


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    upgrade_sync(url)
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Parametrise a test over both engines: the same body runs on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("_postgres_url")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await _wipe(engine)
    yield engine
    await wait_for_refreshes()  # ANALYZE after a big write (storage.statistics)
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine):  # type: ignore[no-untyped-def]
    return create_session_factory(engine)


REDIS_HINT = (
    "Redis (several processes) tests need TEST_REDIS_URL, e.g. "
    "TEST_REDIS_URL=redis://127.0.0.1:6390/0 (.ci/run installs and starts a server and sets it)"
)


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    yield await empty_redis_url()


async def empty_redis_url() -> str:
    """An empty Redis database; skipped without TEST_REDIS_URL, except in CI
    (TEST_REDIS_REQUIRED=1), where these tests must run. (A function too: a parametrised
    fixture cannot ask for `redis_url` for one of its parameters only.)"""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("TEST_REDIS_REQUIRED"):
            pytest.fail("TEST_REDIS_REQUIRED is set but TEST_REDIS_URL is not")
        pytest.skip(REDIS_HINT)
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    await client.flushdb()
    await client.aclose()
    return url
