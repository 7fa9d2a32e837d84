"""Reads in another process (storage.offline): the drawing process reaches the same
database by its address and reads there what it will draw; an in-memory SQLite database
has no such address."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker

from storage import offline
from storage.db import create_engine, create_session_factory
from storage.models import Organisation
from storage.uow import UnitOfWork

NOW = datetime(2024, 5, 6, 7, 0, tzinfo=UTC)


async def _names(uow: UnitOfWork, prefix: str) -> list[str]:
    return sorted(o.name for o in await uow.organisations.list() if o.name.startswith(prefix))


async def test_another_connection_reads_what_this_one_committed(session_factory) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        uow.session.add(Organisation(name="Offline school", timezone="Asia/Omsk", created_at=NOW))
        await uow.commit()
        url = offline.shareable_url(uow)
    assert url is not None
    # In a thread, as the drawing process's fallback runs it: its own loop and connection.
    names = await asyncio.to_thread(offline.read, url, _names, "Offline")
    assert names == ["Offline school"]


async def test_an_in_memory_database_has_no_address_for_another_process() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    try:
        factory: async_sessionmaker = create_session_factory(engine)  # type: ignore[type-arg]
        async with UnitOfWork(factory) as uow:
            assert offline.shareable_url(uow) is None
    finally:
        await engine.dispose()
