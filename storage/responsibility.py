"""Who is responsible for an occurrence, as a SQL condition (the rule of bot/obligations.py).

A person answers for an occurrence of organisation O when a measure's assignment in O names
them or a unit of O's staff they belong to; when nothing in O names anyone (a school's
share of a municipal measure, a measure with no responsible), O's coordinators answer for
it. `bot.obligations.responsible_in` is the same rule in Python; tests keep them in step.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, and_, exists, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.sqltypes import BOOLEANTYPE
from sqlalchemy.sql.visitors import InternalTraversal

from storage.models import Assignment, Occurrence, Unit, UnitKind, UnitMember

# An id, or a parameter bound when a statement built once is executed.
Value = int | BindParameter[int]

# Groups of member organisations fan a measure out; they name nobody inside the owner.
MEMBER_GROUP_KINDS = (UnitKind.MEMBER_ORGANISATIONS.value, UnitKind.ORGANISATION.value)


class AmongRows(ColumnElement[bool]):
    """`column IN (rows)`, and on PostgreSQL `column = ANY(ARRAY(rows))`.

    PostgreSQL plans `IN (subquery)` as a join whose side it picks by its statistics: right
    after a bulk import, or when other organisations' rows shape them, it scanned every
    measure of the database and probed each one's occurrences (the bench question at
    10,000 measures: 11 ms). An array read once (an init plan) is an index condition on
    the occurrences instead, whatever the statistics say (0.3 ms). SQLite keeps `IN`, whose
    plan is already that one."""

    inherit_cache = True
    _is_implicitly_boolean = True  # a condition as it is, never "… = 1" on SQLite
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("rows", InternalTraversal.dp_clauseelement),
    ]
    type = BOOLEANTYPE

    def __init__(self, column: ColumnElement[Any], rows: Select[Any]) -> None:
        self.column = column
        self.rows = rows


@compiles(AmongRows)
def _among_rows(element: AmongRows, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.rows), **kw)


@compiles(AmongRows, "postgresql")
def _among_rows_array(element: AmongRows, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} = ANY(ARRAY({compiler.process(element.rows, **kw)}))"


def _in_share() -> ColumnElement[bool]:
    return and_(
        Assignment.measure_id == Occurrence.measure_id,
        Assignment.organisation_id == Occurrence.organisation_id,
    )


def names_nobody(organisation_id: Value | None = None) -> ColumnElement[bool]:
    """Nothing in the occurrence's organisation names anyone for its measure.

    With `organisation_id` (the caller reads only that organisation's occurrences), the
    measures that do name someone there are one uncorrelated set the database builds once
    (a hashed subplan on PostgreSQL, an ephemeral index on SQLite), instead of a lookup
    per occurrence of the organisation.
    """
    if organisation_id is not None:
        # A unit that fans out to member organisations names nobody inside; units are few,
        # so they are one small set too, rather than a join per assignment.
        groups = select(Unit.id).where(Unit.kind.in_(MEMBER_GROUP_KINDS))
        named = select(Assignment.measure_id).where(
            Assignment.organisation_id == organisation_id,
            or_(Assignment.unit_id.is_(None), Assignment.unit_id.not_in(groups)),
        )
        return Occurrence.measure_id.not_in(named)
    naming = (
        select(Assignment.id)
        .outerjoin(Unit, Unit.id == Assignment.unit_id)
        .where(
            _in_share(),
            or_(Assignment.unit_id.is_(None), Unit.kind.not_in(MEMBER_GROUP_KINDS)),
        )
    )
    return ~exists(naming)


def responsible(
    person_id: Value, *, is_coordinator: bool, organisation_id: Value | None = None
) -> ColumnElement[bool]:
    """The occurrence (joined in the query) is the person's to do.

    `is_coordinator`: the person coordinates the occurrence's organisation (the caller
    also filters by that organisation). `organisation_id`: that organisation, when the
    caller reads only its occurrences; the person's measures are then one uncorrelated set
    the database reads once, instead of a lookup per occurrence of the organisation.
    """
    own_units = select(UnitMember.unit_id).where(UnitMember.person_id == person_id)
    named: ColumnElement[bool]
    if organisation_id is not None:
        # Two branches rather than one OR, so that each reads its own index (person or
        # unit, with the organisation): an OR made SQLite scan all of the organisation's
        # assignments (1.3 ms at 10,000 measures, against 0.03 ms).
        # Read once (MATERIALIZED): with statistics not yet gathered after a plan's bulk
        # import, PostgreSQL re-ran the set for every occurrence (the bench question at
        # 10,000 measures: 54 s; read once, 3 s).
        mine = (
            union_all(
                select(Assignment.measure_id).where(
                    Assignment.person_id == person_id,
                    Assignment.organisation_id == organisation_id,
                ),
                select(Assignment.measure_id).where(
                    Assignment.unit_id.in_(own_units),
                    Assignment.organisation_id == organisation_id,
                ),
            )
            .cte("asker_measures")
            .prefix_with("MATERIALIZED")
        )
        named = AmongRows(Occurrence.measure_id.expression, select(mine.c.measure_id))
    else:
        naming_person = or_(Assignment.person_id == person_id, Assignment.unit_id.in_(own_units))
        named = exists(select(Assignment.id).where(_in_share(), naming_person))
    if not is_coordinator:
        return named
    return or_(named, names_nobody(organisation_id))
