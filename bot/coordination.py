"""What coordinators ask for: the summary with charts, the execution report documents, and
the Monday digest. Reads through the unit of work's read side, computes with bot.summaries,
renders documents with bot.exports; only coordinators (and the bot's owner on the command
line) get here.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

from bot import offload
from bot.access import require_coordinator
from bot.calendar import is_working_day, local_date, local_time
from bot.charts import completion_chart, trend_chart
from bot.errors import AccessDenied, UserError
from bot.exports.common import ExportedFile
from bot.exports.docx import plan_docx
from bot.exports.xlsx import plan_xlsx
from bot.i18n import normalise_locale, use_locale
from bot.queries.organisations import parse_organisation_question
from bot.queries.parse import parse_query
from bot.records import OrganisationRow, PlanData, RoadmapRow, SharedPlanRow, SummaryData
from bot.services import Identity
from bot.summaries import (
    compute_summary,
    digest,
    monthly_trend,
    plan_period,
    render_digest_text,
    render_summary_text,
)
from bot.summaries.compute import (
    Digest,
    MonthPoint,
    ShareOf,
    assess,
    concerns,
    overdue_items,
    section_label,
)
from bot.summaries.render import (
    render_municipal_summary_text,
    render_not_reported,
    render_school_overdue,
    render_which_organisation,
)
from bot.summaries.shares import (
    ParentShare,
    SchoolOverdue,
    measures_numbered,
    municipal_summary,
    not_reported,
    only_organisation,
    parent_share,
)
from storage import offline
from storage.models import Organisation
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
    organisations: list[tuple[int, str]] = field(default_factory=list)  # worst first
    # Charts drawn only when asked for (after the pages are sent: drawing takes a while):
    # what to draw, computed from the data in a thread (`chart_specs`), then drawn from
    # these small records in the drawing process (`draw_charts`, see bot.offload).
    later_charts: Callable[[], list[ChartSpec]] | None = None

    def chart_specs(self) -> list[ChartSpec]:
        return self.later_charts() if self.later_charts else []

    def all_charts(self) -> list[tuple[str, bytes]]:
        """Every chart drawn here and now (for callers without a drawing process)."""
        return self.charts + draw_charts(self.chart_specs())


# A chart to draw: its file name, the drawing function (module-level, so that it can be
# sent to the drawing process) and its arguments (rows and points, not the whole data).
ChartSpec = tuple[str, Callable[..., bytes], tuple[Any, ...]]


def draw_charts(specs: list[ChartSpec]) -> list[tuple[str, bytes]]:
    return [(name, draw(*args)) for name, draw, args in specs]


@dataclass
class ExportedDocument:
    content: bytes
    file_name: str
    # The caller's shares of its parent's plans that were not exported (a school with a
    # plan of its own, or with a share of several): offered after the document.
    others: list[SharedPlanRow] = field(default_factory=list)
    period: tuple[date, date] | None = None  # the period named, if any (kept on the offer)


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
    member_id: int | None = None,
    charts: bool = True,
) -> SummaryResult:
    """The organisation's summary for the period named in `text` (default: this year),
    optionally narrowed to one person, one section or one member organisation; in the
    locale in force.

    An organisation with member organisations (a municipality) gets the municipal summary:
    completion per member (worst first), the overdue list by member and the roll-up of the
    members' own plans. A member sees its own share only: `member_id` must be a member of
    the caller's organisation (callback data is user-controlled).
    """
    organisation_id = require_coordinator(identity)
    today = identity.today(now)
    period = period_from_text(text, today) or (date(today.year, 1, 1), date(today.year, 12, 31))
    members = await uow.reads.members(organisation_id)
    if member_id is not None and member_id not in {m.id for m in members}:
        raise AccessDenied()
    if members and person_id is None:
        return await _municipal_summary(
            uow, organisation_id, today, period, member_id, section, charts=charts
        )
    data = await uow.reads.summary_data(organisation_id, period[0], period[1])
    # A member with plans of its own and a share of its parent's (a school's part of the
    # municipal plan): its own plans are the summary, the share is figured apart after it,
    # as a municipality's part of the region's plan is. Without a plan of its own, the
    # share is the whole summary.
    own: set[int] | None = None
    share: ParentShare | None = None
    if person_id is None and section is None:
        shared = await uow.reads.shared_plans(organisation_id)
        if shared:
            own = {r.id for r in await uow.reads.roadmaps(organisation_id)} or None
        if shared and own:
            in_share = {s.roadmap.id for s in shared}
            share = parent_share(
                _only_plans(data, in_share),
                [ShareOf(s.roadmap.title, s.owner_name) for s in shared],
                today,
            )
            data = _only_plans(data, own)
    if person_id is not None or section is not None:
        data = _narrow(data, person_id=person_id, section=section)
    result = compute_summary(data, today)
    pages = render_summary_text(result, share=share)
    whole: SummaryData | None = None
    plan_span: tuple[date, date] | None = None
    if charts and data.occurrences and data.roadmaps:
        plan_span = plan_period(next(iter(data.roadmaps)))
        whole = await uow.reads.summary_data(organisation_id, *plan_span)
        if own is not None:
            whole = _only_plans(whole, own)
        if person_id is not None or section is not None:
            whole = _narrow(whole, person_id=person_id, section=section)

    def draw() -> list[ChartSpec]:
        # Run by the caller in a thread (the trend reads the whole plan's occurrences).
        images: list[ChartSpec] = []
        if result.persons and person_id is None:
            images.append(("completion.png", completion_chart, (result.persons, "persons")))
        elif result.units and person_id is None:
            images.append(("completion.png", completion_chart, (result.units, "units")))
        elif result.sections:
            images.append(("completion.png", completion_chart, (result.sections, "sections")))
        if whole is not None and plan_span is not None:
            trend = monthly_trend(whole.occurrences, *plan_span)
            images.append(("trend.png", trend_chart, (trend, today)))
        return images

    people = [(row.key, row.label) for row in result.persons if isinstance(row.key, int)]
    sections = [(_section_id(row.key), row.label) for row in result.sections]
    return SummaryResult(
        pages,
        [],
        period[0],
        period[1],
        people[:8],
        sections[:8],
        later_charts=draw if charts and data.occurrences else None,
    )


async def _municipal_summary(
    uow: UnitOfWork,
    organisation_id: int,
    today: date,
    period: tuple[date, date],
    member_id: int | None,
    section: str | None,
    *,
    charts: bool,
) -> SummaryResult:
    data = await uow.reads.municipal_data(organisation_id, period[0], period[1])
    if member_id is not None:
        data = only_organisation(data, member_id)
    if section is not None:
        data = _narrow(data, person_id=None, section=section)
    figures = municipal_summary(data, today)
    if member_id is None and section is None:
        # Its own part of its parent's plans (a municipality's of the region's), apart.
        shared = await uow.reads.shared_plans(organisation_id)
        if shared:
            mine = await uow.reads.share_data(organisation_id, period[0], period[1])
            plans = [ShareOf(s.roadmap.title, s.owner_name) for s in shared]
            figures = replace(figures, parent_share=parent_share(mine, plans, today))
    if member_id is not None:
        # One member's share: its people are its own business, the office's are not its.
        figures = replace(figures, summary=replace(figures.summary, persons=()))
    pages = render_municipal_summary_text(figures)

    def draw() -> list[ChartSpec]:
        if not data.occurrences:
            return []
        if figures.schools and member_id is None:
            return [("completion.png", completion_chart, (figures.schools, "organisations"))]
        if figures.summary.sections:
            return [("completion.png", completion_chart, (figures.summary.sections, "sections"))]
        return []

    organisations = [(row.key, row.label) for row in figures.schools if isinstance(row.key, int)]
    sections = [(_section_id(row.key), row.label) for row in figures.summary.sections]
    return SummaryResult(
        pages,
        [],
        period[0],
        period[1],
        [],
        sections[:8] if member_id is None and section is None else [],
        organisations[:8] if member_id is None and section is None else [],
        later_charts=draw if charts else None,
    )


@dataclass
class OrganisationAnswer:
    pages: list[str]
    member_id: int | None = None  # one member's summary is wanted: send it as /summary does
    period_text: str | None = None  # the period it was asked for («за май»), if any


async def organisation_question(
    uow: UnitOfWork, identity: Identity, text: str, *, now: datetime
) -> OrganisationAnswer | None:
    """The short answer to a question about member organisations («какие школы не
    отчитались по 2.1», «что просрочено у СОШ №3», «сводка по СОШ №3»), or None when `text`
    is not one (or the caller's organisation has no members). In the locale in force."""
    if identity.organisation is None or not identity.is_coordinator:
        return None
    members = await uow.reads.members(identity.organisation.id)
    question = parse_organisation_question(text, members)
    if question is None:
        return None
    organisation_id = require_coordinator(identity)
    today = identity.today(now)
    roadmaps = await uow.reads.roadmaps(organisation_id)
    end = max((plan_period(r)[1] for r in roadmaps), default=today)
    if question.kind == "not_reported":
        data = await uow.reads.municipal_data(organisation_id, None, max(end, today))
        measure_ids = None
        if question.number is not None:
            pool = {o.measure.id: o.measure for o in data.occurrences}
            measure_ids = [m.id for m in measures_numbered(pool.values(), question.number)]
        result = not_reported(data.members, data.occurrences, today, measure_ids)
        return OrganisationAnswer(render_not_reported(result, question.number, today))
    if len(question.organisations) != 1:
        return OrganisationAnswer(
            render_which_organisation(question.named or text, question.organisations)
        )
    member: OrganisationRow = question.organisations[0]
    if question.kind == "summary":
        return OrganisationAnswer([], member_id=member.id, period_text=question.period)
    # The member's share of the office's plans (its own plan is its own business).
    data = await uow.reads.summary_data(member.id, None, today)
    plans = {r.id for r in roadmaps}
    mine = [o for o in data.occurrences if o.measure.roadmap_id in plans]
    items = overdue_items((assess(o, today) for o in mine), today)
    return OrganisationAnswer(
        render_school_overdue(SchoolOverdue(member, tuple(items)), member.name, today)
    )


def _section_id(key: object) -> str:
    # Section rows are keyed ("section", id); the id alone fits in callback data.
    return str(key[1]) if isinstance(key, tuple) else str(key)


def _only_plans(data: SummaryData, roadmap_ids: set[int]) -> SummaryData:
    return replace(
        data,
        roadmaps=tuple(r for r in data.roadmaps if r.id in roadmap_ids),
        occurrences=tuple(o for o in data.occurrences if o.measure.roadmap_id in roadmap_ids),
    )


def _narrow(data: SummaryData, *, person_id: int | None, section: str | None) -> SummaryData:
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
    locale: str | None = None,
    roadmap_id: int | None = None,
) -> ExportedDocument:
    """The plan with its execution for a period (default: the whole plan period), in
    `locale` (default: the locale in force).

    The organisation's newest plan; without a plan of its own, its share of its parent's
    newest plan in which it has obligations (a school's part of the municipal plan: the
    measures it must do, its own reports). `roadmap_id` names the plan: one of the
    organisation's own or of its shares (callback data is user-controlled). The shares not
    exported are listed in the result, for the caller to offer.
    """
    if identity is not None:
        organisation_id = require_coordinator(identity)
        today = identity.today(now)
    else:
        assert organisation_id is not None
        organisation = await uow.organisations.get(organisation_id)
        assert organisation is not None
        today = local_date(now, organisation.timezone)
    assert organisation_id is not None
    roadmaps = await uow.reads.roadmaps(organisation_id)
    shared = await uow.reads.shared_plans(organisation_id)
    own: RoadmapRow | None = None
    share: SharedPlanRow | None = None
    if roadmap_id is not None:
        own = next((r for r in roadmaps if r.id == roadmap_id), None)
        share = next((s for s in shared if s.roadmap.id == roadmap_id), None)
        if own is None and share is None:
            raise AccessDenied()
    elif roadmaps:
        own = max(roadmaps, key=lambda r: r.id)  # the newest plan
    elif shared:
        share = max(shared, key=lambda s: s.roadmap.id)
    else:
        raise UserError("There is no roadmap yet: import one first.")
    roadmap = own if own is not None else share.roadmap if share is not None else None
    assert roadmap is not None
    named = period_from_text(text, today)
    period = named or plan_period(roadmap)
    signer = identity.person.full_name if identity and identity.person else None
    # Reading the plan and writing the document are CPU work: both in the drawing process,
    # so answers wait neither for them nor for the interpreter while they run (and the
    # plan's records are not pickled across: see storage.offline).
    request = _ExportRequest(own is not None, roadmap.id, organisation_id, period, fmt, today)
    url = offline.shareable_url(uow)
    if url is not None:
        exported = await offload.run(_export_from, url, request, locale, signer)
    else:
        plan = await _read_export(uow, request)
        exported = await offload.run(_write_export, plan, request, locale, signer)
    others = [s for s in shared if s is not share] if roadmap_id is None else []
    return ExportedDocument(exported.content, exported.file_name, others, named)


@dataclass(frozen=True)
class _ExportRequest:
    own: bool  # the organisation's own plan, or its share of a parent's
    roadmap_id: int
    organisation_id: int
    period: tuple[date, date]
    fmt: ExportFormat
    today: date


async def _read_export(uow: UnitOfWork, request: _ExportRequest) -> PlanData:
    start, end = request.period
    if request.own:
        return await uow.reads.plan(request.roadmap_id, start, end)
    return await uow.reads.share_plan(request.roadmap_id, request.organisation_id, start, end)


def _write_export(
    plan: PlanData, request: _ExportRequest, locale: str | None, signer: str | None
) -> ExportedFile:
    if request.fmt == "xlsx":
        return plan_xlsx(plan, request.today, locale=locale)
    return plan_docx(plan, request.today, locale=locale, signer_name=signer)


def _export_from(
    database_url: str, request: _ExportRequest, locale: str | None, signer: str | None
) -> ExportedFile:
    """In the drawing process: the plan read there, the document written there."""
    plan = offline.read(database_url, _read_export, request)
    return _write_export(plan, request, locale, signer)


@dataclass
class DigestMessage:
    chat_id: int
    language: str | None
    pages: list[str]
    chart: bytes | None
    organisation_id: int
    week: str  # the key the digest is marked sent under


def _draw_digest(
    result: Digest, trend: list[MonthPoint], today: date, locale: str, with_chart: bool
) -> tuple[bytes | None, list[str]]:
    with use_locale(locale):
        chart = trend_chart(trend, today) if with_chart else None
        return chart, render_digest_text(result, today)


async def _digest_messages(
    uow: UnitOfWork, organisation: Organisation, today: date, week: str
) -> list[DigestMessage]:
    """The digest of one organisation, one message per coordinator who can receive it."""
    roadmaps = await uow.reads.roadmaps(organisation.id)
    # Its shares of its parent's plans (a school's part of the municipal plan) are in the
    # summary data too; without a plan of its own, the digest is of those alone.
    shared = await uow.reads.shared_plans(organisation.id)
    if not roadmaps and not shared:
        return []
    plans = roadmaps + [s.roadmap for s in shared]
    end = max(plan_period(r)[1] for r in plans)
    reach = await uow.reminders.coordinator_recipients(organisation.id)
    if not reach:
        return []  # nobody to read it: nothing read, computed or drawn
    data = await uow.reads.summary_data(organisation.id, None, max(end, today))
    start, plan_end = plan_period(max(roadmaps or plans, key=lambda r: r.id))
    # The trend over the newest plan's period: its deadlines are all in `data` already
    # (read to the end of every plan), so no second read.
    in_plan = [
        o
        for o in data.occurrences
        if o.due_date >= start
        and (o.window_start <= plan_end if o.is_span else o.due_date <= plan_end)
    ]
    # Computing and drawing are CPU work: off the event loop (drawing in the drawing
    # process), once per language.
    result = await asyncio.to_thread(digest, data, today)
    result = replace(result, shares=tuple(ShareOf(s.roadmap.title, s.owner_name) for s in shared))
    trend = await asyncio.to_thread(monthly_trend, in_plan, start, plan_end)
    drawn: dict[str, tuple[bytes | None, list[str]]] = {}
    messages: list[DigestMessage] = []
    for recipient in reach:
        assert recipient.chat_id is not None
        locale = normalise_locale(recipient.language or organisation.language)
        if locale not in drawn:
            drawn[locale] = await offload.run(
                _draw_digest, result, trend, today, locale, bool(in_plan)
            )
        chart, pages = drawn[locale]
        messages.append(
            DigestMessage(
                recipient.chat_id, recipient.language, pages, chart, organisation.id, week
            )
        )
    return messages


async def due_digests(
    uow: UnitOfWork, *, now: datetime, slot: tuple[str, int] | None = None
) -> list[DigestMessage]:
    """The Monday digests due now: at each organisation's morning hour on the first working
    day of the week, once per week (an audit event marks it; the organisation row is
    locked while checking, so that several bot processes send it once). Commits."""
    messages: list[DigestMessage] = []
    for organisation in await uow.organisations.list():
        if slot is not None and (organisation.timezone, organisation.morning_hour) != slot:
            continue
        if organisation.archived_at is not None:
            continue
        today = local_date(now, organisation.timezone)
        local_hour = local_time(now, organisation.timezone).hour
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
        claimed = await uow.audit.claim_once(
            organisation_id=organisation.id, action="digest.sent", key=week, now=now
        )
        # The claim is committed at once: reading and drawing below hold no write lock
        # (on SQLite one writer at a time: the planner and delivery must not wait on it).
        await uow.commit()
        if not claimed:
            continue
        try:
            messages.extend(await _digest_messages(uow, organisation, today, week))
        except BaseException:
            # Nothing was built: the claim goes, so the next tick tries again.
            await uow.audit.unclaim(
                organisation_id=organisation.id, action="digest.sent", key=week
            )
            await uow.commit()
            raise
        await uow.commit()
    return messages
