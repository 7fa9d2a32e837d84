"""The reminder outbox on both engines: idempotent planning, atomic claims, leases."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from bot.calendar import local_date
from bot.reminders.outbox import ensure_planned, plan_due
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


async def _plan(session_factory, now: datetime) -> int:  # type: ignore[no-untyped-def]
    return await plan_due(session_factory, now)


async def test_planning_is_idempotent(session_factory) -> None:  # type: ignore[no-untyped-def]
    seeded = await seed_organisation(
        session_factory, NOW, linked={"Бобров В.С.": 7002, "Воропаева Е.В.": 7003}
    )
    later = datetime(2022, 5, 23, 5, 0, tzinfo=UTC)  # a week on: due_in_7 of the May ones
    assert await _plan(session_factory, later) > 0
    planned = await _count(session_factory)
    assert await _plan(session_factory, later) == 0
    async with UnitOfWork(session_factory) as uow:
        assert await ensure_planned(uow, seeded.organisation_id, now=later) == 0
    assert await _count(session_factory) == planned


async def test_rows_exist_only_for_the_days_about_to_come(session_factory) -> None:  # type: ignore[no-untyped-def]
    await seed_organisation(session_factory, NOW, linked={"Бобров В.С.": 7002})
    async with UnitOfWork(session_factory) as uow:
        rows = list((await uow.session.execute(select(Reminder))).scalars())
    today = local_date(NOW, "Europe/Kaliningrad")
    assert all(
        local_date(row.fire_at, "Europe/Kaliningrad") <= today + timedelta(days=1) for row in rows
    )
    # A new day plans that day only: nothing is materialised for the years of the plan.
    later = datetime(2022, 5, 23, 5, 0, tzinfo=UTC)
    await _plan(session_factory, later)
    async with UnitOfWork(session_factory) as uow:
        days = {
            local_date(r.fire_at, "Europe/Kaliningrad")
            for r in (await uow.session.execute(select(Reminder))).scalars()
        }
    assert max(days) <= local_date(later, "Europe/Kaliningrad") + timedelta(days=1)
    assert date(2022, 5, 24) in days  # Бобров's «ВПР, май»: due 31 May, warned 7 days before


async def test_only_people_who_can_receive_reminders_get_rows(session_factory) -> None:  # type: ignore[no-untyped-def]
    seeded = await seed_organisation(session_factory, NOW, linked={"Бобров В.С.": 7002})
    await _plan(session_factory, datetime(2022, 5, 24, 5, 0, tzinfo=UTC))
    async with UnitOfWork(session_factory) as uow:
        people = set((await uow.session.execute(select(Reminder.person_id))).scalars())
    assert seeded.persons["Бобров В.С."] in people
    # Воропаева and Изотова have not joined: no rows wait for them.
    assert seeded.persons["Воропаева Е.В."] not in people
    assert seeded.persons["Изотова А.И."] not in people


async def test_rows_before_the_bot_knew_are_not_planned(session_factory) -> None:  # type: ignore[no-untyped-def]
    # Бобров's «ВПР, май» is due 31 May: its 7-day warning is on 24 May at 09:00 local.
    late = datetime(2022, 5, 24, 20, 0, tzinfo=UTC)
    await seed_organisation(session_factory, late, linked={"Бобров В.С.": 7002})
    async with UnitOfWork(session_factory) as uow:
        earliest = await uow.session.scalar(select(func.min(Reminder.fire_at)))
    assert earliest is None or earliest >= late - timedelta(hours=12)


async def test_a_plan_stored_in_the_morning_still_reminds_that_morning(session_factory) -> None:  # type: ignore[no-untyped-def]
    noon = datetime(2022, 5, 24, 10, 0, tzinfo=UTC)
    seeded = await seed_organisation(
        session_factory, noon, name="Другая", linked={"Бобров В.С.": 7002}
    )
    async with UnitOfWork(session_factory) as uow:
        kinds = set(
            (
                await uow.session.execute(
                    select(Reminder.kind).where(
                        Reminder.person_id == seeded.persons["Бобров В.С."]
                    )
                )
            ).scalars()
        )
    assert "due_in_7" in kinds


async def test_two_workers_never_claim_the_same_row(session_factory) -> None:  # type: ignore[no-untyped-def]
    await seed_organisation(
        session_factory,
        NOW,
        linked={"Бобров В.С.": 7002, "Воропаева Е.В.": 7003, "Изотова А.И.": 7004},
    )
    later = datetime(2022, 6, 15, 12, 0, tzinfo=UTC)
    # A month of days planned at once (as after downtime): everyone has rows due.
    await _plan(session_factory, datetime(2022, 5, 24, 5, 0, tzinfo=UTC))
    await _plan(session_factory, later)

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
    await _plan(session_factory, datetime(2022, 5, 24, 5, 0, tzinfo=UTC))
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
    await _plan(session_factory, datetime(2022, 5, 24, 5, 0, tzinfo=UTC))
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
