"""What a municipal coordinator sees once the schools report (issue 10, items 6 and 7),
through the fake Bot API, with the municipal sample (002) and the city sample (004):

the plan imported, five schools added from a pasted list, their contacts join, three schools
report on a measure; then the municipal /summary (completion per school, worst first) and
«какие школы не отчитались по N» are checked against figures computed here straight from
the database, the XLSX «По организациям» sheet and the DOCX line across schools hold, and a
school sees its own school only (also with forged callback data).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document as DocxDocument
from openpyxl import load_workbook
from sqlalchemy import and_, or_, select

from storage.models import Measure, Occurrence, Organisation, Report, Roadmap
from storage.uow import UnitOfWork
from tests.e2e.conftest import RunningBot
from tests.e2e.seed import SMALL_PLAN, add_joined_person, save_text_plan
from tests.fake_telegram import FakeUser

OFFICE = 7001
# (full name, short name, contact, Telegram id)
SCHOOLS = [
    ("МБОУ «СОШ № 1»", "СОШ №1", "Сидорова А.А.", 7101),
    ("МБОУ «СОШ № 2»", "СОШ №2", "Петров П.П.", 7102),
    ("МБОУ «СОШ № 3»", "СОШ №3", "Кузнецова К.К.", 7103),
    ("МБОУ «Железнодорожная СОШ»", "Железнодорожная СОШ", "Орлова О.О.", 7104),
    ("МАОУ «Гимназия № 5»", "Гимназия №5", "Зайцев З.З.", 7105),
]
REPORTING = SCHOOLS[:3]

pytestmark = pytest.mark.both_databases


@dataclass(frozen=True)
class Sample:
    file: str
    office: str


SAMPLE_002 = Sample("002_6e3e695228452652.txt", "Управление образования Правдинского округа")
SAMPLES = [
    pytest.param(SAMPLE_002, id="002-municipal"),
    pytest.param(
        Sample("004_d69cd12a23d95c9e.txt", "Департамент образования г. Мегиона"), id="004-city"
    ),
]


async def _office(bot: RunningBot, samples_dir: Path, sample: Sample) -> int:
    text = (samples_dir / sample.file).read_text(encoding="utf-8")
    now = bot.clock.now()
    async with UnitOfWork(bot.app.session_factory) as uow:
        office = await uow.organisations.add(
            name=sample.office, timezone="Europe/Kaliningrad", now=now, kind="municipality"
        )
        await add_joined_person(uow, office.id, "Лебедева Л.Л.", OFFICE, now=now)
        await uow.commit()
        await save_text_plan(uow, office.id, text, now=now, source_name=sample.file)
        return office.id


async def _schools_join(bot: RunningBot, office: FakeUser) -> dict[str, FakeUser]:
    await office.send_text("/schools")
    await office.wait_for_text("Пришлите список")
    await office.send_text(
        "\n".join(
            f"{i}. {name}; {contact}" for i, (name, _s, contact, _t) in enumerate(SCHOOLS, 1)
        )
    )
    await office.wait_for_text("Добавлено организаций: 5")
    links = await office.wait_for_text("Ссылки-приглашения для координаторов")
    tokens = dict(re.findall(r"— (\S+ \S+): https://t\.me/\w+\?start=(\S+)", links.text))
    contacts = {}
    for name, _short, contact, telegram_id in SCHOOLS:
        user = bot.tg.user(telegram_id, first_name=contact.split()[0])
        await user.send_text(f"/start {tokens[contact]}")
        await user.wait_for_text("Добро пожаловать")
        contacts[name] = user
    return contacts


@dataclass(frozen=True)
class Row:
    organisation: str
    measure_id: int
    number: str | None
    due: date
    window_start: date
    is_span: bool
    status: str
    postponed_to: date | None
    reported: bool


async def _rows(bot: RunningBot, office_id: int, roadmap_owner: int | None = None) -> list[Row]:
    """Every school's occurrence of the office's plan (or of the plans `roadmap_owner`
    owns), read straight from the tables."""
    roadmap_owner = office_id if roadmap_owner is None else roadmap_owner
    async with UnitOfWork(bot.app.session_factory) as uow:
        assert uow.session is not None
        reported = select(Report.occurrence_id).where(Report.withdrawn_at.is_(None))
        result = await uow.session.execute(
            select(
                Organisation.name,
                Measure.id,
                Measure.number,
                Occurrence.due_date,
                Occurrence.window_start,
                Occurrence.is_span,
                Occurrence.status,
                Occurrence.postponed_to,
                Occurrence.id.in_(reported),
            )
            .join(Occurrence, Occurrence.organisation_id == Organisation.id)
            .join(Measure, Measure.id == Occurrence.measure_id)
            .join(Roadmap, Roadmap.id == Measure.roadmap_id)
            .where(
                Organisation.parent_id == office_id,
                Roadmap.organisation_id == roadmap_owner,
                Measure.archived_at.is_(None),
            )
        )
        return [Row(*row) for row in result.all()]


def _due(row: Row) -> date:
    if row.status == "postponed" and row.postponed_to is not None:
        return row.postponed_to
    return row.due


def _expected_completion(rows: list[Row], today: date) -> dict[str, tuple[int, int]]:
    """done and due per school over this calendar year, by the definitions of the README."""
    start, end = date(today.year, 1, 1), date(today.year, 12, 31)
    figures: dict[str, tuple[int, int]] = {}
    for row in rows:
        in_year = (
            row.window_start <= end and row.due >= start
            if row.is_span
            else start <= row.due <= end
        )
        if not in_year:
            continue
        done, due = figures.get(row.organisation, (0, 0))
        assessed = _due(row) < today or row.status in ("done", "partial", "not_done")
        figures[row.organisation] = (done + (row.status == "done"), due + assessed)
    return figures


def _percent(done: int, due: int) -> int:
    value = int(done * 100 / due + 0.5)
    return max(min(value, 99 if done < due else 100), 1 if done else 0)


async def _press_report(user: FakeUser, number: str) -> None:
    await user.send_text(f"/report {number}")
    prompt = await user.wait_for_message(
        lambda m: any(b.get("callback_data", "").startswith("rf:d") for b in m.buttons)
    )
    await user.press(prompt, "rf:d")
    await user.wait_for_text("Отчёт сохранён")


async def _text_after(user: FakeUser, send: str, expect: str) -> str:
    await user.send_text(send)
    first = await user.wait_for_text(expect)
    return first.text or ""


@pytest.mark.parametrize("sample", SAMPLES)
async def test_the_municipal_coordinator_sees_each_school_and_a_school_only_itself(
    running_bot: RunningBot, samples_dir: Path, sample: Sample
) -> None:
    tg = running_bot.tg
    office_id = await _office(running_bot, samples_dir, sample)
    office = tg.user(OFFICE, first_name="Лариса")
    contacts = await _schools_join(running_bot, office)

    # The measure the schools report on: the schools' first dated one; "today" a week after.
    rows = await _rows(running_bot, office_id)
    assert {r.organisation for r in rows} == {name for name, *_ in SCHOOLS}
    dated = sorted((r for r in rows if not r.is_span and r.number), key=lambda r: r.due)
    first = dated[0]
    number = first.number
    assert number is not None
    today = first.due + timedelta(days=7)
    running_bot.clock.set(datetime.fromisoformat(f"{today.isoformat()}T07:00:00+00:00"))
    for name, *_ in REPORTING:
        await _press_report(contacts[name], number)

    rows = await _rows(running_bot, office_id)
    reported_on = {r.organisation for r in rows if r.measure_id == first.measure_id and r.reported}
    assert reported_on == {name for name, *_ in REPORTING}

    # The first school also has a plan of its own: a line of its own in the roll-up.
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        first_school = await uow.organisations.by_name(SCHOOLS[0][0])
        assert first_school is not None
        await save_text_plan(
            uow, first_school.id, SMALL_PLAN, now=running_bot.clock.now(), source_name="own.txt"
        )
    own_rows = await _rows(running_bot, office_id, roadmap_owner=first_school.id)
    own_done, own_due = _expected_completion(own_rows, today).get(SCHOOLS[0][0], (0, 0))

    # /summary: one line per school, worst first, each as computed here (the schools' own
    # plans apart).
    before = len(office.messages)
    await office.send_text("/summary")
    await office.wait_for_message(lambda m: m.photo is not None)  # the chart comes last
    pages = [m for m in office.messages[before:] if m.photo is None]
    summary = pages[-1]  # with the buttons
    text = "\n".join(m.text or "" for m in pages)
    assert "По организациям" in pages[0].text
    expected = _expected_completion(rows, today)
    shorts = {name: short for name, short, *_ in SCHOOLS}
    positions = []
    for name, (done, due) in expected.items():
        if due:
            line = f"{shorts[name]} — {done} из {due} ({_percent(done, due)}%)"
        else:
            line = f"{shorts[name]} — пока нет наступивших сроков"
        assert line in text, (line, text)
        positions.append((text.index(line), done / due if due else 2.0))
    rates = [rate for _pos, rate in sorted(positions)]
    assert rates == sorted(rates)  # worst first
    rollup = text.split("Собственные планы организаций")[1]
    (own_line,) = [
        line for line in rollup.splitlines() if line.startswith(f"{shorts[SCHOOLS[0][0]]}: ")
    ]
    assert "План мероприятий" in own_line
    if own_due:
        assert f"— {own_done} из {own_due} ({_percent(own_done, own_due)}%)" in own_line
    else:
        assert own_line.endswith("сроки не наступили"), own_line
    # A 🏫 button opens one school's figures.
    school_button = f"🏫 {shorts[SCHOOLS[3][0]]}"
    assert school_button in summary.button_texts
    await office.press(summary, school_button)
    drill = await office.wait_for_text(SCHOOLS[3][0])
    done, due = expected[SCHOOLS[3][0]]
    assert f"Выполнено: {done}" in (drill.text or "")
    assert all(name not in (drill.text or "") for name, *_ in SCHOOLS[:3])

    # «какие школы не отчитались по N»: who, short, as computed here.
    answer = await _text_after(office, f"какие школы не отчитались по {number}", "Не отчитались")
    owing = {
        r.organisation
        for r in rows
        if r.measure_id == first.measure_id
        and _due(r) < today
        and r.status == "open"
        and not r.reported
    }
    assert owing == {name for name, *_ in SCHOOLS[3:]}
    assert f"{len(owing)} из 5" in answer
    for name, *_ in SCHOOLS:
        assert (name in answer) == (name in owing), (name, answer)
    assert "По организациям" not in answer  # not the whole summary

    # «что просрочено у Железнодорожной СОШ»: that school's overdue, counted here.
    late = [
        r
        for r in rows
        if r.organisation == SCHOOLS[3][0]
        and not r.is_span
        and _due(r) < today
        and r.status not in ("done", "partial")
    ]
    overdue = await _text_after(office, "что просрочено у Железнодорожной СОШ", "Железнодорожн")
    assert f"Просрочено у {SCHOOLS[3][0]}: {len(late)}" in overdue, overdue
    assert number in overdue

    # «сводка по Железнодорожной СОШ»: that school's figures, as its 🏫 button gives them.
    await office.send_text("сводка по Железнодорожной СОШ")
    asked = await office.wait_for_text(f"Исполнение плана за {today.year} год\n{SCHOOLS[3][0]}")
    assert f"Выполнено: {done}" in (asked.text or "")

    # The XLSX sheet «По организациям»: the reporting schools done, the others not reported.
    await office.send_text("/export xlsx")
    xlsx = await office.wait_for_message(lambda m: m.document is not None)
    assert xlsx.document is not None
    sheet = load_workbook(io.BytesIO(xlsx.document.data))["По организациям"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    column = values[1].index(number)
    cells = {row[0]: row[column] for row in values[3:]}
    assert set(cells) == {name for name, *_ in SCHOOLS}
    for name, *_ in SCHOOLS:
        assert cells[name] == ("выполнено" if name in reported_on else "нет отчёта"), cells

    # The DOCX: the measure's line across schools.
    await office.send_text("/export docx")
    docx = await office.wait_for_message(lambda m: m.document is not None)
    assert docx.document is not None
    table = DocxDocument(io.BytesIO(docx.document.data)).tables[0]
    line = next(
        cells[-1].text
        for cells in (row.cells for row in table.rows)
        if cells[0].text.strip() == number
    )
    assert "выполнено в 3 из 5 организаций" in line, line
    not_done = line.split("не выполнено:")[1].split(";")[0]
    assert {n.strip() for n in not_done.split(", ")} == owing

    # A school sees its own school only, whatever it asks or forges.
    school = contacts[SCHOOLS[0][0]]
    own = await _text_after(school, "/summary", "Исполнение")
    assert SCHOOLS[0][0] in own
    for name, *_ in SCHOOLS[1:]:
        assert name not in own
    assert "По организациям" not in own
    await school.wait_for_message(lambda m: m.photo is not None)  # the summary's last
    await school.send_text(f"какие школы не отчитались по {number}")
    reply = await school.wait_for_message(lambda m: m.text)
    for name, *_ in SCHOOLS[1:]:
        assert name not in (reply.text or "")
    # Its reports on the measure: its own, never another school's. (Its own plan may have a
    # measure of that number too: each comes in a message of its own, plan by plan.)
    before = len(school.messages)
    await school.send_text(f"/reports {number}")
    await school.wait_for_text("Сидорова")
    listed = "\n".join(m.text or "" for m in school.messages[before:])
    for _name, _short, contact, _t in SCHOOLS[1:]:
        assert contact not in listed
    # Forged drill-down buttons: another school's id, and another school's coordinator.
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        ids = dict(
            (
                await uow.session.execute(
                    select(Organisation.name, Organisation.id).where(
                        or_(
                            Organisation.parent_id == office_id, and_(Organisation.id == office_id)
                        )
                    )
                )
            ).all()
        )
    message = school.messages[-1]
    for index, data in enumerate((f"sum:o:{ids[SCHOOLS[1][0]]}::", f"sum:o:{office_id}::")):
        update = tg.queue_update(
            "callback_query",
            {
                "id": f"forged-{index}",
                "from": school.user_dict,
                "chat_instance": "x",
                "message": message.data,
                "data": data,
            },
        )
        forged = await tg.wait_for_callback_answer(str(update["callback_query"]["id"]))
        assert "нет доступа" in (forged.text or ""), forged
    before = len(school.messages)
    update = tg.queue_update(
        "callback_query",
        {
            "id": "forged-person",
            "from": school.user_dict,
            "chat_instance": "x",
            "message": message.data,
            "data": f"sum:p:{7102}::",
        },
    )
    await tg.wait_for_callback_answer(str(update["callback_query"]["id"]))
    seen = "\n".join(m.content for m in school.messages[before:])
    for name, *_ in SCHOOLS[1:]:
        assert name not in seen
    assert [c for c in tg.failed_calls if c.error_code != 403] == []


async def test_a_long_summary_reaches_the_chat_under_telegrams_limits(
    running_bot: RunningBot, samples_dir: Path
) -> None:
    """Pages and the chart at one chat: a 429 is waited out, nothing is lost."""
    tg = running_bot.tg
    await _office(running_bot, samples_dir, SAMPLE_002)
    office = tg.user(OFFICE, first_name="Лариса")
    await _schools_join(running_bot, office)
    running_bot.clock.set(datetime.fromisoformat("2022-12-20T07:00:00+00:00"))
    tg.set_limits(True, per_chat_per_second=1)
    before = len(office.messages)
    await office.send_text("/summary")
    chart = await office.wait_for_message(lambda m: m.photo is not None, timeout=60)
    received = office.messages[before:]
    pages = [m for m in received if m.photo is None]
    assert len(pages) >= 3 and "Исполнение плана" in (pages[0].text or "")
    assert any("🏫" in text for text in pages[-1].button_texts)  # the last page came too
    assert received[-1] is chart
    failures = [c for c in tg.failed_calls if c.error_code != 429]
    assert failures == []
