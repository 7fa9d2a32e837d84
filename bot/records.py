"""Read-side records of a plan and its execution: what storage reads and the pure modules use.

Plain dataclasses, filled by `storage.read_summaries` (a fixed handful of queries) and read
by `bot.summaries`, `bot.exports` and `bot.charts`, which never touch the database. They
live here, on the pure side, so that those modules need neither SQLAlchemy nor storage:
storage imports this module, never the other way round.

Also the statuses an occurrence can have (the `occurrence.status` column holds their
values) and `gc_paused`, for building or walking tens of thousands of these records.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.roadmap.model import UnitKind as UnitKind  # stored as unit.kind

__all__ = [
    "MeasureRow",
    "MemberPlanRow",
    "OccurrenceRow",
    "OccurrenceStatus",
    "OrganisationRow",
    "PersonRow",
    "PlanData",
    "ReportRow",
    "RoadmapRow",
    "SectionRow",
    "SharedPlanRow",
    "SummaryData",
    "UnitRow",
    "gc_paused",
]


class OrganisationKind(StrEnum):
    """What an organisation is: decides which member groups of a plan (`ОО`, `ДОО`, `УДО`)
    it belongs to."""

    REGION = "region"
    MUNICIPALITY = "municipality"
    SCHOOL = "school"
    KINDERGARTEN = "kindergarten"
    SUPPLEMENTARY = "supplementary"
    CENTRE = "centre"
    OTHER = "other"


class OccurrenceStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    PARTIAL = "partial"
    POSTPONED = "postponed"
    NOT_DONE = "not_done"


# Note: the DTOs built by the ten thousand (measures, occurrences, reports) are not frozen:
# a frozen dataclass is constructed four times slower, a tenth of a big summary. Treat every
# DTO here as read-only.


@dataclass(frozen=True, slots=True)
class RoadmapRow:
    id: int
    title: str
    period_start: int  # first year of the plan
    period_end: int  # last year of the plan
    # The approving order, when the plan named it (bot.roadmap.model.Approval's fields).
    approval_kind: str | None = None
    approval_number: str | None = None
    approval_date: date | None = None


@dataclass(frozen=True, slots=True)
class SectionRow:
    id: int
    roadmap_id: int
    number: str | None
    title: str
    position: int


@dataclass(slots=True)  # read-only by convention: see the note at the top
class MeasureRow:
    id: int
    roadmap_id: int
    position: int
    number: str | None
    title: str
    deadline_raw: str
    schedule_kind: str
    responsible_raw: str
    document_type: str | None
    expected_result: str | None
    section: SectionRow | None
    person_ids: tuple[int, ...]
    persons: tuple[str, ...]  # full names, in assignment order
    unit_ids: tuple[int, ...]
    units: tuple[str, ...]  # unit names, in assignment order
    # The deadline is still to be set («срок уточняется»): a span over the plan period.
    deadline_unclear: bool = False


@dataclass(slots=True)  # read-only by convention: see the note at the top
class ReportRow:
    id: int
    status: str
    text: str
    reason: str | None
    postponed_to: date | None
    author_id: int
    author: str
    created_at: datetime
    files: tuple[str, ...]  # attachment file names ("" never; unnamed files are below)
    # The kinds of attachments sent without a name (a photo, a voice message): "photo", …
    unnamed: tuple[str, ...] = ()


@dataclass(slots=True)  # read-only by convention: see the note at the top
class OccurrenceRow:
    id: int
    measure: MeasureRow
    window_start: date
    due_date: date
    is_span: bool
    status: str
    postponed_to: date | None
    closed_at: datetime | None
    report: ReportRow | None  # the latest non-withdrawn report, if any
    # Whose obligation it is: the plan's owner, or one of its member organisations.
    organisation_id: int = 0


@dataclass(frozen=True, slots=True)
class PersonRow:
    id: int
    full_name: str
    role: str
    position: str | None
    joined_at: datetime | None  # None: has not joined the bot yet
    unreachable_since: datetime | None
    failed_reminders: int


@dataclass(frozen=True, slots=True)
class UnitRow:
    id: int
    name: str
    member_ids: tuple[int, ...]
    kind: str = ""  # a UnitKind value ("" when not read)


@dataclass(frozen=True, slots=True)
class OrganisationRow:
    """A member organisation (a municipality's school) as summaries name it."""

    id: int
    name: str
    short_name: str | None = None
    kind: str = ""

    @property
    def label(self) -> str:
        """The short name when it has one (`СОШ №3`), else the full name."""
        return self.short_name or self.name


@dataclass(frozen=True, slots=True)
class MemberPlanRow:
    """A member organisation's own plan (a school's, besides the municipal one)."""

    organisation_id: int
    roadmap: RoadmapRow


@dataclass(frozen=True, slots=True)
class SharedPlanRow:
    """A plan of the parent organisation in which a member has obligations of its own (a
    school's share of the municipal plan, a municipality's of the region's)."""

    owner_id: int
    owner_name: str
    roadmap: RoadmapRow


@dataclass(frozen=True, slots=True)
class SummaryData:
    """All an organisation-wide summary of a period needs."""

    organisation_id: int
    organisation_name: str
    start: date | None  # None: no lower bound (e.g. every overdue occurrence, for a digest)
    end: date
    roadmaps: tuple[RoadmapRow, ...]
    occurrences: tuple[OccurrenceRow, ...]  # plan order: roadmap, measure position, due date
    people: tuple[PersonRow, ...]
    units: tuple[UnitRow, ...]
    # A municipal summary: the member organisations whose obligations are among the
    # occurrences (each occurrence says whose it is), and the members' own plans (their
    # occurrences apart, never mixed with the owner's plan).
    members: tuple[OrganisationRow, ...] = ()
    member_plans: tuple[MemberPlanRow, ...] = ()
    member_plan_occurrences: tuple[OccurrenceRow, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanData:
    """One plan, every measure of it, and its occurrences in the period: for the exports."""

    organisation_name: str
    roadmap: RoadmapRow
    start: date
    end: date
    sections: tuple[SectionRow, ...]
    measures: tuple[MeasureRow, ...]  # plan order
    occurrences: tuple[OccurrenceRow, ...]  # plan order, then due date
    # A municipal plan: the member organisations and their shares' occurrences (the
    # owner's own are in `occurrences`).
    members: tuple[OrganisationRow, ...] = ()
    member_occurrences: tuple[OccurrenceRow, ...] = ()
    # A member's share of its parent's plan: the parent's name (`organisation_name` is the
    # member's); only the measures the member must do, with its own occurrences.
    share_of: str | None = None


_gc_pauses = 0
_gc_was_enabled = True


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while tens of thousands of rows become objects.

    These reads allocate hundreds of thousands of small objects that hold no reference
    cycles; the collector's repeated full passes over the growing heap would otherwise cost
    a fifth of a summary. Reference counting still frees memory meanwhile. The pause may
    span awaits: overlapping pauses (several summaries at once on one event loop) are
    counted, and the collector runs again when the last one ends, if it ran before.
    """
    global _gc_pauses, _gc_was_enabled
    if _gc_pauses == 0:
        _gc_was_enabled = gc.isenabled()
        gc.disable()
    _gc_pauses += 1
    try:
        yield
    finally:
        _gc_pauses -= 1
        if _gc_pauses == 0 and _gc_was_enabled:
            gc.enable()
