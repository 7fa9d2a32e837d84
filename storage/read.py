"""Read-side queries behind the answers to questions: plain DTOs, a fixed number of queries.

Nothing here returns ORM objects, so the answering code can never trigger a lazy load, and
every function filters by the organisation first: a question can only ever read the asker's
own organisation. Each function runs a handful of queries whatever the size of the plan
(occurrences, then the person and unit assignments of the measures they belong to).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    and_,
    bindparam,
    case,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage import quick_read
from storage.models import (
    Assignment,
    Measure,
    Membership,
    Occurrence,
    OccurrenceStatus,
    Person,
    Roadmap,
    Section,
    Unit,
    UnitMember,
)
from storage.responsibility import responsible

__all__ = ["ItemRow", "directory", "measure_items", "person_units", "plan_years"]


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One occurrence (one window) of an active measure, with who is responsible for it."""

    occurrence_id: int
    measure_id: int
    number: str | None
    title: str
    section_number: str | None
    section_title: str | None
    window_start: date
    due: date  # the postponed date when the occurrence was postponed, else its due date
    status: str
    is_span: bool  # continuous or on-request work: checked in on, never "overdue"
    persons: tuple[str, ...]  # full names, in assignment order
    units: tuple[str, ...]  # unit names, in assignment order
    unclear: bool = False  # the deadline is still to be set («срок уточняется»)


def _effective_due() -> ColumnElement[date]:
    # A postponement moves the deadline people work to; the planned date stays in due_date.
    return case(
        (
            and_(
                Occurrence.status == OccurrenceStatus.POSTPONED.value,
                Occurrence.postponed_to.is_not(None),
            ),
            Occurrence.postponed_to,
        ),
        else_=Occurrence.due_date,
    )


@lru_cache(maxsize=32)
def _items_statement(
    with_start: bool, with_end: bool, scoped: bool, coordinator: bool
) -> quick_read.AnySelect:
    """The items query of one shape, built once (building it took about a millisecond a
    question) with its values bound at execution: organisation_id, start, end, person_id."""
    organisation_id = bindparam("organisation_id", type_=Integer)
    due = _effective_due().label("due")
    conditions: list[ColumnElement[bool]] = [
        # The organisation's own obligations, whoever's plan they come from.
        Occurrence.organisation_id == organisation_id,
        Measure.archived_at.is_(None),
    ]
    if with_start:
        conditions.append(_effective_due() >= bindparam("start", type_=Date))
    if with_end:
        conditions.append(Occurrence.window_start <= bindparam("end", type_=Date))
    if scoped:
        conditions.append(
            responsible(
                bindparam("person_id", type_=Integer),
                is_coordinator=coordinator,
                organisation_id=organisation_id,
            )
        )
    statement = (
        select(
            Occurrence.id,
            Measure.id,
            Measure.number,
            Measure.title,
            Section.number,
            Section.title,
            Occurrence.window_start,
            due,
            Occurrence.status,
            Occurrence.is_span,
            Measure.deadline_state,
        )
        .join(Measure, Measure.id == Occurrence.measure_id)
        .outerjoin(Section, Section.id == Measure.section_id)
        .where(*conditions)
        # Plan by plan (a measure's plan is never missing: no join needed to order by it).
        .order_by(due, Measure.roadmap_id, Measure.position, Occurrence.id)
    )
    return statement


async def measure_items(
    session: AsyncSession,
    organisation_id: int,
    *,
    start: date | None = None,
    end: date | None = None,
    person_id: int | None = None,
    person_is_coordinator: bool = False,
    names: bool = True,
) -> list[ItemRow]:
    """Occurrences of the organisation's active measures whose window meets [start, end].

    An occurrence meets the period when its window (window_start .. effective due) overlaps
    it; either bound may be left open. With `person_id`, only measures assigned to that
    person (or to one of their units) are read: the access filter for officers. Without
    `names`, the responsible people and units are not read (an answer that neither shows
    nor filters by them: the asker's own list); `persons` and `units` are then empty.
    """
    shape = (start is not None, end is not None, person_id is not None, person_is_coordinator)
    items = _items_statement(*shape)
    params = {"organisation_id": organisation_id, "start": start, "end": end}
    if person_id is not None:
        params["person_id"] = person_id
    values = {k: v for k, v in params.items() if v is not None}
    # On a connection of its own when the session has nothing uncommitted to show
    # (`storage.quick_read`: a quarter of a question's time); else, plain rows on the
    # session's connection, past the ORM's execution layer.
    rows = await quick_read.rows(session, items, values)
    if rows is None:
        await session.flush()  # the connection's own execute does not autoflush
        connection = await session.connection()
        rows = (await connection.execute(items, values)).all()
    if not rows:
        return []
    if not names:
        return [_item(row, (), ()) for row in rows]
    # The names of the measures read, by their ids (in chunks): repeating the conditions
    # in a subquery scanned the organisation's occurrences twice more.
    measure_ids = sorted({row[1] for row in rows})
    persons, units = await _responsible(session, measure_ids, organisation_id)
    return [
        _item(row, tuple(persons.get(row[1], ())), tuple(units.get(row[1], ()))) for row in rows
    ]


def _item(row: Sequence[Any], persons: tuple[str, ...], units: tuple[str, ...]) -> ItemRow:
    (
        oid,
        mid,
        number,
        title,
        section_number,
        section_title,
        window_start,
        due_date,
        status,
        is_span,
        deadline_state,
    ) = row
    return ItemRow(
        occurrence_id=oid,
        measure_id=mid,
        number=number,
        title=title or "",
        section_number=section_number,
        section_title=section_title,
        window_start=window_start,
        due=due_date,
        status=status,
        is_span=bool(is_span),
        persons=persons,
        units=units,
        unclear=deadline_state is not None,
    )


async def _responsible(
    session: AsyncSession, measure_ids: list[int], organisation_id: int
) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Names of the people (of the organisation: a school's share is handed to its own
    people) and of the units the plan names, for the measures given."""
    persons = await _assigned_names(
        session, measure_ids, Person.full_name, Assignment.person_id, organisation_id
    )
    units = await _assigned_names(session, measure_ids, Unit.name, Assignment.unit_id)
    return persons, units


NAMES_CHUNK = 2000  # measure ids per names query (under every engine's parameter limit)


async def _assigned_names(
    session: AsyncSession,
    measure_ids: list[int],
    name: InstrumentedAttribute[str],
    assignee: InstrumentedAttribute[int | None],
    organisation_id: int | None = None,
) -> dict[int, list[str]]:
    """`name` of each person or unit (`assignee` says which) per measure, in assignment
    order; only the assignments in `organisation_id` when given."""
    found: dict[int, list[str]] = defaultdict(list)
    owner = name.class_
    query = (
        select(Assignment.measure_id, name)
        .join(owner, owner.id == assignee)
        .where(Assignment.measure_id.in_(bindparam("ids", expanding=True)))
        .order_by(Assignment.measure_id, Assignment.id)
    )
    if organisation_id is not None:
        query = query.where(Assignment.organisation_id == organisation_id)
    for at in range(0, len(measure_ids), NAMES_CHUNK):
        chunk = measure_ids[at : at + NAMES_CHUNK]
        result = await session.execute(query, {"ids": chunk})
        for measure_id, value in result.all():
            found[measure_id].append(value)
    return found


async def plan_years(session: AsyncSession, organisation_id: int) -> tuple[int, int] | None:
    """The years the organisation's plans cover (first, last); None without a plan."""
    result = await session.execute(
        select(func.min(Roadmap.period_start), func.max(Roadmap.period_end)).where(
            Roadmap.organisation_id == organisation_id
        )
    )
    first, last = result.one()
    return None if first is None or last is None else (int(first), int(last))


async def directory(session: AsyncSession, organisation_id: int) -> list[str]:
    """Full names of the organisation's members: the names a question may mention."""
    result = await session.execute(
        select(Person.full_name)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.organisation_id == organisation_id)
        .order_by(Person.full_name, Person.id)
    )
    return list(result.scalars())


async def person_units(session: AsyncSession, person_id: int, organisation_id: int) -> list[str]:
    """Names of the organisation's units the person belongs to."""
    result = await session.execute(
        select(Unit.name)
        .join(UnitMember, UnitMember.unit_id == Unit.id)
        .where(UnitMember.person_id == person_id, Unit.organisation_id == organisation_id)
        .order_by(Unit.name)
    )
    return list(result.scalars())
