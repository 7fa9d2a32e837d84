"""Storing an understood roadmap: first import and re-import of a corrected version.

A re-import updates measures by number and keeps every report, attachment and reminder
already attached to them; measures that disappeared are archived, never deleted, and
occurrences that already carry reports are never removed. The result says what changed,
so the coordinator can see it before and after confirming.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.obligations import deadline_state, sync_shares
from bot.roadmap.edits import EditField, apply_edit, document_value
from bot.roadmap.model import MemberGroup, ParsedMeasure, ParsedRoadmap
from bot.roadmap.units import classify
from storage.models import Measure, MeasureEdit, Role, UnitKind
from storage.uow import UnitOfWork


@dataclass
class ImportResult:
    roadmap_id: int
    created: bool
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    new_persons: list[str] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)
    # The organisations that must do some measure of the plan (the owner, its schools).
    organisation_ids: set[int] = field(default_factory=set)
    measure_ids: list[int] = field(default_factory=list)  # the plan's active measures
    # The coordinator's edits applied again ("1.6: deadline"), and those the new version of
    # the document overrides (it changed what the edit had corrected).
    edits_kept: list[tuple[str, str]] = field(default_factory=list)
    edits_dropped: list[tuple[str, str]] = field(default_factory=list)


def key_of(number: str | None, title: str, position: int) -> str:
    # Numbers identify measures across versions; unnumbered ones fall back to their title.
    return number or f"#title:{title.strip().lower()[:200]}#{position}"


def measure_key(measure: ParsedMeasure | Measure, position: int) -> str:
    return key_of(measure.number, measure.title, position)


def _label(measure: ParsedMeasure | Measure) -> str:
    return measure.number or measure.title[:60]


def _latest_edits(edits: list[MeasureEdit]) -> dict[str, dict[EditField, list[MeasureEdit]]]:
    """Each measure's edits by field, oldest first (the last one is in force)."""
    found: dict[str, dict[EditField, list[MeasureEdit]]] = {}
    for edit in edits:
        found.setdefault(edit.measure_key, {}).setdefault(EditField(edit.field), []).append(edit)
    return found


def _with_edits(
    parsed_measure: ParsedMeasure,
    edits: dict[EditField, list[MeasureEdit]],
    parsed: ParsedRoadmap,
    period: tuple[int, int],
    result: ImportResult,
    now: datetime,
) -> ParsedMeasure:
    """The document's measure with the coordinator's edits applied again, while the document
    still says what each edit corrected; an edit the document has overtaken is superseded."""
    label = _label(parsed_measure)
    effective = parsed_measure
    for edit_field, history in edits.items():
        latest = history[-1]
        if document_value(parsed_measure, edit_field) == latest.source_value:
            effective = apply_edit(
                effective, edit_field, latest.new_value, period, school_year=parsed.school_year
            )
            result.edits_kept.append((label, edit_field.value))
        else:
            for edit in history:
                edit.superseded_at = now
            result.edits_dropped.append((label, edit_field.value))
    return effective


async def store_roadmap(
    uow: UnitOfWork,
    *,
    organisation_id: int,
    parsed: ParsedRoadmap,
    now: datetime,
    source_name: str | None = None,
    source_sha256: str | None = None,
    roadmap_id: int | None = None,
    actor_person_id: int | None = None,
    unit_kinds: Mapping[str, tuple[str, str | None]] | None = None,
) -> ImportResult:
    """Create or update a roadmap from `parsed`. Does not commit: the caller does.

    `unit_kinds` gives each unit name its kind and member filter (see storage.models.UnitKind);
    units it does not name are groups of the owner's people, as before kinds existed.
    """
    if parsed.plan_period is None:
        raise ValueError("a roadmap needs its plan period before it is stored")
    start_year, end_year = parsed.plan_period

    roadmap = None
    if roadmap_id is not None:
        roadmap = await uow.roadmaps.get(roadmap_id)
    if roadmap is None:
        roadmap = await uow.roadmaps.by_title(organisation_id, parsed.title)
    created = roadmap is None
    if not parsed.title.strip():
        raise ValueError("a roadmap needs its title before it is stored")
    approval = parsed.approval
    approval_fields = {
        "approval_kind": approval.kind if approval else None,
        "approval_number": approval.number if approval else None,
        "approval_date": approval.date if approval else None,
        "approval_issuer": (approval.issuer or None) if approval else None,
    }
    if roadmap is None:
        roadmap = await uow.roadmaps.add(
            organisation_id=organisation_id,
            title=parsed.title,
            period_start=start_year,
            period_end=end_year,
            source_name=source_name,
            source_sha256=source_sha256,
            created_at=now,
            updated_at=now,
            **approval_fields,
        )
    else:
        roadmap.title = parsed.title
        roadmap.period_start, roadmap.period_end = start_year, end_year
        roadmap.source_name = source_name or roadmap.source_name
        roadmap.source_sha256 = source_sha256 or roadmap.source_sha256
        roadmap.updated_at = now
        if approval is not None:
            for name, approval_value in approval_fields.items():
                setattr(roadmap, name, approval_value)
    result = ImportResult(roadmap_id=roadmap.id, created=created)

    sections = await uow.roadmaps.replace_sections(
        roadmap.id,
        [
            {"number": section.number, "title": section.title, "position": index}
            for index, section in enumerate(parsed.sections)
        ],
    )
    section_ids = {section.number: section.id for section in sections if section.number}

    # The coordinator's edits of a stored plan apply to the new version too.
    edits = _latest_edits(await uow.roadmaps.edits(roadmap.id)) if not created else {}
    keys: list[str] = []
    measures: list[ParsedMeasure] = []
    for position, parsed_measure in enumerate(parsed.measures):
        key = measure_key(parsed_measure, position)
        if key in keys:
            # A duplicate number is reported by the importer; keep the second as its own row.
            key = f"{key}#dup{position}"
        keys.append(key)
        if key in edits:
            parsed_measure = _with_edits(
                parsed_measure, edits[key], parsed, (start_year, end_year), result, now
            )
        measures.append(parsed_measure)
    persons = list(dict.fromkeys(p for m in measures for p in m.persons))
    unit_names = list(dict.fromkeys(u for m in measures for u in m.units))

    people = await uow.roadmaps.people_by_name(organisation_id)
    for name in persons:
        if name not in people:
            person = await uow.people.add(full_name=name, now=now)
            await uow.people.add_membership(
                organisation_id=organisation_id, person_id=person.id, role=Role.OFFICER, now=now
            )
            people[name] = person
            result.new_persons.append(name)
    units = await uow.roadmaps.units_by_name(organisation_id)
    kinds = dict(unit_kinds or {})
    if unit_kinds is not None and any(name not in kinds for name in unit_names):
        # Units only an edit names are classified as the importer would have.
        organisation = await uow.organisations.get(organisation_id)
        extra = ParsedRoadmap(
            title="",
            plan_period=None,
            unit_details=[classify(name) for name in unit_names if name not in kinds],
        )
        kinds.update(unit_kinds_of(extra, organisation.kind if organisation else "other"))
    for name in unit_names:
        kind, member_filter = kinds.get(name, (UnitKind.PEOPLE_GROUP.value, None))
        unit = units.get(name)
        if unit is None:
            units[name] = await uow.roadmaps.add_unit(
                organisation_id=organisation_id,
                name=name,
                now=now,
                kind=kind,
                member_filter=member_filter,
            )
            result.new_units.append(name)
        elif not unit.kind_confirmed and name in kinds:
            # What the importer understands better now wins, unless the coordinator said.
            unit.kind, unit.member_filter = kind, member_filter

    existing = {
        measure_key(m, m.position): m
        for m in await uow.roadmaps.measures(roadmap.id, include_archived=True)
    }
    seen = set(keys)
    for position, (key, parsed_measure) in enumerate(zip(keys, measures, strict=True)):
        fields = {
            "section_id": section_ids.get(parsed_measure.section or ""),
            "number": parsed_measure.number,
            "title": parsed_measure.title,
            "deadline_raw": parsed_measure.deadline_raw,
            "schedule_kind": parsed_measure.schedule.kind.value,
            "schedule": parsed_measure.schedule.to_json(),
            "responsible_raw": parsed_measure.responsible_raw,
            "document_type": parsed_measure.document_type,
            "expected_result": parsed_measure.expected_result,
            "position": position,
            "deadline_state": deadline_state(parsed_measure.schedule),
        }
        measure = existing.get(key)
        if measure is None:
            measure = await uow.roadmaps.add_measure(roadmap_id=roadmap.id, **fields)
            if not created:
                result.added.append(_label(parsed_measure))
        else:
            changed = (
                any(
                    getattr(measure, name) != value
                    for name, value in fields.items()
                    if name not in {"position", "section_id"}
                )
                or measure.archived_at is not None
            )
            for name, value in fields.items():
                setattr(measure, name, value)
            measure.archived_at = None
            if changed:
                result.changed.append(_label(parsed_measure))
        result.measure_ids.append(measure.id)
        await uow.roadmaps.set_assignments(
            measure.id,
            organisation_id,
            [people[name].id for name in parsed_measure.persons],
            [units[name].id for name in parsed_measure.units],
        )

    for key, measure in existing.items():
        if key not in seen and measure.archived_at is None:
            measure.archived_at = now
            result.archived.append(_label(measure))

    # Every organisation that must do a measure (the owner, each school of `ОО`) gets the
    # occurrences of its windows; windows the new version no longer has go unless worked on.
    shares = await sync_shares(uow, roadmap.id)
    result.organisation_ids = shares.organisations

    await uow.audit.record(
        action="roadmap.imported" if created else "roadmap.reimported",
        now=now,
        organisation_id=organisation_id,
        person_id=actor_person_id,
        object_type="roadmap",
        object_id=roadmap.id,
        data={
            "measures": len(parsed.measures),
            "added": result.added,
            "changed": result.changed,
            "archived": result.archived,
            "source": source_name,
        },
    )
    return result


# Which member organisations a group of members means, in the stored unit's terms.
_MEMBER_FILTERS = {
    MemberGroup.ALL_SCHOOLS: "school",
    MemberGroup.KINDERGARTENS: "kindergarten",
    MemberGroup.SUPPLEMENTARY: "supplementary",
    MemberGroup.ALL_MEMBERS: "all",
    MemberGroup.SUBSET: "named",
}
# Organisations that have no members of their own to fan out to.
_SCHOOL_LEVEL = {"school", "kindergarten", "supplementary"}


def unit_kinds_of(
    parsed: ParsedRoadmap, organisation_kind: str
) -> dict[str, tuple[str, str | None]]:
    """Each unit of the plan with its stored kind and member filter, from what the importer
    understood (bot.roadmap.units).

    The importer sees names, not levels: `МОУО` is the owner of a municipal plan. In a
    school's own plan the municipal office is above the owner (external), and groups of
    organisations have nobody to fan out to (they stay groups of the school's people).
    """
    school_level = organisation_kind in _SCHOOL_LEVEL
    kinds: dict[str, tuple[str, str | None]] = {}
    for info in parsed.unit_details:
        kind, member_filter = info.kind.value, None
        if info.kind is UnitKind.MEMBER_ORGANISATIONS:
            member_filter = _MEMBER_FILTERS.get(info.members or MemberGroup.ALL_SCHOOLS, "school")
        if school_level:
            if info.kind in (UnitKind.OWNER, UnitKind.ORGANISATION):
                kind, member_filter = UnitKind.EXTERNAL.value, None
            elif info.kind is UnitKind.MEMBER_ORGANISATIONS:
                kind, member_filter = UnitKind.PEOPLE_GROUP.value, None
        kinds[info.name] = (kind, member_filter)
    return kinds
