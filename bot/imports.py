"""Storing an understood roadmap: first import and re-import of a corrected version.

A re-import updates measures by number and keeps every report, attachment and reminder
already attached to them; measures that disappeared are archived, never deleted, and
occurrences that already carry reports are never removed. The result says what changed,
so the coordinator can see it before and after confirming.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.roadmap.model import ParsedMeasure, ParsedRoadmap, ScheduleKind
from storage.models import Measure, OccurrenceStatus, Role
from storage.uow import UnitOfWork

# Schedules whose windows are spans of ongoing work rather than deadlines.
SPAN_KINDS = {ScheduleKind.CONTINUOUS, ScheduleKind.ON_REQUEST}


@dataclass
class ImportResult:
    roadmap_id: int
    created: bool
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    new_persons: list[str] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)


def _measure_key(measure: ParsedMeasure | Measure, position: int) -> str:
    # Numbers identify measures across versions; unnumbered ones fall back to their title.
    return measure.number or f"#title:{measure.title.strip().lower()[:200]}#{position}"


def _label(measure: ParsedMeasure | Measure) -> str:
    return measure.number or measure.title[:60]


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
) -> ImportResult:
    """Create or update a roadmap from `parsed`. Does not commit: the caller does."""
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

    people = await uow.roadmaps.people_by_name(organisation_id)
    for name in parsed.persons:
        if name not in people:
            person = await uow.people.add(full_name=name, now=now)
            await uow.people.add_membership(
                organisation_id=organisation_id, person_id=person.id, role=Role.OFFICER, now=now
            )
            people[name] = person
            result.new_persons.append(name)
    units = await uow.roadmaps.units_by_name(organisation_id)
    for name in parsed.units:
        if name not in units:
            units[name] = await uow.roadmaps.add_unit(
                organisation_id=organisation_id, name=name, now=now
            )
            result.new_units.append(name)

    existing = {
        _measure_key(m, m.position): m
        for m in await uow.roadmaps.measures(roadmap.id, include_archived=True)
    }
    seen: set[str] = set()
    for position, parsed_measure in enumerate(parsed.measures):
        key = _measure_key(parsed_measure, position)
        if key in seen:
            # A duplicate number is reported by the importer; keep the second as its own row.
            key = f"{key}#dup{position}"
        seen.add(key)
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
        await uow.roadmaps.set_assignments(
            measure.id,
            [people[name].id for name in parsed_measure.persons],
            [units[name].id for name in parsed_measure.units],
        )
        await _sync_occurrences(uow, measure.id, parsed_measure)

    for key, measure in existing.items():
        if key not in seen and measure.archived_at is None:
            measure.archived_at = now
            result.archived.append(_label(measure))

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


async def _sync_occurrences(uow: UnitOfWork, measure_id: int, parsed: ParsedMeasure) -> None:
    is_span = parsed.schedule.kind in SPAN_KINDS
    wanted = {(w.start, w.due) for w in parsed.schedule.windows}
    current = await uow.roadmaps.occurrences(measure_id)
    have = {(o.window_start, o.due_date) for o in current}
    for start, due in sorted(wanted - have):
        await uow.roadmaps.add_occurrence(
            measure_id=measure_id, window_start=start, due_date=due, is_span=is_span
        )
    for occurrence in current:
        if (occurrence.window_start, occurrence.due_date) in wanted:
            occurrence.is_span = is_span
            continue
        # A window the new version no longer has goes away only if nobody worked on it.
        if occurrence.status == OccurrenceStatus.OPEN and not await uow.roadmaps.has_reports(
            occurrence.id
        ):
            await uow.roadmaps.delete_occurrence(occurrence)
