"""Alembic environment: async engine, batch mode so the same migrations run on SQLite."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import pool, text
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


# Several processes starting together (replicas sharing one PostgreSQL) would each try the
# same migrations: the first to take this lock migrates, the others wait for its commit and
# then find nothing left to do. The lock ends with the migration's transaction.
MIGRATION_LOCK = 7_236_001  # pg_advisory_xact_lock key of roadmap-bot's migrations


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
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
