"""A municipal plan on both engines: schools added from a list, the plan fans out to them,
each school's share is its own, the SQL rule of responsibility matches the Python one."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.imports import store_roadmap
from bot.member_list import parse_member_lines
from bot.members import add_members, remove_member
from bot.obligations import responsible_persons
from bot.reminders.outbox import plan_range
from bot.roadmap import parse_text
from bot.services import Identity
from storage.models import Membership, Occurrence, Reminder, Report, Role
from storage.uow import UnitOfWork

NOW = datetime(2022, 1, 17, 6, 0, tzinfo=UTC)
UNIT_KINDS = {
    "МОУО": ("owner", None),
    "УО": ("owner", None),
    "ОО": ("member_organisations", "school"),
    "ДОО": ("member_organisations", "kindergarten"),
    "ГБУ ДО КО КОИРО": ("external", None),
    "МО КО": ("external", None),
    "ГБУ КО «РЦО»": ("external", None),
    "ГБУ КО НОО ПРОД": ("external", None),
}
SCHOOLS = """\
1. МБОУ «СОШ № 1 г. Правдинска»; Сидорова Анна Алексеевна
2. МБОУ «СОШ № 2»; Петров П.П.
3. МБОУ «Железнодорожная СОШ»
4. МБОУ «Домновская ООШ»; Кузнецова К.К.
5. МБОУ «Гимназия»; Орлова О.О.
6. МБДОУ «Детский сад № 1»; Смирнова С.С.
"""


async def _municipality(session_factory, samples_dir: Path):  # type: ignore[no-untyped-def]
    text = (samples_dir / "002_6e3e695228452652.txt").read_text(encoding="utf-8")
    async with UnitOfWork(session_factory) as uow:
        office = await uow.organisations.add(
            name="Управление образования Правдинского округа",
            timezone="Europe/Kaliningrad",
            now=NOW,
            kind="municipality",
        )
        result = await store_roadmap(
            uow, organisation_id=office.id, parsed=parse_text(text), now=NOW, unit_kinds=UNIT_KINDS
        )
        await uow.commit()
        added = await add_members(
            uow, parent_id=office.id, members=parse_member_lines(SCHOOLS), now=NOW
        )
    return office.id, result.roadmap_id, added


async def _occurrences_by_org(session_factory) -> Counter[int]:  # type: ignore[no-untyped-def]
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        rows = await uow.session.execute(
            select(Occurrence.organisation_id, func.count(Occurrence.id)).group_by(
                Occurrence.organisation_id
            )
        )
        return Counter(dict(rows.all()))


async def test_a_municipal_plan_fans_out_to_its_schools(session_factory, samples_dir) -> None:  # type: ignore[no-untyped-def]
    office_id, roadmap_id, added = await _municipality(session_factory, samples_dir)
    kinds = {m.name: m.kind for m in added.added}
    assert list(kinds.values()) == ["school"] * 5 + ["kindergarten"]
    assert [m.contact for m in added.added] == [
        "Сидорова А.А.",
        "Петров П.П.",
        None,
        "Кузнецова К.К.",
        "Орлова О.О.",
        "Смирнова С.С.",
    ]
    assert all(m.token for m in added.added if m.contact)
    schools = [m.organisation_id for m in added.added if m.kind == "school"]
    garden = next(m.organisation_id for m in added.added if m.kind == "kindergarten")

    counts = await _occurrences_by_org(session_factory)
    # Every school carries the same share (the ОО measures); the kindergarten the ДОО ones.
    assert len({counts[s] for s in schools}) == 1 and counts[schools[0]] > 0
    assert 0 < counts[garden] < counts[schools[0]]
    assert counts[office_id] > 0
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        school_measures = set(
            (
                await uow.session.execute(
                    select(Occurrence.measure_id).where(Occurrence.organisation_id == schools[0])
                )
            ).scalars()
        )
        measures = {m.id: m.responsible_raw for m in await uow.roadmaps.measures(roadmap_id)}
    assert {"ОО" in measures[mid] for mid in school_measures} == {True}
    assert len(school_measures) == sum(
        1 for raw in measures.values() if " ОО" in f" {raw.replace(',', ' ')}"
    )


async def test_each_share_has_its_school_coordinator_and_sql_agrees(
    session_factory, samples_dir
) -> None:  # type: ignore[no-untyped-def]
    office_id, _roadmap_id, added = await _municipality(session_factory, samples_dir)
    first = added.added[0]
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        occurrences = list(
            (
                await uow.session.execute(
                    select(Occurrence).where(Occurrence.organisation_id == first.organisation_id)
                )
            ).scalars()
        )
        shares = {(o.measure_id, o.organisation_id) for o in occurrences}
        responsible = await responsible_persons(uow, shares)
        coordinator = (
            await uow.session.execute(
                select(Membership.person_id).where(
                    Membership.organisation_id == first.organisation_id,
                    Membership.role == Role.COORDINATOR.value,
                )
            )
        ).scalar_one()
        assert set().union(*responsible.values()) == {coordinator}
        # The SQL rule the reads use says the same for every occurrence of the school.
        mine = await uow.reports.open_occurrences_of(
            coordinator, first.organisation_id, is_coordinator=True
        )
        assert {o.id for o, _m in mine} == {o.id for o in occurrences}
        # …and gives the coordinator nothing of another school.
        other = added.added[1].organisation_id
        assert await uow.reports.open_occurrences_of(coordinator, other, is_coordinator=True)
        assert not any(o.organisation_id != first.organisation_id for o, _m in mine)
        # The office's own share: МОУО names nobody yet, so nobody is reminded of it.
        office_shares = {
            (o.measure_id, o.organisation_id)
            for o in (
                await uow.session.execute(
                    select(Occurrence).where(Occurrence.organisation_id == office_id)
                )
            ).scalars()
        }
        assert office_shares
        office_responsible = await responsible_persons(uow, office_shares)
        assert set().union(*office_responsible.values()) == set()


async def test_a_joined_school_is_reminded_of_its_own_share_only(
    session_factory, samples_dir
) -> None:  # type: ignore[no-untyped-def]
    _office_id, _roadmap_id, added = await _municipality(session_factory, samples_dir)
    first = added.added[0]
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        membership = (
            await uow.session.execute(
                select(Membership).where(Membership.organisation_id == first.organisation_id)
            )
        ).scalar_one()
        membership.joined_at = NOW
        person = await uow.people.get(membership.person_id)
        assert person is not None
        person.telegram_user_id = person.chat_id = 5001
        await uow.commit()
        added_rows = 0
        for member in added.added:
            added_rows += await plan_range(
                uow,
                member.organisation_id,
                first=date(2022, 1, 17),
                last=date(2022, 12, 31),
                now=NOW,
            )
        await uow.commit()
        rows = (
            await uow.session.execute(select(Reminder.person_id, Reminder.organisation_id))
        ).all()
        person_id = membership.person_id
    assert added_rows == len(rows) > 0
    assert {p for p, _o in rows} == {person_id}
    assert {o for _p, o in rows} == {first.organisation_id}


async def test_adding_again_creates_each_school_once_and_removing_keeps_reports(
    session_factory, samples_dir
) -> None:  # type: ignore[no-untyped-def]
    office_id, _roadmap_id, added = await _municipality(session_factory, samples_dir)
    async with UnitOfWork(session_factory) as uow:
        again = await add_members(
            uow,
            parent_id=office_id,
            members=parse_member_lines("МБОУ «СОШ №2»\nМБОУ «СОШ № 7»"),
            now=NOW,
        )
    assert again.existing == ["МБОУ «СОШ № 2»"]
    assert [m.name for m in again.added] == ["МБОУ «СОШ № 7»"]
    before = await _occurrences_by_org(session_factory)
    second = added.added[1].organisation_id
    assert before[second] > 0

    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        reported = (
            await uow.session.execute(
                select(Occurrence).where(Occurrence.organisation_id == second).limit(1)
            )
        ).scalar_one()
        coordinator = (
            await uow.session.execute(
                select(Membership.person_id).where(Membership.organisation_id == second)
            )
        ).scalar_one()
        uow.session.add(
            Report(
                occurrence_id=reported.id,
                person_id=coordinator,
                status="done",
                text="сделано",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await uow.commit()
        office_coordinator = await uow.people.add(full_name="Лебедева Л.Л.", now=NOW)
        membership = await uow.people.add_membership(
            organisation_id=office_id,
            person_id=office_coordinator.id,
            role=Role.COORDINATOR,
            now=NOW,
        )
        office = await uow.organisations.get(office_id)
        identity = Identity(
            telegram_user_id=1,
            person=office_coordinator,
            membership=membership,
            organisation=office,
        )
        await uow.commit()
        removed = await remove_member(uow, identity, name="СОШ №2", now=NOW)
    assert removed == "МБОУ «СОШ № 2»"
    after = await _occurrences_by_org(session_factory)
    assert after[second] == 1  # the reported one stays, with its report
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        assert await uow.session.scalar(select(func.count(Report.id))) == 1


async def test_a_school_coordinators_own_list_follows_the_same_rule(
    session_factory, samples_dir
) -> None:  # type: ignore[no-untyped-def]
    """measure_items for a coordinator (the uncorrelated form of "names nobody") agrees
    with the per-occurrence form, before and after a share is handed to a deputy."""
    from storage.models import Assignment
    from storage.read import measure_items

    _office_id, _roadmap_id, added = await _municipality(session_factory, samples_dir)
    school = added.added[0].organisation_id
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        coordinator = (
            await uow.session.execute(
                select(Membership.person_id).where(
                    Membership.organisation_id == school,
                    Membership.role == Role.COORDINATOR.value,
                )
            )
        ).scalar_one()
        deputy = await uow.people.add(full_name="Заместитель З.З.", now=NOW)
        await uow.people.add_membership(
            organisation_id=school, person_id=deputy.id, role=Role.OFFICER, now=NOW
        )
        await uow.commit()
        deputy_id = deputy.id

    async def lists() -> tuple[set[int], set[int], set[int]]:
        async with UnitOfWork(session_factory) as uow:
            assert uow.session is not None
            mine = await measure_items(
                uow.session, school, person_id=coordinator, person_is_coordinator=True
            )
            correlated = await uow.reports.open_occurrences_of(
                coordinator, school, is_coordinator=True
            )
            theirs = await measure_items(uow.session, school, person_id=deputy_id)
            return (
                {r.occurrence_id for r in mine},
                {o.id for o, _m in correlated},
                {r.occurrence_id for r in theirs},
            )

    mine, correlated, theirs = await lists()
    assert mine and mine == correlated and theirs == set()
    # The coordinator hands one measure's share to the deputy (as /assign does).
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        measure_id = (
            await uow.session.execute(
                select(Occurrence.measure_id).where(Occurrence.organisation_id == school).limit(1)
            )
        ).scalar_one()
        uow.session.add(
            Assignment(measure_id=measure_id, organisation_id=school, person_id=deputy_id)
        )
        await uow.commit()
    after, correlated, theirs = await lists()
    assert theirs and after == correlated == mine - theirs
