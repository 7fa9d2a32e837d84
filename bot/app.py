"""Composition root: one function builds the bot, dispatcher, scheduler and database.

`run`, `chat`, the end-to-end tests and the benchmarks all call `build_app`, so they run
the same dispatcher, the same handlers and the same storage.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.utils.i18n import I18n
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import offload
from bot.clock import Clock
from bot.morph import morph
from bot.reminders.delivery import ReminderDelivery
from bot.reminders.pacing import MemoryPacer, Pacer, RedisPacer
from bot.settings import Settings
from bot.shared import RedisUnavailable, Shared, connect
from bot.telegram_io import CountRepliesInBudget, HonourRetryAfter, RetryNetworkErrors
from handlers import callbacks, get_routers, views
from handlers.commands import set_bot_commands
from handlers.middlewares.callbacks import (
    AnswerCallbacksMiddleware,
    AnsweredCallbacks,
    RecordCallbackAnswers,
    RefuseUnknownButtons,
)
from handlers.middlewares.db import DbSessionMiddleware
from handlers.middlewares.i18n import PersonI18nMiddleware, build_i18n
from handlers.middlewares.identity import IdentityMiddleware
from handlers.middlewares.isolation import AlbumsBypassIsolation
from handlers.shortcuts import PlainQuestionLane
from handlers.web import AccessLogger, BoardContext, mount_board
from storage import quick_read
from storage.db import (
    SessionFactory,
    check_connection,
    create_engine,
    create_session_factory,
    sqlite_path,
    upgrade,
)
from storage.statistics import wait_for_refreshes

logger = logging.getLogger(__name__)

# A syntactically valid token for the local chat mode, which never reaches Telegram.
LOCAL_MODE_TOKEN = "1000000001:LOCAL-CHAT-MODE-NO-TELEGRAM"


class StartupError(RuntimeError):
    """Start-up cannot go on; the message is one clear line for the operator."""


def _one_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def check_writable_directory(path: Path, setting: str) -> None:
    """The directory exists (or is created) and a file can be written in it; otherwise the
    bot stops at start with one line naming the setting, rather than failing every upload
    later with the generic error."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".write-check-", dir=path)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise StartupError(
            f"{setting}: cannot write to the directory {str(path)!r} ({reason})"
        ) from exc


@dataclass
class App:
    settings: Settings
    clock: Clock
    bot: Bot
    dispatcher: Dispatcher
    engine: AsyncEngine
    session_factory: SessionFactory
    i18n: I18n
    delivery: ReminderDelivery
    # With REDIS_URL: what the bot's processes share (FSM, locks, albums, send budget).
    shared: Shared | None = None
    # Scheduler jobs in progress, so that shutdown lets them finish (see bot.jobs).
    running_jobs: set[asyncio.Task[object]] = field(default_factory=set)

    async def close(self, grace_seconds: float = 10.0) -> None:
        await self.finish_updates(grace_seconds)
        await self.bot.session.close()
        # Statistics refreshed after a bulk write (storage.statistics) finish first.
        await wait_for_refreshes()
        await self.engine.dispose()
        if self.shared is not None:
            if isinstance(self.delivery.pacer, RedisPacer):
                await self.delivery.pacer.drain()  # replies' notes still on their way
            await self.shared.close()
        # What build_app froze may become garbage now (a process that builds apps again).
        gc.unfreeze()

    async def finish_updates(self, grace_seconds: float) -> None:
        """Let updates still being handled finish (aiogram's polling does not wait for
        them), then cancel the rest and wait for their clean-up, so no handler is left
        holding a database connection (or a reading child) when the engine is closed."""
        tasks = set(getattr(self.dispatcher, "_handle_update_tasks", ()))
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace_seconds)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=grace_seconds)


def _dispatcher(shared: Shared | None, redis_url: str | None, **data: Any) -> Dispatcher:
    """Conversation state in memory, or (several processes) in Redis with aiogram's event
    isolation: one update of a (chat, user) at a time across all processes."""
    if shared is None or redis_url is None:
        return Dispatcher(storage=MemoryStorage(), **data)
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisStorage

    # A client of its own: the dispatcher closes its storage when it stops, while jobs
    # may still be using the shared client.
    storage = RedisStorage.from_url(
        redis_url, key_builder=DefaultKeyBuilder(prefix=shared.key("fsm"))
    )
    isolation = storage.create_isolation()
    # FSM registered by hand: album items pass the isolation (see the middleware).
    dispatcher = Dispatcher(storage=storage, events_isolation=isolation, disable_fsm=True, **data)
    dispatcher.fsm = AlbumsBypassIsolation(storage=storage, events_isolation=isolation)
    dispatcher.update.outer_middleware(dispatcher.fsm)
    return dispatcher


async def _connect_shared(settings: Settings) -> Shared | None:
    if not settings.redis_url:
        return None
    try:
        return await connect(settings.redis_url, namespace=bot_namespace(settings))
    except RedisUnavailable as exc:
        raise StartupError(f"REDIS_URL: cannot use Redis ({exc})") from exc


def bot_namespace(settings: Settings) -> str:
    """The bot's id (the token's first part): keys of bots sharing a Redis stay apart."""
    token = settings.bot_token.get_secret_value() if settings.bot_token else LOCAL_MODE_TOKEN
    return token.split(":", 1)[0]


def build_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    if session is None:
        session = AiohttpSession(
            api=TelegramAPIServer.from_base(settings.telegram_api_url)
            if settings.telegram_api_url
            else TelegramAPIServer.from_base("https://api.telegram.org")
        )
    token = settings.bot_token.get_secret_value() if settings.bot_token else LOCAL_MODE_TOKEN
    return Bot(
        token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML)
    )


async def build_app(
    settings: Settings,
    clock: Clock,
    *,
    session: BaseSession | None = None,
    migrate: bool = True,
    set_commands: bool = True,
) -> App:
    """Build everything; fail fast with a clear StartupError if the files directory or the
    database is unusable."""
    check_writable_directory(settings.files_dir, "FILES_DIR")
    offload.configure(settings.render_processes)
    database = sqlite_path(settings.database_url)
    if database is not None:
        check_writable_directory(database.parent, "DATABASE_URL")
    try:
        engine = create_engine(settings.database_url)
    except Exception as exc:
        raise StartupError(f"DATABASE_URL: cannot use the database ({_one_line(exc)})") from exc
    try:
        if migrate:
            await upgrade(settings.database_url)
        await check_connection(engine)
        await quick_read.open_now(engine)
    except Exception as exc:
        await engine.dispose()
        raise StartupError(
            f"DATABASE_URL: cannot use the database ({exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''})"
        ) from exc
    try:
        shared = await _connect_shared(settings)
    except StartupError:
        await engine.dispose()
        raise
    session_factory = create_session_factory(engine)
    i18n = build_i18n()
    # The morphological dictionary (~0.2 s to load) is read now, in a thread, rather than
    # by the first question in the event loop: the bot answers from its first second.
    await asyncio.to_thread(morph)
    # What start-up built (modules, mappers, catalogues, the dictionary) lives as long as the
    # process: kept out of the collector's full passes, which otherwise walk it all and held
    # the event loop 180-380 ms each while a region's plans were made (bench/scale.py's
    # question p99 during planning).
    gc.collect()
    gc.freeze()

    dispatcher = _dispatcher(
        shared,
        settings.redis_url,
        settings=settings,
        clock=clock,
        i18n=i18n,
        session_factory=session_factory,
    )
    dispatcher.update.outer_middleware(DbSessionMiddleware(session_factory, clock, settings))
    dispatcher.update.outer_middleware(IdentityMiddleware())
    languages = PersonI18nMiddleware(i18n)
    languages.setup(dispatcher)
    # A member's plain question, the commonest message, straight to its handler.
    dispatcher.update.outer_middleware(PlainQuestionLane(languages))
    answered = AnsweredCallbacks()
    dispatcher["answered_callbacks"] = answered
    dispatcher.callback_query.outer_middleware(AnswerCallbacksMiddleware(answered))
    # Forged or stale button data stops here, answered as out of date (issue 13).
    dispatcher.callback_query.outer_middleware(RefuseUnknownButtons(callbacks.FACTORIES))
    dispatcher.include_routers(*get_routers(shared))
    bot = build_bot(settings, session)
    bot.session.middleware(RecordCallbackAnswers(answered))
    # A dropped connection is retried (repeating at most the calls in flight).
    bot.session.middleware(RetryNetworkErrors())
    # The bot's send budget: this process's, or (Redis) all its processes'.
    pacer: Pacer = (
        RedisPacer(shared.redis, shared.namespace, per_second=settings.send_rate)
        if shared
        else MemoryPacer(per_second=settings.send_rate)
    )
    # Any 429 (a reply's too) pauses every sender of reminders and digests.
    bot.session.middleware(HonourRetryAfter(pacer))
    # Replies are not held back, but counted: reminders sent meanwhile yield to them.
    bot.session.middleware(CountRepliesInBudget(pacer))

    delivery = ReminderDelivery(
        bot=bot,
        session_factory=session_factory,
        clock=clock,
        render=views.reminder_messages,
        render_unreachable=views.unreachable_notice,
        pacer=pacer,
        lease=timedelta(seconds=settings.delivery_lease),
    )
    app = App(
        settings=settings,
        clock=clock,
        bot=bot,
        dispatcher=dispatcher,
        engine=engine,
        session_factory=session_factory,
        i18n=i18n,
        delivery=delivery,
        shared=shared,
    )
    dispatcher["app"] = app

    async def on_startup(bot: Bot) -> None:
        if set_commands:
            await set_bot_commands(bot)
        logger.info("bot started")

    async def on_shutdown() -> None:
        logger.info("bot stopping")

    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    return app


# The web server's access log (queries left out: a board download's URL carries initData).
WEB_ACCESS_LOGGER = AccessLogger


def add_board(app: App, web_app: web.Application) -> None:
    """Serve the coordinator's board (`/board/`) from `web_app`, reading report files that
    are not on disk from Telegram through the app's bot."""

    async def download(file_id: str) -> bytes:
        found = await app.bot.get_file(file_id)
        if found.file_path is None:
            raise LookupError("Telegram gave no file path")
        stream = await app.bot.download_file(found.file_path)
        assert stream is not None
        return stream.read()

    mount_board(
        web_app,
        BoardContext(
            settings=app.settings,
            clock=app.clock,
            session_factory=app.session_factory,
            download=download,
        ),
    )
