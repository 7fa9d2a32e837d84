"""Hand-built records (`bot.records`) for the summary, chart and export tests."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from bot.records import (
    MeasureRow,
    OccurrenceRow,
    PersonRow,
    PlanData,
    ReportRow,
    RoadmapRow,
    SectionRow,
    SummaryData,
    UnitRow,
)

_ids = itertools.count(1)

ROADMAP = RoadmapRow(
    id=1, title="План мероприятий на 2022-2024 годы", period_start=2022, period_end=2024
)
S1 = SectionRow(id=1, roadmap_id=1, number="1", title="Организационные мероприятия", position=0)
S2 = SectionRow(id=2, roadmap_id=1, number="2", title="Работа с кадрами", position=1)


def measure(
    number: str | None,
    title: str,
    *,
    persons: dict[int, str] | None = None,
    units: dict[int, str] | None = None,
    section: SectionRow | None = S1,
    deadline_raw: str = "ежегодно, май",
    position: int | None = None,
) -> MeasureRow:
    persons = persons or {}
    units = units or {}
    mid = next(_ids)
    return MeasureRow(
        id=mid,
        roadmap_id=1,
        position=mid if position is None else position,
        number=number,
        title=title,
        deadline_raw=deadline_raw,
        schedule_kind="recurring",
        responsible_raw=", ".join([*persons.values(), *units.values()]),
        document_type=None,
        expected_result=None,
        section=section,
        person_ids=tuple(persons),
        persons=tuple(persons.values()),
        unit_ids=tuple(units),
        units=tuple(units.values()),
    )


def report(
    status: str = "done",
    *,
    text: str = "Сделано",
    author: str = "Иванов И.И.",
    created: datetime = datetime(2023, 5, 20, 9, 0, tzinfo=UTC),
    files: tuple[str, ...] = (),
    postponed_to: date | None = None,
) -> ReportRow:
    return ReportRow(
        id=next(_ids),
        status=status,
        text=text,
        reason=None,
        postponed_to=postponed_to,
        author_id=1,
        author=author,
        created_at=created,
        files=files,
    )


def occurrence(
    m: MeasureRow,
    due: date,
    status: str = "open",
    *,
    rep: ReportRow | None = None,
    start: date | None = None,
    is_span: bool = False,
    postponed_to: date | None = None,
) -> OccurrenceRow:
    return OccurrenceRow(
        id=next(_ids),
        measure=m,
        window_start=start or due.replace(day=1),
        due_date=due,
        is_span=is_span,
        status=status,
        postponed_to=postponed_to,
        closed_at=None,
        report=rep,
    )


def person(
    pid: int,
    name: str,
    *,
    joined: bool = True,
    unreachable: bool = False,
    failed: int = 0,
) -> PersonRow:
    return PersonRow(
        id=pid,
        full_name=name,
        role="officer",
        position=None,
        joined_at=datetime(2023, 1, 10, tzinfo=UTC) if joined else None,
        unreachable_since=datetime(2023, 4, 1, tzinfo=UTC) if unreachable else None,
        failed_reminders=failed,
    )


def summary_data(
    occurrences: list[OccurrenceRow],
    *,
    start: date | None = date(2023, 1, 1),
    end: date = date(2023, 12, 31),
    people: list[PersonRow] | None = None,
    units: list[UnitRow] | None = None,
) -> SummaryData:
    return SummaryData(
        organisation_id=1,
        organisation_name="МБОУ «Гимназия № 1»",
        start=start,
        end=end,
        roadmaps=(ROADMAP,),
        occurrences=tuple(occurrences),
        people=tuple(people or ()),
        units=tuple(units or ()),
    )


def plan_data(
    measures: list[MeasureRow],
    occurrences: list[OccurrenceRow],
    *,
    start: date = date(2023, 1, 1),
    end: date = date(2023, 12, 31),
    title: str | None = None,
) -> PlanData:
    roadmap = ROADMAP if title is None else RoadmapRow(1, title, 2022, 2024)
    return PlanData(
        organisation_name="МБОУ «Гимназия № 1»",
        roadmap=roadmap,
        start=start,
        end=end,
        sections=(S1, S2),
        measures=tuple(measures),
        occurrences=tuple(occurrences),
    )
