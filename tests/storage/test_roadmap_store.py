"""Storing an imported roadmap, and re-importing a corrected version without losing work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.imports import store_roadmap
from storage.models import Assignment, Measure, Occurrence, Report, Unit
from storage.uow import UnitOfWork
from tests.factories import make_measure, make_roadmap


async def _org(uow: UnitOfWork, now: datetime) -> int:
    organisation = await uow.organisations.add(
        name="Гимназия", timezone="Europe/Kaliningrad", now=now
    )
    return organisation.id


async def test_first_import_stores_everything(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    parsed = make_roadmap(
        [
            make_measure("1.1", "Утверждение плана", persons=["Воропаева Е.В."]),
            make_measure(
                "1.2", "Мониторинг", persons=["Бобров В.С.", "Воропаева Е.В."], units=["МОУО"]
            ),
        ]
    )
    async with UnitOfWork(session_factory) as uow:
        org_id = await _org(uow, now)
        result = await store_roadmap(uow, organisation_id=org_id, parsed=parsed, now=now)
        await uow.commit()
    assert result.created
    assert sorted(result.new_persons) == ["Бобров В.С.", "Воропаева Е.В."]
    assert result.new_units == ["МОУО"]

    async with UnitOfWork(session_factory) as uow:
        measures = await uow.roadmaps.measures(result.roadmap_id)
        assert [m.number for m in measures] == ["1.1", "1.2"]
        members = await uow.people.members(org_id)
        assert sorted(p.full_name for p, _m in members) == ["Бобров В.С.", "Воропаева Е.В."]
        assignments = await uow.roadmaps.assignments(measures[1].id)
        assert len([a for a in assignments if a.person_id]) == 2
        assert len([a for a in assignments if a.unit_id]) == 1
        occurrences = await uow.roadmaps.occurrences(measures[0].id)
        assert [(o.window_start.isoformat(), o.due_date.isoformat()) for o in occurrences] == [
            ("2022-05-01", "2022-05-31"),
            ("2023-05-01", "2023-05-31"),
            ("2024-05-01", "2024-05-31"),
        ]
        events = await uow.audit.for_organisation(org_id)
        assert [e.action for e in events] == ["roadmap.imported"]


async def test_reimport_updates_by_number_and_keeps_reports(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    first = make_roadmap(
        [
            make_measure("1.1", "Утверждение плана", persons=["Воропаева Е.В."]),
            make_measure("1.2", "Мониторинг", persons=["Бобров В.С."]),
            make_measure("1.3", "Совещание", persons=["Бобров В.С."]),
        ]
    )
    async with UnitOfWork(session_factory) as uow:
        org_id = await _org(uow, now)
        result = await store_roadmap(uow, organisation_id=org_id, parsed=first, now=now)
        measures = await uow.roadmaps.measures(result.roadmap_id)
        occurrence = (await uow.roadmaps.occurrences(measures[1].id))[0]
        person = (await uow.roadmaps.people_by_name(org_id))["Бобров В.С."]
        uow.session.add(
            Report(
                occurrence_id=occurrence.id,
                person_id=person.id,
                status="done",
                text="сделано",
                created_at=now,
                updated_at=now,
            )
        )
        await uow.commit()
        kept_occurrence_id = occurrence.id

    second = make_roadmap(
        [
            make_measure("1.1", "Утверждение плана", persons=["Воропаева Е.В."]),
            make_measure("1.2", "Мониторинг качества", persons=["Бобров В.С."]),  # changed title
            make_measure("1.4", "Новое мероприятие", persons=["Изотова А.И."]),  # added
        ]
    )  # 1.3 disappeared
    async with UnitOfWork(session_factory) as uow:
        result2 = await store_roadmap(uow, organisation_id=org_id, parsed=second, now=now)
        await uow.commit()
    assert result2.roadmap_id == result.roadmap_id and not result2.created
    assert result2.changed == ["1.2"]
    assert result2.added == ["1.4"]
    assert result2.archived == ["1.3"]

    async with UnitOfWork(session_factory) as uow:
        active = await uow.roadmaps.measures(result.roadmap_id)
        assert [m.number for m in active] == ["1.1", "1.2", "1.4"]
        everything = await uow.roadmaps.measures(result.roadmap_id, include_archived=True)
        archived = [m for m in everything if m.archived_at is not None]
        assert [m.number for m in archived] == ["1.3"]
        reports = (await uow.session.execute(select(Report))).scalars().all()
        assert [r.occurrence_id for r in reports] == [kept_occurrence_id]
        assert await uow.session.get(Occurrence, kept_occurrence_id) is not None


async def test_units_and_assignments_are_per_organisation(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    parsed = make_roadmap([make_measure("1", "Мероприятие", units=["МОУО", "ОО"])])
    async with UnitOfWork(session_factory) as uow:
        org_a = await _org(uow, now)
        org_b = (
            await uow.organisations.add(name="Другая", timezone="Asia/Yekaterinburg", now=now)
        ).id
        await store_roadmap(uow, organisation_id=org_a, parsed=parsed, now=now)
        await store_roadmap(uow, organisation_id=org_b, parsed=parsed, now=now)
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        units = (await uow.session.execute(select(Unit))).scalars().all()
        assert sorted((u.organisation_id, u.name) for u in units) == sorted(
            [(org_a, "МОУО"), (org_a, "ОО"), (org_b, "МОУО"), (org_b, "ОО")]
        )
        assert len((await uow.session.execute(select(Measure))).scalars().all()) == 2
        assert len((await uow.session.execute(select(Assignment))).scalars().all()) == 4
