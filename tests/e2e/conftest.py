"""End-to-end harness: the real bot (build_app, real AiohttpSession, long polling) talking
over HTTP to the fake Bot API server. Tests play users; nothing calls a handler directly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.clock import FixedClock
from bot.settings import Settings
from tests.fake_telegram import FakeTelegram

ADMIN_ID = 90_000_001
START_MOMENT = datetime(2022, 5, 16, 6, 0, tzinfo=UTC)  # Monday 08:00 in Kaliningrad


@dataclass
class RunningBot:
    app: App
    tg: FakeTelegram
    clock: FixedClock
    settings: Settings


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token="4242:TEST-TOKEN-for-e2e") as server:
        yield server


def e2e_settings(tg: FakeTelegram, tmp_path: Path, database_url: str | None = None) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=tg.token,
        telegram_api_url=tg.base_url,
        database_url=database_url or f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}",
        files_dir=tmp_path / "files",
        admin_ids=[ADMIN_ID],
        default_timezone="Europe/Kaliningrad",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Tests marked both_databases run the whole bot on SQLite and on PostgreSQL.
    if "e2e_database" in metafunc.fixturenames:
        marked = metafunc.definition.get_closest_marker("both_databases") is not None
        metafunc.parametrize(
            "e2e_database", ["sqlite", "postgres"] if marked else ["sqlite"], indirect=True
        )


@pytest.fixture
async def e2e_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}"
    from storage.db import create_engine
    from tests.conftest import _wipe

    url: str = request.getfixturevalue("_postgres_url")
    engine = create_engine(url)
    await _wipe(engine)
    await engine.dispose()
    return url


@pytest.fixture
async def running_bot(
    tg: FakeTelegram, tmp_path: Path, e2e_database: str
) -> AsyncIterator[RunningBot]:
    async with run_bot(tg, e2e_settings(tg, tmp_path, e2e_database)) as running:
        yield running


@asynccontextmanager
async def run_bot(tg: FakeTelegram, settings: Settings) -> AsyncIterator[RunningBot]:
    """The whole bot, long-polling the fake server, from its first update to its close."""
    clock = FixedClock(START_MOMENT)
    app = await build_app(settings, clock)
    polling = asyncio.create_task(
        app.dispatcher.start_polling(app.bot, handle_signals=False, polling_timeout=1)
    )
    try:
        # Start-up is over once the command menu is set.
        await tg.wait_until(lambda: tg.commands_for(), 20, failure="the bot did not start")
        yield RunningBot(app=app, tg=tg, clock=clock, settings=settings)
    finally:
        await app.dispatcher.stop_polling()
        await asyncio.wait_for(polling, 20)
        await app.close()


async def identity_for(uow, telegram_user_id: int):  # type: ignore[no-untyped-def]
    """The Identity the middleware would build for this Telegram user."""
    from bot.services import Services

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    services = Services(uow=uow, clock=FixedClock(START_MOMENT), settings=settings)
    return await services.identify(telegram_user_id, None)
