"""A municipal plan with schools, a few reports and a file, another organisation, and the
board's web server on a local port: what the board tests (and the screenshots) look at.

`expected_cells` computes what the board should show straight from the stored rows, with
rules written out here independently of `bot.board`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from aiohttp import web
from sqlalchemy import select

from bot.board.auth import init_data_for
from bot.clock import FixedClock
from bot.imports import store_roadmap
from bot.member_list import parse_member_lines
from bot.members import add_members
from bot.roadmap import parse_text
from bot.settings import Settings
from handlers.web import AccessLogger, BoardContext, mount_board
from storage.db import SessionFactory
from storage.models import (
    Attachment,
    Measure,
    Occurrence,
    Organisation,
    Person,
    Reminder,
    Report,
    Role,
)
from storage.uow import UnitOfWork
from tests.e2e.seed import add_joined_person, seed_organisation

TOKEN = "4242:TEST-TOKEN-for-the-board"
NOW = datetime(2022, 5, 16, 6, 0, tzinfo=UTC)  # Monday 08:00 in Kaliningrad
TODAY = date(2022, 5, 16)
COORDINATOR = 7101  # the office's coordinator
OFFICER = 7102  # an officer of the office
OTHER_COORDINATOR = 7001  # the coordinator of another organisation (a gymnasium)
SCHOOL_COORDINATOR = 7201  # the coordinator of one of the office's schools (Сидорова)
UNIT_KINDS = {
    "МОУО": ("owner", None),
    "УО": ("owner", None),
    "ОО": ("member_organisations", "school"),
    "ДОО": ("member_organisations", "kindergarten"),
    "ГБУ ДО КО КОИРО": ("external", None),
    "МО КО": ("external", None),
    "ГБУ КО «РЦО»": ("external", None),
    "ГБУ КО НОО ПРОД": ("external", None),
}
SCHOOLS = """\
1. МБОУ «СОШ № 1 г. Правдинска»; Сидорова Анна Алексеевна
2. МБОУ «СОШ № 2»; Петров П.П.
3. МБОУ «Железнодорожная СОШ»
4. МБОУ «Домновская ООШ»; Кузнецова К.К.
"""
REPORT_TEXT = "Проведено совещание с руководителями, протокол № 4"
FILE_NAME = "protokol-4.pdf"
FILE_CONTENT = b"%PDF-1.4 board test file\n"


@dataclass
class World:
    office_id: int
    roadmap_id: int
    other_id: int
    other_roadmap_id: int
    reported_occurrence: int  # has REPORT_TEXT and FILE_NAME
    reported_measure: int
    reported_school: int
    attachment_id: int
    own_school: int  # SCHOOL_COORDINATOR's school
    school_names: dict[int, str] = field(default_factory=dict)


async def _person(uow: UnitOfWork, organisation_id: int, name: str, tid: int, role: Role) -> int:
    return await add_joined_person(uow, organisation_id, name, tid, now=NOW, role=role)


async def build_world(
    session_factory: SessionFactory, samples_dir: Path, files_dir: Path
) -> World:
    text = (samples_dir / "002_6e3e695228452652.txt").read_text(encoding="utf-8")
    async with UnitOfWork(session_factory) as uow:
        office = await uow.organisations.add(
            name="Управление образования Правдинского округа",
            timezone="Europe/Kaliningrad",
            now=NOW,
            kind="municipality",
        )
        stored = await store_roadmap(
            uow, organisation_id=office.id, parsed=parse_text(text), now=NOW, unit_kinds=UNIT_KINDS
        )
        await _person(uow, office.id, "Белкова С.Н.", COORDINATOR, Role.COORDINATOR)
        await _person(uow, office.id, "Иванов И.И.", OFFICER, Role.OFFICER)
        await uow.commit()
        await add_members(uow, parent_id=office.id, members=parse_member_lines(SCHOOLS), now=NOW)
    other = await seed_organisation(
        session_factory, NOW, coordinator=("Лисичкина Г.А.", OTHER_COORDINATOR)
    )

    # Reports: on schools' occurrences due by today (done, partly, postponed, not done),
    # one of them with a text and a stored file.
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        rows = (
            await uow.session.execute(
                select(Occurrence, Organisation.name)
                .join(Measure, Measure.id == Occurrence.measure_id)
                .join(Organisation, Organisation.id == Occurrence.organisation_id)
                .where(
                    Measure.roadmap_id == stored.roadmap_id,
                    Occurrence.organisation_id != office.id,
                    Occurrence.is_span.is_(False),
                    Occurrence.due_date <= date(2022, 6, 30),
                    Occurrence.due_date >= date(2022, 1, 1),
                )
                .order_by(Occurrence.due_date, Occurrence.id)
            )
        ).all()
        assert len(rows) >= 6, "the sample should give the schools deadlines by June"
        author = (
            await uow.session.execute(select(Person).where(Person.telegram_user_id == COORDINATOR))
        ).scalar_one()
        plan = [
            ("done", REPORT_TEXT, None),
            ("partial", "Частично: два из трёх классов", None),
            ("postponed", "Перенос из-за карантина", date(2022, 9, 30)),
            ("not_done", "Не проведено", None),
            ("done", "Сделано", None),
        ]
        picked = rows[:: max(1, len(rows) // len(plan))][: len(plan)]
        first: tuple[Occurrence, int] | None = None
        attachment_id = 0
        for (occurrence, _name), (status, body, moved) in zip(picked, plan, strict=False):
            report = Report(
                occurrence_id=occurrence.id,
                person_id=author.id,
                status=status,
                text=body,
                postponed_to=moved,
                created_at=NOW,
                updated_at=NOW,
            )
            uow.session.add(report)
            await uow.session.flush()
            if status in ("done", "partial", "not_done"):
                occurrence.status = status
                occurrence.closed_at = NOW
            else:
                occurrence.status = status
                occurrence.postponed_to = moved
            if first is None:
                first = (occurrence, report.id)
                stored_path = "ab/board-test-file"
                (files_dir / "ab").mkdir(parents=True, exist_ok=True)
                (files_dir / stored_path).write_bytes(FILE_CONTENT)
                attachment = Attachment(
                    report_id=report.id,
                    kind="document",
                    telegram_file_id="FILE-1",
                    telegram_file_unique_id="U-FILE-1",
                    file_name=FILE_NAME,
                    mime_type="application/pdf",
                    size=len(FILE_CONTENT),
                    stored_path=stored_path,
                    created_at=NOW,
                )
                uow.session.add(attachment)
                await uow.session.flush()
                attachment_id = attachment.id
        assert first is not None
        # A reminder sent about the reported occurrence: it shows in the measure's history.
        uow.session.add(
            Reminder(
                organisation_id=first[0].organisation_id,
                occurrence_id=first[0].id,
                person_id=author.id,
                kind="due",
                fire_at=NOW,
                state="sent",
                sent_at=NOW,
            )
        )
        own_school = (
            await uow.session.execute(
                select(Organisation.id).where(
                    Organisation.parent_id == office.id, Organisation.name.contains("СОШ № 2")
                )
            )
        ).scalar_one()
        await _person(uow, own_school, "Петров П.П.", SCHOOL_COORDINATOR, Role.COORDINATOR)
        assert own_school != office.id
        names = dict(
            (
                await uow.session.execute(
                    select(Organisation.id, Organisation.name).where(
                        Organisation.parent_id == office.id
                    )
                )
            ).all()
        )
        await uow.commit()
    occurrence = first[0]
    return World(
        office_id=office.id,
        roadmap_id=stored.roadmap_id,
        other_id=other.organisation_id,
        other_roadmap_id=other.roadmap_id,
        reported_occurrence=occurrence.id,
        reported_measure=occurrence.measure_id,
        reported_school=occurrence.organisation_id,
        attachment_id=attachment_id,
        own_school=own_school,
        school_names=names,
    )


# What the board should show, computed here from the rows ----------------------------------

WORST_FIRST = "orspnd"  # overdue, not reported, postponed, partly, not yet due, done


def _letter(occurrence: Occurrence, report: Report | None, today: date) -> str:
    state = occurrence.status
    if state == "open" and report is not None:
        state = report.status
    due = occurrence.due_date
    if state == "postponed":
        due = occurrence.postponed_to or (report.postponed_to if report else None) or due
    past = due < today
    if state == "done":
        return "d"
    if state == "partial":
        return "p"
    if past and state == "open" and report is None:
        return "r"
    if (past and not occurrence.is_span) or state == "not_done":
        return "o"
    if state == "postponed":
        return "s"
    return "n"


async def expected_cells(
    session_factory: SessionFactory,
    roadmap_id: int,
    start: date,
    end: date,
    *,
    by: str = "school",
    only: str | None = None,
) -> dict[tuple[int, str], str]:
    """{(measure id, column key): letter} for the board of the plan over [start, end]."""
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        occurrences = (
            (
                await uow.session.execute(
                    select(Occurrence)
                    .join(Measure, Measure.id == Occurrence.measure_id)
                    .where(Measure.roadmap_id == roadmap_id, Measure.archived_at.is_(None))
                )
            )
            .scalars()
            .all()
        )
        reports: dict[int, Report] = {}
        for report in (
            await uow.session.execute(select(Report).where(Report.withdrawn_at.is_(None)))
        ).scalars():
            current = reports.get(report.occurrence_id)
            if current is None or report.id > current.id:
                reports[report.occurrence_id] = report
        # Read everything now: the rows expire when the unit of work ends.
        for row in (*occurrences, *reports.values()):
            uow.session.expunge(row)
    cells: dict[tuple[int, str], list[str]] = defaultdict(list)
    for occurrence in occurrences:
        inside = (
            occurrence.window_start <= end and occurrence.due_date >= start
            if occurrence.is_span
            else start <= occurrence.due_date <= end
        )
        if not inside:
            continue
        letter = _letter(occurrence, reports.get(occurrence.id), TODAY)
        if only is not None and letter != only:
            continue
        if by == "school":
            key = f"o{occurrence.organisation_id}"
        else:
            due = occurrence.due_date
            if letter == "s" and occurrence.postponed_to:
                due = occurrence.postponed_to
            due = min(max(due, start), end)
            key = f"{due.year}-{due.month:02d}"
        cells[(occurrence.measure_id, key)].append(letter)
    return {key: min(letters, key=WORST_FIRST.index) for key, letters in cells.items()}


# The web server ------------------------------------------------------------------------------


def board_settings(database_url: str, files_dir: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        database_url=database_url,
        files_dir=files_dir,
        board_url="https://board.example.org/board/",
    )


@asynccontextmanager
async def board_server(session_factory: SessionFactory, settings: Settings) -> AsyncIterator[str]:
    """The board on 127.0.0.1 (a free port); yields its base URL (`…/board/`)."""
    web_app = web.Application()
    mount_board(
        web_app,
        BoardContext(settings=settings, clock=FixedClock(NOW), session_factory=session_factory),
    )
    runner = web.AppRunner(web_app, access_log_class=AccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/board/"
    finally:
        await runner.cleanup()


def init_data(user_id: int, *, auth_date: datetime = NOW, language: str = "ru") -> str:
    return init_data_for(user_id, TOKEN, auth_date=auth_date, language=language)
