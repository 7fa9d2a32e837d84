"""Alembic environment: async engine, batch mode so the same migrations run on SQLite."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection | None = None) -> None:
    kwargs: dict[str, Any] = {
        "target_metadata": target_metadata,
        "render_as_batch": True,
        "compare_type": True,
    }
    if connection is None:
        context.configure(
            url=config.get_main_option("sqlalchemy.url"), literal_binds=True, **kwargs
        )
    else:
        context.configure(connection=connection, **kwargs)


def run_migrations_offline() -> None:
    _configure()
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = async_engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    async with engine.connect() as connection:
        await connection.run_sync(_run_sync)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
