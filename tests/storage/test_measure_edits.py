"""Fixing a measure in the bot: unclear deadlines span the plan period until set; edits are
audited, re-plan the measure and survive re-import of the same plan (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import select

from bot.errors import UserError
from bot.imports import store_roadmap
from bot.measure_edits import (
    DeadlineNotUnderstood,
    NobodyNamed,
    edit_measure,
    find_measure,
    unclear_measures,
)
from bot.roadmap.edits import EditField
from bot.roadmap.model import Schedule, ScheduleKind
from bot.services import Identity
from storage.models import MeasureEdit, Role
from storage.uow import UnitOfWork
from tests.factories import make_measure, make_roadmap


def _plan(unclear_phrase: str = "по мере поступления указаний") -> object:
    unclear = make_measure("1.2", "Мониторинг сайта", persons=["Бобров В.С."])
    unclear = replace(
        unclear,
        deadline_raw=unclear_phrase,
        schedule=Schedule(ScheduleKind.UNPARSED, note=unclear_phrase),
    )
    return make_roadmap(
        [
            make_measure("1.1", "Утверждение плана", persons=["Воропаева Е.В."]),
            unclear,
            make_measure("1.3", "Совещание", persons=["Бобров В.С."]),
        ]
    )


async def _setup(session_factory, now: datetime) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    async with UnitOfWork(session_factory) as uow:
        organisation = await uow.organisations.add(
            name="Гимназия", timezone="Europe/Moscow", now=now
        )
        result = await store_roadmap(
            uow,
            organisation_id=organisation.id,
            parsed=_plan(),
            now=now,  # type: ignore[arg-type]
        )
        people = await uow.roadmaps.people_by_name(organisation.id)
        coordinator = people["Воропаева Е.В."]
        membership = await uow.people.membership(organisation.id, coordinator.id)
        assert membership is not None
        membership.role = Role.COORDINATOR.value
        await uow.commit()
        return organisation.id, result.roadmap_id, coordinator.id


async def _identity(uow: UnitOfWork, organisation_id: int, person_id: int) -> Identity:
    return Identity(
        telegram_user_id=1,
        person=await uow.people.get(person_id),
        membership=await uow.people.membership(organisation_id, person_id),
        organisation=await uow.organisations.get(organisation_id),
    )


async def _windows(uow: UnitOfWork, measure_id: int) -> list[tuple[str, str, bool]]:
    return [
        (o.window_start.isoformat(), o.due_date.isoformat(), o.is_span)
        for o in await uow.roadmaps.occurrences(measure_id)
    ]


async def test_an_unclear_deadline_spans_the_plan_period(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    _org, roadmap_id, _coordinator = await _setup(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        measures = {m.number: m for m in await uow.roadmaps.measures(roadmap_id)}
        assert measures["1.2"].deadline_state == "unclear"
        assert measures["1.1"].deadline_state is None
        assert await _windows(uow, measures["1.2"].id) == [("2022-01-01", "2024-12-31", True)]
        assert await unclear_measures(uow, roadmap_id) == [(measures["1.2"].id, "1.2")]


async def test_fixing_the_deadline_replans_and_is_audited(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    org_id, roadmap_id, coordinator_id = await _setup(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        identity = await _identity(uow, org_id, coordinator_id)
        card = await find_measure(uow, identity, "1.2")
        assert card.unclear and card.persons == ["Бобров В.С."]
        outcome = await edit_measure(
            uow, identity, card.id, EditField.DEADLINE, "ежегодно, сентябрь", now=now
        )
    assert not outcome.card.unclear
    assert outcome.old_value == "по мере поступления указаний"
    assert [w.due for w in outcome.card.schedule.windows] == [
        date(2022, 9, 30),
        date(2023, 9, 30),
        date(2024, 9, 30),
    ]
    async with UnitOfWork(session_factory) as uow:
        assert await _windows(uow, card.id) == [
            ("2022-09-01", "2022-09-30", False),
            ("2023-09-01", "2023-09-30", False),
            ("2024-09-01", "2024-09-30", False),
        ]
        assert uow.session is not None
        edits = list((await uow.session.execute(select(MeasureEdit))).scalars())
        assert [(e.field, e.old_value, e.new_value, e.person_id) for e in edits] == [
            ("deadline", "по мере поступления указаний", "ежегодно, сентябрь", coordinator_id)
        ]
        assert edits[0].created_at == now and edits[0].measure_key == "1.2"
        events = [
            e for e in await uow.audit.for_organisation(org_id) if e.action == "measure.edited"
        ]
        assert (
            events and events[0].data is not None and events[0].data["new"] == "ежегодно, сентябрь"
        )
        assert await unclear_measures(uow, roadmap_id) == []


async def test_a_phrase_not_understood_changes_nothing(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    org_id, roadmap_id, coordinator_id = await _setup(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        identity = await _identity(uow, org_id, coordinator_id)
        card = await find_measure(uow, identity, "1.2")
        with pytest.raises(DeadlineNotUnderstood):
            await edit_measure(uow, identity, card.id, EditField.DEADLINE, "когда-нибудь", now=now)
        with pytest.raises(NobodyNamed):
            await edit_measure(uow, identity, card.id, EditField.RESPONSIBLE, "  ", now=now)
    async with UnitOfWork(session_factory) as uow:
        measure = await uow.roadmaps.get_measure(card.id)
        assert measure is not None and measure.deadline_state == "unclear"
        assert await uow.roadmaps.edits(roadmap_id) == []


async def test_responsible_and_title_edits(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    org_id, _roadmap_id, coordinator_id = await _setup(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        identity = await _identity(uow, org_id, coordinator_id)
        card = await find_measure(uow, identity, "1.3")
        outcome = await edit_measure(
            uow, identity, card.id, EditField.RESPONSIBLE, "Иванова А.П., ММО", now=now
        )
    assert outcome.card.persons == ["Иванова А.П."] and outcome.card.units == ["ММО"]
    async with UnitOfWork(session_factory) as uow:
        identity = await _identity(uow, org_id, coordinator_id)
        assert "Иванова А.П." in await uow.roadmaps.people_by_name(org_id)
        outcome = await edit_measure(
            uow, identity, card.id, EditField.TITLE, "Совещание при директоре", now=now
        )
    assert outcome.card.title == "Совещание при директоре"


async def test_only_the_coordinator_edits(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    org_id, _roadmap_id, _coordinator_id = await _setup(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        officer = (await uow.roadmaps.people_by_name(org_id))["Бобров В.С."]
        identity = await _identity(uow, org_id, officer.id)
        with pytest.raises(UserError):
            await find_measure(uow, identity, "1.2")


async def test_edits_survive_reimport_of_the_same_plan(session_factory, now) -> None:  # type: ignore[no-untyped-def]
    org_id, roadmap_id, coordinator_id = await _setup(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        identity = await _identity(uow, org_id, coordinator_id)
        card = await find_measure(uow, identity, "1.2")
        await edit_measure(
            uow, identity, card.id, EditField.DEADLINE, "ежегодно, сентябрь", now=now
        )
    later = datetime(2022, 6, 1, 6, 0, tzinfo=now.tzinfo)
    async with UnitOfWork(session_factory) as uow:
        result = await store_roadmap(uow, organisation_id=org_id, parsed=_plan(), now=later)  # type: ignore[arg-type]
        await uow.commit()
    assert result.roadmap_id == roadmap_id
    assert result.edits_kept == [("1.2", "deadline")] and result.edits_dropped == []
    assert result.changed == []
    async with UnitOfWork(session_factory) as uow:
        measure = await uow.roadmaps.get_measure(card.id)
        assert measure is not None
        assert measure.deadline_raw == "ежегодно, сентябрь" and measure.deadline_state is None
        assert [w[1] for w in await _windows(uow, card.id)] == [
            "2022-09-30",
            "2023-09-30",
            "2024-09-30",
        ]

    # The document itself now says something else for 1.2: it wins, and the result says so.
    async with UnitOfWork(session_factory) as uow:
        result = await store_roadmap(
            uow,
            organisation_id=org_id,
            parsed=_plan("по запросу"),
            now=later,  # type: ignore[arg-type]
        )
        await uow.commit()
    assert result.edits_dropped == [("1.2", "deadline")] and result.edits_kept == []
    async with UnitOfWork(session_factory) as uow:
        measure = await uow.roadmaps.get_measure(card.id)
        assert measure is not None and measure.deadline_raw == "по запросу"
        assert await uow.roadmaps.edits(roadmap_id) == []
        assert len(await uow.roadmaps.edits(roadmap_id, include_superseded=True)) == 1


async def test_reads_mark_unclear_deadlines_and_windows_open_in_the_period(
    session_factory, now
) -> None:  # type: ignore[no-untyped-def]
    from storage.models import Attachment, Report

    org_id, roadmap_id, coordinator_id = await _setup(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        items = await uow.reads.measure_items(
            org_id, start=date(2022, 6, 1), end=date(2022, 6, 30)
        )
        assert {(i.number, i.unclear) for i in items} == {("1.2", True)}
        # A May window read in mid-May: open in the period, due later, still exported.
        plan = await uow.reads.plan(roadmap_id, date(2022, 5, 1), date(2022, 5, 15))
        assert {o.measure.number for o in plan.occurrences} >= {"1.1", "1.2", "1.3"}
        assert [m.deadline_unclear for m in plan.measures] == [False, True, False]
        # A photo has no file name: the exports learn what it is.
        occurrence = next(o for o in plan.occurrences if o.measure.number == "1.1")
        assert uow.session is not None
        report = Report(
            occurrence_id=occurrence.id,
            person_id=coordinator_id,
            status="done",
            text="сделано",
            created_at=now,
            updated_at=now,
        )
        uow.session.add(report)
        await uow.session.flush()
        for name, kind in (("акт.pdf", "document"), (None, "photo")):
            uow.session.add(
                Attachment(
                    report_id=report.id,
                    kind=kind,
                    telegram_file_id="f",
                    telegram_file_unique_id="u",
                    file_name=name,
                    created_at=now,
                )
            )
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        plan = await uow.reads.plan(roadmap_id, date(2022, 5, 1), date(2022, 5, 31))
        reported = next(o for o in plan.occurrences if o.report is not None)
        assert reported.report is not None
        assert reported.report.files == ("акт.pdf",) and reported.report.unnamed == ("photo",)
