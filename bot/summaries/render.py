"""Summaries and digests as Telegram messages: HTML (only <b> and <i>), split into pages.

Every piece of text that comes from a plan or a report is HTML-escaped and shortened; a
page never splits a line, so tags always close on the page that opens them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.i18n import _, day, day_short, pgettext, use_locale
from bot.markup import fit, quote_short
from bot.records import OccurrenceRow, OrganisationRow, PersonRow
from bot.summaries.compute import (
    CompletionRow,
    Digest,
    OverdueItem,
    Summary,
    effective_due,
    responsible,
    state,
)
from bot.summaries.shares import MunicipalSummary, NotReported, ParentShare, SchoolOverdue
from bot.wording import (
    and_more,
    days_count,
    deadlines_count,
    period_phrase,
    reminders_count,
    status_label,
)

TITLE_CHARS = 90
NAMES_CHARS = 160
MIN_PAGE = 200


def _e(value: object, limit: int | None = None) -> str:
    """Escaped text on one line, shortened to `limit` characters (before escaping)."""
    text = "" if value is None else str(value)
    return quote_short(text, len(text) if limit is None else limit, one_line=True)


def _when(value: date, today: date) -> str:
    return day_short(value) if value.year == today.year else day(value)


def _number(occurrence: OccurrenceRow) -> str:
    number = occurrence.measure.number
    return f"{_e(number, 20)} " if number else ""


def _who(names: Sequence[str]) -> str:
    return _e(", ".join(names), NAMES_CHARS) if names else _e(_("nobody assigned"))


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
        lines = [fit(line, limit) for line in block if line]
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


def _limited(lines: list[str], total: int, shown: int) -> list[str]:
    if total > shown:
        lines.append(_e(and_more(total - shown)))
    return lines


def _completion_block(heading: str, rows: Sequence[CompletionRow], max_rows: int) -> list[str]:
    if not rows:
        return []
    lines = [heading]
    for row in rows[:max_rows]:
        label = _e(row.label, TITLE_CHARS)
        if not row.due:
            lines.append(pgettext("summary", "{label} — nothing due yet").format(label=label))
            continue
        line = pgettext("summary", "{label} — {done} of {due} ({pct}%)").format(
            label=label, done=row.done, due=row.due, pct=row.percent
        )
        if row.overdue:
            line += pgettext("summary", ", overdue: {n}").format(n=row.overdue)
        lines.append(line)
    return _limited(lines, len(rows), min(len(rows), max_rows))


def _unclear_block(summary: Summary, max_items: int) -> list[str]:
    """Measures whose deadline is still to be set: first, so that they get fixed."""
    if not summary.unclear:
        return []
    lines = [
        pgettext("summary", "<b>⚠️ Deadline to be set: {n}</b> (fix: /edit NUMBER)").format(
            n=len(summary.unclear)
        )
    ]
    lines += [
        pgettext("summary", "{number}{title}; {who}").format(
            number=f"{_e(measure.number, 20)} " if measure.number else "",
            title=_e(measure.title, TITLE_CHARS),
            who=_who(measure.persons + measure.units),
        )
        for measure in summary.unclear[:max_items]
    ]
    return _limited(lines, len(summary.unclear), min(len(summary.unclear), max_items))


def _overdue_lines(items: Sequence[OverdueItem], today: date, max_items: int) -> list[str]:
    lines = [
        pgettext("summary", "{number}{title} — {days} overdue (due {due}); {who}").format(
            number=_number(item.occurrence),
            title=_e(item.occurrence.measure.title, TITLE_CHARS),
            days=days_count(item.days),
            due=_when(item.due, today),
            who=_who(item.responsible),
        )
        for item in items[:max_items]
    ]
    return _limited(lines, len(items), min(len(items), max_items))


def _people_block(
    heading: str, people: Sequence[PersonRow], max_rows: int, *, reach: bool
) -> list[str]:
    if not people:
        return []
    lines = [heading]
    for person in people[:max_rows]:
        name = _e(person.full_name, NAMES_CHARS)
        if not reach:
            lines.append(name)
        elif person.unreachable_since is not None:
            since = day(person.unreachable_since.date())
            lines.append(
                pgettext("summary", "{name} — since {date}").format(name=name, date=since)
            )
        else:
            reminders = reminders_count(person.failed_reminders)
            lines.append(
                pgettext("summary", "{name} — undelivered: {reminders}").format(
                    name=name, reminders=reminders
                )
            )
    return _limited(lines, len(people), min(len(people), max_rows))


def render_summary_text(
    summary: Summary,
    locale: str | None = None,
    page_limit: int = 3500,
    *,
    max_rows: int = 10,
    max_overdue: int = 30,
    share: ParentShare | None = None,
) -> list[str]:
    """The summary as Telegram HTML pages (at most `page_limit` characters each), in
    `locale` or the locale in force; `share`, the organisation's part of its parent's plans
    when the summary is of its own plans, after it."""
    with use_locale(locale):
        blocks = _summary_blocks(summary, max_rows, max_overdue)
        if share is not None and share.plans:
            blocks.append(_share_block(share, summary.today, max_rows))
        return paginate(blocks, page_limit)


def _summary_blocks(
    summary: Summary,
    max_rows: int,
    max_overdue: int,
    municipal: MunicipalSummary | None = None,
    max_schools: int = 60,
) -> list[list[str]]:
    totals = summary.totals
    period = _e(period_phrase(summary.start, summary.end))
    header = [
        pgettext("summary", "<b>Plan execution {period}</b>").format(period=period),
        _e(summary.organisation_name, 200),
        _e(pgettext("summary", "As of {date}").format(date=day(summary.today))),
    ]
    if not totals.total:
        blocks = [header, [_e(pgettext("summary", "Nothing is due in this period."))]]
        if municipal is not None:  # its part of its parent's plans, its schools' own plans
            blocks += _municipal_blocks(municipal, summary.today, max_rows, max_overdue)
        return blocks
    figures = [
        pgettext("summary", "Deadlines in the period: {n}").format(n=totals.total),
        pgettext("summary", "Already due: {n}").format(n=totals.due),
        pgettext("summary", "Done: {n}").format(n=totals.done),
    ]
    for text, value in (
        (pgettext("summary", "Partly done: {n}"), totals.partial),
        (pgettext("summary", "Postponed: {n}"), totals.postponed),
        (pgettext("summary", "Not done (reported): {n}"), totals.not_done),
        (pgettext("summary", "Overdue: {n}"), totals.overdue),
        (pgettext("summary", "Past due, no report: {n}"), totals.not_reported),
    ):
        if value:
            figures.append(text.format(n=value))
    if totals.due:
        figures.append(pgettext("summary", "Completion: <b>{pct}%</b>").format(pct=totals.percent))
    blocks = [header, _unclear_block(summary, max_overdue), figures]
    if municipal is not None:
        blocks.append(
            _completion_block(
                pgettext("summary", "<b>By organisation</b> (worst first)"),
                municipal.schools,
                max_schools,
            )
        )
    blocks += [
        _completion_block(
            pgettext("summary", "<b>By person</b> (worst first)"), summary.persons, max_rows
        ),
        _completion_block(pgettext("summary", "<b>By unit</b>"), summary.units, max_rows),
        _completion_block(pgettext("summary", "<b>By section</b>"), summary.sections, max_rows),
    ]
    if municipal is not None:
        blocks += _municipal_blocks(municipal, summary.today, max_rows, max_overdue)
    elif summary.overdue:
        blocks.append(
            [
                pgettext("summary", "<b>Overdue</b>"),
                *_overdue_lines(summary.overdue, summary.today, max_overdue),
            ]
        )
    blocks.append(
        _people_block(
            pgettext("summary", "<b>Not in the bot yet</b>"),
            summary.not_joined,
            max_rows * 2,
            reach=False,
        )
    )
    blocks.append(
        _people_block(
            pgettext("summary", "<b>Not receiving messages</b>"),
            summary.unreachable,
            max_rows,
            reach=True,
        )
    )
    return blocks


def _share_block(share: ParentShare, today: date, max_rows: int) -> list[str]:
    """Its own part of its parent's plans (a municipality's of the region's, a school's of
    the municipality's), figured apart from its own plans."""
    lines = [
        pgettext("summary", "<b>Its measures of «{plan}» ({owner})</b>").format(
            plan=_e(share.plans[0].plan, 120), owner=_e(share.plans[0].owner, TITLE_CHARS)
        )
    ]
    lines += [
        _e(
            pgettext("summary", "Also of «{plan}» ({owner})").format(
                plan=other.plan, owner=other.owner
            ),
            300,
        )
        for other in share.plans[1:3]
    ]
    if not share.totals.due:
        lines.append(_e(pgettext("summary", "Nothing due yet")))
    else:
        lines.append(
            pgettext("summary", "Done: {done} of {due} ({pct}%)").format(
                done=share.totals.done, due=share.totals.due, pct=share.totals.percent
            )
        )
    if share.overdue:
        lines.append(pgettext("summary", "Overdue: {n}").format(n=len(share.overdue)))
        lines += _overdue_lines(share.overdue, today, max_rows)
    return lines


def _municipal_blocks(
    municipal: MunicipalSummary, today: date, max_rows: int, max_overdue: int
) -> list[list[str]]:
    blocks: list[list[str]] = []
    if municipal.owner_overdue:
        blocks.append(
            [
                pgettext("summary", "<b>{name}: overdue</b>").format(
                    name=_e(municipal.summary.organisation_name, TITLE_CHARS)
                ),
                *_overdue_lines(municipal.owner_overdue, today, max_overdue),
            ]
        )
    if municipal.overdue_by_school:
        lines = [pgettext("summary", "<b>Overdue by organisation</b>")]
        shown = municipal.overdue_by_school[:max_rows]
        for school in shown:
            lines += _school_overdue_lines(school, today, 3)
        blocks.append(_limited(lines, len(municipal.overdue_by_school), len(shown)))
    share = municipal.parent_share
    if share is not None and share.plans:
        blocks.append(_share_block(share, today, max_rows))
    if municipal.rollup:
        lines = [pgettext("summary", "<b>Own plans of the organisations</b>")]
        for row in municipal.rollup[: max_rows * 2]:
            label = f"{_e(row.organisation.label, TITLE_CHARS)}: {_e(row.roadmap.title, 60)}"
            if not row.totals.due:
                lines.append(pgettext("summary", "{label} — nothing due yet").format(label=label))
                continue
            line = pgettext("summary", "{label} — {done} of {due} ({pct}%)").format(
                label=label, done=row.totals.done, due=row.totals.due, pct=row.percent
            )
            if row.totals.overdue:
                line += pgettext("summary", ", overdue: {n}").format(n=row.totals.overdue)
            lines.append(line)
        blocks.append(
            _limited(lines, len(municipal.rollup), min(len(municipal.rollup), max_rows * 2))
        )
    return blocks


def _school_overdue_lines(school: SchoolOverdue, today: date, max_items: int) -> list[str]:
    lines = [
        pgettext("summary", "<b>{name}</b> — overdue: {n}").format(
            name=_e(school.organisation.label, TITLE_CHARS), n=len(school.items)
        )
    ]
    for item in school.items[:max_items]:
        lines.append(
            pgettext("summary", "• {number}{title} — {days} (due {due})").format(
                number=_number(item.occurrence),
                title=_e(item.occurrence.measure.title, TITLE_CHARS),
                days=days_count(item.days),
                due=_when(item.due, today),
            )
        )
    return _limited(lines, len(school.items) + 1, min(len(school.items), max_items) + 1)


def render_municipal_summary_text(
    municipal: MunicipalSummary,
    locale: str | None = None,
    page_limit: int = 3500,
    *,
    max_rows: int = 10,
    max_overdue: int = 30,
    max_schools: int = 60,
) -> list[str]:
    """A municipal plan's summary: the owner's figures with completion per organisation
    (worst first), the overdue list by organisation and the roll-up of their own plans."""
    with use_locale(locale):
        blocks = _summary_blocks(municipal.summary, max_rows, max_overdue, municipal, max_schools)
        return paginate(blocks, page_limit)


def render_not_reported(answer: NotReported, number: str | None, today: date) -> list[str]:
    """The short answer to «какие школы не отчитались по 2.1»: who, not the whole summary."""
    if number is not None and not answer.measures:
        return [
            _e(
                pgettext("summary", "No organisation has a measure numbered {number}.").format(
                    number=number
                )
            )
        ]
    if number is not None and len(answer.measures) == 1:
        measure = answer.measures[0]
        subject = f"{_number_of(measure.number)}«{_e(measure.title, TITLE_CHARS)}»"
    elif number is not None:
        subject = pgettext("summary", "measures {number}.*").format(number=_e(number, 20))
    else:
        subject = pgettext("summary", "the plan")
    if not answer.organisations:
        if not answer.due:
            text = pgettext("summary", "On {subject}, nothing is due yet ({total} organisations).")
        else:
            text = pgettext(
                "summary",
                "On {subject}, every organisation with a deadline past has reported "
                "({due} of {total}).",
            )
        return [text.format(subject=subject, due=answer.due, total=answer.total)]
    lines = [
        pgettext("summary", "<b>Not reported on {subject}: {n} of {total}</b>").format(
            subject=subject, n=len(answer.organisations), total=answer.total
        )
    ]
    for organisation, count in answer.organisations:
        lines.append(
            pgettext("summary", "• {name} — {deadlines}").format(
                name=_e(organisation.name, TITLE_CHARS), deadlines=deadlines_count(count)
            )
        )
    return paginate([lines], 3500)


def render_which_organisation(named: str, candidates: Sequence[OrganisationRow]) -> list[str]:
    """No single organisation is called so: say which ones might be meant, or none."""
    if not candidates:
        text = pgettext(
            "summary", "No organisation of yours is called “{name}”. The list: /schools"
        )
        return [_e(text.format(name=named), 300)]
    lines = [_e(pgettext("summary", "Which one do you mean?"))]
    lines += [f"• {_e(o.name, TITLE_CHARS)}" for o in candidates[:20]]
    return paginate([_limited(lines, len(candidates) + 1, min(len(candidates), 20) + 1)], 3500)


def _number_of(number: str | None) -> str:
    return f"{_e(number, 20)} " if number else ""


def render_school_overdue(school: SchoolOverdue | None, name: str, today: date) -> list[str]:
    """The short answer to «что просрочено у СОШ №3»."""
    if school is None or not school.items:
        return [_e(pgettext("summary", "Nothing is overdue at {name}.").format(name=name))]
    lines = [
        pgettext("summary", "<b>Overdue at {name}: {n}</b>").format(
            name=_e(name, TITLE_CHARS), n=len(school.items)
        )
    ]
    for item in school.items[:40]:
        lines.append(
            pgettext("summary", "• {number}{title} — {days} (due {due})").format(
                number=_number(item.occurrence),
                title=_e(item.occurrence.measure.title, TITLE_CHARS),
                days=days_count(item.days),
                due=_when(item.due, today),
            )
        )
    return paginate([_limited(lines, len(school.items) + 1, min(len(school.items), 40) + 1)], 3500)


def render_digest_text(
    result: Digest,
    today: date,
    locale: str | None = None,
    page_limit: int = 3500,
    *,
    max_items: int = 20,
) -> list[str]:
    """The weekly digest as Telegram HTML pages, in `locale` or the locale in force."""
    with use_locale(locale):
        return paginate(_digest_blocks(result, today, max_items), page_limit)


def _digest_blocks(result: Digest, today: date, max_items: int) -> list[list[str]]:
    none = pgettext("summary", "none")
    nothing = f"<i>{_e(none)}</i>"
    title = pgettext("summary", "<b>Week {first} — {last}</b>").format(
        first=_e(day_short(result.week_start)), last=_e(_when(result.week_end, today))
    )
    due = [
        pgettext("summary", "{number}{title} — by {due}; {who}").format(
            number=_number(o),
            title=_e(o.measure.title, TITLE_CHARS),
            due=_e(_when(effective_due(o), today)),
            who=_who(responsible(o)),
        )
        for o in result.due_this_week[:max_items]
    ]
    reported = []
    for o in result.reported[:max_items]:
        assert o.report is not None
        # (not `title`: that is the week's, on top)
        measure = _e(o.measure.title, TITLE_CHARS)
        author = _e(o.report.author, NAMES_CHARS)
        when = _e(_when(o.report.created_at.date(), today))
        reported.append(f"{_number(o)}{measure} — {_e(status_label(state(o)))} ({author}, {when})")
    head = [title]
    for share in result.shares[:3]:
        head.append(
            _e(
                pgettext("summary", "Including your measures of «{plan}» ({owner})").format(
                    plan=share.plan, owner=share.owner
                ),
                300,
            )
        )
    return [
        head,
        [
            pgettext("summary", "<b>Due this week</b>"),
            *(_limited(due, len(result.due_this_week), len(due)) or [nothing]),
        ],
        [
            pgettext("summary", "<b>Overdue</b>"),
            *(_overdue_lines(result.overdue, today, max_items) or [nothing]),
        ],
        [
            pgettext("summary", "<b>Reported this week</b>"),
            *(_limited(reported, len(result.reported), len(reported)) or [nothing]),
        ],
    ]
