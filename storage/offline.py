"""Reads made in another process (bot.offload's drawing process), on its own connection to
the same database.

A 10,000-measure plan read by the bot and handed to the drawing process has to be pickled
on the way: a second of the bot's interpreter, in one piece, in which no answer moves
(measured by bench/drawing.py). The drawing process reads what it draws itself instead;
only the database's address and a few ids cross.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import make_url
from sqlalchemy.pool import NullPool

from storage.db import create_engine, create_session_factory
from storage.uow import UnitOfWork

T = TypeVar("T")


def shareable_url(uow: UnitOfWork) -> str | None:
    """The address another process reaches this unit of work's database at, or None (an
    in-memory SQLite database lives in this process only)."""
    assert uow.session is not None
    bind = uow.session.get_bind()
    url = bind.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


def read(database_url: str, reads: Callable[..., Awaitable[T]], *args: Any) -> T:
    """`await reads(uow, *args)` on a connection of this process's own, opened and closed
    here (called in the drawing process, or in a thread when there is none)."""

    async def run() -> T:
        engine = create_engine(database_url, poolclass=NullPool)
        try:
            async with UnitOfWork(create_session_factory(engine)) as uow:
                return await reads(uow, *args)
        finally:
            await engine.dispose()

    make_url(database_url)  # a malformed address fails here, before a loop is made
    return asyncio.run(run())
