"""Scheduler jobs. APScheduler only ticks: the truth (what to send, what was sent) lives in
the database outbox, so any number of processes may tick at once and a restart loses
nothing. Jobs open their own unit of work from the app's session factory."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.reminders.outbox import plan_due
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.app import App

logger = logging.getLogger(__name__)


async def plan_all(app: App) -> int:
    """Plan the next day of every organisation whose rows are not there yet."""
    added = await plan_due(app.session_factory, app.clock.now())
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


async def send_digests(app: App, slot: tuple[str, int] | None = None) -> int:
    """The Monday digest for coordinators, when it is due (see coordination.due_digests);
    `slot` limits it to the organisations of one (time zone, morning hour)."""
    from aiogram.types import BufferedInputFile

    from bot.coordination import due_digests
    from bot.i18n import normalise_locale

    async with UnitOfWork(app.session_factory) as uow:
        messages = await due_digests(uow, now=app.clock.now(), slot=slot)
    delivered: dict[tuple[int, str], bool] = {}
    for message in messages:
        key = (message.organisation_id, message.week)
        delivered.setdefault(key, False)
        try:
            for page in message.pages:
                async with app.delivery.pacer.slot(message.chat_id):
                    await app.bot.send_message(message.chat_id, page)
            if message.chart:
                async with app.delivery.pacer.slot(message.chat_id):
                    await app.bot.send_photo(
                        message.chat_id,
                        BufferedInputFile(message.chart, filename="trend.png"),
                        caption=None,
                    )
            delivered[key] = True
        except Exception:  # one coordinator's failure must not stop the others' digests
            logger.exception(
                "digest to chat %s failed (%s)",
                message.chat_id,
                normalise_locale(message.language),
            )
    failed = [key for key, ok in delivered.items() if not ok]
    if failed:
        # Nobody of that organisation got it: the next tick of this morning tries again.
        async with UnitOfWork(app.session_factory) as uow:
            for organisation_id, week in failed:
                await uow.audit.unclaim(
                    organisation_id=organisation_id, action="digest.sent", key=week
                )
            await uow.commit()
    return len(messages)


async def sweep_files(app: App) -> int:
    """Stored files that no report or roadmap references, after a day (bot.sweep)."""
    from bot.sweep import sweep_unreferenced_files

    # Files age by the file system's clock: a clock shifted ahead (`--clock`) must not
    # make a report being written now look a day old.
    now = min(app.clock.now(), datetime.now(UTC))
    result = await sweep_unreferenced_files(app.session_factory, app.settings.files_dir, now=now)
    return len(result.removed)


MORNING_JOB = "morning:"


async def morning(app: App, timezone: str, hour: int) -> None:
    """The hour of some organisations' mornings: their reminders and digests, at once."""
    await deliver(app)
    await send_digests(app, slot=(timezone, hour))


async def refresh_morning_jobs(app: App, scheduler: AsyncIOScheduler) -> None:
    """Keep one cron job per (time zone, hour) in use; settings change at any time."""
    from apscheduler.triggers.cron import CronTrigger

    async with UnitOfWork(app.session_factory) as uow:
        slots = await uow.organisations.morning_slots()
    wanted = {f"{MORNING_JOB}{zone}:{hour}": (zone, hour) for zone, hour in slots}
    for job in scheduler.get_jobs():
        if job.id.startswith(MORNING_JOB) and job.id not in wanted:
            job.remove()
    for job_id, (zone, hour) in wanted.items():
        if scheduler.get_job(job_id) is None:
            scheduler.add_job(
                tracked_morning,
                CronTrigger(hour=hour, minute=0, timezone=zone),
                args=[app, zone, hour],
                id=job_id,
                misfire_grace_time=3600,
                coalesce=True,
                max_instances=1,
            )


async def tracked_morning(app: App, timezone: str, hour: int) -> None:
    task = asyncio.current_task()
    assert task is not None
    app.running_jobs.add(task)
    try:
        await morning(app, timezone, hour)
    finally:
        app.running_jobs.discard(task)


def tracked(job: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Keep a handle on running jobs so that shutdown can let them finish their
    transaction instead of pulling the database away under them (a job cancelled by the
    scheduler's shutdown would also print its traceback where the user reads)."""

    @functools.wraps(job)
    async def run(app: App, *args: Any) -> Any:
        task = asyncio.current_task()
        assert task is not None
        app.running_jobs.add(task)
        try:
            return await job(app, *args)
        finally:
            app.running_jobs.discard(task)

    return run


async def wait_for_running_jobs(app: App, timeout: float = 30) -> None:
    if app.running_jobs:
        await asyncio.wait(list(app.running_jobs), timeout=timeout)


def build_scheduler(app: App) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    common = {"replace_existing": True, "coalesce": True, "max_instances": 1}
    scheduler.add_job(
        tracked(deliver),
        "interval",
        seconds=app.settings.delivery_interval,
        args=[app],
        id="deliver",
        misfire_grace_time=app.settings.delivery_interval,
        **common,
    )
    scheduler.add_job(
        tracked(plan_all),
        "interval",
        minutes=30,
        args=[app],
        id="plan",
        misfire_grace_time=3600,
        **common,
    )
    scheduler.add_job(
        tracked(sweep_files),
        "interval",
        hours=6,
        args=[app],
        id="sweep-files",
        misfire_grace_time=3600,
        **common,
    )
    # The mornings: one cron job per (time zone, hour) that some organisation or person
    # has, so reminders and digests go out at that hour rather than when a poll finds them.
    scheduler.add_job(
        tracked(refresh_morning_jobs),
        "interval",
        minutes=10,
        args=[app, scheduler],
        id="mornings",
        misfire_grace_time=600,
        **common,
    )
    # Plan once right after start, then deliver whatever waited while the bot was down, and
    # send a digest this morning's hour already passed without (a restart at 9:05).
    scheduler.add_job(tracked(plan_all), args=[app], id="plan-at-start", **common)
    scheduler.add_job(tracked(send_digests), args=[app], id="digest-at-start", **common)
    scheduler.add_job(
        tracked(refresh_morning_jobs), args=[app, scheduler], id="mornings-at-start", **common
    )
    return scheduler
