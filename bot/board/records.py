"""What storage reads for the board: the plans a coordinator may open, and the occurrences
of one plan with the organisation each belongs to. Plain records (read-only), filled by
`storage.read_board`, read by `bot.board.grid`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.records import MeasureRow, OccurrenceRow, SectionRow, UnitRow


@dataclass(frozen=True, slots=True)
class BoardPlan:
    id: int
    title: str
    period_start: int
    period_end: int
    owner_id: int
    owned: bool  # the viewer's organisation owns it (else: its share of a municipal plan)


@dataclass(frozen=True, slots=True)
class BoardOrganisation:
    id: int
    name: str


@dataclass(slots=True)  # read-only by convention (see bot.records)
class BoardOccurrence(OccurrenceRow):
    """An occurrence with the organisation that must do it (a school, for a municipal
    plan's share)."""

    organisation_id: int = 0


@dataclass(frozen=True, slots=True)
class BoardData:
    plan: BoardPlan
    viewer_organisation_id: int
    start: date
    end: date
    sections: tuple[SectionRow, ...]  # plan order
    measures: tuple[MeasureRow, ...]  # plan order
    occurrences: tuple[BoardOccurrence, ...]  # plan order, then due date
    organisations: tuple[BoardOrganisation, ...]  # every organisation with occurrences
    people: tuple[tuple[int, str], ...]  # (person id, full name) of the viewer's organisation
    units: tuple[UnitRow, ...]


@dataclass(frozen=True, slots=True)
class CellAttachment:
    id: int
    report_id: int
    file_name: str
    size: int | None


@dataclass(frozen=True, slots=True)
class CellReport:
    id: int
    status: str
    text: str
    reason: str | None
    postponed_to: date | None
    author: str
    created_at: datetime
    files: tuple[CellAttachment, ...]


@dataclass(frozen=True, slots=True)
class CellOccurrence:
    """One occurrence of a cell with every report on it (newest first)."""

    occurrence: BoardOccurrence
    organisation: str
    reports: tuple[CellReport, ...]


@dataclass(frozen=True, slots=True)
class CellEvent:
    """One line of a measure's history: a re-import, a hand-over, a reminder sent…"""

    when: datetime
    action: str  # the audit action, or "reminder.sent"
    person: str | None  # who did it (or, for a reminder, to whom it went)
    # What the audit trail keeps of it (an edit's field, old and new value), if anything.
    data: Mapping[str, Any] | None = None
