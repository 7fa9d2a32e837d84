"""storage.read: the occurrences a question can see, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import event, select

from bot.imports import store_roadmap
from bot.roadmap.model import Schedule, ScheduleKind, Window
from storage import quick_read
from storage.models import Measure, Occurrence, OccurrenceStatus, UnitMember
from storage.read import directory, measure_items, person_units
from storage.uow import UnitOfWork
from tests.factories import make_measure, make_roadmap, once

PLAN = make_roadmap(
    [
        # Yearly in May, 2022-2024: three occurrences.
        make_measure("1.1", "Анализ результатов ВПР", persons=["Воропаева Е.В."]),
        make_measure(
            "1.2",
            "Школьный этап олимпиады",
            persons=["Бобров В.С."],
            units=["МОУО"],
            schedule=once(date(2022, 9, 1), date(2022, 10, 31)),
        ),
        make_measure(
            "1.3",
            "Сверка данных по выпускникам",
            units=["МОУО"],
            schedule=once(date(2022, 4, 1), date(2022, 4, 30)),
        ),
        make_measure(
            "1.4",
            "Информирование родителей",
            persons=["Бобров В.С.", "Воропаева Е.В."],
            schedule=Schedule(
                kind=ScheduleKind.CONTINUOUS,
                windows=[Window(date(2022, 1, 1), date(2024, 12, 31))],
            ),
        ),
        make_measure(
            "1.5",
            "Снятое с контроля мероприятие",
            persons=["Бобров В.С."],
            schedule=once(date(2022, 5, 1), date(2022, 5, 31)),
        ),
    ]
)

OTHER_PLAN = make_roadmap(
    [make_measure("1.1", "Чужое мероприятие", persons=["Бобров В.С."])],
    title="План другой школы на 2022-2024 годы",
)


async def _seed(session_factory, now: datetime) -> dict[str, int]:  # type: ignore[no-untyped-def]
    async with UnitOfWork(session_factory) as uow:
        school = await uow.organisations.add(name="Гимназия", timezone="Europe/Moscow", now=now)
        other = await uow.organisations.add(name="Школа", timezone="Europe/Moscow", now=now)
        await store_roadmap(uow, organisation_id=school.id, parsed=PLAN, now=now)
        await store_roadmap(uow, organisation_id=other.id, parsed=OTHER_PLAN, now=now)
        people = await uow.roadmaps.people_by_name(school.id)
        units = await uow.roadmaps.units_by_name(school.id)
        archived = (
            await uow.session.execute(
                select(Measure).where(Measure.number == "1.5", Measure.title.like("Снятое%"))
            )
        ).scalar_one()
        archived.archived_at = now
        uow.session.add(UnitMember(unit_id=units["МОУО"].id, person_id=people["Бобров В.С."].id))
        await uow.commit()
        return {
            "school": school.id,
            "other": other.id,
            "bobrov": people["Бобров В.С."].id,
            "voropaeva": people["Воропаева Е.В."].id,
        }


async def _postpone_the_check(uow: UnitOfWork) -> None:
    """1.3 «Сверка данных…» postponed to 15 June 2022, in the unit of work (not committed)."""
    assert uow.session is not None
    occurrence = (
        await uow.session.execute(
            select(Occurrence)
            .join(Measure, Measure.id == Occurrence.measure_id)
            .where(Measure.number == "1.3", Measure.title.like("Сверка%"))
        )
    ).scalar_one()
    occurrence.status = OccurrenceStatus.POSTPONED.value
    occurrence.postponed_to = date(2022, 6, 15)


def _keys(rows) -> list[tuple[str | None, str]]:  # type: ignore[no-untyped-def]
    return [(r.number, r.due.isoformat()) for r in rows]


async def test_items_of_an_organisation_in_due_order(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        rows = await measure_items(uow.session, ids["school"])
    # The archived measure and the other school's plan are left out.
    assert _keys(rows) == [
        ("1.3", "2022-04-30"),
        ("1.1", "2022-05-31"),
        ("1.2", "2022-10-31"),
        ("1.1", "2023-05-31"),
        ("1.1", "2024-05-31"),
        ("1.4", "2024-12-31"),
    ]
    by_number = {r.number: r for r in rows}
    assert by_number["1.2"].persons == ("Бобров В.С.",)
    assert by_number["1.2"].units == ("МОУО",)
    assert by_number["1.3"].persons == ()
    assert by_number["1.4"].persons == ("Бобров В.С.", "Воропаева Е.В.")
    assert by_number["1.4"].is_span and not by_number["1.2"].is_span
    assert by_number["1.2"].window_start == date(2022, 9, 1)
    assert (by_number["1.2"].section_number, by_number["1.2"].section_title) == (
        "1",
        "Раздел первый",
    )
    assert by_number["1.2"].status == "open"
    assert len({r.occurrence_id for r in rows}) == len(rows)


async def test_period_keeps_windows_that_overlap_it(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        may = await measure_items(
            uow.session, ids["school"], start=date(2022, 5, 1), end=date(2022, 5, 31)
        )
        october_on = await measure_items(uow.session, ids["school"], start=date(2022, 10, 31))
        until_april = await measure_items(uow.session, ids["school"], end=date(2022, 4, 1))
    assert _keys(may) == [("1.1", "2022-05-31"), ("1.4", "2024-12-31")]
    assert [k for k, _ in _keys(october_on)] == ["1.2", "1.1", "1.1", "1.4"]
    assert _keys(until_april) == [("1.3", "2022-04-30"), ("1.4", "2024-12-31")]


async def test_a_postponed_occurrence_is_due_on_its_new_date(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        await _postpone_the_check(uow)
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        june = await measure_items(
            uow.session, ids["school"], start=date(2022, 6, 1), end=date(2022, 6, 30)
        )
    assert ("1.3", "2022-06-15") in _keys(june)
    assert next(r for r in june if r.number == "1.3").status == "postponed"


async def test_person_filter_follows_assignments_and_units(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        bobrov = await measure_items(uow.session, ids["school"], person_id=ids["bobrov"])
        voropaeva = await measure_items(uow.session, ids["school"], person_id=ids["voropaeva"])
        # A person id of one organisation reads nothing of another's plan through it.
        elsewhere = await measure_items(uow.session, ids["other"], person_id=ids["voropaeva"])
    # 1.3 is Бобров's through his unit; the archived 1.5 is gone.
    assert [k for k, _ in _keys(bobrov)] == ["1.3", "1.2", "1.4"]
    assert [k for k, _ in _keys(voropaeva)] == ["1.1", "1.1", "1.1", "1.4"]
    assert elsewhere == []


async def _through_the_session(*_args: object) -> None:
    return None


async def test_a_fixed_number_of_queries(session_factory, engine, now, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Counted on the session's connection: the items' own read through storage.quick_read
    # is counted in tests/storage/test_quick_read.py.
    monkeypatch.setattr(quick_read, "rows", _through_the_session)
    ids = await _seed(session_factory, now)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with UnitOfWork(session_factory) as uow:
            rows = await measure_items(uow.session, ids["school"])
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(rows) == 6
    # Occurrences, then person and unit assignments: never one query per measure.
    assert len(statements) == 3


async def test_without_names_one_query_and_the_same_items(
    session_factory, engine, now, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(quick_read, "rows", _through_the_session)
    ids = await _seed(session_factory, now)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    async with UnitOfWork(session_factory) as uow:
        named = await measure_items(uow.session, ids["school"], person_id=ids["bobrov"])
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with UnitOfWork(session_factory) as uow:
            bare = await measure_items(
                uow.session, ids["school"], person_id=ids["bobrov"], names=False
            )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert [r.occurrence_id for r in bare] == [r.occurrence_id for r in named]
    assert all(r.persons == () and r.units == () for r in bare)
    assert any(r.persons for r in named)


async def test_nothing_for_an_unknown_organisation(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    await _seed(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        assert await measure_items(uow.session, 10_000) == []
        assert await directory(uow.session, 10_000) == []


async def test_directory_and_units(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        names = await directory(uow.session, ids["school"])
        other_names = await directory(uow.session, ids["other"])
        units = await person_units(uow.session, ids["bobrov"], ids["school"])
        no_units = await person_units(uow.session, ids["voropaeva"], ids["school"])
        wrong_org = await person_units(uow.session, ids["bobrov"], ids["other"])
    assert names == ["Бобров В.С.", "Воропаева Е.В."]
    assert other_names == ["Бобров В.С."]
    assert units == ["МОУО"]
    assert no_units == []
    assert wrong_org == []


async def test_names_read_in_chunks_are_the_same(session_factory, now, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import storage.read

    ids = await _seed(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        whole = await measure_items(uow.session, ids["school"])
    monkeypatch.setattr(storage.read, "NAMES_CHUNK", 1)
    async with UnitOfWork(session_factory) as uow:
        chunked = await measure_items(uow.session, ids["school"])
    assert [(r.persons, r.units) for r in chunked] == [(r.persons, r.units) for r in whole]
    assert any(len(r.persons) == 2 for r in chunked)


async def test_postgresql_reads_the_askers_occurrences_by_index(
    session_factory, engine, now, database_url
) -> None:  # type: ignore[no-untyped-def]
    """The asker's measures are an index condition on the occurrences, whatever the
    statistics (the join PostgreSQL planned from them scanned every measure: 11 ms at
    10,000 measures, against 0.3 ms)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's plan")
    from storage.read import _items_statement

    ids = await _seed(session_factory, now)
    values = {
        "organisation_id": ids["school"],
        "start": date(2022, 5, 1),
        "end": date(2022, 5, 31),
        "person_id": ids["bobrov"],
    }
    statement = _items_statement(True, True, True, False).params(values)
    sql = str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    async with engine.connect() as connection:
        plan = "\n".join(row[0] for row in await connection.exec_driver_sql("EXPLAIN " + sql))
    index_conditions = [line for line in plan.splitlines() if "Index Cond" in line]
    assert any("measure_id = ANY" in line for line in index_conditions), plan
