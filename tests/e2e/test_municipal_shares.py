"""A member school's share of its municipality's plan, through the fake Bot API: the school's
coordinator exports it (XLSX/DOCX: the measures it must do, its own reports), gets a Monday
digest of it at the school's own hour, and — two levels — a municipality's summary shows
its part of the region's plan while the region's shows each municipality.

The figures are computed here straight from the tables (tests/e2e/test_municipal_reporting
has the helpers: the municipal sample 002, five schools from a pasted list).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document as DocxDocument
from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.calendar import is_working_day
from bot.jobs import send_digests
from storage.models import Organisation, Roadmap
from storage.uow import UnitOfWork
from tests.e2e.conftest import RunningBot
from tests.e2e.seed import SMALL_PLAN, add_joined_person, save_text_plan
from tests.e2e.test_municipal_reporting import (
    OFFICE,
    SAMPLE_002,
    SCHOOLS,
    Row,
    _due,
    _office,
    _press_report,
    _rows,
    _schools_join,
)
from tests.fake_telegram import ChatMessage, FakeUser

pytestmark = pytest.mark.both_databases

FIRST, SECOND, FOURTH = SCHOOLS[0][0], SCHOOLS[1][0], SCHOOLS[3][0]


def _sheet_rows(data: bytes) -> tuple[str, dict[str, list[str]], list[str]]:
    """The title, the rows of the execution sheet by measure number, and the sheet names."""
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    values = [[str(c.value or "") for c in row] for row in sheet.iter_rows()]
    by_number = {row[0]: row for row in values[2:] if row[0] and len(row) > 4 and row[1]}
    return values[0][0], by_number, book.sheetnames


async def _document(user: FakeUser, send: str) -> ChatMessage:
    await user.send_text(send)
    message = await user.wait_for_message(lambda m: m.document is not None)
    assert message.document is not None
    return message


async def test_a_school_exports_its_share_of_the_municipal_plan(
    running_bot: RunningBot, samples_dir: Path
) -> None:
    tg = running_bot.tg
    office_id = await _office(running_bot, samples_dir, SAMPLE_002)
    office = tg.user(OFFICE, first_name="Лариса")
    contacts = await _schools_join(running_bot, office)
    rows = await _rows(running_bot, office_id)
    dated = sorted((r for r in rows if not r.is_span and r.number), key=lambda r: r.due)
    first = dated[0]
    number = first.number
    assert number is not None
    today = first.due + timedelta(days=7)
    running_bot.clock.set(datetime.fromisoformat(f"{today.isoformat()}T07:00:00+00:00"))
    await _press_report(contacts[FIRST], number)
    await _press_report(contacts[SECOND], number)

    # The first school's XLSX: its measures (those it has occurrences of), its report only.
    school = contacts[FIRST]
    xlsx = await _document(school, "/export xlsx")
    assert xlsx.document is not None
    title, by_number, sheets = _sheet_rows(xlsx.document.data)
    assert FIRST in title and SAMPLE_002.office in title, title
    assert "По организациям" not in sheets  # a school does not see the others
    mine = {r.number for r in rows if r.organisation == FIRST and r.number}
    assert set(by_number) == mine
    line = by_number[number]
    assert "выполнено" in line[4] and "Сидорова" in line[4], line
    text = "\n".join("\t".join(r) for r in by_number.values())
    for other, _short, contact, _t in SCHOOLS[1:]:
        assert other not in text and contact not in text
    # An overdue measure of its share says so (computed here).
    late = [
        r
        for r in rows
        if r.organisation == FIRST
        and not r.is_span
        and r.measure_id != first.measure_id
        and _due(r) < today
        and r.status == "open"
    ]
    for row in late:
        assert row.number is not None
        assert "просрочено" in by_number[row.number][4], by_number[row.number]
    assert FIRST in xlsx.document.file_name or "свои мероприятия" in xlsx.document.file_name

    # A school that did not report: the measure stands overdue, nobody's report in it.
    fourth = await _document(contacts[FOURTH], "/export")
    assert fourth.document is not None
    title, by_number, _sheets = _sheet_rows(fourth.document.data)
    assert FOURTH in title
    assert "просрочено" in by_number[number][4] and "Сидорова" not in by_number[number][4]

    # The DOCX: titled with the plan's owner and the school; the school's line, no line
    # across schools.
    docx = await _document(school, "/export docx")
    assert docx.document is not None
    document = DocxDocument(io.BytesIO(docx.document.data))
    head = "\n".join(p.text for p in document.paragraphs[:10])
    assert FIRST in head and SAMPLE_002.office in head, head
    table = document.tables[0]
    lines = {
        cells[0].text.strip(): cells[-1].text
        for cells in (row.cells for row in table.rows[1:])
        if cells[0].text.strip()
    }
    assert set(lines) >= mine
    assert "выполнено" in lines[number] and "Сидорова" in lines[number]
    assert all("выполнено в " not in value for value in lines.values())  # no line across

    # With a plan of its own too: /export gives its own plan, then offers the share.
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        organisation = await uow.organisations.by_name(FIRST)
        assert organisation is not None
        await save_text_plan(
            uow, organisation.id, SMALL_PLAN, now=running_bot.clock.now(), source_name="own.txt"
        )
    own = await _document(school, "/export xlsx")
    assert own.document is not None
    title, by_number, _sheets = _sheet_rows(own.document.data)
    assert "1.6" in by_number and SAMPLE_002.office not in title
    offer = await school.wait_for_text("Ещё: ваши мероприятия плана")
    assert SAMPLE_002.office in (offer.text or "")
    await school.press(offer, "📊 XLSX")
    share = await school.wait_for_message(lambda m: m.document is not None)
    assert share.document is not None
    title, by_number, _sheets = _sheet_rows(share.document.data)
    assert FIRST in title and set(by_number) == mine

    # Its /summary: its own plan; its share of the office's plan apart, after it (the report
    # of the share's measure counted there, not in its own plan, which has none).
    before = len(school.messages)
    await school.send_text("/summary")
    await school.wait_for_text("Свои мероприятия в плане")
    pages = "\n".join(m.text or "" for m in school.messages[before:])
    own_part, share_part = pages.split("Свои мероприятия в плане", 1)
    assert SAMPLE_002.office in share_part.splitlines()[0]
    assert "Выполнено: 1 из " in share_part
    # SMALL_PLAN's six measures, one deadline each in this year; nothing of the share.
    assert "Сроков в периоде: 6\n" in own_part and "Выполнено: 0" in own_part, own_part
    assert SAMPLE_002.office not in own_part

    # A forged button for a plan that is not its share: refused.
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        own_plan = await uow.session.scalar(
            select(Roadmap.id).where(Roadmap.organisation_id == organisation.id)
        )
    update_ = tg.queue_update(
        "callback_query",
        {
            "id": "forged-share",
            "from": contacts[SECOND].user_dict,
            "chat_instance": "x",
            "message": offer.data,
            "data": f"exs:xlsx:{own_plan}::",
        },
    )
    forged = await tg.wait_for_callback_answer(str(update_["callback_query"]["id"]))
    assert "нет доступа" in (forged.text or ""), forged

    # Its own plan has a measure of the share's number too: /reports shows both, plan by
    # plan, the share's with Сидорова's report (the database's order decided before).
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        await save_text_plan(
            uow,
            organisation.id,
            "План школы на 2022—2024 годы\n\n№ п/п\tМероприятие\tСроки\tОтветственный\n"
            f"{number}.\tСвоё мероприятие школы\tежегодно, май\tБобров В.С.\n",
            now=running_bot.clock.now(),
            source_name="own-2.txt",
        )
    before = len(school.messages)
    await school.send_text(f"/reports {number}")
    await school.wait_for_text("Своё мероприятие школы")
    listed = [m.text or "" for m in school.messages[before:] if number in (m.text or "")]
    assert len(listed) == 2, listed
    assert "Сидорова" in listed[0] and "Отчётов пока нет" in listed[1]
    assert [c for c in tg.failed_calls if c.error_code != 403] == []


def _monday_with_work(rows: list[Row]) -> tuple[date, Row, list[Row]]:
    """A Monday (a working day) with a deadline of the school that week and an overdue one
    before it: the earliest such week."""
    dated = sorted((r for r in rows if not r.is_span and r.number), key=lambda r: r.due)
    for row in dated:
        monday = row.due - timedelta(days=row.due.weekday())
        earlier = [r for r in dated if r.due < monday]
        if len(earlier) >= 2 and is_working_day(monday):
            return monday, row, earlier
    raise AssertionError("no week with work in the sample")


def _section(text: str, heading: str, headings: list[str]) -> str:
    start = text.index(heading)
    ends = [text.index(h, start + 1) for h in headings if h in text[start + 1 :]]
    return text[start : min(ends, default=len(text))]


async def test_a_school_without_its_own_plan_gets_the_digest_of_its_share(
    running_bot: RunningBot, samples_dir: Path
) -> None:
    tg = running_bot.tg
    office_id = await _office(running_bot, samples_dir, SAMPLE_002)
    office = tg.user(OFFICE, first_name="Лариса")
    contacts = await _schools_join(running_bot, office)
    rows = [r for r in await _rows(running_bot, office_id) if r.organisation == FIRST]
    monday, _due_row, earlier = _monday_with_work(rows)
    # The school's own clock: Yekaterinburg (UTC+5), mornings at 8.
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        await uow.session.execute(
            update(Organisation)
            .where(Organisation.name == FIRST)
            .values(timezone="Asia/Yekaterinburg", morning_hour=8)
        )
        await uow.commit()
    # On Friday before, the school reports on one overdue measure.
    reported = earlier[0]
    assert reported.number is not None
    friday = datetime.combine(monday - timedelta(days=3), datetime.min.time(), UTC)
    running_bot.clock.set(friday + timedelta(hours=7))
    await _press_report(contacts[FIRST], reported.number)

    school = contacts[FIRST]
    before = len(school.messages)
    # Monday 07:00 in Yekaterinburg (02:00 UTC): not yet the school's hour.
    running_bot.clock.set(friday + timedelta(days=3, hours=2))
    await send_digests(running_bot.app)
    assert len(school.messages) == before
    # 08:05 there (03:05 UTC): the school's digest, once.
    running_bot.clock.set(running_bot.clock.now() + timedelta(hours=1, minutes=5))
    assert await send_digests(running_bot.app) >= 1
    digest = await school.wait_for_text("Неделя")
    assert [m for m in school.messages[before:] if "Неделя" in (m.text or "")] == [digest]
    text = digest.text or ""
    assert "Включая ваши мероприятия плана «" in text and SAMPLE_002.office in text, text
    for other, _short, contact, _t in SCHOOLS[1:]:
        assert other not in text and contact not in text

    rows = [r for r in await _rows(running_bot, office_id) if r.organisation == FIRST]
    sunday = monday + timedelta(days=6)
    headings = ["Срок на этой неделе", "Просрочено", "Отчёты за неделю"]
    due = {
        r.number
        for r in rows
        if not r.is_span
        and r.status not in ("done", "partial", "not_done")
        and monday <= _due(r) <= sunday
    }
    overdue = {
        r.number
        for r in rows
        if not r.is_span and r.status not in ("done", "partial") and _due(r) < monday
    }
    assert due and overdue
    this_week = _section(text, headings[0], headings)
    late = _section(text, headings[1], headings)
    sent = _section(text, headings[2], headings)
    assert len(overdue) <= 20  # the digest lists up to 20: all of them here
    for number in due:
        assert f"\n{number} " in this_week, (number, this_week)
    for number in overdue:
        assert f"\n{number} " in late, (number, late)
    assert this_week.strip().count("\n") == len(due)
    assert late.strip().count("\n") == len(overdue)
    assert f"{reported.number} " in sent and "выполнено" in sent, sent
    assert reported.number not in overdue

    # Once a week: later ticks send the school nothing more.
    count = len(school.messages)
    running_bot.clock.set(running_bot.clock.now() + timedelta(hours=3))
    await send_digests(running_bot.app)
    await send_digests(running_bot.app)
    assert all("Неделя" not in (m.text or "") for m in school.messages[count:])


REGION = 7501
REGION_PLAN = """\

План мероприятий («Дорожная карта») по развитию региональной системы оценки качества\
 образования на 2022—2024 годы

№ п/п\tМероприятие\tСроки исполнения\tОтветственный
<b>7. Региональный мониторинг</b>\t\t\t
7.1.\tУчастие в региональном мониторинге качества подготовки обучающихся\tфевраль 2022 года\tМОУ
7.2.\tОтчёт о реализации муниципальной программы оценки качества\tмарт 2022 года\tМОУ
"""
OTHER_MUNICIPALITY = "Отдел образования Соседнего района"


async def test_two_levels_the_municipality_sees_its_part_of_the_region_plan(
    running_bot: RunningBot, samples_dir: Path
) -> None:
    """Region → municipality → schools: the municipality's /summary holds its part of the
    region's plan apart from its own plan (and /export offers it); the region's /summary
    gives each municipality's completion."""
    tg = running_bot.tg
    office_id = await _office(running_bot, samples_dir, SAMPLE_002)
    office = tg.user(OFFICE, first_name="Лариса")
    await _schools_join(running_bot, office)
    now = running_bot.clock.now()
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        region = await uow.organisations.add(
            name="Министерство образования области",
            timezone="Europe/Kaliningrad",
            now=now,
            kind="region",
        )
        other = await uow.organisations.add(
            name=OTHER_MUNICIPALITY,
            timezone="Europe/Kaliningrad",
            now=now,
            kind="municipality",
            parent_id=region.id,
        )
        await uow.session.execute(
            update(Organisation).where(Organisation.id == office_id).values(parent_id=region.id)
        )
        await add_joined_person(uow, region.id, "Морозова М.М.", REGION, now=now)
        await uow.commit()
        region_id, other_id = region.id, other.id
        await save_text_plan(uow, region_id, REGION_PLAN, now=now, source_name="region.txt")
    # The region's plan: each municipality has its own occurrences of 7.1 and 7.2.
    shares = await _rows_of(running_bot, region_id)
    assert {(r.organisation, r.number) for r in shares} == {
        (name, number)
        for name in (SAMPLE_002.office, OTHER_MUNICIPALITY)
        for number in ("7.1", "7.2")
    }
    # The municipality reports on 7.1 in April; 7.2 stays unreported.
    running_bot.clock.set(datetime(2022, 4, 11, 7, 0, tzinfo=UTC))
    await _press_report(office, "7.1")

    before = len(office.messages)
    await office.send_text("/summary")
    await office.wait_for_message(lambda m: m.photo is not None)
    text = "\n".join(m.text or "" for m in office.messages[before:] if m.photo is None)
    part = text.split("Свои мероприятия в плане «")[1]
    assert "(Министерство образования области)" in part.splitlines()[0]
    assert "Выполнено: 1 из 2 (50%)" in part, part
    assert "Просрочено: 1" in part and "7.2 " in part, part
    assert "7.1 " not in part
    assert "По организациям" in text  # its schools, as before

    # Its /export: its own plan, then its part of the region's plan offered.
    own = await _document(office, "/export xlsx")
    assert own.document is not None
    title, by_number, _sheets = _sheet_rows(own.document.data)
    assert "7.1" not in by_number
    offer = await office.wait_for_text("Ещё: ваши мероприятия плана")
    assert "Министерство образования области" in (offer.text or "")
    await office.press(offer, "📊 XLSX")
    share = await office.wait_for_message(lambda m: m.document is not None)
    assert share.document is not None
    title, by_number, _sheets = _sheet_rows(share.document.data)
    assert SAMPLE_002.office in title and set(by_number) == {"7.1", "7.2"}
    assert "выполнено" in by_number["7.1"][4] and "Лебедева" in by_number["7.1"][4]
    assert "просрочено" in by_number["7.2"][4]

    # The region: each municipality's completion, worst first.
    regional = tg.user(REGION, first_name="Марина")
    before = len(regional.messages)
    await regional.send_text("/summary")
    await regional.wait_for_message(lambda m: m.photo is not None)
    text = "\n".join(m.text or "" for m in regional.messages[before:] if m.photo is None)
    by_org = text.split("По организациям")[1]
    assert f"{OTHER_MUNICIPALITY} — 0 из 2 (0%)" in by_org, by_org
    assert f"{SAMPLE_002.office} — 1 из 2 (50%)" in by_org, by_org
    assert by_org.index(OTHER_MUNICIPALITY) < by_org.index(SAMPLE_002.office)
    # …and its XLSX: a row per municipality, a column per measure of theirs.
    await regional.send_text("/export xlsx")
    xlsx = await regional.wait_for_message(lambda m: m.document is not None)
    assert xlsx.document is not None
    sheet = load_workbook(io.BytesIO(xlsx.document.data))["По организациям"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][1:3] == ["7.1", "7.2"]
    cells = {row[0]: tuple(row[1:3]) for row in values[3:]}
    assert cells == {
        SAMPLE_002.office: ("выполнено", "нет отчёта"),
        OTHER_MUNICIPALITY: ("нет отчёта", "нет отчёта"),
    }
    assert other_id != office_id


async def _rows_of(bot: RunningBot, owner_id: int) -> list[Row]:
    """Every member's occurrence of the plans `owner_id` owns."""
    return await _rows(bot, owner_id)
