"""A coordinator's correction of one measure, read the way the importer reads a plan.

Pure: the `/edit` command's text (`/edit 1.6 срок: ежегодно, май`), which field a word
names, and a parsed measure with one field replaced — a deadline phrase is read with the
same rules as a plan's deadline column (`parse_deadline`), a responsible cell with the
same rules as the responsible column (`PeopleIndex`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.roadmap.deadlines import parse_deadline
from bot.roadmap.model import ParsedMeasure, Schedule
from bot.roadmap.people import PeopleIndex

MAX_VALUE = 1000  # characters of a new value: a cell of a plan, not a letter


class EditField(StrEnum):
    DEADLINE = "deadline"
    RESPONSIBLE = "responsible"
    TITLE = "title"


# Words people type for each field (lower case, ё as е); the first word of the value part.
_FIELD_WORDS: dict[EditField, tuple[str, ...]] = {
    EditField.DEADLINE: ("срок", "сроки", "срок исполнения", "дата", "deadline", "due"),
    EditField.RESPONSIBLE: (
        "ответственные",
        "ответственный",
        "ответственная",
        "ответственного",
        "ответственных",
        "отв",
        "исполнитель",
        "исполнители",
        "responsible",
    ),
    EditField.TITLE: ("название", "наименование", "мероприятие", "текст", "title", "name"),
}

_NUMBER = re.compile(r"^\s*(?:п\.?\s*|пункт\s+|№\s*)?(\d+(?:\.\d+)*)\.?(?=\s|:|$)", re.IGNORECASE)
_COMMAND = re.compile(r"^\s*/edit(?:@\w+)?\b", re.IGNORECASE)


@dataclass(frozen=True)
class EditCommand:
    """What `/edit …` asked: the measure's number, and possibly the field and its value."""

    number: str | None
    field: EditField | None = None
    value: str | None = None


def field_of(word: str) -> EditField | None:
    """The field a word names («срок», «Ответственные», «название»), or None."""
    folded = " ".join(word.lower().replace("ё", "е").strip(" .:;,").split())
    for field, words in _FIELD_WORDS.items():
        if folded in words:
            return field
    return None


def parse_edit_command(text: str) -> EditCommand:
    """`/edit 1.6`, `/edit 1.6 срок: ежегодно, май`, `/edit 2.3 ответственные Иванов И.И.`.

    A number is required for anything to be edited; a field word without a value (or a
    value without a known field word) leaves the field to be chosen with buttons.
    """
    rest = _COMMAND.sub("", text or "", count=1).strip()
    match = _NUMBER.match(rest)
    if match is None:
        return EditCommand(None)
    number = match.group(1)
    rest = rest[match.end() :].strip(" \t:—-")
    if not rest:
        return EditCommand(number)
    head, sep, tail = rest.partition(":")
    field = field_of(head) if sep else None
    if field is None:
        # "срок ежегодно, май": the field word, then the value.
        words = rest.split(maxsplit=2)
        for size in (2, 1):
            if len(words) >= size and (field := field_of(" ".join(words[:size]))) is not None:
                tail = rest.split(maxsplit=size)[size] if len(words) > size else ""
                break
    if field is None:
        return EditCommand(number)
    value = clean_value(tail)
    return EditCommand(number, field, value or None)


def clean_value(text: str) -> str:
    """A typed value on one line, spaces collapsed."""
    return " ".join((text or "").split())[:MAX_VALUE]


def read_responsible(text: str) -> tuple[list[str], list[str]]:
    """The persons ("Фамилия И.О.") and units a responsible cell names."""
    index = PeopleIndex()
    parts = index.add(text)
    index.finish()
    return index.resolve(parts)


def read_deadline(phrase: str, period: tuple[int, int], *, school_year: bool = False) -> Schedule:
    return parse_deadline(phrase, period, school_year=school_year)


def document_value(measure: ParsedMeasure, field: EditField) -> str:
    """What the document says for the field."""
    if field is EditField.DEADLINE:
        return measure.deadline_raw
    if field is EditField.RESPONSIBLE:
        return measure.responsible_raw
    return measure.title


def apply_edit(
    measure: ParsedMeasure,
    field: EditField,
    value: str,
    period: tuple[int, int],
    *,
    school_year: bool = False,
) -> ParsedMeasure:
    """The measure with one field set as the coordinator typed it (a new object)."""
    if field is EditField.DEADLINE:
        return replace(
            measure,
            deadline_raw=value,
            schedule=read_deadline(value, period, school_year=school_year),
        )
    if field is EditField.RESPONSIBLE:
        persons, units = read_responsible(value)
        return replace(measure, responsible_raw=value, persons=persons, units=units)
    return replace(measure, title=value)


__all__ = [
    "MAX_VALUE",
    "EditCommand",
    "EditField",
    "apply_edit",
    "clean_value",
    "document_value",
    "field_of",
    "parse_edit_command",
    "read_deadline",
    "read_responsible",
]
