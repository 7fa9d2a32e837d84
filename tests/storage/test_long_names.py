"""Issue 13, case 4 at the storage edge, on both engines: a name longer than its column is
refused with its limit (typed by a person) or clipped (read from a document), never a
database error; PostgreSQL and SQLite end with the same rows."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from bot.errors import UserError
from bot.import_flow import save_roadmap
from bot.member_list import SkipReason, parse_member_lines
from bot.members import add_members
from bot.people import create_organisation
from bot.roadmap.model import Approval, Section
from storage.models import (
    NUMBER_CHARS,
    PERSON_NAME_CHARS,
    SHORT_NAME_CHARS,
    UNIT_NAME_CHARS,
    Organisation,
    Person,
    Unit,
)
from storage.uow import UnitOfWork
from tests.factories import make_measure, make_roadmap

LONG_UNIT = "Управление образования администрации " + "очень длинного района " * 30
LONG_PERSON = "Иванова " + "А" * 400 + " П."
LONG_NUMBER = "1." * 30 + "1"


async def test_a_plan_with_over_long_names_is_stored_clipped_and_consistently(
    session_factory, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    parsed = make_roadmap(
        [
            make_measure("1.1", "Согласование", units=[LONG_UNIT, LONG_UNIT + " (ещё)"]),
            make_measure(LONG_NUMBER, "Отчёт", persons=[LONG_PERSON], section=LONG_NUMBER),
        ]
    )
    parsed.sections.append(Section(number=LONG_NUMBER, title="Раздел с длинным номером"))
    parsed.approval = Approval(
        kind="приказ", number="№" * 100, date=date(2022, 2, 17), issuer="министерства " * 50
    )
    async with UnitOfWork(session_factory) as uow:
        organisation = await uow.organisations.add(name="МОУО", timezone="Europe/Moscow", now=now)
        org_id = organisation.id
        confirmed = await save_roadmap(
            uow,
            organisation_id=org_id,
            parsed=parsed,
            now=now,
            source_name="план\x00" + "x" * 400 + ".docx",
            source_sha256="0" * 64,
        )
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        units = list((await uow.session.execute(select(Unit))).scalars())
        people = list((await uow.session.execute(select(Person))).scalars())
        measures = await uow.roadmaps.measures(confirmed.result.roadmap_id)
        roadmap = await uow.roadmaps.get(confirmed.result.roadmap_id)
        assert roadmap is not None
        # Two names that differ only past the limit are one unit.
        assert len(units) == 1 and len(units[0].name) == UNIT_NAME_CHARS
        assert units[0].name.endswith("…")
        assert len(people) == 1 and len(people[0].full_name) <= PERSON_NAME_CHARS
        assert len(measures[1].number or "") == NUMBER_CHARS
        assignments = await uow.roadmaps.assignments(measures[0].id)
        assert [a.unit_id for a in assignments] == [units[0].id]
        assert [a.person_id for a in await uow.roadmaps.assignments(measures[1].id)] == [
            people[0].id
        ]
        assert roadmap.source_name is not None and "\x00" not in roadmap.source_name
        assert roadmap.source_name.endswith(".docx") and len(roadmap.source_name) <= 300
        assert roadmap.approval_issuer is not None and len(roadmap.approval_issuer) <= 300
    # The same document again is an update that changes nothing.
    async with UnitOfWork(session_factory) as uow:
        again = await save_roadmap(
            uow,
            organisation_id=org_id,
            parsed=parsed,
            now=now,
            source_name="план.docx",
            source_sha256="0" * 64,
        )
    assert not again.result.created and again.result.changed == []
    assert again.result.new_units == [] and again.result.new_persons == []


async def test_a_typed_name_over_its_column_is_refused_with_its_limit(
    session_factory, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(UserError) as refused:
            await create_organisation(uow, name="Школа " * 100, timezone="Europe/Moscow", now=now)
        assert refused.value.params == {"limit": 300, "length": 599}
        with pytest.raises(UserError) as refused:
            await create_organisation(
                uow, name="Школа", timezone="Europe/Moscow", now=now, coordinator_name="И" * 3000
            )
        assert refused.value.params == {"limit": 200, "length": 3000}
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        assert list((await uow.session.execute(select(Organisation))).scalars()) == []


async def test_a_member_list_with_long_names_and_contacts_is_stored_within_the_columns(
    session_factory, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    members = parse_member_lines(
        "\n".join(
            [
                "Муниципальное бюджетное общеобразовательное учреждение " + "имени героя " * 10,
                "СОШ №2; " + "Сидорова " * 30,
                "СОШ №3\x00; Петрова А.А.",
            ]
        )
    )
    assert [reason for _line, _text, reason in members.skipped] == [SkipReason.TOO_LONG]
    async with UnitOfWork(session_factory) as uow:
        parent = await uow.organisations.add(name="МОУО", timezone="Europe/Moscow", now=now)
        added = await add_members(uow, parent_id=parent.id, members=members, now=now)
    assert [m.name for m in added.added][1] == "СОШ №3"
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        stored = list((await uow.session.execute(select(Organisation))).scalars())
        assert all(len(o.short_name or "") <= SHORT_NAME_CHARS for o in stored)
        assert len(stored) == 3
