"""Mornings are scheduled at their hour: one cron job per (time zone, hour) in use."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.jobs import refresh_morning_jobs
from storage.models import Role
from storage.uow import UnitOfWork

NOW = datetime(2022, 5, 16, 6, 0, tzinfo=UTC)


async def test_one_cron_job_per_zone_and_hour_follows_the_settings(session_factory) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(session_factory) as uow:
        school = await uow.organisations.add(
            name="Гимназия", timezone="Europe/Kaliningrad", now=NOW, morning_hour=9
        )
        await uow.organisations.add(
            name="Лицей", timezone="Europe/Kaliningrad", now=NOW, morning_hour=9
        )
        await uow.organisations.add(
            name="Школа", timezone="Asia/Yekaterinburg", now=NOW, morning_hour=8
        )
        early = await uow.people.add(full_name="Ранний Р.Р.", now=NOW, reminder_hour=7)
        await uow.people.add_membership(
            organisation_id=school.id, person_id=early.id, role=Role.OFFICER, now=NOW
        )
        await uow.commit()
    app = SimpleNamespace(session_factory=session_factory, running_jobs=set())
    scheduler = AsyncIOScheduler(timezone="UTC")
    await refresh_morning_jobs(app, scheduler)  # type: ignore[arg-type]
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "morning:Asia/Yekaterinburg:8",
        "morning:Europe/Kaliningrad:7",
        "morning:Europe/Kaliningrad:9",
    }
    trigger = jobs["morning:Asia/Yekaterinburg:8"].trigger
    assert str(trigger.timezone) == "Asia/Yekaterinburg"
    assert {f.name: str(f) for f in trigger.fields}["hour"] == "8"

    async with UnitOfWork(session_factory) as uow:
        organisation = await uow.organisations.by_name("Школа")
        assert organisation is not None
        organisation.morning_hour = 10
        await uow.commit()
    await refresh_morning_jobs(app, scheduler)  # type: ignore[arg-type]
    assert {job.id for job in scheduler.get_jobs()} == {
        "morning:Asia/Yekaterinburg:10",
        "morning:Europe/Kaliningrad:7",
        "morning:Europe/Kaliningrad:9",
    }
