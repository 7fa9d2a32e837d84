"""Scheduler jobs. APScheduler only ticks: the truth (what to send, what was sent) lives in
the database outbox, so any number of processes may tick at once and a restart loses
nothing. Jobs open their own unit of work from the app's session factory."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.reminders.outbox import plan_organisation
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.app import App

logger = logging.getLogger(__name__)


async def plan_all(app: App) -> int:
    """The safety net: plan whatever rows are missing, for every organisation."""
    added = 0
    async with UnitOfWork(app.session_factory) as uow:
        for organisation in await uow.organisations.list():
            added += await plan_organisation(uow, organisation.id, now=app.clock.now())
        await uow.commit()
    if added:
        logger.info("planned %d reminder rows", added)
    return added


async def deliver(app: App) -> None:
    stats = await app.delivery.tick()
    if stats.claimed:
        logger.info(
            "reminders: %d messages, %d rows sent, %d deferred, %d failed, %d 429s",
            stats.messages,
            stats.sent_rows,
            stats.deferred_rows,
            stats.failed_rows,
            stats.retried_429,
        )


def build_scheduler(app: App) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    common = {"replace_existing": True, "coalesce": True, "max_instances": 1}
    scheduler.add_job(
        deliver,
        "interval",
        seconds=app.settings.delivery_interval,
        args=[app],
        id="deliver",
        misfire_grace_time=app.settings.delivery_interval,
        **common,
    )
    scheduler.add_job(
        plan_all, "interval", hours=6, args=[app], id="plan", misfire_grace_time=3600, **common
    )
    # Plan once right after start, then deliver whatever waited while the bot was down.
    scheduler.add_job(plan_all, args=[app], id="plan-at-start", **common)
    for extra in app.extra_jobs:
        extra(scheduler, app)
    return scheduler
