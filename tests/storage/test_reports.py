"""Report rules against both databases: closing for all or each, postponement, the 24-hour
window, files deduplicated by checksum, "new since I last looked"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.errors import AccessDenied, NotFound, UserError
from bot.reminders.outbox import plan_range
from bot.reports import reading
from bot.reports.draft import DraftFile
from bot.reports.files import FileStore
from bot.reports.service import (
    ReportStatus,
    add_attachments,
    correct_report,
    submit_report,
    withdraw_report,
)
from bot.services import Identity, Services
from bot.settings import Settings
from storage.models import Attachment, Organisation, Reminder
from storage.uow import UnitOfWork
from tests.e2e.seed import Seeded, seed_organisation

COORDINATOR, BOBROV, VOROPAEVA = 7001, 7002, 7003

Factory = async_sessionmaker[AsyncSession]


async def seeded(session_factory: Factory, now: datetime, **kwargs: Any) -> Seeded:
    return await seed_organisation(
        session_factory,
        now,
        linked={"Бобров В.С.": BOBROV, "Воропаева Е.В.": VOROPAEVA},
        **kwargs,
    )


async def as_user(
    session_factory: Factory,
    telegram_id: int,
    now: datetime,
    action: Callable[[UnitOfWork, Identity], Awaitable[Any]],
) -> Any:
    async with UnitOfWork(session_factory) as uow:
        services = Services(uow=uow, clock=FixedClock(now), settings=Settings(_env_file=None))  # type: ignore[call-arg]
        identity = await services.identify(telegram_id, None)
        return await action(uow, identity)


async def occurrence_of(
    session_factory: Factory, telegram_id: int, now: datetime, number: str
) -> int:
    async def find(uow: UnitOfWork, identity: Identity) -> int:
        resolution = await reading.resolve(uow, identity, number, now)
        assert resolution.target is not None
        return resolution.target.occurrence_id

    return await as_user(session_factory, telegram_id, now, find)


async def report(
    session_factory: Factory,
    telegram_id: int,
    now: datetime,
    occurrence_id: int,
    status: ReportStatus = ReportStatus.DONE,
    **kwargs: Any,
) -> Any:
    return await as_user(
        session_factory,
        telegram_id,
        now,
        lambda uow, identity: submit_report(
            uow, identity, occurrence_id=occurrence_id, status=status, now=now, **kwargs
        ),
    )


async def occurrence_state(
    session_factory: Factory, occurrence_id: int
) -> tuple[str, date | None]:
    async with UnitOfWork(session_factory) as uow:
        found = await uow.reports.occurrence(occurrence_id)
        assert found is not None
        return found[0].status, found[0].postponed_to


# Reminder rows are planned a day at a time; these tests look at what the days of the
# plan's first months would hold, by planning them all at once.
PLANNED_DAYS = (date(2022, 5, 16), date(2022, 12, 31))


async def pending_reminders(
    session_factory: Factory, occurrence_id: int
) -> list[tuple[int, datetime]]:
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        found = await uow.reports.occurrence(occurrence_id)
        assert found is not None
        first, last = PLANNED_DAYS
        await plan_range(
            uow,
            found[0].organisation_id,
            first=first,
            last=last,
            now=datetime(2022, 5, 16, 5, 0, tzinfo=UTC),
        )
        await uow.commit()
        rows = await uow.session.execute(
            select(Reminder.person_id, Reminder.fire_at).where(
                Reminder.occurrence_id == occurrence_id, Reminder.state == "pending"
            )
        )
        return [(p, f) for p, f in rows.all()]


async def test_one_report_closes_a_shared_measure_for_everyone(
    session_factory: Factory, now: datetime
) -> None:
    await seeded(session_factory, now)
    occurrence = await occurrence_of(session_factory, BOBROV, now, "1.4")  # Воропаева and Бобров
    assert await pending_reminders(session_factory, occurrence)
    result = await report(session_factory, BOBROV, now, occurrence)
    assert result.occurrence_closed
    assert (await occurrence_state(session_factory, occurrence))[0] == "done"
    # Nobody is reminded of it any more, Воропаева included.
    assert await pending_reminders(session_factory, occurrence) == []


async def test_each_responsible_must_report_when_the_organisation_says_so(
    session_factory: Factory, now: datetime
) -> None:
    seed = await seeded(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        await uow.session.execute(update(Organisation).values(one_report_closes=False))
        await uow.commit()
    occurrence = await occurrence_of(session_factory, BOBROV, now, "1.4")
    first = await report(session_factory, BOBROV, now, occurrence)
    assert not first.occurrence_closed
    assert (await occurrence_state(session_factory, occurrence))[0] == "open"
    waiting = {p for p, _f in await pending_reminders(session_factory, occurrence)}
    assert seed.persons["Воропаева Е.В."] in waiting
    second = await report(session_factory, VOROPAEVA, now, occurrence)
    assert second.occurrence_closed
    assert (await occurrence_state(session_factory, occurrence))[0] == "done"


async def test_postponement_moves_the_reminders_to_the_new_date(
    session_factory: Factory, now: datetime
) -> None:
    await seeded(session_factory, now)
    occurrence = await occurrence_of(session_factory, BOBROV, now, "1.2")  # due 31 May 2022
    before = await pending_reminders(session_factory, occurrence)
    assert max(f for _p, f in before).date() <= date(2022, 6, 15)
    await report(
        session_factory,
        BOBROV,
        now,
        occurrence,
        ReportStatus.POSTPONED,
        postponed_to=date(2022, 9, 15),
    )
    assert await occurrence_state(session_factory, occurrence) == ("postponed", date(2022, 9, 15))
    after = await pending_reminders(session_factory, occurrence)
    assert after and min(f for _p, f in after).date() > date(2022, 6, 15)
    assert any(f.date() == date(2022, 9, 15) for _p, f in after)  # "due today" on the new day

    with pytest.raises(UserError):
        await report(session_factory, BOBROV, now, occurrence, ReportStatus.POSTPONED)


async def test_changes_only_by_the_author_and_only_within_24_hours(
    session_factory: Factory, now: datetime
) -> None:
    organisation_id = (await seeded(session_factory, now)).organisation_id
    occurrence = await occurrence_of(session_factory, BOBROV, now, "1.4")
    result = await report(session_factory, BOBROV, now, occurrence, ReportStatus.PARTIAL)

    def correct(moment: datetime, text: str) -> Callable[[UnitOfWork, Identity], Awaitable[Any]]:
        return lambda uow, identity: correct_report(
            uow, identity, report_id=result.report_id, now=moment, text=text
        )

    with pytest.raises(UserError, match="not found"):
        await as_user(session_factory, VOROPAEVA, now, correct(now, "чужой"))
    await as_user(session_factory, BOBROV, now, correct(now + timedelta(hours=23), "ok"))
    later = now + timedelta(hours=24, minutes=1)
    with pytest.raises(UserError, match="24 hours"):
        await as_user(session_factory, BOBROV, later, correct(later, "too late"))
    with pytest.raises(UserError, match="24 hours"):
        await as_user(
            session_factory,
            BOBROV,
            later,
            lambda uow, identity: withdraw_report(
                uow, identity, report_id=result.report_id, now=later
            ),
        )
    await as_user(
        session_factory,
        BOBROV,
        now,
        lambda uow, identity: withdraw_report(uow, identity, report_id=result.report_id, now=now),
    )
    assert await occurrence_state(session_factory, occurrence) == ("open", None)
    async with UnitOfWork(session_factory) as uow:
        stored = await uow.reports.get(result.report_id)
        assert stored is not None and stored.text == "ok" and stored.withdrawn_at is not None
        actions = [e.action for e in await uow.audit.for_organisation(organisation_id)]
    assert {"report.submitted", "report.corrected", "report.withdrawn"} <= set(actions)


async def test_the_same_file_is_stored_once(
    session_factory: Factory, now: datetime, tmp_path: Path
) -> None:
    await seeded(session_factory, now)
    store = FileStore(tmp_path / "files")
    data = b"%PDF-1.4 signed order"
    sha_1, path_1 = await store.put(data)
    sha_2, path_2 = await store.put(data)
    assert (sha_1, path_1) == (sha_2, path_2)
    assert sorted(p.name for p in (tmp_path / "files").rglob("*") if p.is_file()) == [sha_1]

    def file(unique: str, stored: str | None) -> DraftFile:
        return DraftFile(
            "document",
            f"id-{unique}",
            unique,
            "Приказ.pdf",
            "application/pdf",
            len(data),
            sha_1,
            stored,
        )

    occurrence = await occurrence_of(session_factory, BOBROV, now, "1.2")
    first = await report(session_factory, BOBROV, now, occurrence, attachments=[file("a", path_1)])
    # The disk failed for the second copy: the row still finds the stored content.
    count = await as_user(
        session_factory,
        BOBROV,
        now,
        lambda uow, identity: add_attachments(
            uow, identity, report_id=first.report_id, files=[file("b", None)], now=now
        ),
    )
    assert count == 2
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        rows = (await uow.session.execute(select(Attachment).order_by(Attachment.id))).scalars()
        assert [(a.sha256, a.stored_path, a.file_name) for a in rows] == [
            (sha_1, path_1, "Приказ.pdf"),
            (sha_1, path_1, "Приказ.pdf"),
        ]


async def test_new_reports_since_the_coordinator_last_looked(
    session_factory: Factory, now: datetime
) -> None:
    await seeded(session_factory, now)
    occurrence = await occurrence_of(session_factory, BOBROV, now, "1.2")

    def look(moment: datetime) -> Callable[[UnitOfWork, Identity], Awaitable[Any]]:
        return lambda uow, identity: reading.new_reports(uow, identity, now=moment)

    first = await as_user(session_factory, COORDINATOR, now, look(now))
    assert first.since is None and first.reports == []
    await report(session_factory, BOBROV, now + timedelta(minutes=5), occurrence)
    second = await as_user(session_factory, COORDINATOR, now, look(now + timedelta(minutes=10)))
    assert second.since == now
    assert [(r.number, r.author, r.status) for r in second.reports] == [
        ("1.2", "Бобров В.С.", "done")
    ]
    third = await as_user(session_factory, COORDINATOR, now, look(now + timedelta(minutes=20)))
    assert third.reports == []
    with pytest.raises(AccessDenied):
        await as_user(session_factory, BOBROV, now, look(now))


async def test_other_organisations_cannot_reach_reports(
    session_factory: Factory, now: datetime
) -> None:
    await seeded(session_factory, now)
    await seed_organisation(
        session_factory,
        now,
        name="Другая школа",
        coordinator=("Петров П.П.", 7100),
        plan_reminders=False,
    )
    occurrence = await occurrence_of(session_factory, BOBROV, now, "1.2")
    result = await report(session_factory, BOBROV, now, occurrence)
    for action in (
        lambda uow, identity: reading.report_files(uow, identity, result.report_id),
        lambda uow, identity: reading.target(uow, identity, occurrence),
        lambda uow, identity: reading.measure_reports(uow, identity, 2),
    ):
        with pytest.raises(NotFound):
            await as_user(session_factory, 7100, now, action)
    with pytest.raises(AccessDenied):
        await as_user(
            session_factory, 7999, now, lambda uow, identity: reading.my_reports(uow, identity)
        )


async def test_a_reply_finds_the_reminders_of_that_message(
    session_factory: Factory, now: datetime
) -> None:
    seed = await seeded(session_factory, now)
    person = seed.persons["Бобров В.С."]
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        ids = [r.id for r in await uow.reminders.for_person(person)][:2]
        await uow.reminders.mark_sent(ids, now=now, telegram_message_id=55)
        await uow.commit()
        found = await uow.reports.reminders_by_message(person, 55)
        assert [r.id for r in found] == sorted(ids)
        assert await uow.reports.reminders_by_message(seed.persons["Воропаева Е.В."], 55) == []
