"""Issue 13: the network drops mid-send — a TCP reset, not an HTTP error — during a
reminder burst, while the bot uploads a file and while it downloads one. Nothing is lost,
and nothing is sent twice except the messages that were in flight when the line dropped
(a message Telegram carried out but whose answer never came back)."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from storage.models import Attachment, Reminder
from storage.uow import UnitOfWork
from tests.e2e.conftest import START_MOMENT, RunningBot
from tests.e2e.seed import seed_burst, seed_organisation
from tests.fake_telegram import FakeUser
from tests.hostile_files import plan_docx

COORDINATOR, BOBROV = 7001, 7002
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% signed order no. 45\n%%EOF\n" * 500

pytestmark = pytest.mark.both_databases


def english(running_bot: RunningBot, telegram_id: int) -> FakeUser:
    return running_bot.tg.user(telegram_id, first_name="User", language_code="en")


def no_generic_error(*users: FakeUser) -> None:
    for person in users:
        for message in person.messages:
            assert "went wrong" not in message.content, message.describe()


async def reminder_states(running_bot: RunningBot) -> dict[str, int]:
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        rows = await uow.session.execute(
            select(Reminder.state, func.count()).group_by(Reminder.state)
        )
        return {state: count for state, count in rows.all()}


async def test_a_reminder_burst_loses_nothing_when_connections_drop(
    running_bot: RunningBot,
) -> None:
    tg = running_bot.tg
    people = await seed_burst(running_bot.app.session_factory, people=60, fire_at=START_MOMENT)
    for telegram_id in people:
        tg.user(telegram_id)
    # Some messages are cut before Telegram sees them, some after it delivered them.
    tg.reset_connections("sendMessage", every=7, times=4)
    tg.reset_connections("sendMessage", every=11, times=3, after=True)

    await running_bot.app.delivery.tick()
    for _ in range(6):  # whatever was put off for later goes out on the next ticks
        if (await reminder_states(running_bot)).get("pending", 0) == 0:
            break
        running_bot.clock.set(running_bot.clock.now() + timedelta(minutes=31))
        await running_bot.app.delivery.tick()

    assert len(tg.resets) == 7
    received = Counter(call.params["chat_id"] for call in tg.calls_to("sendMessage") if call.ok)
    assert set(received) == set(people)  # nothing lost
    in_flight = sum(1 for _, after in tg.resets if after)
    assert sum(received.values()) - len(people) <= in_flight  # repeats: only those in flight
    assert await reminder_states(running_bot) == {"sent": len(people)}


async def test_an_upload_cut_mid_send_reaches_the_coordinator_once(
    running_bot: RunningBot,
) -> None:
    await seed_organisation(running_bot.app.session_factory, START_MOMENT)
    coordinator = english(running_bot, COORDINATOR)
    running_bot.tg.reset_connections("sendDocument")  # the XLSX upload is cut off
    await coordinator.send_text("/export xlsx 2022")
    export = await coordinator.wait_for_message(lambda m: m.document is not None, timeout=30)
    sheet = load_workbook(io.BytesIO(export.document.data)).active
    assert sheet.max_row > 3
    assert running_bot.tg.resets == [("senddocument", False)]
    assert [m for m in coordinator.messages if m.document is not None] == [export]
    no_generic_error(coordinator)


async def test_an_upload_whose_answer_is_lost_is_repeated_at_most_once(
    running_bot: RunningBot,
) -> None:
    await seed_organisation(running_bot.app.session_factory, START_MOMENT)
    coordinator = english(running_bot, COORDINATOR)
    running_bot.tg.reset_connections("sendDocument", after=True)
    await coordinator.send_text("/export xlsx 2022")
    await coordinator.wait_for_message(lambda m: m.document is not None, timeout=30)
    await running_bot.tg.wait_until(lambda: len(running_bot.tg.calls_to("sendDocument")) >= 2, 10)
    documents = [m for m in coordinator.messages if m.document is not None]
    assert 1 <= len(documents) <= 2  # the one in flight may arrive twice, never more
    no_generic_error(coordinator)


async def test_a_plan_whose_download_is_cut_halfway_is_fetched_again(
    running_bot: RunningBot,
) -> None:
    await seed_organisation(running_bot.app.session_factory, START_MOMENT, plan_reminders=False)
    coordinator = english(running_bot, COORDINATOR)
    running_bot.tg.reset_connections("download")
    await coordinator.send_document(plan_docx(), "Дорожная карта гимназии.docx")
    preview = await coordinator.wait_for_message(
        lambda m: "check before saving" in m.content or "went wrong" in m.content, timeout=30
    )
    assert "check before saving" in preview.content
    assert running_bot.tg.resets == [("download", False)]


async def test_a_report_file_whose_download_is_cut_is_stored_whole(
    running_bot: RunningBot,
) -> None:
    for telegram_id in (COORDINATOR, BOBROV):
        english(running_bot, telegram_id)
    await seed_organisation(
        running_bot.app.session_factory, START_MOMENT, linked={"Бобров В.С.": BOBROV}
    )
    bobrov = english(running_bot, BOBROV)
    await bobrov.send_text("отчёт 1.2")
    await bobrov.wait_for_message(
        lambda m: any(b.get("callback_data", "").startswith("rf:d") for b in m.buttons)
    )
    running_bot.tg.reset_connections("download")
    await bobrov.send_document(PDF, "Приказ №45.pdf", mime_type="application/pdf")
    await bobrov.wait_for_text("1 file in the report", timeout=30)
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        drafts = (await uow.session.execute(select(Attachment))).scalars().all()
        assert drafts == []  # nothing saved before the report is
    await bobrov.press(bobrov.last_message, "rf:d")
    await bobrov.wait_for_text("Report saved")
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        [attachment] = (await uow.session.execute(select(Attachment))).scalars().all()
        stored_path = attachment.stored_path
    assert running_bot.tg.resets == [("download", False)]
    assert stored_path is not None
    assert (running_bot.settings.files_dir / stored_path).read_bytes() == PDF
    no_generic_error(bobrov)
