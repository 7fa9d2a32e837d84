"""The board's HTTP routes (aiohttp): a page shell, its script and style, and the
authenticated parts (the board, a cell's reports, files, exports).

Every authenticated request carries Telegram's `initData` (header `Authorization: tma
<initData>`, or the `tma` query parameter for downloads the browser opens itself); it is
checked (`bot.board.auth`) and the person's role is read from the database on every request:
a coordinator of their current organisation gets through, anyone else gets 403. What they see
is scoped by that organisation in `storage.read_board`, so another organisation's plan, cell,
file or school is "not found" whatever id is typed into the URL.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bot import offload
from bot.board.auth import InitDataError, check_init_data
from bot.board.grid import (
    SEVERITY,
    STATUS_CODES,
    Filters,
    board_status,
    build_board,
    cell_occurrences,
    is_municipal,
    narrow_plan,
    quarter_label,
    resolve_period,
    status_label,
)
from bot.board.records import BoardPlan, CellEvent
from bot.calendar import local_time
from bot.clock import Clock
from bot.exports.common import ExportedFile
from bot.exports.docx import plan_docx
from bot.exports.xlsx import plan_xlsx
from bot.i18n import _, day, normalise_locale, use_locale
from bot.markup import shorten
from bot.records import PlanData, gc_paused
from bot.services import Identity, Services
from bot.settings import Settings
from bot.summaries import assess
from storage import offline
from storage.db import SessionFactory
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
STATIC = {
    "board.js": ("application/javascript", HERE / "static" / "board.js"),
    "board.css": ("text/css", HERE / "static" / "board.css"),
}
# The page and its parts never go to a shared cache, nor off to a third party.
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors *; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

Download = Callable[[str], Awaitable[bytes]]


@dataclass
class BoardContext:
    settings: Settings
    clock: Clock
    session_factory: SessionFactory
    # Reads a report file from Telegram by its file id, when no copy is stored on disk.
    download: Download | None = None


@dataclass
class Viewer:
    identity: Identity
    organisation_id: int
    locale: str
    timezone: str
    today: date


CONTEXT: web.AppKey[BoardContext] = web.AppKey("board_context", BoardContext)
TEMPLATES: web.AppKey[Environment] = web.AppKey("board_templates", Environment)


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    return environment


def words() -> dict[str, str]:
    """The page's words in the locale in force (templates take them from here, so that the
    one gettext catalogue of the bot has them)."""
    return {
        "title": _("Plan board"),
        "loading": _("Loading…"),
        "open_in_telegram": _("Open the board from the bot in Telegram: /summary, then «Board»."),
        "unauthorised": _("The board did not recognise you: open it again from the bot."),
        "forbidden": _("The board is for coordinators."),
        "not_found": _("Not found."),
        "failed": _("The board could not be loaded. Try again."),
        "plan": _("Plan"),
        "period": _("Period"),
        "period_hint": _("2026, 2026-Q1, 2026-03"),
        "columns": _("Columns"),
        "by_school": _("by organisation"),
        "by_month": _("by month"),
        "by_quarter": _("by quarter"),
        "section": _("Section"),
        "status": _("Status"),
        "who": _("Person or organisation"),
        "search": _("Search"),
        "any": _("all"),
        "apply": _("Show"),
        "reset": _("Reset"),
        "measure": _("Measure"),
        "total": _("Total"),
        "legend": _("Legend"),
        "nothing": _("Nothing matches these filters."),
        "no_plan": _("There is no roadmap yet: import one first."),
        "download": _("Download"),
        "share": _("Link to this view"),
        "close": _("Close"),
        "no_reports": _("No reports yet."),
        "due": _("due"),
        "reported": _("reported"),
        "reason": _("Reason"),
        "postponed_to": _("postponed to"),
        "done_of_due": _("done of due"),
        "people": _("People"),
        "history": _("History"),
        "organisations": _("Organisations"),
    }


# A board is mostly cells: written here at once rather than by a template loop.
CELL_TAGS = {"": "<td>", **{status.value: f"<td class={status.value}>" for status in SEVERITY}}


def _cells(statuses: tuple[str, ...]) -> Markup:
    return Markup("".join([CELL_TAGS[status] for status in statuses]))


def _locale_of(request: web.Request) -> str:
    header = request.headers.get("Accept-Language", "")
    return normalise_locale(request.query.get("lang") or header.split(",")[0])


def _render(request: web.Request, name: str, status: int = 200, **values: Any) -> web.Response:
    template = request.app[TEMPLATES].get_template(name)
    response = web.Response(
        text=template.render(t=words(), **values),
        content_type="text/html",
        charset="utf-8",
        status=status,
        headers=HEADERS,
    )
    response.enable_compression()
    return response


# Authentication and access -----------------------------------------------------------------


def _init_data(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    if header.startswith("tma "):
        return header[4:]
    return request.query.get("tma", "")


async def _viewer(request: web.Request, uow: UnitOfWork) -> Viewer:
    """The coordinator behind the request, or an HTTP error (401 or 403)."""
    context = request.app[CONTEXT]
    settings = context.settings
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    now = context.clock.now()
    try:
        user = check_init_data(
            _init_data(request),
            token,
            now=now,
            max_age=timedelta(seconds=settings.board_auth_max_age),
        )
    except InitDataError as exc:
        logger.info("board: refused initData (%s) from %s", exc, request.remote)
        raise web.HTTPUnauthorized(text="initData refused") from exc
    services = Services(uow=uow, clock=context.clock, settings=settings)
    identity = await services.identify(user.id, None)
    # The role is read from the database on every request: a coordinator demoted a
    # minute ago is refused now.
    if identity.organisation is None or identity.person is None or not identity.is_coordinator:
        raise web.HTTPForbidden(text="coordinators only")
    locale = normalise_locale(
        identity.person.language or user.language_code or identity.organisation.language
    )
    timezone = identity.person.timezone or identity.organisation.timezone
    return Viewer(identity, identity.organisation.id, locale, timezone, identity.today(now))


def _filters(request: web.Request) -> Filters:
    return Filters.from_query({key: request.query.get(key, "") for key in request.query})


async def _plan(
    uow: UnitOfWork, viewer: Viewer, filters: Filters
) -> tuple[BoardPlan | None, list[BoardPlan]]:
    plans = await uow.reads.board_plans(viewer.organisation_id)
    if filters.plan is None:
        return (plans[0] if plans else None), plans
    chosen = next((p for p in plans if p.id == filters.plan), None)
    if chosen is None:
        raise web.HTTPNotFound(text="no such plan")
    return chosen, plans


# Routes ------------------------------------------------------------------------------------


async def shell(request: web.Request) -> web.StreamResponse:
    """The page: no data in it, only what loads the board with the Telegram credentials."""
    with use_locale(_locale_of(request)) as locale:
        return _render(request, "shell.html", locale=locale)


async def static(request: web.Request) -> web.StreamResponse:
    found = STATIC.get(request.match_info["name"])
    if found is None:
        raise web.HTTPNotFound()
    content_type, path = found
    response = web.Response(
        body=path.read_bytes(),
        content_type=content_type,
        charset="utf-8",
        headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
    response.enable_compression()
    return response


async def view(request: web.Request) -> web.StreamResponse:
    # Tens of thousands of short-lived objects and no cycles: see bot.records.gc_paused.
    with gc_paused():
        return await _view(request)


async def _view(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    async with UnitOfWork(context.session_factory) as uow:
        viewer = await _viewer(request, uow)
        filters = _filters(request)
        with use_locale(viewer.locale) as locale:
            plan, plans = await _plan(uow, viewer, filters)
            if plan is None:
                return _render(request, "empty.html", locale=locale)
            start, end = resolve_period(filters, viewer.today, plan.period_start, plan.period_end)
            data = await uow.reads.board(plan, viewer.organisation_id, start, end)
            board = build_board(
                data, filters, viewer.today, month_label=lambda d: _short_month(d, locale)
            )
            return _render(
                request,
                "board.html",
                locale=locale,
                board=board,
                plans=plans,
                plan=plan,
                viewer=viewer,
                periods=_period_choices(plan, viewer.today),
                period=filters.period or _period_text(start, end),
                legend=[(s, status_label(s), STATUS_CODES[s]) for s in SEVERITY],
                organisations=sorted(data.organisations, key=lambda o: o.name.casefold())
                if is_municipal(data)
                else [],
                range_text=f"{day(start)} — {day(end)}",
                cells=_cells,
            )


async def cell(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    measure_id = _positive(request.query.get("m"))
    column = request.query.get("c", "")[:16]
    async with UnitOfWork(context.session_factory) as uow:
        viewer = await _viewer(request, uow)
        filters = _filters(request)
        with use_locale(viewer.locale) as locale:
            plan, _plans = await _plan(uow, viewer, filters)
            if plan is None or measure_id is None:
                raise web.HTTPNotFound(text="no such cell")
            start, end = resolve_period(filters, viewer.today, plan.period_start, plan.period_end)
            data = await uow.reads.board(
                plan, viewer.organisation_id, start, end, measure_id=measure_id
            )
            if not data.measures:
                raise web.HTTPNotFound(text="no such measure")
            found = cell_occurrences(data, filters, viewer.today, measure_id, column)
            reports = await uow.reads.cell_reports([o.id for o in found])
            names = {o.id: o.name for o in data.organisations}
            items = []
            for occurrence in found:
                status = board_status(assess(occurrence, viewer.today))
                items.append(
                    {
                        "occurrence": occurrence,
                        "organisation": names.get(occurrence.organisation_id, ""),
                        "status": status,
                        "status_label": status_label(status),
                        "window": _window_text(occurrence.window_start, occurrence.due_date),
                        "reports": [
                            {
                                "report": report,
                                "status_label": _report_status(report.status),
                                "when": _moment(report.created_at, viewer.timezone),
                                "postponed_to": day(report.postponed_to)
                                if report.postponed_to
                                else None,
                            }
                            for report in reports.get(occurrence.id, ())
                        ],
                    }
                )
            history = await uow.reads.measure_history(
                plan, viewer.organisation_id, measure_id, [o.id for o in found]
            )
            events = [
                {
                    "when": _moment(event.when, viewer.timezone),
                    "what": _event_label(event.action) + _event_detail(event),
                    "who": event.person or "",
                }
                for event in history
            ]
            return _render(
                request,
                "cell.html",
                events=events,
                locale=locale,
                measure=data.measures[0],
                items=items,
                municipal=plan.owned and is_municipal(data),
            )


async def attachment(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    attachment_id = _positive(request.match_info["attachment_id"])
    async with UnitOfWork(context.session_factory) as uow:
        viewer = await _viewer(request, uow)
        found = (
            await uow.reads.board_attachment(viewer.organisation_id, attachment_id)
            if attachment_id is not None
            else None
        )
    if found is None:
        raise web.HTTPNotFound(text="no such file")
    name, stored, mime, file_id = found
    content: bytes | None = None
    if stored:
        path = context.settings.files_dir / stored
        if path.is_file():
            content = path.read_bytes()
    if content is None and context.download is not None:
        try:
            content = await context.download(file_id)
        except Exception as exc:  # Telegram unreachable, file too big for the Bot API…
            logger.warning("board: file %s not downloaded: %s", attachment_id, exc)
    if content is None:
        raise web.HTTPNotFound(text="the file is not available")
    return _file(content, name, mime or mimetypes.guess_type(name)[0])


async def export(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    fmt = request.match_info["fmt"]
    async with UnitOfWork(context.session_factory) as uow:
        viewer = await _viewer(request, uow)
        filters = _filters(request)
        with use_locale(viewer.locale) as locale:
            plan, _plans = await _plan(uow, viewer, filters)
            if plan is None:
                raise web.HTTPNotFound(text="no plan")
            start, end = resolve_period(filters, viewer.today, plan.period_start, plan.period_end)
            person = viewer.identity.person
            wanted = _BoardExport(
                plan,
                viewer.organisation_id,
                start,
                end,
                filters,
                viewer.today,
                fmt,
                person.full_name if person else None,
            )
            # Reading the plan and writing the document are CPU work: in the drawing
            # process, not in the event loop where the bot's answers and the board's other
            # requests wait (nor is the plan pickled across: see storage.offline).
            url = offline.shareable_url(uow)
            data = await _read_board_export(uow, wanted) if url is None else None
        exported = await (
            offload.run(_board_export_from, url, wanted, locale)
            if url is not None
            else offload.run(_write_board_export, data, wanted, locale)
        )
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if fmt == "xlsx"
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    return _file(exported.content, exported.file_name, content_type)


@dataclass(frozen=True)
class _BoardExport:
    plan: BoardPlan
    organisation_id: int
    start: date
    end: date
    filters: Filters
    today: date
    fmt: str
    signer: str | None


async def _read_board_export(uow: UnitOfWork, wanted: _BoardExport) -> PlanData:
    plan, organisation_id = wanted.plan, wanted.organisation_id
    data = await uow.reads.board_plan_data(plan, organisation_id, wanted.start, wanted.end)
    board_data = await uow.reads.board(plan, organisation_id, wanted.start, wanted.end)
    return narrow_plan(data, board_data, wanted.filters, wanted.today)


def _write_board_export(data: PlanData | None, wanted: _BoardExport, locale: str) -> ExportedFile:
    assert data is not None
    if wanted.fmt == "xlsx":
        return plan_xlsx(data, wanted.today, locale=locale)
    return plan_docx(data, wanted.today, locale=locale, signer_name=wanted.signer)


def _board_export_from(database_url: str, wanted: _BoardExport, locale: str) -> ExportedFile:
    """In the drawing process: the filtered plan read there, the document written there."""
    data = offline.read(database_url, _read_board_export, wanted)
    return _write_board_export(data, wanted, locale)


# Helpers -----------------------------------------------------------------------------------


def _positive(value: str | None) -> int | None:
    if value is None or not value.isdigit() or len(value) > 12:
        return None
    return int(value) or None


def _file(content: bytes, name: str, content_type: str | None) -> web.Response:
    from urllib.parse import quote

    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return web.Response(
        body=content,
        content_type=content_type or "application/octet-stream",
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
            ),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _short_month(value: date, locale: str) -> str:
    from babel.dates import format_date

    return format_date(value, "LLL yy", locale=locale)


def _period_text(start: date, end: date) -> str:
    if start.month == 1 and start.day == 1 and end == date(start.year, 12, 31):
        return str(start.year)
    return f"{start.isoformat()}..{end.isoformat()}"


def _period_choices(plan: BoardPlan, today: date) -> list[tuple[str, str]]:
    """Years of the plan and the quarters of each: the period menu."""
    choices: list[tuple[str, str]] = []
    for year in range(plan.period_start, plan.period_end + 1):
        choices.append((str(year), str(year)))
        for quarter in range(1, 5):
            choices.append((f"{year}-Q{quarter}", quarter_label(year, quarter)))
    return choices


def _window_text(start: date, end: date) -> str:
    return day(end) if start == end else f"{day(start)} — {day(end)}"


def _moment(value: Any, timezone: str) -> str:
    local = local_time(value, timezone)
    return f"{day(local.date())}, {local:%H:%M}"


def _report_status(value: str) -> str:
    return {
        "done": _("done"),
        "partial": _("partly done"),
        "postponed": _("postponed"),
        "not_done": _("not done"),
    }.get(value, value)


def _event_label(action: str) -> str:
    return {
        "roadmap.imported": _("the plan imported"),
        "reminder.sent": _("reminder sent to"),
        "share.handed_over": _("handed over"),
        "assignment.disputed": _("assignment disputed"),
        "measure.edited": _("corrected by hand"),
    }.get(action, action)


def _event_detail(entry: CellEvent) -> str:
    """What an edit changed, «: срок «до 1 мая» → «ежегодно, май»», so the history says more
    than that something changed."""
    if entry.action != "measure.edited" or not entry.data:
        return ""
    field = {
        "deadline": _("deadline"),
        "responsible": _("responsible"),
        "title": _("title"),
    }.get(str(entry.data.get("field")), "")
    # Plain text: the template escapes it.
    old = shorten(str(entry.data.get("old") or "—"), 60, one_line=True)
    new = shorten(str(entry.data.get("new") or "—"), 60, one_line=True)
    return f": {field} «{old}» → «{new}»"


class AccessLogger(AbstractAccessLogger):
    """aiohttp's access log without query strings: a download's URL carries initData."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %s %.3fs",
            request.remote,
            request.method,
            request.path,
            response.status,
            time,
        )


def create_board_app(context: BoardContext) -> web.Application:
    """The board as an aiohttp sub-application, to mount at `/board/`."""
    board = web.Application()
    board[CONTEXT] = context
    board[TEMPLATES] = _environment()
    board.router.add_get("/", shell)
    board.router.add_get("/static/{name}", static)
    board.router.add_get("/api/view", view)
    board.router.add_get("/api/cell", cell)
    board.router.add_get("/file/{attachment_id}", attachment)
    board.router.add_get("/export.{fmt:xlsx|docx}", export)
    return board


def mount_board(web_app: web.Application, context: BoardContext, prefix: str = "/board") -> None:
    """Serve the board under `prefix` of an existing aiohttp application (the webhook's)."""

    async def redirect(request: web.Request) -> web.StreamResponse:
        query = f"?{request.query_string}" if request.query_string else ""
        raise web.HTTPFound(f"{prefix}/{query}")

    web_app.router.add_get(prefix, redirect)
    web_app.add_subapp(prefix + "/", create_board_app(context))
