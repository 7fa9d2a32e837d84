"""Running the built app: long polling or a webhook, with the background jobs alongside."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlparse

from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.app import WEB_ACCESS_LOGGER, App, add_board
from bot.jobs import build_scheduler, wait_for_running_jobs

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
        await app.dispatcher.start_polling(app.bot, handle_signals=True)


async def run_webhook(app: App, url: str) -> None:
    settings = app.settings
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
