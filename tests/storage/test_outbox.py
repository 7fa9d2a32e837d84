"""The reminder outbox on both engines: idempotent planning, atomic claims, leases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.reminders.outbox import plan_organisation
from bot.reports.service import ReportStatus, submit_report
from bot.services import Services
from storage.models import Reminder
from storage.uow import UnitOfWork
from tests.e2e.seed import seed_organisation

NOW = datetime(2022, 5, 16, 6, 0, tzinfo=UTC)


async def _count(session_factory, **where) -> int:  # type: ignore[no-untyped-def]
    async with UnitOfWork(session_factory) as uow:
        query = select(func.count(Reminder.id))
        for name, value in where.items():
            query = query.where(getattr(Reminder, name) == value)
        return int(await uow.session.scalar(query))


async def test_planning_is_idempotent(session_factory) -> None:  # type: ignore[no-untyped-def]
    seeded = await seed_organisation(
        session_factory, NOW, linked={"Бобров В.С.": 7002, "Воропаева Е.В.": 7003}
    )
    planned = await _count(session_factory)
    assert planned > 0
    async with UnitOfWork(session_factory) as uow:
        added = await plan_organisation(uow, seeded.organisation_id, now=NOW)
        await uow.commit()
    assert added == 0
    assert await _count(session_factory) == planned


async def test_rows_before_the_bot_knew_are_not_planned(session_factory) -> None:  # type: ignore[no-untyped-def]
    await seed_organisation(session_factory, NOW, linked={"Бобров В.С.": 7002})
    async with UnitOfWork(session_factory) as uow:
        earliest = await uow.session.scalar(select(func.min(Reminder.fire_at)))
    assert earliest >= NOW - timedelta(hours=12)


async def test_two_workers_never_claim_the_same_row(session_factory) -> None:  # type: ignore[no-untyped-def]
    await seed_organisation(
        session_factory,
        NOW,
        linked={"Бобров В.С.": 7002, "Воропаева Е.В.": 7003, "Изотова А.И.": 7004},
    )
    later = datetime(2024, 12, 31, 12, 0, tzinfo=UTC)  # everything is due by then

    async def worker(name: str) -> list[int]:
        async with UnitOfWork(session_factory) as uow:
            claimed = await uow.reminders.claim_due(now=later, worker=name, max_persons=2)
            await asyncio.sleep(0.05)  # hold the locks while the other worker tries
            await uow.commit()
            return [row.id for row in claimed]

    first, second = await asyncio.gather(worker("a"), worker("b"))
    assert first or second
    assert not set(first) & set(second)
    # Each person's rows went to one worker only.
    async with UnitOfWork(session_factory) as uow:
        rows = await uow.session.execute(select(Reminder).where(Reminder.state == "claimed"))
        owners: dict[int, set[str]] = {}
        for reminder in rows.scalars():
            owners.setdefault(reminder.person_id, set()).add(reminder.claimed_by or "")
    assert all(len(names) == 1 for names in owners.values())


async def test_an_expired_lease_is_claimed_again(session_factory) -> None:  # type: ignore[no-untyped-def]
    await seed_organisation(session_factory, NOW, linked={"Бобров В.С.": 7002})
    later = datetime(2022, 6, 15, 12, 0, tzinfo=UTC)
    async with UnitOfWork(session_factory) as uow:
        first = await uow.reminders.claim_due(now=later, worker="dead", lease=timedelta(minutes=5))
        await uow.commit()
    assert first
    async with UnitOfWork(session_factory) as uow:
        again = await uow.reminders.claim_due(now=later + timedelta(minutes=1), worker="b")
        await uow.commit()
    assert again == []  # the lease still holds
    async with UnitOfWork(session_factory) as uow:
        reclaimed = await uow.reminders.claim_due(now=later + timedelta(minutes=6), worker="b")
        await uow.commit()
    assert sorted(r.id for r in reclaimed) == sorted(r.id for r in first)


async def test_a_done_report_cancels_pending_reminders(session_factory) -> None:  # type: ignore[no-untyped-def]
    from tests.e2e.conftest import identity_for

    seeded = await seed_organisation(session_factory, NOW, linked={"Бобров В.С.": 7002})
    async with UnitOfWork(session_factory) as uow:
        pending = (
            (
                await uow.session.execute(
                    select(Reminder).where(
                        Reminder.person_id == seeded.persons["Бобров В.С."],
                        Reminder.state == "pending",
                    )
                )
            )
            .scalars()
            .all()
        )
        occurrence_id = pending[0].occurrence_id
        identity = await identity_for(uow, 7002)
        await submit_report(
            uow, identity, occurrence_id=occurrence_id, status=ReportStatus.DONE, now=NOW
        )
    assert await _count(session_factory, occurrence_id=occurrence_id, state="pending") == 0
    assert await _count(session_factory, occurrence_id=occurrence_id, state="cancelled") > 0
    # Services are built the same way for jobs and handlers.
    assert Services
