"""storage.cache: who is writing and an organisation's names, read once and forgotten on
any change in this process (and after `cache.TTL` for changes made elsewhere), on SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import delete, event, update

from storage import cache
from storage.models import Membership, Organisation, Person, Role
from storage.uow import UnitOfWork

TELEGRAM_ID = 5_000_001


@pytest.fixture
def selects(engine: Any) -> Iterator[list[str]]:
    """The SELECT statements sent to the database while the test runs."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", count)


async def _seed(session_factory: Any, now: datetime) -> dict[str, int]:
    async with UnitOfWork(session_factory) as uow:
        school = await uow.organisations.add(name="Гимназия", timezone="Europe/Moscow", now=now)
        other = await uow.organisations.add(name="Лицей", timezone="Europe/Moscow", now=now)
        person = await uow.people.add(
            full_name="Бобров В.С.", now=now, telegram_user_id=TELEGRAM_ID, chat_id=TELEGRAM_ID
        )
        colleague = await uow.people.add(full_name="Воропаева Е.В.", now=now)
        await uow.people.add_membership(
            organisation_id=school.id, person_id=person.id, role=Role.OFFICER, now=now
        )
        await uow.commit()
        return {
            "school": school.id,
            "other": other.id,
            "person": person.id,
            "colleague": colleague.id,
        }


class Who:
    """What the identity middleware reads of the person, copied out of the session."""

    def __init__(self, person: Person) -> None:
        self.id, self.full_name, self.language = person.id, person.full_name, person.language
        self.memberships = [
            (m.organisation_id, m.role, m.organisation.name)
            for m in sorted(person.memberships, key=lambda m: m.id)
        ]


async def _who(session_factory: Any) -> Who | None:
    async with UnitOfWork(session_factory) as uow:
        person = await uow.people.identified(TELEGRAM_ID)
        return Who(person) if person is not None else None


async def _directory(session_factory: Any, organisation_id: int) -> list[str]:
    async with UnitOfWork(session_factory) as uow:
        return await uow.reads.directory(organisation_id)


async def test_the_second_message_reads_nothing(session_factory, now, selects) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(session_factory, now)
    first = await _who(session_factory)
    await _directory(session_factory, ids["school"])
    read = len(selects)
    again = await _who(session_factory)
    names = await _directory(session_factory, ids["school"])
    assert read > 0 and len(selects) == read
    assert first is not None and again is not None
    assert (again.id, again.full_name) == (first.id, "Бобров В.С.")
    assert [name for _, _, name in again.memberships] == ["Гимназия"]
    assert names == ["Бобров В.С."]


async def test_changes_are_seen_at_once(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(session_factory, now)
    await _who(session_factory)
    await _directory(session_factory, ids["school"])

    # A role change (an ORM object changed and committed).
    async with UnitOfWork(session_factory) as uow:
        membership = await uow.people.membership(ids["school"], ids["person"])
        assert membership is not None
        membership.role = Role.COORDINATOR.value
        await uow.commit()
    person = await _who(session_factory)
    assert person is not None and person.memberships[0][1] == Role.COORDINATOR.value

    # A language switch (/settings).
    async with UnitOfWork(session_factory) as uow:
        row = await uow.people.get(ids["person"])
        assert row is not None
        row.language = "en"
        await uow.commit()
    person = await _who(session_factory)
    assert person is not None and person.language == "en"

    # The organisation renamed, by a statement rather than an object.
    async with UnitOfWork(session_factory) as uow:
        await uow.session.execute(
            update(Organisation).where(Organisation.id == ids["school"]).values(name="Лицей №2")
        )
        await uow.commit()
    person = await _who(session_factory)
    assert person is not None and person.memberships[0][2] == "Лицей №2"

    # A colleague joins: the directory names them.
    async with UnitOfWork(session_factory) as uow:
        await uow.people.add_membership(
            organisation_id=ids["school"], person_id=ids["colleague"], role=Role.OFFICER, now=now
        )
        await uow.commit()
    assert await _directory(session_factory, ids["school"]) == ["Бобров В.С.", "Воропаева Е.В."]

    # The person joins a second organisation, then leaves the first.
    async with UnitOfWork(session_factory) as uow:
        await uow.people.add_membership(
            organisation_id=ids["other"], person_id=ids["person"], role=Role.OFFICER, now=now
        )
        await uow.commit()
    person = await _who(session_factory)
    assert person is not None
    assert [m[0] for m in person.memberships] == [ids["school"], ids["other"]]
    async with UnitOfWork(session_factory) as uow:
        await uow.session.execute(
            delete(Membership).where(
                Membership.person_id == ids["person"], Membership.organisation_id == ids["school"]
            )
        )
        await uow.commit()
    person = await _who(session_factory)
    assert person is not None and [m[0] for m in person.memberships] == [ids["other"]]
    assert await _directory(session_factory, ids["school"]) == ["Воропаева Е.В."]


async def test_a_stranger_who_joins_is_known_at_once(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        assert await uow.people.identified(TELEGRAM_ID + 1) is None
    async with UnitOfWork(session_factory) as uow:
        colleague = await uow.people.get(ids["colleague"])
        assert colleague is not None
        colleague.telegram_user_id = TELEGRAM_ID + 1
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        found = await uow.people.identified(TELEGRAM_ID + 1)
        assert found is not None and found.id == ids["colleague"]


async def test_a_session_sees_its_own_uncommitted_change(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(session_factory, now)
    await _directory(session_factory, ids["school"])
    async with UnitOfWork(session_factory) as uow:
        await uow.people.add_membership(
            organisation_id=ids["school"], person_id=ids["colleague"], role=Role.OFFICER, now=now
        )
        assert await uow.reads.directory(ids["school"]) == ["Бобров В.С.", "Воропаева Е.В."]
        # Rolled back: nothing of it stays, in the database or in the cache.
    assert await _directory(session_factory, ids["school"]) == ["Бобров В.С."]


async def test_the_planning_watermark_keeps_entries(session_factory, now, selects) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(session_factory, now)
    await _who(session_factory)
    async with UnitOfWork(session_factory) as uow:
        await uow.organisations.advance_planned_through(ids["school"], date(2022, 5, 17))
        await uow.commit()
    read = len(selects)
    assert await _who(session_factory) is not None
    assert len(selects) == read


async def test_entries_expire_for_changes_made_elsewhere(  # type: ignore[no-untyped-def]
    session_factory, engine, now, monkeypatch
) -> None:
    ids = await _seed(session_factory, now)
    assert await _directory(session_factory, ids["school"]) == ["Бобров В.С."]
    # Another process: a write this one's sessions never saw.
    async with engine.begin() as connection:
        await connection.execute(
            Membership.__table__.insert().values(
                organisation_id=ids["school"],
                person_id=ids["colleague"],
                role=Role.OFFICER.value,
                created_at=now,
            )
        )
    assert await _directory(session_factory, ids["school"]) == ["Бобров В.С."]
    clock = cache.time.monotonic() + cache.TTL + 1
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock)
    assert await _directory(session_factory, ids["school"]) == ["Бобров В.С.", "Воропаева Е.В."]


async def test_plan_years_follow_imports(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        assert await uow.reads.plan_years(ids["school"]) is None
        await uow.roadmaps.add(
            organisation_id=ids["school"],
            title="План на 2022-2024 годы",
            period_start=2022,
            period_end=2024,
            created_at=now,
            updated_at=now,
        )
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        assert await uow.reads.plan_years(ids["school"]) == (2022, 2024)


async def test_an_identity_from_the_kept_copy_is_attached_before_the_session_reads(
    session_factory, now, selects
) -> None:  # type: ignore[no-untyped-def]
    """The identity's objects are merged into the session lazily; a service that reads the
    same organisation through the session and changes it must see one object, the identity's,
    and the handler must then read the change (not the kept copy's old value)."""
    from bot.services import Identity, Services
    from bot.settings import Settings

    ids = await _seed(session_factory, now)
    await _who(session_factory)  # kept
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    async with UnitOfWork(session_factory) as uow:
        selects.clear()
        identity = await Services(uow=uow, clock=None, settings=settings).identify(  # type: ignore[arg-type]
            TELEGRAM_ID, None
        )
        assert isinstance(identity, Identity) and selects == []
        # The plain facts come without attaching anything.
        assert (identity.person_id, identity.organisation_id) == (ids["person"], ids["school"])
        assert identity.full_name == "Бобров В.С." and not identity.is_coordinator
        assert uow.session is not None and list(uow.session.sync_session.identity_map) == []
        organisation = await uow.organisations.get(ids["school"])
        assert organisation is not None
        organisation.name = "Гимназия №1"
        assert identity.organisation is organisation
        assert identity.organisation.name == "Гимназия №1"
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        found = await uow.organisations.get(ids["school"])
        assert found is not None and found.name == "Гимназия №1"
