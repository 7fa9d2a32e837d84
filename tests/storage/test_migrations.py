"""The migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Base


async def test_migrations_match_models(engine: AsyncEngine) -> None:
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_every_model_table_exists(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert set(Base.metadata.tables) <= tables


def test_the_approval_migration_goes_down_and_up_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """0002 adds the approving order's columns to roadmap and removes them again (on a
    SQLite file of its own: the shared PostgreSQL schema is checked by the drift test)."""
    from alembic import command
    from sqlalchemy import create_engine

    from storage.db import _alembic_config, upgrade_sync

    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    plain = create_engine(f"sqlite:///{tmp_path / 'm.db'}")

    def columns() -> set[str]:
        with plain.connect() as connection:
            return {c["name"] for c in inspect(connection).get_columns("roadmap")}

    wanted = {"approval_kind", "approval_number", "approval_date", "approval_issuer"}
    upgrade_sync(url)
    assert wanted <= columns()
    command.downgrade(_alembic_config(url), "0001")
    assert not wanted & columns()
    upgrade_sync(url)
    assert wanted <= columns()
    plain.dispose()
