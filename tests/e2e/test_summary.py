"""Coordinator summaries, charts, exports and the Monday digest, over HTTP.

The numbers are computed here by hand from the small plan (tests/e2e/seed.py) and the
reports the test makes, not taken from the bot.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from docx import Document as DocxDocument
from openpyxl import load_workbook

from bot.jobs import send_digests
from bot.reports.service import ReportStatus, submit_report
from storage.uow import UnitOfWork
from tests.e2e.conftest import RunningBot, identity_for
from tests.e2e.seed import seed_organisation

COORDINATOR, BOBROV = 7001, 7002
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def school(running_bot: RunningBot):  # type: ignore[no-untyped-def]
    seeded = await seed_organisation(
        running_bot.app.session_factory, running_bot.clock.now(), linked={"Бобров В.С.": BOBROV}
    )
    # Бобров reports 1.2 (due 31 May 2022) done.
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        measures = await uow.roadmaps.measures(seeded.roadmap_id)
        measure = next(m for m in measures if m.number == "1.2")
        occurrence = (await uow.roadmaps.occurrences(measure.id))[0]
        identity = await identity_for(uow, BOBROV)
        await submit_report(
            uow,
            identity,
            occurrence_id=occurrence.id,
            status=ReportStatus.DONE,
            now=running_bot.clock.now(),
            text="Анализ проведён",
        )
    running_bot.clock.set(datetime(2022, 6, 15, 6, 0, tzinfo=UTC))
    return seeded


async def test_summary_numbers_match_the_data(running_bot: RunningBot, school) -> None:  # type: ignore[no-untyped-def]
    coordinator = running_bot.tg.user(COORDINATOR)
    await coordinator.send_text("/summary 2022")
    page = await coordinator.wait_for_text("Сроков в периоде")
    text = page.text
    # In 2022: 1.1 (Feb), 1.2 (May), 1.3 (Oct), 1.4 (Jun), 1.5 (continuous), 1.6 (May) = 6.
    assert "Сроков в периоде: 6" in text
    # By 15 June: 1.1 and 1.6 are past due and open, 1.2 is done.
    assert "Из них наступило: 3" in text
    assert "Выполнено: 1" in text
    assert "Просрочено: 2" in text
    assert "Выполнение: 33%" in text
    chart = await coordinator.wait_for_message(lambda m: m.photo is not None)
    assert chart.photo.data.startswith(PNG) and len(chart.photo.data) > 5000
    assert running_bot.tg.failed_calls == []


async def test_summary_from_plain_words_and_drill_into_a_person(
    running_bot: RunningBot, school
) -> None:  # type: ignore[no-untyped-def]
    coordinator = running_bot.tg.user(COORDINATOR)
    await coordinator.send_text("как идёт исполнение")
    page = await coordinator.wait_for_text("Сроков в периоде")
    await coordinator.press(page, "👤 Воропаева Е.В.")
    narrowed = await coordinator.wait_for_text("Сроков в периоде")
    # Воропаева: 1.1, 1.4 and 1.5 in 2022.
    assert "Сроков в периоде: 3" in narrowed.text
    assert running_bot.tg.failed_calls == []


async def test_exports_hold_every_measure(running_bot: RunningBot, school) -> None:  # type: ignore[no-untyped-def]
    coordinator = running_bot.tg.user(COORDINATOR)
    await coordinator.send_text("/export xlsx 2022")
    xlsx = await coordinator.wait_for_message(lambda m: m.document is not None)
    sheet = load_workbook(io.BytesIO(xlsx.document.data)).active
    cells = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    for number in ("1.1", "1.2", "1.3", "1.4", "1.5", "1.6"):
        assert number in cells
    assert "Анализ проведён" in cells
    assert sheet.freeze_panes is not None and sheet.auto_filter.ref

    await coordinator.send_text("выгрузи отчёт за 2022 год в word")
    docx = await coordinator.wait_for_message(lambda m: m.document is not None)
    document = DocxDocument(io.BytesIO(docx.document.data))
    header = [cell.text for cell in document.tables[0].rows[0].cells]
    assert "№ п/п" in header[0] and "Мероприятие" in header[1]
    body = "\n".join(cell.text for row in document.tables[0].rows for cell in row.cells)
    assert "Анализ результатов ВПР" in body and "Утверждение Дорожной карты" in body
    assert "за 2022 год" in "\n".join(p.text for p in document.paragraphs)
    assert running_bot.tg.failed_calls == []


async def test_an_officer_cannot_get_the_organisation_summary(
    running_bot: RunningBot, school
) -> None:  # type: ignore[no-untyped-def]
    officer = running_bot.tg.user(BOBROV)
    await officer.send_text("/summary")
    assert (await officer.wait_for_message()).text == "Это могут делать только координаторы."
    await officer.send_text("сводка за апрель")
    reply = await officer.wait_for_message()
    assert "Сроков в периоде" not in reply.text
    await officer.send_text("/export")
    assert (await officer.wait_for_message()).text == "Это могут делать только координаторы."


async def test_monday_digest_once(running_bot: RunningBot, school) -> None:  # type: ignore[no-untyped-def]
    coordinator = running_bot.tg.user(COORDINATOR)
    running_bot.clock.set(datetime(2022, 6, 20, 5, 0, tzinfo=UTC))  # Monday 07:00 local
    assert await send_digests(running_bot.app) == 0  # before the morning hour
    running_bot.clock.set(datetime(2022, 6, 20, 7, 5, tzinfo=UTC))
    assert await send_digests(running_bot.app) == 1
    digest = await coordinator.wait_for_message(lambda m: m.text is not None)
    assert "Просрочено" in digest.text
    assert "1.1" in digest.text and "1.6" in digest.text  # open and past due
    chart = await coordinator.wait_for_message(lambda m: m.photo is not None)
    assert chart.photo.data.startswith(PNG)
    assert await send_digests(running_bot.app) == 0  # once a week


async def test_a_digest_nobody_received_is_tried_again(running_bot: RunningBot, school) -> None:  # type: ignore[no-untyped-def]
    coordinator = running_bot.tg.user(COORDINATOR)
    running_bot.tg.block(coordinator)
    running_bot.clock.set(datetime(2022, 6, 20, 7, 5, tzinfo=UTC))
    assert await send_digests(running_bot.app) == 1  # tried, refused (blocked)
    running_bot.tg.unblock(coordinator)
    running_bot.clock.set(datetime(2022, 6, 20, 7, 15, tzinfo=UTC))
    assert await send_digests(running_bot.app) == 1  # the next tick sends it
    digest = await coordinator.wait_for_message(lambda m: m.text is not None)
    assert "Просрочено" in digest.text
    assert await send_digests(running_bot.app) == 0


def _cli(tmp_path, database_url: str, *args: str):  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    env |= {"DATABASE_URL": database_url, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_cli_export_writes_both_documents(running_bot: RunningBot, school, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = running_bot.settings.database_url
    result = _cli(
        tmp_path,
        url,
        "export",
        "--org",
        "МАОУ гимназия №1",
        "--period",
        "2022",
        "--format",
        "docx",
    )
    assert result.returncode == 0, result.stderr
    written = tmp_path / "Информация об исполнении за 2022 год.docx"
    table = DocxDocument(str(written)).tables[0]
    assert any("Анализ результатов ВПР" in cell.text for row in table.rows for cell in row.cells)
    result = _cli(
        tmp_path,
        url,
        "export",
        "--org",
        "МАОУ гимназия №1",
        "--format",
        "xlsx",
        "--out",
        "plan.xlsx",
    )
    assert result.returncode == 0, result.stderr
    assert load_workbook(tmp_path / "plan.xlsx").active.max_row > 6
    missing = _cli(tmp_path, url, "export", "--org", "Нет такой")
    assert missing.returncode == 2 and "Нет такой" in missing.stderr
