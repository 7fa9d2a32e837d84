"""Scheduler jobs. APScheduler only ticks: the truth (what to send, what was sent) lives in
the database, so any number of processes may tick at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

if TYPE_CHECKING:
    from bot.app import App


def build_scheduler(app: App) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    return scheduler
