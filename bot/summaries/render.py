"""Summaries and digests as Telegram messages: HTML (only <b> and <i>), split into pages.

Every piece of text that comes from a plan or a report is HTML-escaped and shortened; a
page never splits a line, so tags always close on the page that opens them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from html import escape

from bot.exports.texts import day, day_month, normalise, period_phrase, plural, status_label, t
from bot.summaries.compute import (
    CompletionRow,
    Digest,
    OverdueItem,
    Summary,
    effective_due,
    responsible,
    state,
)
from storage.read_summaries import OccurrenceRow, PersonRow

TITLE_CHARS = 90
NAMES_CHARS = 160
MIN_PAGE = 200
_TAG = re.compile(r"</?[bi]>")
_PARTIAL_ENTITY = re.compile(r"&[#a-zA-Z0-9]*$")


def _e(value: object, limit: int | None = None) -> str:
    """Escaped text, shortened to `limit` characters (before escaping) with an ellipsis."""
    text = " ".join(str(value or "").split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return escape(text, quote=False)


def _when(value: date, today: date, locale: str) -> str:
    return day_month(value, locale) if value.year == today.year else day(value, locale)


def _number(occurrence: OccurrenceRow) -> str:
    number = occurrence.measure.number
    return f"{_e(number, 20)} " if number else ""


def _who(names: Sequence[str], locale: str) -> str:
    return _e(", ".join(names), NAMES_CHARS) if names else _e(t(locale, "nobody"))


def _cut(line: str, limit: int) -> str:
    """A line too long for a page: cut it without leaving a broken tag or entity."""
    plain = _TAG.sub("", line)
    if len(plain) <= limit:
        return plain
    return _PARTIAL_ENTITY.sub("", plain[: limit - 1]) + "…"


def paginate(blocks: Sequence[Sequence[str]], page_limit: int) -> list[str]:
    """Join blocks of lines into pages of at most `page_limit` characters.

    Blocks are separated by a blank line and kept whole on a page when they fit; a block
    longer than a page is split between lines; a single line longer than a page is cut.
    """
    limit = max(page_limit, MIN_PAGE)
    pages: list[str] = []
    current = ""

    def add(piece: str, separator: str) -> None:
        nonlocal current
        if not current:
            current = piece
        elif len(current) + len(separator) + len(piece) <= limit:
            current += separator + piece
        else:
            pages.append(current)
            current = piece

    for block in blocks:
        lines = [line if len(line) <= limit else _cut(line, limit) for line in block if line]
        if not lines:
            continue
        joined = "\n".join(lines)
        if len(joined) <= limit:
            add(joined, "\n\n")
            continue
        for index, line in enumerate(lines):
            add(line, "\n\n" if index == 0 else "\n")
    if current:
        pages.append(current)
    return pages


def _limited(lines: list[str], total: int, shown: int, locale: str) -> list[str]:
    if total > shown:
        lines.append(_e(t(locale, "more", n=total - shown)))
    return lines


def _completion_block(
    heading: str, rows: Sequence[CompletionRow], locale: str, max_rows: int
) -> list[str]:
    if not rows:
        return []
    lines = [t(locale, heading)]
    for row in rows[:max_rows]:
        label = _e(row.label, TITLE_CHARS)
        if not row.due:
            lines.append(t(locale, "summary.row_nothing_due", label=label))
            continue
        line = t(locale, "summary.row", label=label, done=row.done, due=row.due, pct=row.percent)
        if row.overdue:
            line += t(locale, "summary.row_overdue", n=row.overdue)
        lines.append(line)
    return _limited(lines, len(rows), min(len(rows), max_rows), locale)


def _overdue_lines(
    items: Sequence[OverdueItem], today: date, locale: str, max_items: int
) -> list[str]:
    lines = [
        t(
            locale,
            "summary.overdue_item",
            number=_number(item.occurrence),
            title=_e(item.occurrence.measure.title, TITLE_CHARS),
            days=plural(locale, "n_days", item.days),
            due=_when(item.due, today, locale),
            who=_who(item.responsible, locale),
        )
        for item in items[:max_items]
    ]
    return _limited(lines, len(items), min(len(items), max_items), locale)


def _people_block(
    heading: str, people: Sequence[PersonRow], locale: str, max_rows: int, *, reach: bool
) -> list[str]:
    if not people:
        return []
    lines = [t(locale, heading)]
    for person in people[:max_rows]:
        name = _e(person.full_name, NAMES_CHARS)
        if not reach:
            lines.append(name)
        elif person.unreachable_since is not None:
            since = day(person.unreachable_since.date(), locale)
            lines.append(t(locale, "summary.unreachable_since", name=name, date=since))
        else:
            reminders = plural(locale, "n_reminders", person.failed_reminders)
            lines.append(t(locale, "summary.failed", name=name, reminders=reminders))
    return _limited(lines, len(people), min(len(people), max_rows), locale)


def render_summary_text(
    summary: Summary,
    locale: str = "ru",
    page_limit: int = 3500,
    *,
    max_rows: int = 10,
    max_overdue: int = 30,
) -> list[str]:
    """The summary as Telegram HTML pages (at most `page_limit` characters each)."""
    locale = normalise(locale)
    totals = summary.totals
    header = [
        t(locale, "summary.title", period=_e(period_phrase(summary.start, summary.end, locale))),
        _e(summary.organisation_name, 200),
        _e(t(locale, "summary.as_of", date=day(summary.today, locale))),
    ]
    if not totals.total:
        return paginate([header, [_e(t(locale, "summary.empty"))]], page_limit)
    figures = [
        t(locale, "summary.total", n=totals.total),
        t(locale, "summary.assessed", n=totals.due),
        t(locale, "summary.done", n=totals.done),
    ]
    for key, value in (
        ("summary.partial", totals.partial),
        ("summary.postponed", totals.postponed),
        ("summary.not_done", totals.not_done),
        ("summary.overdue", totals.overdue),
        ("summary.not_reported", totals.not_reported),
    ):
        if value:
            figures.append(t(locale, key, n=value))
    if totals.due:
        figures.append(t(locale, "summary.rate", pct=totals.percent))
    blocks = [
        header,
        figures,
        _completion_block("summary.persons", summary.persons, locale, max_rows),
        _completion_block("summary.units", summary.units, locale, max_rows),
        _completion_block("summary.sections", summary.sections, locale, max_rows),
    ]
    if summary.overdue:
        blocks.append(
            [
                t(locale, "summary.overdue_list"),
                *_overdue_lines(summary.overdue, summary.today, locale, max_overdue),
            ]
        )
    blocks.append(
        _people_block("summary.not_joined", summary.not_joined, locale, max_rows * 2, reach=False)
    )
    blocks.append(
        _people_block("summary.unreachable", summary.unreachable, locale, max_rows, reach=True)
    )
    return paginate(blocks, page_limit)


def render_digest_text(
    result: Digest,
    today: date,
    locale: str = "ru",
    page_limit: int = 3500,
    *,
    max_items: int = 20,
) -> list[str]:
    """The weekly digest as Telegram HTML pages."""
    locale = normalise(locale)
    nothing = f"<i>{_e(t(locale, 'digest.nothing'))}</i>"
    title = t(
        locale,
        "digest.title",
        first=_e(day_month(result.week_start, locale)),
        last=_e(_when(result.week_end, today, locale)),
    )
    due = [
        t(
            locale,
            "digest.due_item",
            number=_number(o),
            title=_e(o.measure.title, TITLE_CHARS),
            due=_e(_when(effective_due(o), today, locale)),
            who=_who(responsible(o), locale),
        )
        for o in result.due_this_week[:max_items]
    ]
    reported = []
    for o in result.reported[:max_items]:
        assert o.report is not None
        reported.append(
            t(
                locale,
                "digest.reported_item",
                number=_number(o),
                title=_e(o.measure.title, TITLE_CHARS),
                status=_e(status_label(locale, state(o))),
                author=_e(o.report.author, NAMES_CHARS),
                date=_e(_when(o.report.created_at.date(), today, locale)),
            )
        )
    blocks = [
        [title],
        [
            t(locale, "digest.due"),
            *(_limited(due, len(result.due_this_week), len(due), locale) or [nothing]),
        ],
        [
            t(locale, "digest.overdue"),
            *(_overdue_lines(result.overdue, today, locale, max_items) or [nothing]),
        ],
        [
            t(locale, "digest.reported"),
            *(_limited(reported, len(result.reported), len(reported), locale) or [nothing]),
        ],
    ]
    return paginate(blocks, page_limit)
