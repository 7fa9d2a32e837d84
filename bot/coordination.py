"""What coordinators ask for: the summary with charts, the execution report documents, and
the Monday digest. Reads through storage.read_summaries, computes with bot.summaries,
renders documents with bot.exports; only coordinators (and the bot's owner on the command
line) get here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from bot.access import require_coordinator
from bot.calendar import is_working_day, local_date
from bot.charts import completion_chart, trend_chart
from bot.errors import UserError
from bot.exports.docx import plan_docx
from bot.exports.xlsx import plan_xlsx
from bot.queries.parse import parse_query
from bot.services import Identity
from bot.summaries import (
    compute_summary,
    digest,
    monthly_trend,
    plan_period,
    render_digest_text,
    render_summary_text,
)
from storage.read_summaries import read_plan, read_roadmaps, read_summary_data
from storage.uow import UnitOfWork

ExportFormat = Literal["xlsx", "docx"]


@dataclass
class SummaryResult:
    pages: list[str]
    charts: list[tuple[str, bytes]]  # file name, PNG
    start: date | None
    end: date
    people: list[tuple[int, str]] = field(default_factory=list)  # worst first, for buttons
    sections: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ExportedDocument:
    content: bytes
    file_name: str


def _today(identity: Identity, now: datetime) -> date:
    tz = (identity.person.timezone if identity.person else None) or (
        identity.organisation.timezone if identity.organisation else "Europe/Moscow"
    )
    return local_date(now, tz)


def period_from_text(text: str | None, today: date) -> tuple[date, date] | None:
    """The period a coordinator named: "сводка за апрель", "за 2022 год", "2022-01..2022-03"."""
    if not text or not text.strip():
        return None
    explicit = re.fullmatch(
        r"\s*(\d{4}-\d{2}-\d{2})\s*(?:\.\.|—|–|-{1,2}|по)\s*(\d{4}-\d{2}-\d{2})\s*", text
    )
    if explicit:
        return date.fromisoformat(explicit.group(1)), date.fromisoformat(explicit.group(2))
    year = re.fullmatch(r"\s*(\d{4})\s*", text)
    if year:
        value = int(year.group(1))
        return date(value, 1, 1), date(value, 12, 31)
    quarter = re.fullmatch(r"\s*(\d{4})\s*[QqКк]\s*([1-4])\s*", text)
    if quarter:
        value, number = int(quarter.group(1)), int(quarter.group(2))
        start = date(value, 3 * number - 2, 1)
        end = (date(value + (number == 4), (3 * number) % 12 + 1, 1)) - timedelta(days=1)
        return start, end
    query = parse_query(
        text if re.search(r"сводк|отч|summary", text) else f"сводка {text}", today=today
    )
    if query.period_start and query.period_end:
        return query.period_start, query.period_end
    return None


async def summary(
    uow: UnitOfWork,
    identity: Identity,
    *,
    now: datetime,
    text: str | None = None,
    person_id: int | None = None,
    section: str | None = None,
    locale: str = "ru",
    charts: bool = True,
) -> SummaryResult:
    """The organisation's summary for the period named in `text` (default: this year),
    optionally narrowed to one person or one section."""
    organisation_id = require_coordinator(identity)
    today = _today(identity, now)
    period = period_from_text(text, today) or (date(today.year, 1, 1), date(today.year, 12, 31))
    assert uow.session is not None
    data = await read_summary_data(uow.session, organisation_id, period[0], period[1])
    if person_id is not None or section is not None:
        data = _narrow(data, person_id=person_id, section=section)
    result = compute_summary(data, today, locale=locale)
    pages = render_summary_text(result, locale)
    images: list[tuple[str, bytes]] = []
    if charts and data.occurrences:
        if result.persons and person_id is None:
            images.append(
                ("completion.png", completion_chart(result.persons, "persons", locale=locale))
            )
        elif result.units and person_id is None:
            images.append(
                ("completion.png", completion_chart(result.units, "units", locale=locale))
            )
        elif result.sections:
            images.append(
                ("completion.png", completion_chart(result.sections, "sections", locale=locale))
            )
        roadmaps = list(data.roadmaps)
        if roadmaps:
            start, end = plan_period(roadmaps[0])
            whole = await read_summary_data(uow.session, organisation_id, start, end)
            if person_id is not None or section is not None:
                whole = _narrow(whole, person_id=person_id, section=section)
            images.append(
                (
                    "trend.png",
                    trend_chart(
                        monthly_trend(whole.occurrences, start, end), today, locale=locale
                    ),
                )
            )
    people = [(row.key, row.label) for row in result.persons if isinstance(row.key, int)]
    sections = [(_section_id(row.key), row.label) for row in result.sections]
    return SummaryResult(pages, images, period[0], period[1], people[:8], sections[:8])


def _section_id(key: object) -> str:
    # Section rows are keyed ("section", id); the id alone fits in callback data.
    return str(key[1]) if isinstance(key, tuple) else str(key)


def _narrow(data, *, person_id: int | None, section: str | None):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from bot.summaries.compute import concerns, section_label

    occurrences = data.occurrences
    if person_id is not None:
        mine = concerns(data, person_id)
        occurrences = tuple(o for o in occurrences if mine(o))
    if section is not None:
        occurrences = tuple(
            o for o in occurrences if _section_id(section_label(o.measure, "")[0]) == section
        )
    return replace(data, occurrences=occurrences)


async def export(
    uow: UnitOfWork,
    identity: Identity | None,
    *,
    now: datetime,
    fmt: ExportFormat,
    text: str | None = None,
    organisation_id: int | None = None,
    locale: str = "ru",
) -> ExportedDocument:
    """The plan with its execution for a period (default: the whole plan period)."""
    if identity is not None:
        organisation_id = require_coordinator(identity)
        today = _today(identity, now)
    else:
        assert organisation_id is not None
        organisation = await uow.organisations.get(organisation_id)
        assert organisation is not None
        today = local_date(now, organisation.timezone)
    assert uow.session is not None and organisation_id is not None
    roadmaps = await read_roadmaps(uow.session, organisation_id)
    if not roadmaps:
        raise UserError("There is no roadmap yet: import one first.")
    roadmap = max(roadmaps, key=lambda r: r.id)  # the newest plan
    period = period_from_text(text, today) or plan_period(roadmap)
    plan = await read_plan(uow.session, roadmap.id, period[0], period[1])
    if fmt == "xlsx":
        exported = plan_xlsx(plan, today, locale=locale)
    else:
        signer = identity.person.full_name if identity and identity.person else None
        exported = plan_docx(plan, today, locale=locale, signer_name=signer)
    return ExportedDocument(exported.content, exported.file_name)


@dataclass
class DigestMessage:
    chat_id: int
    language: str | None
    pages: list[str]
    chart: bytes | None
    organisation_id: int
    week: str  # the key the digest is marked sent under


async def due_digests(
    uow: UnitOfWork, *, now: datetime, slot: tuple[str, int] | None = None
) -> list[DigestMessage]:
    """The Monday digests due now: at each organisation's morning hour on the first working
    day of the week, once per week (an audit event marks it; the organisation row is
    locked while checking, so that several bot processes send it once). Commits."""
    messages: list[DigestMessage] = []
    assert uow.session is not None
    for organisation in await uow.organisations.list():
        if slot is not None and (organisation.timezone, organisation.morning_hour) != slot:
            continue
        if organisation.archived_at is not None:
            continue
        today = local_date(now, organisation.timezone)
        local_hour = now.astimezone(_zone(organisation.timezone)).hour
        monday = today - timedelta(days=today.weekday())
        first_working = next(
            (
                monday + timedelta(days=i)
                for i in range(5)
                if is_working_day(monday + timedelta(days=i))
            ),
            None,
        )
        if first_working != today or local_hour < organisation.morning_hour:
            continue
        week = f"week:{monday.isocalendar().year}-W{monday.isocalendar().week:02d}"
        if not await uow.audit.claim_once(
            organisation_id=organisation.id, action="digest.sent", key=week, now=now
        ):
            await uow.commit()
            continue
        roadmaps = await read_roadmaps(uow.session, organisation.id)
        if not roadmaps:
            await uow.commit()
            continue
        end = max(plan_period(r)[1] for r in roadmaps)
        data = await read_summary_data(uow.session, organisation.id, None, max(end, today))
        reach = await uow.reminders.coordinator_recipients(organisation.id)
        result = digest(data, today)
        start, plan_end = plan_period(max(roadmaps, key=lambda r: r.id))
        whole = await read_summary_data(uow.session, organisation.id, start, plan_end)
        for recipient in reach:
            assert recipient.chat_id is not None
            locale = recipient.language or organisation.language or "ru"
            chart = (
                trend_chart(
                    monthly_trend(whole.occurrences, start, plan_end), today, locale=locale
                )
                if whole.occurrences
                else None
            )
            messages.append(
                DigestMessage(
                    recipient.chat_id,
                    locale,
                    render_digest_text(result, today, locale),
                    chart,
                    organisation.id,
                    week,
                )
            )
        await uow.commit()
    return messages


def _zone(name: str):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)
