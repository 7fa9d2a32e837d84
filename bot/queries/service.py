"""Answering a question: parse it, load the measures the asker may see, select, decide.

Access is decided here, before anything is selected:
- nobody reads outside their current organisation (every read is filtered by it);
- an officer sees only the measures assigned to them or to one of their units; asked about
  another person, they get the measures they share with that person, or a polite refusal;
- a coordinator may ask about anyone in the organisation.
"Mine" is decided by the assignments in the database rather than by matching surnames, so a
namesake's measures never show up as the asker's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from bot.access import require_member
from bot.queries import periods as P
from bot.queries.answer import MeasureItem, is_short, select_items
from bot.queries.model import ME, Query
from bot.queries.morph import fold
from bot.queries.parse import parse_query
from bot.services import Identity
from storage.models import OccurrenceStatus
from storage.read import ItemRow
from storage.uow import UnitOfWork

# Intents answered with a list of measures; the others are answered with a fixed text.
LISTING_INTENTS = ("my_items", "person_items", "overdue", "by_number", "search")
# Synthetic intent of /my: this month's measures and everything overdue, of the asker.
MY_INTENT = "my"

# What the views show next to a measure: its stored status, or "overdue" when its deadline
# has passed without it being done.
STATES = ("open", "done", "overdue", "partial", "postponed", "not_done")

_THANKS = ("спасиб", "спс", "благодар", "пасиб", "thank", "thx")


@dataclass
class Answer:
    intent: str
    query: Query
    today: date
    items: list[MeasureItem] = field(default_factory=list)
    groups: list[tuple[date, list[MeasureItem]]] = field(default_factory=list)
    states: dict[int, str] = field(default_factory=dict)  # occurrence id -> one of STATES
    period: tuple[date, date] | None = None  # the period understood, if any
    hint: tuple[date, date] | None = None  # nearest month with items, for an empty answer
    # For a short period (a week): what was due before it and is still not done, said apart.
    overdue: list[MeasureItem] = field(default_factory=list)
    scoped: bool = False  # only the asker's own measures were searched (officers)
    refused: bool = False  # an officer asked about someone they share no measure with
    thanks: bool = False  # smalltalk that was a "thank you"

    @property
    def empty(self) -> bool:
        return not self.items and not self.overdue

    @property
    def lists_items(self) -> bool:
        return self.intent in (*LISTING_INTENTS, MY_INTENT)


def today_of(identity: Identity, now: datetime) -> date:
    """The asker's local date: their own time zone if they set one, else the organisation's."""
    assert identity.organisation_id is not None
    return identity.today(now)


async def answer_question(
    uow: UnitOfWork,
    identity: Identity,
    text: str,
    *,
    now: datetime,
    period: tuple[date, date] | None = None,
) -> Answer:
    """Answer free text; `period` replaces the one understood (the "show that month" button)."""
    organisation_id = require_member(identity)
    today = today_of(identity, now)
    people = await uow.reads.directory(organisation_id)
    plan = await uow.reads.plan_years(organisation_id)
    query = parse_query(text, today=today, people=people, plan=plan)
    if period is not None and query.intent in LISTING_INTENTS:
        query = replace(query, period_start=period[0], period_end=period[1])
    if query.intent == "smalltalk":
        folded = fold(text)
        return Answer("smalltalk", query, today, thanks=any(w in folded for w in _THANKS))
    if query.intent not in LISTING_INTENTS:
        return Answer(query.intent, query, today, period=_period(query))
    return await _listing(uow, identity, query, today)


async def my_measures(
    uow: UnitOfWork,
    identity: Identity,
    *,
    now: datetime,
    period: tuple[date, date] | None = None,
) -> Answer:
    """/my: the asker's measures of this month (or `period`) and all their overdue ones."""
    require_member(identity)
    today = today_of(identity, now)
    month = period or P.month_period(today.year, today.month)
    # The items are read scoped to the asker, so the selections need no person.
    in_month = Query("my_items", period_start=month[0], period_end=month[1])
    overdue = Query("overdue", status_filter="overdue")
    items, spans = await _load(uow, identity, Query("my_items"), scope_to_me=True, names=False)
    due_now = select_items(in_month, items, today=today, me=None)
    dated = [i for i in items if i.occurrence_id not in spans]
    late = select_items(overdue, dated, today=today, me=None)
    seen: set[int] = set()
    chosen: list[MeasureItem] = []
    for item in late.items + due_now.items:
        if item.occurrence_id not in seen:
            seen.add(item.occurrence_id)
            chosen.append(item)
    answer = _answer(MY_INTENT, replace(in_month, person=ME), today, chosen, spans, scoped=True)
    answer.period = month
    if answer.empty:
        answer.hint = due_now.nearest_period_hint
    return answer


async def overdue_measures(uow: UnitOfWork, identity: Identity, *, now: datetime) -> Answer:
    """/overdue: what is overdue (the asker's own, or the organisation's for coordinators)."""
    require_member(identity)
    today = today_of(identity, now)
    return await _listing(uow, identity, Query("overdue", status_filter="overdue"), today)


# ---------------------------------------------------------------------------------------------


async def _overdue_before(
    uow: UnitOfWork, identity: Identity, query: Query, today: date, shown: set[int]
) -> tuple[list[MeasureItem], set[int]]:
    """The asker's measures due before a short period and still not done."""
    assert query.period_start is not None
    items, spans = await _load(uow, identity, Query("overdue"), scope_to_me=True, names=False)
    dated = [i for i in items if i.occurrence_id not in spans]
    late = select_items(Query("overdue", status_filter="overdue"), dated, today=today, me=None)
    before = [i for i in late.items if i.due < query.period_start and i.occurrence_id not in shown]
    return before, spans


async def _listing(uow: UnitOfWork, identity: Identity, query: Query, today: date) -> Answer:
    assert identity.full_name is not None
    about_self = query.person == ME or (
        query.person is not None and _is_own_surname(query.person, identity.full_name)
    )
    scope_to_me = about_self or not identity.is_coordinator
    # "Mine" is already exact through the assignments read below.
    wanted = replace(query, person=None) if about_self else query
    names = _needs_names(wanted, scoped=scope_to_me)
    items, spans = await _load(uow, identity, wanted, scope_to_me=scope_to_me, names=names)
    if wanted.status_filter == "overdue":
        items = [i for i in items if i.occurrence_id not in spans]
    selection = select_items(wanted, items, today=today, me=None)
    answer = _answer(query.intent, query, today, selection.items, spans, scoped=scope_to_me)
    answer.period = _period(query)
    if (
        about_self
        and query.intent == "my_items"
        and query.status_filter is None
        and answer.period is not None
        and is_short(*answer.period)
        and answer.period[0] <= today
    ):
        # "на этой неделе": what is due or opens this week, and what is overdue, apart.
        shown = {i.occurrence_id for i in selection.items}
        answer.overdue, late_spans = await _overdue_before(uow, identity, query, today, shown)
        for item in answer.overdue:
            answer.states[item.occurrence_id] = item_state(
                item, today, is_span=item.occurrence_id in late_spans
            )
    if not selection.empty or answer.overdue:
        return answer
    if answer.period is not None:
        # Only this period was read; the hint and the refusal need everything.
        everything, spans = await _load(
            uow,
            identity,
            replace(wanted, period_start=None, period_end=None),
            scope_to_me,
            names=names,
        )
        if wanted.status_filter == "overdue":
            everything = [i for i in everything if i.occurrence_id not in spans]
        selection = select_items(wanted, everything, today=today, me=None)
        answer.hint = selection.nearest_period_hint
        items = everything
    if scope_to_me and not about_self and query.person is not None:
        # An officer asked about a colleague: say "nothing shared", not "nothing planned".
        shared = select_items(
            Query(query.intent, person=query.person), items, today=today, me=None
        )
        answer.refused = shared.empty
    return answer


async def _load(
    uow: UnitOfWork, identity: Identity, query: Query, scope_to_me: bool, *, names: bool = True
) -> tuple[list[MeasureItem], set[int]]:
    """The items the asker may see in the query's period, and which of them are spans.
    Without `names`, the responsible people and units are left unread (see `_needs_names`)."""
    organisation_id, person_id = identity.organisation_id, identity.person_id
    assert organisation_id is not None and person_id is not None
    rows = await uow.reads.measure_items(
        organisation_id,
        start=query.period_start,
        end=query.period_end,
        person_id=person_id if scope_to_me else None,
        person_is_coordinator=identity.is_coordinator,
        names=names,
    )
    return [to_item(row) for row in rows], {row.occurrence_id for row in rows if row.is_span}


def _needs_names(query: Query, *, scoped: bool) -> bool:
    """Whether an answer needs the responsible names of its items: to select by a person
    named in the question, or to show them (the views name people unless the list is the
    asker's own; see handlers.questions_views.answer_pages)."""
    return query.person is not None or not scoped or query.intent == "person_items"


def to_item(row: ItemRow) -> MeasureItem:
    section = " ".join(p for p in (row.section_number, row.section_title) if p) or None
    return MeasureItem(
        occurrence_id=row.occurrence_id,
        measure_id=row.measure_id,
        number=row.number,
        title=row.title,
        section=section,
        window_start=row.window_start,
        due=row.due,
        status=row.status,
        persons=list(row.persons),
        units=list(row.units),
        unclear=row.unclear,
    )


def item_state(item: MeasureItem, today: date, *, is_span: bool) -> str:
    if item.status == OccurrenceStatus.DONE:
        return "done"
    # Spans (continuous or on-request work) are checked in on, never late.
    if not is_span and item.due < today:
        return "overdue"
    if item.status in STATES:
        return item.status
    return "open"


def _answer(
    intent: str,
    query: Query,
    today: date,
    items: Sequence[MeasureItem],
    spans: set[int],
    *,
    scoped: bool,
) -> Answer:
    ordered = sorted(items, key=lambda i: (i.due, _number_key(i.number), i.occurrence_id))
    groups: dict[date, list[MeasureItem]] = {}
    for item in ordered:
        groups.setdefault(item.due, []).append(item)
    states = {
        i.occurrence_id: item_state(i, today, is_span=i.occurrence_id in spans) for i in ordered
    }
    return Answer(intent, query, today, list(ordered), list(groups.items()), states, scoped=scoped)


def _number_key(number: str | None) -> tuple[int, ...]:
    if not number:
        return (10**6,)
    return tuple(int(p) if p.isdigit() else 10**6 for p in number.strip(".").split("."))


def _period(query: Query) -> tuple[date, date] | None:
    if query.period_start and query.period_end:
        return query.period_start, query.period_end
    return None


def _is_own_surname(surname: str, full_name: str) -> bool:
    wanted = fold(surname)
    return any(fold(word) == wanted for word in full_name.replace(",", " ").split())


__all__ = [
    "LISTING_INTENTS",
    "MY_INTENT",
    "STATES",
    "Answer",
    "answer_question",
    "item_state",
    "my_measures",
    "overdue_measures",
    "to_item",
    "today_of",
]
