"""Completion reports through Telegram's HTTP API (the fake server), with a seeded plan.

People here write with Telegram language "en", so the texts are the English msgids
whatever the state of the Russian catalogue; buttons are pressed by their callback data.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from sqlalchemy import select

from storage.models import Attachment, AuditEvent, Occurrence, Report
from storage.uow import UnitOfWork
from tests.e2e.conftest import START_MOMENT, RunningBot
from tests.e2e.seed import Seeded, seed_organisation
from tests.fake_telegram import ChatMessage, FakeUser

COORDINATOR = 7001
BOBROV = 7002
VOROPAEVA = 7003
IZOTOVA = 7004
OUTSIDER = 7100  # an officer of another organisation
STRANGER = 7999

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% signed order no. 45\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"scan of the signed order" * 40
JPEG_2 = b"\xff\xd8\xff\xe0" + b"second page" * 40


async def seed(running_bot: RunningBot) -> Seeded:
    for telegram_id in (COORDINATOR, BOBROV, VOROPAEVA, IZOTOVA):
        user(running_bot, telegram_id)  # their chats exist: reminders can reach them
    return await seed_organisation(
        running_bot.app.session_factory,
        START_MOMENT,
        linked={"Бобров В.С.": BOBROV, "Воропаева Е.В.": VOROPAEVA, "Изотова А.И.": IZOTOVA},
        unit_members={"МОУО": ["Изотова А.И."]},
        plan_through=date(2022, 12, 31),
    )


def user(running_bot: RunningBot, telegram_id: int) -> FakeUser:
    return running_bot.tg.user(telegram_id, first_name="User", language_code="en")


def button_data(message: ChatMessage, prefix: str) -> str:
    for button in message.buttons:
        if button.get("callback_data", "").startswith(prefix):
            return button["callback_data"]
    raise AssertionError(f"no button {prefix!r} in {message.describe()}")


def has_button(prefix: str):
    return lambda m: any(b.get("callback_data", "").startswith(prefix) for b in m.buttons)


async def reports_in_db(running_bot: RunningBot) -> list[Report]:
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        result = await uow.session.execute(select(Report).order_by(Report.id))
        rows = list(result.scalars())
        uow.session.expunge_all()  # readable after the unit of work rolls back
        return rows


async def attachments_in_db(running_bot: RunningBot) -> list[Attachment]:
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        result = await uow.session.execute(select(Attachment).order_by(Attachment.id))
        rows = list(result.scalars())
        uow.session.expunge_all()
        return rows


async def deliver_reminder(running_bot: RunningBot, person: FakeUser) -> ChatMessage:
    """The real morning delivery: a week before 1.2 is due, Бобров gets his reminder."""
    running_bot.clock.set(datetime(2022, 5, 24, 7, 0, tzinfo=UTC))
    await running_bot.app.delivery.tick()
    return await person.wait_for_message(has_button("rem:d:"))


async def test_done_from_a_reminder_with_a_pdf_and_a_photo_reaches_the_coordinator(
    running_bot: RunningBot,
) -> None:
    tg = running_bot.tg
    await seed(running_bot)
    bobrov, coordinator = user(running_bot, BOBROV), user(running_bot, COORDINATOR)
    reminder = await deliver_reminder(running_bot, bobrov)
    assert "1.2" in reminder.text

    # Tap one: "done". The reminder shows it; the report is stored at once.
    await bobrov.press(reminder, button_data(reminder, "rem:d:"))
    saved = await bobrov.wait_for_text("Report saved")
    assert "1.2" in saved.text and "done" in saved.text
    await tg.wait_until(lambda: reminder.edited, 10, failure="the reminder was not updated")
    assert "marked done" in reminder.text
    assert not any(b["callback_data"].startswith("rem:d:") for b in reminder.buttons)

    # Then the signed order and a photo of it, straight away.
    await bobrov.send_document(PDF, "Приказ №45.pdf", mime_type="application/pdf")
    await bobrov.wait_for_text("Приказ №45.pdf")
    await bobrov.send_photo(JPEG)
    await bobrov.wait_for_text("2 files in the report")

    reports = await reports_in_db(running_bot)
    assert [(r.status, r.withdrawn_at) for r in reports] == [("done", None)]
    attachments = await attachments_in_db(running_bot)
    assert [a.kind for a in attachments] == ["document", "photo"]
    pdf = attachments[0]
    assert pdf.file_name == "Приказ №45.pdf" and pdf.mime_type == "application/pdf"
    assert pdf.size == len(PDF) and pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    assert pdf.stored_path is not None and pdf.sha256 in pdf.stored_path
    stored = running_bot.settings.files_dir / pdf.stored_path
    assert stored.read_bytes() == PDF
    assert "Приказ" not in str(stored)  # named by checksum, never by the sender's name
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        found = await uow.reports.occurrence(reports[0].occurrence_id)
        assert found is not None and found[0].status == "done"

    # The coordinator sees the new report and gets both files back by their Telegram ids.
    await coordinator.send_text("/reports")
    listing = await coordinator.wait_for_text("Бобров В.С.")
    assert "1.2" in listing.text and "done" in listing.text and "Files: 2" in listing.text
    await coordinator.press(listing, button_data(listing, "rm:f:"))
    document = await coordinator.wait_for_message(lambda m: m.document is not None)
    photo = await coordinator.wait_for_message(lambda m: m.photo is not None)
    assert document.document is not None and document.document.data == PDF
    assert photo.photo is not None and photo.photo.data == JPEG
    sent = tg.calls_to("sendDocument")[-1]
    assert sent.params["document"] == pdf.telegram_file_id  # no re-upload

    # Looked at: the next /reports has nothing new.
    await coordinator.send_text("/reports")
    assert "Nothing new" in (await coordinator.wait_for_text("New reports since")).text
    assert tg.failed_calls == []


async def start_report(person: FakeUser, text: str = "отчёт 1.2") -> ChatMessage:
    await person.send_text(text)
    return await person.wait_for_message(has_button("rf:d"))


async def test_an_album_becomes_one_report(running_bot: RunningBot) -> None:
    await seed(running_bot)
    bobrov = user(running_bot, BOBROV)
    # From idle: an album whose caption names the measure starts the report with all of it.
    await bobrov.send_photo(JPEG, caption="1.2 приказ подписан", media_group_id="album-1")
    await bobrov.send_photo(JPEG_2, media_group_id="album-1")
    await bobrov.send_photo(JPEG + b"3", media_group_id="album-1")
    prompt = await bobrov.wait_for_message(has_button("rf:d"))
    assert "3 files in the report" in prompt.text and "приказ подписан" in prompt.text
    # A second album (of documents) while the report is open joins the same draft.
    await bobrov.send_document(PDF, "page-1.pdf", media_group_id="album-2")
    await bobrov.send_document(PDF + b"2", "page-2.pdf", media_group_id="album-2")
    await bobrov.wait_for_text("5 files in the report")
    await bobrov.press(bobrov.last_message, "rf:d")
    await bobrov.wait_for_text("Report saved")

    reports = await reports_in_db(running_bot)
    assert len(reports) == 1 and reports[0].text == "приказ подписан"
    attachments = await attachments_in_db(running_bot)
    assert len(attachments) == 5 and {a.report_id for a in attachments} == {reports[0].id}
    assert running_bot.tg.failed_calls == []


async def test_cancel_leaves_nothing_behind(running_bot: RunningBot) -> None:
    await seed(running_bot)
    bobrov = user(running_bot, BOBROV)
    await start_report(bobrov, "/report 1.2")
    await bobrov.send_text("почти готово")
    await bobrov.wait_for_text("Text added")
    await bobrov.send_document(PDF, "draft.pdf")
    await bobrov.wait_for_text("1 file in the report")
    await bobrov.press(bobrov.last_message, "rf:x")
    await bobrov.wait_for_text("nothing was saved")
    # The cancel button works from any step, e.g. while asked for the new date.
    prompt = await start_report(bobrov, "сделал 1.2")
    await bobrov.send_photo(JPEG)
    await bobrov.wait_for_text("1 file in the report")
    await bobrov.press(prompt, "rf:l")
    dates = await bobrov.wait_for_message(has_button("rdt:"))
    await bobrov.press(dates, "rf:x")
    await bobrov.wait_for_text("nothing was saved")
    # The old prompt's buttons no longer do anything.
    query = await bobrov.press(prompt, "rf:d")
    answer = await running_bot.tg.wait_for_callback_answer(query)
    assert "no longer in progress" in (answer.text or "")

    assert await reports_in_db(running_bot) == []
    assert await attachments_in_db(running_bot) == []
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        statuses = set((await uow.session.execute(select(Occurrence.status))).scalars())
    assert statuses == {"open"}
    assert running_bot.tg.failed_calls == []


async def test_correction_and_withdrawal_within_24_hours_then_only_the_coordinator(
    running_bot: RunningBot,
) -> None:
    await seed(running_bot)
    bobrov, coordinator = user(running_bot, BOBROV), user(running_bot, COORDINATOR)
    prompt = await start_report(bobrov, "выполнено 1.2")
    await bobrov.press(prompt, "rf:p")  # partly
    saved = await bobrov.wait_for_text("Report saved")
    assert "partly done" in saved.text

    # Correct: new text, then the status.
    await bobrov.press(saved, button_data(saved, "rm:c:"))
    await bobrov.wait_for_message(has_button("rx:"))
    await bobrov.send_text("Приказ №45 подписан 20.05")
    fixed = await bobrov.wait_for_text("the text is replaced")
    await bobrov.press(saved, button_data(saved, "rm:c:"))
    choice = await bobrov.wait_for_message(has_button("rx:"))
    await bobrov.press(choice, button_data(choice, "rx:").replace(":p", ":d"))
    await bobrov.wait_for_text("Report corrected: done")
    (report,) = await reports_in_db(running_bot)
    assert (report.text, report.status) == ("Приказ №45 подписан 20.05", "done")

    # Withdraw: the measure is open again.
    await bobrov.press(fixed, button_data(fixed, "rm:w:"))
    await running_bot.tg.wait_until(lambda: "Report withdrawn" in fixed.text, 10)
    assert fixed.buttons == []
    (report,) = await reports_in_db(running_bot)
    assert report.withdrawn_at is not None

    # A new report, a day and more later: no more changes by the author.
    prompt = await start_report(bobrov)
    await bobrov.press(prompt, "rf:d")
    saved = await bobrov.wait_for_text("Report saved")
    running_bot.clock.advance(hours=25)
    query = await bobrov.press(saved, button_data(saved, "rm:w:"))
    answer = await running_bot.tg.wait_for_callback_answer(query)
    assert answer.show_alert and "24 hours" in (answer.text or "")
    assert (await reports_in_db(running_bot))[-1].withdrawn_at is None

    # The coordinator can reopen it from the measure's reports.
    await coordinator.send_text("/reports 1.2")
    view = await coordinator.wait_for_message(has_button("rro:"))
    assert "(withdrawn)" in view.text
    await coordinator.press(view, button_data(view, "rro:"))
    await coordinator.wait_for_text("open again")
    assert all(r.withdrawn_at is not None for r in await reports_in_db(running_bot))

    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        actions = list(
            (
                await uow.session.execute(select(AuditEvent.action).order_by(AuditEvent.id))
            ).scalars()
        )
    assert actions.count("report.submitted") == 2
    assert actions.count("report.corrected") == 2
    assert "report.withdrawn" in actions and "occurrence.reopened" in actions
    assert running_bot.tg.failed_calls == []


async def test_an_oversized_file_is_refused_politely_and_the_rest_kept(
    running_bot: RunningBot,
) -> None:
    await seed(running_bot)
    bobrov = user(running_bot, BOBROV)
    await start_report(bobrov)
    await bobrov.send_document(b"x" * (20 * 1024 * 1024 + 1), "video-of-the-meeting.mp4")
    refusal = await bobrov.wait_for_text("larger than 20 MB")
    assert "video-of-the-meeting.mp4" in refusal.text and "0 files in the report" in refusal.text
    await bobrov.send_document(PDF, "order.pdf")
    await bobrov.wait_for_text("1 file in the report")
    await bobrov.press(bobrov.last_message, "rf:d")
    await bobrov.wait_for_text("Report saved")
    attachments = await attachments_in_db(running_bot)
    assert [a.file_name for a in attachments] == ["order.pdf"]
    # The size was checked before downloading: Telegram was never asked for the big file.
    assert len(running_bot.tg.calls_to("getFile")) == 1
    assert running_bot.tg.failed_calls == []


async def test_postponement_and_not_done_with_a_reason(running_bot: RunningBot) -> None:
    seeded = await seed(running_bot)
    bobrov = user(running_bot, BOBROV)
    prompt = await start_report(bobrov)
    await bobrov.press(prompt, "rf:l")
    await bobrov.wait_for_message(has_button("rdt:"))
    await bobrov.send_text("10.06.2022")
    await bobrov.wait_for_text("postponed to")
    report = (await reports_in_db(running_bot))[0]
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        found = await uow.reports.occurrence(report.occurrence_id)
        assert found is not None
        status, postponed_to = found[0].status, found[0].postponed_to
        fire_at = [
            r.fire_at
            for r in await uow.reminders.for_person(seeded.persons["Бобров В.С."])
            if r.occurrence_id == report.occurrence_id and r.state == "pending"
        ]
    assert (status, postponed_to) == ("postponed", date(2022, 6, 10))
    # His reminders now lead up to the new date instead of the old one.
    assert fire_at and max(fire_at).date() >= date(2022, 6, 10)

    prompt = await start_report(bobrov, "отчёт 1.4")
    await bobrov.press(prompt, "rf:n")
    await bobrov.wait_for_text("What prevented it")
    await bobrov.send_text("Нет результатов ВПР от ФИОКО")
    await bobrov.wait_for_text("not done")
    last = (await reports_in_db(running_bot))[-1]
    assert (last.status, last.reason) == ("not_done", "Нет результатов ВПР от ФИОКО")
    assert running_bot.tg.failed_calls == []


async def test_a_reply_to_a_reminder_with_a_file_reports_on_its_measure(
    running_bot: RunningBot,
) -> None:
    await seed(running_bot)
    bobrov = user(running_bot, BOBROV)
    reminder = await deliver_reminder(running_bot, bobrov)
    await bobrov.reply_to(reminder, "Приказ подписан")
    prompt = await bobrov.wait_for_message(has_button("rf:d"))
    assert "1.2" in prompt.text and "Приказ подписан" in prompt.text
    await bobrov.press(prompt, "rf:d")
    await bobrov.wait_for_text("Report saved")
    (report,) = await reports_in_db(running_bot)
    assert report.text == "Приказ подписан"
    assert running_bot.tg.failed_calls == []


async def test_a_file_without_a_measure_asks_which_one(running_bot: RunningBot) -> None:
    await seed(running_bot)
    bobrov = user(running_bot, BOBROV)
    await bobrov.send_photo(JPEG)
    question = await bobrov.wait_for_text("Which measure")
    # Nearest due first: 1.2 (May) before 1.4 (June).
    choices = [b["text"] for b in question.buttons if b["callback_data"].startswith("rep:")]
    assert choices[0].startswith("1.2") and choices[1].startswith("1.4")
    await bobrov.press(question, choices[1])
    prompt = await bobrov.wait_for_message(has_button("rf:d"))
    assert "1.4" in prompt.text and "1 file in the report" in prompt.text
    await bobrov.press(prompt, "rf:d")
    await bobrov.wait_for_text("Report saved")
    assert len(await attachments_in_db(running_bot)) == 1
    # He sees his own reports.
    await bobrov.send_text("/myreports")
    mine = await bobrov.wait_for_text("Your reports")
    assert "1.4" in mine.text
    assert running_bot.tg.failed_calls == []


async def test_cancel_command_in_the_middle_of_a_report(running_bot: RunningBot) -> None:
    await seed(running_bot)
    bobrov = user(running_bot, BOBROV)
    await start_report(bobrov, "/report 1.2")
    await bobrov.send_document(PDF, "draft.pdf")
    await bobrov.wait_for_text("1 file in the report")
    await bobrov.send_text("/cancel")
    await bobrov.wait_for_text("nothing was saved", timeout=5)
    assert await reports_in_db(running_bot) == []


async def test_a_typed_button_label_is_that_button(running_bot: RunningBot) -> None:
    await seed(running_bot)
    bobrov = user(running_bot, BOBROV)
    await start_report(bobrov, "/report 1.2")
    await bobrov.send_text("почти готово")
    await bobrov.wait_for_text("Text added")
    # «Отмена» typed in the draft is the Cancel button, not the report's text (in any of
    # the bot's languages: this person reads English buttons).
    await bobrov.send_text("Отмена")
    await bobrov.wait_for_text("nothing was saved", timeout=5)
    assert await reports_in_db(running_bot) == []
    # «выполнено» typed under the results is the ✅ button: the draft's text is the report.
    await start_report(bobrov, "/report 1.2")
    await bobrov.send_text("приказ подписан")
    await bobrov.wait_for_text("Text added")
    await bobrov.send_text("Выполнено")
    await bobrov.wait_for_text("Report saved", timeout=5)
    reports = await reports_in_db(running_bot)
    assert [(r.status, r.text) for r in reports] == [("done", "приказ подписан")]
    assert running_bot.tg.failed_calls == []


async def test_a_document_whose_caption_names_the_measure_starts_its_report(
    running_bot: RunningBot,
) -> None:
    await seed(running_bot)
    bobrov = user(running_bot, BOBROV)
    await bobrov.send_document(PDF, "order.pdf", caption="1.2 приказ подписан")
    prompt = await bobrov.wait_for_message(has_button("rf:d"), timeout=5)
    assert "1.2" in prompt.text and "1 file in the report" in prompt.text


async def forge(running_bot: RunningBot, person: FakeUser, data: str, n: int) -> str | None:
    """Press a button the person was never shown (callback data is user-controlled)."""
    await person.send_text("/help")
    shown = await person.wait_for_message()
    query_id = f"forged-{person.id}-{n}"
    running_bot.tg.queue_update(
        "callback_query",
        {
            "id": query_id,
            "from": person.user_dict,
            "message": shown.data,
            "chat_instance": "1",
            "data": data,
        },
    )
    answer = await running_bot.tg.wait_for_callback_answer(query_id)
    assert answer.show_alert, (data, answer)
    return answer.text


async def test_strangers_and_other_organisations_reach_no_report_or_file(
    running_bot: RunningBot,
) -> None:
    seeded = await seed(running_bot)
    tg = running_bot.tg
    bobrov = user(running_bot, BOBROV)
    prompt = await start_report(bobrov)
    await bobrov.send_document(PDF, "order.pdf")
    await bobrov.wait_for_text("1 file in the report")
    await bobrov.press(prompt, "rf:d")
    await bobrov.wait_for_text("Report saved")
    (report,) = await reports_in_db(running_bot)
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        found = await uow.reports.occurrence(report.occurrence_id)
        assert found is not None
        measure_id = found[1].id
        reminder_id = (await uow.reminders.for_person(seeded.persons["Бобров В.С."]))[-1].id

    # Another organisation with the same plan: its coordinator is on OUTSIDER.
    await seed_organisation(
        running_bot.app.session_factory,
        START_MOMENT,
        name="МБОУ СОШ №2",
        coordinator=("Петров П.П.", OUTSIDER),
        plan_reminders=False,
    )
    forged = [
        f"rm:f:{report.id}",
        f"rm:w:{report.id}",
        f"rm:c:{report.id}",
        f"rx:{report.id}:p",
        f"rep:{report.occurrence_id}",
        f"rem:d:{reminder_id}",
        f"rem:r:{reminder_id}",
        f"mrp:{measure_id}",
        f"rro:{report.occurrence_id}",
    ]
    stranger = user(running_bot, STRANGER)
    outsider = user(running_bot, OUTSIDER)
    colleague = user(running_bot, VOROPAEVA)  # same school, neither author nor coordinator
    for person in (stranger, outsider, colleague):
        for n, data in enumerate(forged):
            text = await forge(running_bot, person, data, n)
            assert text and "Бобров" not in text and "1.2" not in text

    for person in (stranger, outsider, colleague):
        assert not [c for c in tg.calls_to("sendDocument") if c.params["chat_id"] == person.id]
    (after,) = await reports_in_db(running_bot)
    assert (after.status, after.withdrawn_at, after.text) == ("done", None, "")
    # The outsider's own "1.2" is another measure: nothing of Бобров's shows.
    await outsider.send_text("/reports 1.2")
    view = await outsider.wait_for_text("Reports on")
    assert "No reports yet" in view.text and "Бобров" not in view.text
    await outsider.send_text("/reports")
    assert "Бобров" not in (await outsider.wait_for_text("Reports")).text
    assert tg.failed_calls == []
