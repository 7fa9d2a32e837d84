"""Cells read from a scan with doubt, confirmed or corrected by the coordinator before saving.

Pure: a `CellCheck` says that one doubtful cell of a measure (found by its position in the
source, `where`, which the reading gives every measure) is right as read (`value` None) or
should read `value`. A correction is read with the importer's own rules for its column: a
deadline phrase with `parse_deadline` against the plan period, a responsible cell with the
people/units parser (`bot.roadmap.edits`), so what is saved is what a document with that
text would have given. The checks are kept as text (small, JSON-serialisable: the
conversation state holds them) and applied to the parsed roadmap each time it is read, so
a preview, a walk through the cells and saving all see the same corrected plan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from bot.roadmap.edits import clean_value, read_deadline, read_responsible
from bot.roadmap.model import ParsedMeasure, ParsedRoadmap


class CellField(StrEnum):
    NUMBER = "number"
    TITLE = "title"
    DEADLINE = "deadline"
    RESPONSIBLE = "responsible"


class NotUnderstood(StrEnum):
    """Why a correction was not taken (the cell stays doubtful, as read)."""

    EMPTY = "empty"
    DEADLINE = "deadline"  # no dates inside the plan period
    NO_PERIOD = "no_period"  # a deadline cannot be read before the plan period is known
    RESPONSIBLE = "responsible"  # nobody and no unit named
    TITLE = "title"  # no words
    NUMBER = "number"  # not a measure number like 2.4


class CorrectionNotUnderstood(ValueError):
    def __init__(self, reason: NotUnderstood, value: str) -> None:
        super().__init__(f"{reason.value}: {value!r}")
        self.reason = reason
        self.value = value


_NUMBER = re.compile(r"^\d{1,3}(?:\.\d{1,3}){0,5}\.?$")
# Problems a correction of the field answers (bot.roadmap.errors.PROBLEM_CODES).
_ANSWERED = {
    CellField.DEADLINE: {
        "unparsed_deadline",
        "partly_parsed_deadline",
        "no_deadline",
        "clamped_date",
        "deadline_warning",
    },
    CellField.RESPONSIBLE: {"no_responsible"},
    CellField.TITLE: {"no_title"},
    CellField.NUMBER: {"no_number"},
}


@dataclass(frozen=True)
class CellCheck:
    """One doubtful cell answered: right as read (`value` None), or what it should say."""

    where: str
    field: CellField
    value: str | None = None

    @property
    def confirmed(self) -> bool:
        return self.value is None

    def to_state(self) -> list[str | None]:
        return [self.where, self.field.value, self.value]

    @classmethod
    def from_state(cls, data: Any) -> CellCheck:
        """Raises ValueError (or TypeError) on anything but what `to_state` wrote."""
        where, field, value = data
        if not isinstance(where, str) or not (value is None or isinstance(value, str)):
            raise TypeError("not a cell check")
        return cls(where, CellField(field), value)


def doubtful_cells(parsed: ParsedRoadmap) -> list[tuple[ParsedMeasure, CellField]]:
    """The cells still read with doubt, in the order of the plan."""
    return [
        (measure, CellField(name))
        for measure in parsed.measures
        for name in measure.doubtful
        if name in CellField.__members__.values()
    ]


def find_cell(
    parsed: ParsedRoadmap, where: str, field: CellField
) -> tuple[int, ParsedMeasure] | None:
    """The measure at `where` if its `field` is still doubtful, else None."""
    for index, measure in enumerate(parsed.measures):
        if measure.where == where and field.value in measure.doubtful:
            return index, measure
    return None


def cell_value(measure: ParsedMeasure, field: CellField) -> str:
    """The cell's text as read."""
    if field is CellField.DEADLINE:
        return measure.deadline_raw
    if field is CellField.RESPONSIBLE:
        return measure.responsible_raw
    if field is CellField.NUMBER:
        return measure.number or ""
    return measure.title


def _period(parsed: ParsedRoadmap) -> tuple[int, int] | None:
    return parsed.plan_period or parsed.proposed_period


def correct(
    parsed: ParsedRoadmap, measure: ParsedMeasure, field: CellField, text: str
) -> ParsedMeasure:
    """The measure with the cell set to `text`, read as the importer reads that column (a
    new object, no longer doubtful in that field). Raises CorrectionNotUnderstood when the
    text cannot be read: nothing changes then."""
    value = clean_value(text)
    if not value:
        raise CorrectionNotUnderstood(NotUnderstood.EMPTY, value)
    doubtful = [name for name in measure.doubtful if name != field.value]
    if field is CellField.DEADLINE:
        period = _period(parsed)
        if period is None:
            raise CorrectionNotUnderstood(NotUnderstood.NO_PERIOD, value)
        schedule = read_deadline(value, period, school_year=parsed.school_year)
        # Dates, and some inside the plan (a year misread or mistyped is not taken).
        first, last = period
        if not any(w.due.year >= first and w.start.year <= last for w in schedule.windows):
            raise CorrectionNotUnderstood(NotUnderstood.DEADLINE, value)
        return replace(measure, deadline_raw=value, schedule=schedule, doubtful=doubtful)
    if field is CellField.RESPONSIBLE:
        persons, units = read_responsible(value)
        if not persons and not units:
            raise CorrectionNotUnderstood(NotUnderstood.RESPONSIBLE, value)
        return replace(
            measure, responsible_raw=value, persons=persons, units=units, doubtful=doubtful
        )
    if field is CellField.NUMBER:
        if not _NUMBER.match(value):
            raise CorrectionNotUnderstood(NotUnderstood.NUMBER, value)
        return replace(measure, number=value.rstrip("."), doubtful=doubtful)
    if not any(ch.isalpha() for ch in value):
        raise CorrectionNotUnderstood(NotUnderstood.TITLE, value)
    return replace(measure, title=value, doubtful=doubtful)


def confirm(measure: ParsedMeasure, field: CellField) -> ParsedMeasure:
    """The measure with the cell taken as read (no longer doubtful)."""
    return replace(measure, doubtful=[name for name in measure.doubtful if name != field.value])


def apply_checks(parsed: ParsedRoadmap, checks: Iterable[CellCheck]) -> ParsedRoadmap:
    """The roadmap with every check applied, in order. A check whose cell is no longer
    doubtful (answered twice, or a document read differently) or whose correction cannot
    be read (the plan period changed under a deadline) is left out: that cell stays as
    read and doubtful. The problems a correction answers go with it."""
    measures = list(parsed.measures)
    problems = list(parsed.problems)
    current = replace(parsed, measures=measures, problems=problems)
    for check in checks:
        found = find_cell(current, check.where, check.field)
        if found is None:
            continue
        index, measure = found
        if check.value is None:
            measures[index] = confirm(measure, check.field)
            continue
        try:
            measures[index] = correct(current, measure, check.field, check.value)
        except CorrectionNotUnderstood:
            continue
        answered = _ANSWERED[check.field]
        label = measure.number
        problems[:] = [
            p
            for p in problems
            if not (
                p.code in answered
                and ((label is not None and p.measure == label) or p.where == measure.where)
            )
        ]
    return current


__all__ = [
    "CellCheck",
    "CellField",
    "CorrectionNotUnderstood",
    "NotUnderstood",
    "apply_checks",
    "cell_value",
    "confirm",
    "correct",
    "doubtful_cells",
    "find_cell",
]
