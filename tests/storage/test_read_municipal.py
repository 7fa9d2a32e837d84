"""The read side of a municipal plan on both engines: every member's share with whose it
is, the members' own plans apart, a school's summary holding its own share only, and the
plan export carrying the members' shares beside the owner's own."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from bot.imports import store_roadmap
from bot.roadmap import parse_text
from storage.models import Membership, Occurrence, Report
from storage.uow import UnitOfWork
from tests.e2e.seed import SMALL_PLAN
from tests.storage.test_municipal import NOW, _municipality, _occurrences_by_org

START, END = date(2000, 1, 1), date(2100, 12, 31)  # every occurrence stored


async def test_the_municipal_read_holds_each_share_and_the_schools_own_plans_apart(
    session_factory, samples_dir
) -> None:  # type: ignore[no-untyped-def]
    office_id, roadmap_id, added = await _municipality(session_factory, samples_dir)
    first, second = added.added[0].organisation_id, added.added[1].organisation_id
    stored = await _occurrences_by_org(session_factory)  # all of the municipal plan
    # The first school also has a plan of its own.
    async with UnitOfWork(session_factory) as uow:
        own = await store_roadmap(
            uow, organisation_id=first, parsed=parse_text(SMALL_PLAN), now=NOW
        )
        await uow.commit()
    # The second school reports on one of its occurrences.
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        occurrence = (
            await uow.session.execute(
                select(Occurrence)
                .where(Occurrence.organisation_id == second)
                .order_by(Occurrence.due_date, Occurrence.id)
                .limit(1)
            )
        ).scalar_one()
        person = (
            await uow.session.execute(
                select(Membership.person_id).where(Membership.organisation_id == second)
            )
        ).scalar_one()
        uow.session.add(
            Report(
                occurrence_id=occurrence.id,
                person_id=person,
                status="done",
                text="сделано",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        reported_id = occurrence.id
        await uow.commit()

    async with UnitOfWork(session_factory) as uow:
        data = await uow.reads.municipal_data(office_id, START, END)
        members = await uow.reads.members(office_id)
        school = await uow.reads.summary_data(second, START, END)
        plan = await uow.reads.plan(roadmap_id, START, END)

    assert [m.id for m in data.members] == [m.id for m in members]
    assert {m.id for m in members} == {m.organisation_id for m in added.added}
    assert all(m.short_name for m in members)
    counted = Counter(o.organisation_id for o in data.occurrences)
    # Every organisation's share of the municipal plan, as stored.
    assert set(counted) == {office_id, *(m.id for m in members)}
    assert counted == stored
    assert all(o.measure.roadmap_id == roadmap_id for o in data.occurrences)
    reported = next(o for o in data.occurrences if o.id == reported_id)
    assert reported.organisation_id == second and reported.report is not None
    # The school's own plan is apart: one plan, its own occurrences.
    assert [(p.organisation_id, p.roadmap.id) for p in data.member_plans] == [
        (first, own.roadmap_id)
    ]
    assert data.member_plan_occurrences
    assert {o.organisation_id for o in data.member_plan_occurrences} == {first}
    assert {o.measure.roadmap_id for o in data.member_plan_occurrences} == {own.roadmap_id}

    # A school's summary: its own share of the municipal plan, nobody else's.
    assert [r.id for r in school.roadmaps] == [roadmap_id]
    assert school.occurrences
    assert {o.organisation_id for o in school.occurrences} == {second}
    assert len(school.occurrences) == counted[second]
    assert any(o.id == reported_id and o.report for o in school.occurrences)

    # The export of the municipal plan: the owner's own, and the members' shares beside.
    assert {o.organisation_id for o in plan.occurrences} == {office_id}
    assert {o.organisation_id for o in plan.member_occurrences} == {m.id for m in members}
    assert len(plan.member_occurrences) == sum(counted[m.id] for m in members)


async def test_a_members_share_of_the_parent_plan_holds_its_own_measures_only(
    session_factory, samples_dir
) -> None:  # type: ignore[no-untyped-def]
    """What a school's export and digest read: the parent's plans it has obligations in,
    and its share of one (its measures, its own occurrences; never another school's)."""
    office_id, roadmap_id, added = await _municipality(session_factory, samples_dir)
    school = next(m.organisation_id for m in added.added if m.kind == "school")
    garden = next(m.organisation_id for m in added.added if m.kind == "kindergarten")
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        mine = set(
            (
                await uow.session.execute(
                    select(Occurrence.id, Occurrence.measure_id).where(
                        Occurrence.organisation_id == school
                    )
                )
            ).all()
        )
        own = await store_roadmap(
            uow, organisation_id=school, parsed=parse_text(SMALL_PLAN), now=NOW
        )
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        shared = await uow.reads.shared_plans(school)
        office_shares = await uow.reads.shared_plans(office_id)  # no parent
        garden_shares = await uow.reads.shared_plans(garden)
        share = await uow.reads.share_plan(roadmap_id, school, START, END)
        garden_plan = await uow.reads.share_plan(roadmap_id, garden, START, END)
        parent_only = await uow.reads.share_data(school, START, END)
        whole = await uow.reads.summary_data(school, START, END)

    # Its parent's plan only (not its own plan), with the parent's name.
    assert [(s.owner_id, s.roadmap.id) for s in shared] == [(office_id, roadmap_id)]
    assert shared[0].owner_name == "Управление образования Правдинского округа"
    assert office_shares == []
    assert [s.roadmap.id for s in garden_shares] == [roadmap_id]
    # The share: the school's measures and occurrences, exactly.
    assert share.share_of == shared[0].owner_name
    assert share.organisation_name != share.share_of
    assert {o.id for o in share.occurrences} == {oid for oid, _m in mine}
    assert {m.id for m in share.measures} == {mid for _o, mid in mine}
    assert share.members == () and share.member_occurrences == ()
    # A kindergarten's share is its own (the ДОО measures), fewer than a school's.
    assert 0 < len(garden_plan.measures) < len(share.measures)
    assert not {o.id for o in garden_plan.occurrences} & {o.id for o in share.occurrences}
    # The share alone, and the school's whole summary with its own plan besides.
    assert {o.id for o in parent_only.occurrences} == {oid for oid, _m in mine}
    assert [r.id for r in parent_only.roadmaps] == [roadmap_id]
    assert {r.id for r in whole.roadmaps} == {roadmap_id, own.roadmap_id}
    assert len(whole.occurrences) > len(parent_only.occurrences)
