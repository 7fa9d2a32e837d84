"""What the XLSX and DOCX exports share: safe cell text, the plan's rows, execution marks."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from bot.i18n import _, current_locale, pgettext
from bot.records import MeasureRow, OccurrenceRow, PlanData, ReportRow, SectionRow
from bot.summaries.compute import (
    DONE,
    OPEN,
    PARTIAL,
    POSTPONED,
    assess,
)
from bot.wording import period_phrase, short_day, status_label

# Characters XML 1.0 cannot carry (openpyxl and python-docx both refuse them).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FILE_NAME_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
CELL_LIMIT = 32_000  # Excel holds 32,767 characters per cell; keep a margin


class ExportedFile(NamedTuple):
    content: bytes
    file_name: str


def clean(value: object, limit: int = CELL_LIMIT, *, truncated: str = "…") -> str:
    """Text safe for a document cell: no XML-illegal characters, at most `limit` chars."""
    if value is None:
        return ""
    text = _ILLEGAL.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > limit:
        text = text[: max(0, limit - len(truncated))] + truncated
    return text


def file_name(stem: str, start: date, end: date, extension: str, *, organisation: str = "") -> str:
    """`stem` is a translated text with `{period}` (and `{organisation}` if given): "План с
    отметками {period}"."""
    period = period_phrase(start, end)
    safe = _FILE_NAME_BAD.sub(" ", stem.format(period=period, organisation=organisation))
    return f"{' '.join(safe.split())[:150]}.{extension}"


class Mark(NamedTuple):
    """How one occurrence stands, for the execution column."""

    kind: str  # done | partial | postponed | not_done | overdue | not_yet | ongoing | open
    text: str  # status line with its date, and the report text (several lines)
    files: tuple[str, ...]


def _window(occurrence: OccurrenceRow) -> str:
    if occurrence.is_span and occurrence.window_start != occurrence.due_date:
        return f"{short_day(occurrence.window_start)}–{short_day(occurrence.due_date)}"
    return short_day(occurrence.due_date)


@functools.cache
def _words(locale: str) -> dict[str, str]:
    """The fixed words of execution marks in `locale` (the one in force), looked up once."""
    kinds = ("open", "done", "partial", "postponed", "not_done", "overdue", "not_yet")
    words = {kind: status_label(kind) for kind in (*kinds, "ongoing", "no_report")}
    words["reported"] = pgettext("document", "reported {date}, {author}")
    words["postponed_to"] = _("postponed to {date}")
    words["unclear"] = pgettext("document", "deadline to be set")
    words["photo"] = pgettext("document", "photo")
    words["video"] = pgettext("document", "video")
    words["voice"] = pgettext("document", "voice message")
    words["video_note"] = pgettext("document", "video message")
    words["document"] = pgettext("document", "file")
    return words


def attachment_names(report: ReportRow) -> tuple[str, ...]:
    """A report's files by name, and those sent without one by what they are («фото»)."""
    words = _words(current_locale())
    return report.files + tuple(words.get(kind, words["document"]) for kind in report.unnamed)


def mark(occurrence: OccurrenceRow, today: date) -> Mark:
    """Status with its dates, then the report's text: one deadline's execution note, in
    the locale in force."""
    words = _words(current_locale())
    item = assess(occurrence, today)
    current, due = item.state, item.due
    if current == OPEN and occurrence.is_span:
        kind = "ongoing" if due >= today or occurrence.report else "no_report"
    elif current == OPEN:
        kind = "overdue" if due < today else "not_yet"
    else:
        kind = current
    label = words[kind]
    if current == POSTPONED:
        if due != occurrence.due_date:
            label = words["postponed_to"].format(date=short_day(due))
        if due < today:
            label += f" — {words['overdue']}"
    window = _window(occurrence)
    if kind == "not_yet" and occurrence.window_start < occurrence.due_date:
        # Open in the period, due later: the whole window says so.
        window = f"{short_day(occurrence.window_start)}–{short_day(occurrence.due_date)}"
    if occurrence.measure.deadline_unclear:
        window = words["unclear"]
    first = f"{window}: {label}"
    report = occurrence.report
    if report is None:
        return Mark(kind, first, ())
    first += "; " + words["reported"].format(
        date=short_day(report.created_at.date()), author=report.author
    )
    body = (report.text or "").strip()
    reason = (report.reason or "").strip()
    if reason and current not in (DONE, PARTIAL):
        body = f"{body}\n{reason}" if body else reason
    return Mark(kind, f"{first}\n{body}" if body else first, attachment_names(report))


def deadline_text(measure: MeasureRow, occurrences: Sequence[OccurrenceRow]) -> str:
    """The plan's own wording of the deadline; the dates themselves when it has none; marked
    «срок уточняется» while it gives no dates."""
    if measure.deadline_unclear:
        unclear = _words(current_locale())["unclear"]
        raw = measure.deadline_raw.strip()
        return f"{raw} ({unclear})" if raw else unclear
    if measure.deadline_raw.strip():
        return measure.deadline_raw
    return ", ".join(_window(o) for o in occurrences)


def share_title(plan: PlanData) -> str | None:
    """The line that says a document is one member's share of its parent's plan: «Мероприятия
    плана (Управление образования …), исполняемые: МБОУ «СОШ № 1»» (None: the whole plan)."""
    if plan.share_of is None:
        return None
    return pgettext("document", "Measures of the plan of {owner} for {organisation}").format(
        owner=plan.share_of, organisation=plan.organisation_name
    )


def stem_of(plan: PlanData, whole: str, share: str) -> tuple[str, str]:
    """The file name stem (`whole` for a plan, `share` for a member's share) and the
    organisation it may name."""
    if plan.share_of is None:
        return whole, ""
    return share, plan.organisation_name


def responsible_text(measure: MeasureRow) -> str:
    names = [*measure.persons, *measure.units]
    return ", ".join(names) if names else measure.responsible_raw.strip()


@dataclass(frozen=True, slots=True)
class PlanLine:
    """One line of an export: a section heading, or a measure with its occurrences."""

    section: SectionRow | None = None
    measure: MeasureRow | None = None
    occurrences: tuple[OccurrenceRow, ...] = ()


def plan_lines(plan: PlanData, *, only_due: bool) -> Iterator[PlanLine]:
    """The plan in order, a section line before the first measure of each section.

    With `only_due`, measures with no occurrence in the period (and sections left empty)
    are skipped.
    """
    by_measure: dict[int, list[OccurrenceRow]] = defaultdict(list)
    for occurrence in plan.occurrences:
        by_measure[occurrence.measure.id].append(occurrence)
    current: SectionRow | None = None
    for measure in plan.measures:
        occurrences = tuple(by_measure.get(measure.id, ()))
        if only_due and not occurrences:
            continue
        if measure.section is not None and measure.section != current:
            current = measure.section
            yield PlanLine(section=current)
        yield PlanLine(measure=measure, occurrences=occurrences)
