"""The cells a scan was read with doubt in are confirmed or corrected before saving (issue
16): «Check doubtful» on the preview walks through them one message at a time — «Right»,
«Correct» by a short reply read with the importer's rules, «Skip the rest» — and saving
stores the corrected plan. Through the fake Bot API, with the conversation state in memory
and in Redis, on SQLite and PostgreSQL.

Which cells a real recognition doubts depends on Tesseract's version, so the plan here is
a text file whose reading is the scan's kept result (`bot.import_flow` keeps what a scan
was read as beside the file, per period, so that confirming does not recognise the pages
again): the same route a scan takes after its pages are read, with doubt in known cells.
The real recognition of a scan with doubtful cells is walked in test_import_scans."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.import_flow import imports_dir
from bot.limited_reader.tasks import roadmap_to_json
from bot.roadmap import parse_document
from handlers.callbacks import CheckAction, CheckCallback
from storage.uow import UnitOfWork
from tests.conftest import empty_redis_url
from tests.e2e.conftest import RunningBot, e2e_settings, run_bot
from tests.e2e.test_import import CONFIRM, coordinator, roadmaps, seed, wait_preview
from tests.fake_telegram import FakeTelegram

START = CheckCallback(action=CheckAction.START).pack()
RIGHT = CheckCallback(action=CheckAction.RIGHT).pack()
FIX = CheckCallback(action=CheckAction.FIX).pack()
SKIP = CheckCallback(action=CheckAction.SKIP_REST).pack()
BACK = CheckCallback(action=CheckAction.BACK).pack()

TITLE = "План мероприятий по повышению качества образования на 2022—2024 годы"
PLAN = f"""\
{TITLE}

№ п/п\tМероприятие\tСроки исполнения\tОтветственный
1.1.\tУтверждение плана\tфевраль 2022 года\tВоропаева Е.В.
1.2.\tАнализ результатов ВПР\tежегодно, май\tБобров В.С.
1.3.\tОрганизация олимпиады\tдекабрь, март (ежегодно)\tИзотова А.И.
1.4.\tМониторинг грамотности\tежегодно, июнь\tМОУО
1.5.\tИнформирование родителей\tпостоянно\tВоропаева Е.В.
"""
# The cells "recognised" with doubt, in the plan's order.
DOUBTS = {"1.2": ["deadline"], "1.3": ["deadline"], "1.4": ["responsible"], "1.5": ["title"]}


@pytest.fixture(params=["memory", "redis"])
async def walking_bot(
    request: pytest.FixtureRequest, tg: FakeTelegram, tmp_path: Path, e2e_database: str
) -> AsyncIterator[RunningBot]:
    """The bot as the e2e harness runs it, its conversation state in memory or in Redis."""
    settings = e2e_settings(tg, tmp_path, e2e_database)
    if request.param == "redis":
        settings.redis_url = await empty_redis_url()
    async with run_bot(tg, settings) as running:
        yield running


def as_scanned(files_dir: Path, data: bytes) -> None:
    """Keep the plan's reading as a scan's is kept, with doubt in the DOUBTS cells."""
    parsed = parse_document(data, "plan.txt")
    for measure in parsed.measures:
        measure.doubtful = list(DOUBTS.get(measure.number or "", []))
        measure.confidence = 0.52 if measure.doubtful else 0.93
    folder = imports_dir(files_dir)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()
    for period in ("none", "2022-2024"):
        (folder / f"{digest}.scan-{period}.json").write_bytes(roadmap_to_json(parsed))


@pytest.mark.both_databases
async def test_doubtful_cells_are_confirmed_and_corrected_before_saving(
    walking_bot: RunningBot,
) -> None:
    running_bot = walking_bot
    seeded = await seed(running_bot)
    user = coordinator(running_bot)
    data = PLAN.encode("utf-8")
    as_scanned(running_bot.settings.files_dir, data)
    await user.send_document(data, "скан.txt")

    preview = await wait_preview(user)
    assert "Read from the scan with doubt (4): press «Check doubtful»" in preview.content
    assert "🔎 Check doubtful (4)" in preview.button_texts

    # The first cell: measure, field, the text as read and what the bot made of it.
    await user.press(preview, START)
    card = await user.wait_for_text("cells to check")
    assert "4 cells to check" in card.content
    assert "Measure 1.2: Анализ результатов ВПР" in card.content
    assert "Deadline read as: «ежегодно, май»" in card.content
    assert "Understood as: every year: May" in card.content
    assert set(card.button_texts) == {
        "✅ Right",
        "✏️ Correct",
        "⏭ Skip the rest",
        "↩️ Back to the preview",
    }

    # «Right»: the same message goes on to the next cell.
    await user.press(card, RIGHT)
    await running_bot.tg.wait_until(lambda: "Measure 1.3" in card.content, 10)
    assert "Deadline of 1.2 kept as read" in card.content
    assert "3 cells to check" in card.content
    assert "Deadline read as: «декабрь, март (ежегодно)»" in card.content

    # «Correct»: a reply the deadline parser cannot read is refused, the cell stays.
    await user.press(card, FIX)
    await running_bot.tg.wait_until(lambda: "Send the deadline" in card.content, 10)
    assert "within the plan period 2022–2024" in card.content
    await user.send_text("когда получится")
    refused = await user.wait_for_text("I could not read")
    assert "«когда получится» as a deadline inside the plan (2022–2024)" in refused.content
    assert "The cell stays as read" in refused.content
    assert card.buttons == []  # one live set of buttons: on the newest message
    assert set(refused.button_texts) == {"↩️ Back to the cell", "↩️ Back to the preview"}

    # A reply it can read is shown back, and the walk goes on in a new message.
    await user.send_text("март 2023")
    corrected = await user.wait_for_text("Corrected")
    assert "✅ Corrected: deadline of 1.3 is now «март 2023»." in corrected.content
    assert "Understood as: once: March 2023" in corrected.content
    assert "2 cells to check" in corrected.content
    assert "Measure 1.4: Мониторинг грамотности" in corrected.content
    assert "Responsible read as: «МОУО»" in corrected.content
    assert "Understood as: МОУО" in corrected.content
    assert refused.buttons == []

    # «Skip the rest»: the preview again, counting only the cells left unchecked.
    await user.press(corrected, SKIP)
    await running_bot.tg.wait_until(lambda: "2 doubtful cells are left" in corrected.content, 10)
    again = await wait_preview(user)
    assert "Read from the scan with doubt (2): press «Check doubtful»" in again.content
    assert "🔎 Check doubtful (2)" in again.button_texts
    assert preview.buttons == []  # the old preview cannot save
    assert corrected.buttons == []

    # A walk started again and left when the plan is saved: its buttons say so.
    await user.press(again, START)
    late = await user.wait_for_text("Measure 1.4")
    await user.press(again, CONFIRM)
    saved = await user.wait_for_text("Roadmap saved", timeout=30)
    assert "5 measures" in saved.content
    query = await user.press(late, RIGHT)
    answer = await running_bot.tg.wait_for_callback_answer(query)
    assert answer.show_alert and "This check is over" in (answer.text or "")
    # The cells left unconfirmed are a tap away after saving, as before.
    after = await user.wait_for_text("read from the scan with doubt", timeout=30)
    assert "2 measures" in after.content
    assert sorted(after.button_texts) == ["🔎 1.4", "🔎 1.5"]

    stored = await roadmaps(running_bot, seeded.organisation_id)
    roadmap = stored[TITLE]
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        measures = {m.number: m for m in await uow.roadmaps.measures(roadmap.id)}
        assert measures["1.3"].deadline_raw == "март 2023"
        assert measures["1.3"].schedule_kind == "once"
        assert measures["1.3"].schedule["windows"] == [
            [date(2023, 3, 1).isoformat(), date(2023, 3, 31).isoformat()]
        ]
        assert measures["1.2"].deadline_raw == "ежегодно, май"
        assert len(measures["1.2"].schedule["windows"]) == 3
    assert running_bot.tg.failed_calls == []


async def test_a_walk_goes_back_to_the_preview_and_a_cancelled_import_answers_clearly(
    running_bot: RunningBot,
) -> None:
    await seed(running_bot)
    user = coordinator(running_bot)
    data = PLAN.encode("utf-8")
    as_scanned(running_bot.settings.files_dir, data)
    await user.send_document(data, "скан.txt")
    preview = await wait_preview(user)
    await user.press(preview, START)
    card = await user.wait_for_text("4 cells to check")
    await user.press(card, FIX)
    await running_bot.tg.wait_until(lambda: "Send the deadline" in card.content, 10)
    # Back to the preview from the correction: nothing changed, nothing lost.
    await user.press(card, BACK)
    again = await wait_preview(user)
    assert "🔎 Check doubtful (4)" in again.button_texts
    assert card.buttons == [] and "Back to the preview" in card.content
    # A text now is not taken as a correction (the walk is over).
    await user.press(again, START)
    card = await user.wait_for_text("4 cells to check")
    await user.send_text("/cancel")
    await user.wait_for_text("Import cancelled")
    query = await user.press(card, RIGHT)
    answer = await running_bot.tg.wait_for_callback_answer(query)
    assert answer.show_alert and "This check is over" in (answer.text or "")
    assert running_bot.tg.failed_calls == []
