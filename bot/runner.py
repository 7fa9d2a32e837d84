"""Running the built app: long polling or a webhook, with the background jobs alongside."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlparse

from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.app import WEB_ACCESS_LOGGER, App, add_board
from bot.jobs import build_scheduler, wait_for_running_jobs
from bot.shared import Shared

logger = logging.getLogger(__name__)


@asynccontextmanager
async def background_jobs(app: App) -> AsyncIterator[None]:
    """The APScheduler ticker (reminders, digests) for as long as the bot runs."""
    scheduler = build_scheduler(app)
    scheduler.start()
    try:
        yield
    finally:
        # Let running jobs finish their transaction first: APScheduler's asyncio executor
        # cancels whatever is still running when it shuts down.
        scheduler.pause()
        await wait_for_running_jobs(app)
        scheduler.shutdown(wait=False)


async def run_polling(app: App) -> None:
    await app.bot.delete_webhook(drop_pending_updates=False)
    async with background_jobs(app):
        if app.shared is None:
            await app.dispatcher.start_polling(app.bot, handle_signals=True)
        else:
            await poll_when_chosen(app, app.shared)


# Telegram lets one process poll a bot. With several, the one holding this Redis lock
# polls and the others deliver reminders; when it dies, its lock runs out and another
# takes over within POLL_LOCK_SECONDS.
POLL_LOCK_SECONDS = 30
POLL_LOCK_RENEW = 10


async def poll_when_chosen(app: App, shared: Shared) -> None:
    from redis.exceptions import LockError, RedisError

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    lock = shared.redis.lock(shared.key("poller"), timeout=POLL_LOCK_SECONDS)
    try:
        while not stop.is_set():
            try:
                chosen = await lock.acquire(blocking=False)
            except RedisError as error:
                logger.warning("cannot reach Redis to choose who polls (%s)", error)
                chosen = False
            if not chosen:
                await _wait_for(stop, POLL_LOCK_RENEW)
                continue
            logger.info("this process receives the updates (long polling)")
            polling = asyncio.create_task(
                app.dispatcher.start_polling(app.bot, handle_signals=False)
            )
            try:
                while not stop.is_set() and not polling.done():
                    ticker = asyncio.ensure_future(_wait_for(stop, POLL_LOCK_RENEW))
                    await asyncio.wait({polling, ticker}, return_when=asyncio.FIRST_COMPLETED)
                    ticker.cancel()
                    try:
                        await lock.reacquire()
                    except (LockError, RedisError) as error:
                        # Another process may poll once the lock runs out: stop first.
                        logger.warning("lost the polling lock (%s); polling stops", error)
                        break
            finally:
                if not polling.done():
                    try:
                        await app.dispatcher.stop_polling()
                    except RuntimeError:  # not started yet
                        polling.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await polling
                with contextlib.suppress(LockError, RedisError):
                    await lock.release()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


async def _wait_for(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


async def run_webhook(app: App, url: str) -> None:
    settings = app.settings
    # Every process behind the URL must check the same secret: with Redis it is required
    # (bot.cli refuses to start without it); one process alone may invent its own.
    secret = settings.webhook_secret or secrets.token_urlsafe(32)
    path = urlparse(url).path or "/webhook"
    web_app = web.Application()
    SimpleRequestHandler(dispatcher=app.dispatcher, bot=app.bot, secret_token=secret).register(
        web_app, path=path
    )
    setup_application(web_app, app.dispatcher, bot=app.bot)
    add_board(app, web_app)
    host, _, port = settings.webhook_listen.rpartition(":")
    runner = web.AppRunner(web_app, access_log_class=WEB_ACCESS_LOGGER)
    await runner.setup()
    site = web.TCPSite(runner, host or "0.0.0.0", int(port))
    await app.bot.set_webhook(url, secret_token=secret, drop_pending_updates=False)
    async with background_jobs(app):
        await site.start()
        logger.info("webhook server listening on %s, path %s", settings.webhook_listen, path)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


async def run_web(app: App, listen: str) -> None:
    """Only the web server (the coordinator's board), next to a bot that runs by polling."""
    web_app = web.Application()
    add_board(app, web_app)
    host, _, port = listen.rpartition(":")
    runner = web.AppRunner(web_app, access_log_class=WEB_ACCESS_LOGGER)
    await runner.setup()
    site = web.TCPSite(runner, host or "0.0.0.0", int(port))
    await site.start()
    logger.info("board served on http://%s/board/", listen)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
