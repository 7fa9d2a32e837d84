"""The parsed roadmap: what a plan document means, independent of where it came from.

Pure data (no Telegram, no database). The JSON form produced by `to_json` is the contract
of `roadmap-bot parse --format json`; other tools read it, so change it only additively.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class UnitKind(StrEnum):
    """What a unit of the responsible column is, seen from the plan's owner."""

    OWNER = "owner"  # the plan's owner or its staff (МОУО, Комитет, a department of it)
    MEMBER_ORGANISATIONS = "member_organisations"  # a group of member organisations (ОО, ДОО)
    PEOPLE_GROUP = "people_group"  # a group of people (ММО, рабочая группа, классные руководители)
    ORGANISATION = "organisation"  # a subordinate institution of its own (ИМЦ, ППМС-центр)
    EXTERNAL = "external"  # above the owner (МО КО, КОИРО, ИРО): listed, not reminded
    UNKNOWN = "unknown"


class MemberGroup(StrEnum):
    """Which member organisations a `member_organisations` unit means."""

    ALL_SCHOOLS = "all_schools"  # ОО, ОУ, общеобразовательные организации, школы
    KINDERGARTENS = "kindergartens"  # ДОО, ДОУ
    SUPPLEMENTARY = "supplementary"  # УДО, ОДО
    ALL_MEMBERS = "all_members"  # образовательные организации of every kind
    SUBSET = "subset"  # a named subset (ШНОР, ШССУ) the owner defines once


@dataclass(frozen=True)
class UnitInfo:
    """A unit of the plan and what it is. JSON: {"name", "kind"} plus, for member
    organisations, "members" (a MemberGroup value) and, for a named subset, "subset"."""

    name: str
    kind: UnitKind
    members: MemberGroup | None = None
    subset: str | None = None  # the subset's name ("ШНОР") when members is SUBSET

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "kind": self.kind.value}
        if self.members is not None:
            data["members"] = self.members.value
        if self.subset is not None:
            data["subset"] = self.subset
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UnitInfo:
        members = data.get("members")
        return cls(
            data["name"],
            UnitKind(data["kind"]),
            MemberGroup(members) if members else None,
            data.get("subset"),
        )


class ScheduleKind(StrEnum):
    ONCE = "once"
    RECURRING = "recurring"
    CONTINUOUS = "continuous"
    ON_REQUEST = "on_request"
    UNPARSED = "unparsed"


@dataclass(frozen=True, order=True)
class Window:
    """A span of days in which a measure is to be done; `due` is its last day."""

    start: date
    due: date


@dataclass
class Schedule:
    kind: ScheduleKind
    windows: list[Window] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "windows": [[w.start.isoformat(), w.due.isoformat()] for w in self.windows],
            "warnings": list(self.warnings),
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schedule:
        return cls(
            kind=ScheduleKind(data["kind"]),
            windows=[
                Window(date.fromisoformat(start), date.fromisoformat(due))
                for start, due in data.get("windows", [])
            ],
            warnings=list(data.get("warnings", [])),
            note=data.get("note"),
        )


@dataclass
class Section:
    number: str | None
    title: str

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "title": self.title}


@dataclass
class Problem:
    """Something the importer could not fully understand; never dropped, always reported."""

    where: str  # e.g. "line 120" or "table 2, row 14"
    text: str  # the raw text concerned
    problem: str  # what was wrong, in plain words
    # A stable machine code (see bot.roadmap.errors.PROBLEM_CODES) so the bot can translate it;
    # defaulted so positional construction with three arguments keeps working.
    code: str = "other"
    measure: str | None = None  # number of the measure concerned, when there is one

    def to_json(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "text": self.text,
            "problem": self.problem,
            "code": self.code,
            "measure": self.measure,
        }


@dataclass
class ParsedMeasure:
    number: str | None
    section: str | None
    title: str
    deadline_raw: str
    schedule: Schedule
    persons: list[str] = field(default_factory=list)  # normalised "Фамилия И.О."
    units: list[str] = field(default_factory=list)
    responsible_raw: str = ""
    document_type: str | None = None
    expected_result: str | None = None
    where: str = ""  # position in the source, for the import report
    # Raw text of rows that belonged here but were not fully understood (kept, never dropped).
    notes: list[str] = field(default_factory=list)
    # Read from a scan: the recognition confidence (0..1) of its least certain cell, and the
    # fields ("number", "title", "deadline", "responsible") read with doubt, to confirm.
    confidence: float | None = None
    doubtful: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "section": self.section,
            "title": self.title,
            "deadline_raw": self.deadline_raw,
            "schedule": self.schedule.to_json(),
            "persons": list(self.persons),
            "units": list(self.units),
            "document_type": self.document_type,
            "expected_result": self.expected_result,
            # Additive fields (after the original contract):
            "responsible_raw": self.responsible_raw,
            "where": self.where,
            "notes": list(self.notes),
            "confidence": self.confidence,
            "doubtful": list(self.doubtful),
        }


@dataclass(frozen=True)
class Approval:
    """The order (decree, instruction) that approved the plan: `приказ № 116 от 17.02.2022`."""

    kind: str  # "приказ", "постановление", "распоряжение" or "решение"
    number: str  # as printed, spaces around dashes removed: "116", "54-О", "ПД-Кпо-119"
    date: date
    issuer: str | None = None  # "министерства образования Саратовской области", when printed

    @property
    def text(self) -> str:
        return f"{self.kind} № {self.number} от {self.date:%d.%m.%Y}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "number": self.number,
            "date": self.date.isoformat(),
            "issuer": self.issuer,
            "text": self.text,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Approval:
        return cls(
            data["kind"], data["number"], date.fromisoformat(data["date"]), data.get("issuer")
        )


@dataclass
class ParsedRoadmap:
    # The title as the document states it; "" when it states none (the importer then asks:
    # a file name is never a title).
    title: str
    plan_period: tuple[int, int] | None
    sections: list[Section] = field(default_factory=list)
    measures: list[ParsedMeasure] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Human-readable notes on names that were joined ("Изогова А.И." → "Изотова А.И.").
    joins: list[str] = field(default_factory=list)
    approval: Approval | None = None
    # When the document states no period: the span of the years its dated deadlines name,
    # for the person importing to confirm (deadlines were read against it meanwhile).
    proposed_period: tuple[int, int] | None = None
    # The plan is for one school year ("в 2012–2013 учебном году"), not two calendar years.
    school_year: bool = False
    # Every unit of the responsible column with what it is (see bot.roadmap.units).
    unit_details: list[UnitInfo] = field(default_factory=list)
    # Cells whose units ran together or lost a quote, and the units they were read as
    # ("МКУ Управление образования» ММО → МКУ «Управление образования»; ММО").
    unit_joins: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "plan_period": list(self.plan_period) if self.plan_period else None,
            "sections": [s.to_json() for s in self.sections],
            "measures": [m.to_json() for m in self.measures],
            "problems": [p.to_json() for p in self.problems],
            "joins": list(self.joins),
            # Additive fields (after the original contract):
            "approval": self.approval.to_json() if self.approval else None,
            "proposed_period": list(self.proposed_period) if self.proposed_period else None,
            "school_year": self.school_year,
            "units": [u.to_json() for u in self.unit_details],
            "unit_joins": list(self.unit_joins),
        }

    @property
    def persons(self) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.measures:
            for p in m.persons:
                seen.setdefault(p, None)
        return list(seen)

    @property
    def units(self) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.measures:
            for u in m.units:
                seen.setdefault(u, None)
        return list(seen)
