"""A coordinator fixes a measure in the bot: its deadline phrase, its responsible, its title.

Nothing a plan holds is silently dropped: a measure whose deadline gave no dates spans the
plan period («срок уточняется») until fixed here. An edit is read with the importer's own
rules (a deadline phrase must give dates inside the plan, a responsible cell must name
someone), stored with who, when, the old and the new value and what the document said
(`measure_edit`, also in the audit trail), and applied again when the same plan is
imported again (`bot.imports`). Reminders follow at once: the measure's occurrences are
brought in line with the new schedule and its people's rows planned anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.access import require_coordinator
from bot.errors import N_, UserError
from bot.imports import key_of, unit_kinds_of
from bot.obligations import UNCLEAR, deadline_state, sync_shares
from bot.reminders.outbox import plan_measures
from bot.roadmap.edits import EditField, clean_value, read_deadline, read_responsible
from bot.roadmap.model import ParsedRoadmap, Schedule
from bot.roadmap.units import classify
from bot.services import Identity, audit
from storage.models import Measure, Roadmap, Role
from storage.uow import UnitOfWork


class MeasureNotFound(UserError):
    msgid = N_("There is no measure {number} in your plans.")


class MeasureNumberNeeded(UserError):
    msgid = N_(
        "Which measure? Send its number, e.g. /edit 1.6 — or /edit 1.6 срок: ежегодно, май."
    )


class DeadlineNotUnderstood(UserError):
    msgid = N_(
        "I could not read «{phrase}» as a deadline inside the plan ({years}), so nothing was "
        "changed. Examples: «до 25 мая 2027», «ежегодно, май», «ежеквартально», "
        "«постоянно», «по запросу»."
    )


class NobodyNamed(UserError):
    msgid = N_(
        "I found no person or unit in «{text}», so nothing was changed. "
        "Example: «Иванова А.П., ММО учителей математики»."
    )


class BadTitle(UserError):
    msgid = N_("A title needs words. Nothing was changed.")


@dataclass(frozen=True)
class MeasureCard:
    """A measure as the coordinator sees it when fixing it."""

    id: int
    roadmap_id: int
    number: str | None
    title: str
    deadline_raw: str
    schedule: Schedule
    responsible_raw: str
    persons: list[str]
    units: list[str]
    unclear: bool
    period: tuple[int, int]
    edits: int = 0  # edits in force


@dataclass(frozen=True)
class EditOutcome:
    card: MeasureCard
    field: EditField
    old_value: str
    new_value: str
    reminders_planned: int = 0


async def find_measure(uow: UnitOfWork, identity: Identity, number: str | None) -> MeasureCard:
    """The coordinator's measure with that number (in their own organisation's plans)."""
    organisation_id = require_coordinator(identity)
    if not number:
        raise MeasureNumberNeeded()
    found = await uow.roadmaps.measures_numbered(organisation_id, number.strip().rstrip("."))
    if not found:
        raise MeasureNotFound(number=number)
    return await _card(uow, found[0])


async def measure_card(uow: UnitOfWork, identity: Identity, measure_id: int) -> MeasureCard:
    measure, _roadmap = await _editable(uow, identity, measure_id)
    return await _card(uow, measure)


async def unclear_measures(uow: UnitOfWork, roadmap_id: int) -> list[tuple[int, str]]:
    """(id, label) of the plan's measures whose deadline is still to be set, in plan order."""
    return [
        (m.id, m.number or m.title[:40])
        for m in await uow.roadmaps.measures(roadmap_id)
        if m.deadline_state == UNCLEAR
    ]


async def _editable(
    uow: UnitOfWork, identity: Identity, measure_id: int
) -> tuple[Measure, Roadmap]:
    organisation_id = require_coordinator(identity)
    measure = await uow.roadmaps.get_measure(measure_id)
    roadmap = await uow.roadmaps.get(measure.roadmap_id) if measure is not None else None
    # Only the plan's owner edits it: a school's coordinator sees the municipal plan's
    # measures but does not rewrite them.
    if (
        measure is None
        or roadmap is None
        or roadmap.organisation_id != organisation_id
        or measure.archived_at is not None
    ):
        raise MeasureNotFound(number=(measure.number if measure else None) or "—")
    return measure, roadmap


async def _card(uow: UnitOfWork, measure: Measure) -> MeasureCard:
    roadmap = await uow.roadmaps.get(measure.roadmap_id)
    assert roadmap is not None
    persons: list[str] = []
    units: list[str] = []
    unit_names = {
        unit.id: name
        for name, unit in (await uow.roadmaps.units_by_name(roadmap.organisation_id)).items()
    }
    for row in await uow.obligations.assignments([measure.id]):
        if row.organisation_id != roadmap.organisation_id:
            continue
        if row.person_id is not None:
            person = await uow.people.get(row.person_id)
            if person is not None:
                persons.append(person.full_name)
        elif row.unit_id is not None and row.unit_id in unit_names:
            units.append(unit_names[row.unit_id])
    edits = [e for e in await uow.roadmaps.edits(roadmap.id) if e.measure_id == measure.id]
    return MeasureCard(
        id=measure.id,
        roadmap_id=roadmap.id,
        number=measure.number,
        title=measure.title,
        deadline_raw=measure.deadline_raw,
        schedule=Schedule.from_json(measure.schedule),
        responsible_raw=measure.responsible_raw,
        persons=persons,
        units=units,
        unclear=measure.deadline_state == UNCLEAR,
        period=(roadmap.period_start, roadmap.period_end),
        edits=len(edits),
    )


async def edit_measure(
    uow: UnitOfWork,
    identity: Identity,
    measure_id: int,
    edit_field: EditField,
    value: str,
    *,
    now: datetime,
) -> EditOutcome:
    """Set one field of a measure, audit it, bring its occurrences and reminders in line,
    and commit. A value that cannot be read changes nothing (a UserError says why)."""
    measure, roadmap = await _editable(uow, identity, measure_id)
    value = clean_value(value)
    period = (roadmap.period_start, roadmap.period_end)
    organisation_id = roadmap.organisation_id
    if edit_field is EditField.DEADLINE:
        schedule = read_deadline(value, period)
        if not value or not schedule.windows:
            raise DeadlineNotUnderstood(phrase=value, years=f"{period[0]}–{period[1]}")
        old_value = measure.deadline_raw
        measure.deadline_raw = value
        measure.schedule_kind = schedule.kind.value
        measure.schedule = schedule.to_json()
        measure.deadline_state = deadline_state(schedule)
    elif edit_field is EditField.RESPONSIBLE:
        persons, unit_names = read_responsible(value)
        if not persons and not unit_names:
            raise NobodyNamed(text=value)
        old_value = measure.responsible_raw
        measure.responsible_raw = value
        await _assign(uow, measure, organisation_id, persons, unit_names, now=now)
    else:
        if not any(ch.isalpha() for ch in value):
            raise BadTitle()
        old_value = measure.title
        measure.title = value

    # The key and the document's value are those of the first edit still in force: a
    # title edit must not lose an unnumbered measure, and a second edit corrects the same
    # document text as the first.
    history = [e for e in await uow.roadmaps.edits(roadmap.id) if e.measure_id == measure.id]
    same_field = [e for e in history if e.field == edit_field.value]
    if history:
        key = history[0].measure_key
    else:
        title = old_value if edit_field is EditField.TITLE else measure.title
        key = key_of(measure.number, title, measure.position)
    source = same_field[0].source_value if same_field else old_value
    await uow.roadmaps.add_edit(
        roadmap_id=roadmap.id,
        measure_key=key,
        measure_id=measure.id,
        field=edit_field.value,
        old_value=old_value,
        new_value=value,
        source_value=source,
        person_id=identity.person_id,
        created_at=now,
    )
    await audit(
        uow,
        identity,
        "measure.edited",
        ("measure", measure.id),
        now=now,
        data={"number": measure.number, "field": edit_field.value, "old": old_value, "new": value},
        organisation_id=organisation_id,
    )
    planned = await _replan(uow, measure, roadmap, now=now)
    card = await _card(uow, measure)
    await uow.commit()
    return EditOutcome(card, edit_field, old_value, value, planned)


async def _assign(
    uow: UnitOfWork,
    measure: Measure,
    organisation_id: int,
    persons: list[str],
    unit_names: list[str],
    *,
    now: datetime,
) -> None:
    """The measure's responsible in its plan's owner, creating people and units as an
    import would."""
    people = await uow.roadmaps.people_by_name(organisation_id)
    for name in persons:
        if name not in people:
            person = await uow.people.add(full_name=name, now=now)
            await uow.people.add_membership(
                organisation_id=organisation_id, person_id=person.id, role=Role.OFFICER, now=now
            )
            people[name] = person
    units = await uow.roadmaps.units_by_name(organisation_id)
    missing = [name for name in unit_names if name not in units]
    if missing:
        organisation = await uow.organisations.get(organisation_id)
        kinds = unit_kinds_of(
            ParsedRoadmap(
                title="", plan_period=None, unit_details=[classify(name) for name in missing]
            ),
            organisation.kind if organisation else "other",
        )
        for name in missing:
            kind, member_filter = kinds.get(name, ("people_group", None))
            units[name] = await uow.roadmaps.add_unit(
                organisation_id=organisation_id,
                name=name,
                now=now,
                kind=kind,
                member_filter=member_filter,
            )
    await uow.roadmaps.set_assignments(
        measure.id,
        organisation_id,
        [people[name].id for name in persons],
        [units[name].id for name in unit_names],
    )


async def _replan(uow: UnitOfWork, measure: Measure, roadmap: Roadmap, *, now: datetime) -> int:
    """The measure's unsent reminders go, its occurrences follow the new schedule and
    shares, and its rows are planned anew in every organisation that must do it."""
    await uow.flush()
    occurrence_ids = [o.id for o in await uow.roadmaps.occurrences(measure.id)]
    if occurrence_ids:
        await uow.reminders.delete_pending(occurrence_ids=occurrence_ids, after=now)
    shares = await sync_shares(uow, roadmap.id, measure_ids=[measure.id])
    organisations = shares.organisations | {roadmap.organisation_id}
    return await plan_measures(uow, organisations, measure_ids=[measure.id], now=now)


__all__ = [
    "BadTitle",
    "DeadlineNotUnderstood",
    "EditOutcome",
    "MeasureCard",
    "MeasureNotFound",
    "MeasureNumberNeeded",
    "NobodyNamed",
    "edit_measure",
    "find_measure",
    "measure_card",
    "unclear_measures",
]
