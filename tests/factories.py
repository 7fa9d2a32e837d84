"""Small builders for tests: a parsed roadmap without reading a document."""

from __future__ import annotations

from datetime import date

from bot.roadmap.model import ParsedMeasure, ParsedRoadmap, Schedule, ScheduleKind, Section, Window


def yearly(month_start: int, month_end: int, years: range, last_day: int = 28) -> Schedule:
    return Schedule(
        kind=ScheduleKind.RECURRING,
        windows=[Window(date(y, month_start, 1), date(y, month_end, last_day)) for y in years],
    )


def once(start: date, due: date) -> Schedule:
    return Schedule(kind=ScheduleKind.ONCE, windows=[Window(start, due)])


def make_measure(
    number: str, title: str, *, persons=(), units=(), schedule=None, section: str | None = "1"
) -> ParsedMeasure:
    return ParsedMeasure(
        number=number,
        section=section,
        title=title,
        deadline_raw="ежегодно, май",
        schedule=schedule or yearly(5, 5, range(2022, 2025), 31),
        persons=list(persons),
        units=list(units),
        responsible_raw=", ".join([*persons, *units]),
    )


def make_roadmap(
    measures: list[ParsedMeasure],
    title: str = "План мероприятий на 2022-2024 годы",
    period: tuple[int, int] = (2022, 2024),
) -> ParsedRoadmap:
    return ParsedRoadmap(
        title=title,
        plan_period=period,
        sections=[Section(number="1", title="Раздел первый")],
        measures=measures,
    )
