"""The migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

import sqlite3
from pathlib import Path

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


def test_existing_plans_keep_their_obligations_after_the_municipal_migration(
    tmp_path: Path,
) -> None:
    """Occurrences and assignments stored before organisations nested belong to the
    roadmap's owner afterwards, and a "not mine" given then is still respected."""
    from storage.db import upgrade_sync

    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_sync(url, "0001")
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            INSERT INTO organisation (id, name, timezone, language, morning_hour,
                one_report_closes, created_at)
                VALUES (1, 'Гимназия', 'Europe/Moscow', 'ru', 9, 1, '2022-01-01 00:00:00');
            INSERT INTO person (id, full_name, created_at)
                VALUES (1, 'Бобров В.С.', '2022-01-01 00:00:00');
            INSERT INTO roadmap (id, organisation_id, title, period_start, period_end,
                created_at, updated_at)
                VALUES (1, 1, 'План', 2022, 2024, '2022-01-01', '2022-01-01');
            INSERT INTO measure (id, roadmap_id, number, title, deadline_raw, schedule_kind,
                schedule, responsible_raw, position)
                VALUES (1, 1, '1.1', 'Мероприятие', 'май 2022', 'once', '{}', '', 0);
            INSERT INTO assignment (id, measure_id, person_id) VALUES (1, 1, 1);
            INSERT INTO occurrence (id, measure_id, window_start, due_date, is_span, status)
                VALUES (1, 1, '2022-05-01', '2022-05-31', 0, 'open');
            INSERT INTO reminder (id, organisation_id, occurrence_id, person_id, kind,
                fire_at, state, attempts, last_error)
                VALUES (1, 1, 1, 1, 'due_in_7', '2022-05-24 06:00:00', 'cancelled', 0,
                        'not mine');
            """
        )
    upgrade_sync(url)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT organisation_id FROM occurrence").fetchall() == [(1,)]
        assert db.execute("SELECT organisation_id FROM assignment").fetchall() == [(1,)]
        assert db.execute("SELECT kind, parent_id FROM organisation").fetchall() == [
            ("other", None)
        ]
        assert db.execute(
            "SELECT person_id, measure_id, occurrence_id, until, reason FROM reminder_hold"
        ).fetchall() == [(1, 1, None, None, "not_mine")]


def test_unparsed_deadlines_stored_before_get_their_span(tmp_path: Path) -> None:
    """0004: a measure stored with a deadline not understood is unclear afterwards and
    spans the plan period (its people get the monthly check-in); others are untouched."""
    from storage.db import upgrade_sync

    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_sync(url, "0004_assignment_share_index")
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            INSERT INTO organisation (id, name, timezone, language, morning_hour,
                one_report_closes, created_at, kind)
                VALUES (1, 'Гимназия', 'Europe/Moscow', 'ru', 9, 1, '2022-01-01', 'school');
            INSERT INTO roadmap (id, organisation_id, title, period_start, period_end,
                created_at, updated_at)
                VALUES (1, 1, 'План', 2022, 2024, '2022-01-01', '2022-01-01');
            INSERT INTO measure (id, roadmap_id, number, title, deadline_raw, schedule_kind,
                schedule, responsible_raw, position)
                VALUES (1, 1, '1.1', 'Понятное', 'май 2022', 'once', '{}', '', 0),
                       (2, 1, '1.2', 'Непонятное', 'уточняется', 'unparsed', '{}', '', 1);
            """
        )
    upgrade_sync(url)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT id, deadline_state FROM measure ORDER BY id").fetchall() == [
            (1, None),
            (2, "unclear"),
        ]
        assert db.execute(
            "SELECT measure_id, organisation_id, window_start, due_date, is_span FROM occurrence"
        ).fetchall() == [(2, 1, "2022-01-01", "2024-12-31", 1)]


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
