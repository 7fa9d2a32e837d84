"""The read side of summaries: what `storage.read_summaries` returns is what was stored.

Runs on SQLite and on PostgreSQL (when TEST_DATABASE_URL is set).
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from bot.imports import store_roadmap
from bot.records import gc_paused
from bot.roadmap.model import ParsedMeasure, ParsedRoadmap, Schedule, ScheduleKind, Section, Window
from storage.models import (
    Attachment,
    Measure,
    Membership,
    Occurrence,
    Person,
    Reminder,
    Report,
    Unit,
    UnitMember,
)
from storage.read_summaries import (
    read_people,
    read_plan,
    read_summary_data,
    read_units,
)
from storage.uow import UnitOfWork
from tests.factories import make_measure, yearly

NOW = datetime(2022, 5, 16, 6, 0, tzinfo=UTC)
YEAR_2023 = (date(2023, 1, 1), date(2023, 12, 31))


def _roadmap() -> ParsedRoadmap:
    continuous = Schedule(
        kind=ScheduleKind.CONTINUOUS, windows=[Window(date(2022, 1, 1), date(2024, 12, 31))]
    )
    once_2022 = Schedule(
        kind=ScheduleKind.ONCE, windows=[Window(date(2022, 9, 1), date(2022, 9, 30))]
    )
    measures = [
        make_measure("1.1", "Утверждение плана", persons=["Воропаева Е.В."]),
        make_measure(
            "1.2",
            "Мониторинг <качества>",
            persons=["Бобров В.С.", "Воропаева Е.В."],
            units=["МОУО"],
        ),
        make_measure("1.3", "Отменённое мероприятие", persons=["Бобров В.С."]),
        make_measure("1.4", "Разовое в 2022 году", persons=["Бобров В.С."], schedule=once_2022),
        ParsedMeasure(
            number="2.1",
            section="2",
            title="Консультирование",
            deadline_raw="постоянно",
            schedule=continuous,
            units=["МОУО"],
            responsible_raw="МОУО",
        ),
    ]
    return ParsedRoadmap(
        title="План мероприятий на 2022-2024 годы",
        plan_period=(2022, 2024),
        sections=[Section("1", "Организационные меры"), Section("2", "Методическая работа")],
        measures=measures,
    )


@dataclass
class Stored:
    org_id: int
    roadmap_id: int
    people: dict[str, int]
    occurrences: dict[tuple[str, date], int]


async def _store(session_factory) -> Stored:  # type: ignore[no-untyped-def]
    async with UnitOfWork(session_factory) as uow:
        session = uow.session
        assert session is not None
        org = await uow.organisations.add(name="Гимназия", timezone="Europe/Moscow", now=NOW)
        other = await uow.organisations.add(name="Другая школа", timezone="Europe/Moscow", now=NOW)
        result = await store_roadmap(uow, organisation_id=org.id, parsed=_roadmap(), now=NOW)
        await store_roadmap(
            uow,
            organisation_id=other.id,
            parsed=ParsedRoadmap(
                title="Чужой план",
                plan_period=(2023, 2023),
                measures=[
                    make_measure(
                        "9",
                        "Чужое",
                        persons=["Чужой Ч.Ч."],
                        schedule=yearly(5, 5, range(2023, 2024), 31),
                    )
                ],
            ),
            now=NOW,
        )
        people = {p.full_name: p.id for p in (await session.execute(select(Person))).scalars()}
        rows = await session.execute(
            select(Measure.number, Occurrence.due_date, Occurrence.id).join(
                Measure, Measure.id == Occurrence.measure_id
            )
        )
        occurrences = {(number, due): oid for number, due, oid in rows.all()}

        # 1.3 is archived: never reported on.
        await session.execute(
            update(Measure).where(Measure.number == "1.3").values(archived_at=NOW)
        )
        # Воропаева joined the bot; Бобров did not, and is unreachable.
        await session.execute(
            update(Membership)
            .where(Membership.person_id == people["Воропаева Е.В."])
            .values(joined_at=datetime(2022, 6, 1, 10, tzinfo=UTC))
        )
        await session.execute(
            update(Person)
            .where(Person.id == people["Бобров В.С."])
            .values(unreachable_since=datetime(2023, 2, 3, 4, 5, tzinfo=UTC))
        )
        unit_id = await session.scalar(
            select(Unit.id).where(Unit.organisation_id == org.id, Unit.name == "МОУО")
        )
        session.add(UnitMember(unit_id=unit_id, person_id=people["Бобров В.С."]))

        def report(key: tuple[str, date], person: str, status: str, text: str, day: int, **kw):  # type: ignore[no-untyped-def]
            created = datetime(2023, 5, day, 12, 0, tzinfo=UTC)
            row = Report(
                occurrence_id=occurrences[key],
                person_id=people[person],
                status=status,
                text=text,
                created_at=created,
                updated_at=created,
                **kw,
            )
            session.add(row)
            return row

        may_11 = ("1.1", date(2023, 5, 31))
        may_12 = ("1.2", date(2023, 5, 31))
        report(may_11, "Воропаева Е.В.", "partial", "черновик", 1)
        latest = report(may_11, "Воропаева Е.В.", "done", "План утверждён приказом № 5", 10)
        report(
            may_11,
            "Бобров В.С.",
            "not_done",
            "ошибка",
            20,
            withdrawn_at=datetime(2023, 5, 21, tzinfo=UTC),
        )
        report(
            may_12,
            "Бобров В.С.",
            "done",
            "отозван",
            15,
            withdrawn_at=datetime(2023, 5, 16, tzinfo=UTC),
        )
        await session.flush()
        for name in ("акт.pdf", "фото.jpg"):
            session.add(
                Attachment(
                    report_id=latest.id,
                    kind="document",
                    telegram_file_id=f"id-{name}",
                    telegram_file_unique_id=f"u-{name}",
                    file_name=name,
                    created_at=NOW,
                )
            )
        session.add(
            Attachment(
                report_id=latest.id,
                kind="photo",
                telegram_file_id="id-photo",
                telegram_file_unique_id="u-photo",
                file_name=None,
                created_at=NOW,
            )
        )
        await session.execute(
            update(Occurrence).where(Occurrence.id == occurrences[may_11]).values(status="done")
        )
        for kind, state in (("due_in_7", "failed"), ("due_in_1", "failed"), ("due_today", "sent")):
            session.add(
                Reminder(
                    organisation_id=org.id,
                    occurrence_id=occurrences[may_12],
                    person_id=people["Бобров В.С."],
                    kind=kind,
                    fire_at=NOW,
                    state=state,
                )
            )
        session.add(
            Reminder(
                organisation_id=other.id,
                occurrence_id=occurrences[("9", date(2023, 5, 31))],
                person_id=people["Чужой Ч.Ч."],
                kind="due_in_7",
                fire_at=NOW,
                state="failed",
            )
        )
        await uow.commit()
    return Stored(org.id, result.roadmap_id, people, occurrences)


async def test_summary_data_holds_what_was_stored(session_factory) -> None:  # type: ignore[no-untyped-def]
    stored = await _store(session_factory)
    async with session_factory() as session:
        data = await read_summary_data(session, stored.org_id, *YEAR_2023)

    assert data.organisation_name == "Гимназия"
    assert [r.title for r in data.roadmaps] == ["План мероприятий на 2022-2024 годы"]
    # 2023's deadlines of 1.1 and 1.2, and the span of 2.1 that overlaps the year; not the
    # archived 1.3, nor 1.4 (2022), nor the other organisation's plan.
    assert [(o.measure.number, o.due_date) for o in data.occurrences] == [
        ("1.1", date(2023, 5, 31)),
        ("1.2", date(2023, 5, 31)),
        ("2.1", date(2024, 12, 31)),
    ]
    first, second, span = data.occurrences
    assert first.id == stored.occurrences[("1.1", date(2023, 5, 31))]
    assert first.window_start == date(2023, 5, 1)
    assert (first.status, first.is_span) == ("done", False)
    assert first.measure.title == "Утверждение плана"
    assert first.measure.deadline_raw == "ежегодно, май"
    assert first.measure.section is not None
    assert (first.measure.section.number, first.measure.section.title) == (
        "1",
        "Организационные меры",
    )
    assert first.measure.persons == ("Воропаева Е.В.",)
    assert first.measure.person_ids == (stored.people["Воропаева Е.В."],)
    assert second.measure.title == "Мониторинг <качества>"
    assert second.measure.persons == ("Бобров В.С.", "Воропаева Е.В.")
    assert second.measure.units == ("МОУО",)
    assert span.is_span and span.window_start == date(2022, 1, 1)
    assert span.measure.section is not None and span.measure.section.number == "2"
    assert span.measure.persons == () and span.measure.units == ("МОУО",)

    # The latest non-withdrawn report, with its named files; withdrawn ones are ignored.
    report = first.report
    assert report is not None
    assert (report.status, report.text, report.author) == (
        "done",
        "План утверждён приказом № 5",
        "Воропаева Е.В.",
    )
    assert report.created_at == datetime(2023, 5, 10, 12, 0, tzinfo=UTC)
    assert report.created_at.tzinfo is not None
    assert report.files == ("акт.pdf", "фото.jpg")
    assert second.report is None
    assert span.report is None

    people = {p.full_name: p for p in data.people}
    assert set(people) == {"Бобров В.С.", "Воропаева Е.В."}
    assert people["Воропаева Е.В."].joined_at == datetime(2022, 6, 1, 10, tzinfo=UTC)
    assert people["Воропаева Е.В."].unreachable_since is None
    assert people["Воропаева Е.В."].failed_reminders == 0
    assert people["Бобров В.С."].joined_at is None
    assert people["Бобров В.С."].unreachable_since == datetime(2023, 2, 3, 4, 5, tzinfo=UTC)
    assert people["Бобров В.С."].failed_reminders == 2
    assert [(u.name, u.member_ids) for u in data.units] == [
        ("МОУО", (stored.people["Бобров В.С."],))
    ]


async def test_period_bounds_are_inclusive_and_start_may_be_open(session_factory) -> None:  # type: ignore[no-untyped-def]
    stored = await _store(session_factory)
    async with session_factory() as session:
        exact = await read_summary_data(
            session, stored.org_id, date(2023, 5, 31), date(2023, 5, 31)
        )
        before = await read_summary_data(
            session, stored.org_id, date(2023, 5, 1), date(2023, 5, 30)
        )
        until = await read_summary_data(session, stored.org_id, None, date(2023, 6, 30))
        after_plan = await read_summary_data(
            session, stored.org_id, date(2025, 1, 1), date(2025, 12, 31)
        )
    assert [o.measure.number for o in exact.occurrences] == ["1.1", "1.2", "2.1"]
    # Only the span: it overlaps May although it is due at the end of 2024.
    assert [o.measure.number for o in before.occurrences] == ["2.1"]
    # No lower bound: every deadline up to the end; the span is not due yet.
    assert [(o.measure.number, o.due_date.year) for o in until.occurrences] == [
        ("1.1", 2022),
        ("1.1", 2023),
        ("1.2", 2022),
        ("1.2", 2023),
        ("1.4", 2022),
    ]
    assert after_plan.occurrences == ()


async def test_plan_lists_every_live_measure_with_the_period_occurrences(session_factory) -> None:  # type: ignore[no-untyped-def]
    stored = await _store(session_factory)
    async with session_factory() as session:
        plan = await read_plan(session, stored.roadmap_id, *YEAR_2023)
        with pytest.raises(LookupError):
            await read_plan(session, stored.roadmap_id + 1000, *YEAR_2023)
        with pytest.raises(LookupError):
            await read_summary_data(session, stored.org_id + 1000, *YEAR_2023)
        people = await read_people(session, stored.org_id)
        units = await read_units(session, stored.org_id)
    assert plan.organisation_name == "Гимназия"
    assert plan.roadmap.title == "План мероприятий на 2022-2024 годы"
    assert (plan.roadmap.period_start, plan.roadmap.period_end) == (2022, 2024)
    assert [(s.number, s.title) for s in plan.sections] == [
        ("1", "Организационные меры"),
        ("2", "Методическая работа"),
    ]
    assert [m.number for m in plan.measures] == ["1.1", "1.2", "1.4", "2.1"]
    assert [o.measure.number for o in plan.occurrences] == ["1.1", "1.2", "2.1"]
    assert plan.occurrences[0].report is not None
    assert plan.occurrences[0].report.files == ("акт.pdf", "фото.jpg")
    assert [p.full_name for p in people] == ["Бобров В.С.", "Воропаева Е.В."]
    assert [u.name for u in units] == ["МОУО"]


def test_gc_pauses_nest_and_restore_the_collector() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause is still on
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()
