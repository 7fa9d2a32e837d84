"""Replicas starting together on one PostgreSQL: the migrations run once, under an
advisory lock, and every process starts (none fails on a table another just created)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import create_engine

ROOT = Path(__file__).resolve().parents[2]


async def _admin(admin_url: str, *statements: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        for statement in statements:
            await connection.execute(text(statement))
    await engine.dispose()


async def test_four_processes_migrating_at_once_all_succeed(_postgres_url: str) -> None:
    url = make_url(_postgres_url)
    name = f"{url.database}_migrate_lock"
    fresh_url = url.set(database=name).render_as_string(hide_password=False)
    await _admin(
        _postgres_url,
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}"',
    )
    try:
        # `roadmap-bot migrate` in four processes at once, as four replicas starting.
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "migrate",
                env={**os.environ, "DATABASE_URL": fresh_url, "PYTHONPATH": str(ROOT)},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            for _ in range(4)
        ]
        outputs = await asyncio.gather(*(p.communicate() for p in processes))
        failures = [
            out.decode() for p, (out, _) in zip(processes, outputs, strict=True) if p.returncode
        ]
        assert failures == []
        engine = create_engine(fresh_url)
        async with engine.connect() as connection:
            versions = (
                await connection.execute(text("SELECT version_num FROM alembic_version"))
            ).all()
        await engine.dispose()
        assert len(versions) == 1
    finally:
        await _admin(_postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
