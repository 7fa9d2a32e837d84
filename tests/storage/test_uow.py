"""storage.uow.UnitOfWork: leaving without a commit undoes everything, whether or not the
unit of work ever reached the database (both engines)."""

from __future__ import annotations

from sqlalchemy import func, inspect, select

from storage.models import Organisation
from storage.uow import UnitOfWork


async def _organisations(session_factory) -> int:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(Organisation)) or 0)


async def test_a_unit_of_work_that_never_reached_the_database_lets_go_of_its_objects(
    session_factory, engine, now
) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        session = uow.session
        added = Organisation(name="Гимназия", timezone="Europe/Moscow", created_at=now)
        session.add(added)
    assert uow.session is None
    assert inspect(added).transient or inspect(added).detached
    assert not session.sync_session.new and not session.sync_session.identity_map
    assert engine.sync_engine.pool.checkedout() == 0
    assert await _organisations(session_factory) == 0


async def test_a_unit_of_work_that_wrote_and_did_not_commit_is_rolled_back(
    session_factory, engine, now
) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        uow.session.add(Organisation(name="Гимназия", timezone="Europe/Moscow", created_at=now))
        await uow.flush()
        assert uow.session.sync_session.in_transaction()
    assert engine.sync_engine.pool.checkedout() == 0
    assert await _organisations(session_factory) == 0

    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        uow.session.add(Organisation(name="Гимназия", timezone="Europe/Moscow", created_at=now))
        await uow.commit()
    assert await _organisations(session_factory) == 1
