"""No measure silently dropped, through the fake Bot API: a plan with one deadline the
importer cannot read; its person still gets the monthly check-in marked «срок уточняется»
and sees it in answers; the exports list it; the coordinator fixes it in two messages;
reminders then follow the new deadline; re-importing the same plan keeps the fix and the
preview says so."""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document as DocxDocument
from openpyxl import load_workbook

from handlers.callbacks import ImportAction, ImportCallback
from storage.uow import UnitOfWork
from tests.e2e.conftest import RunningBot
from tests.e2e.seed import seed_organisation
from tests.fake_telegram import ChatMessage

COORDINATOR = 7001
BOBROV = 7002
CONFIRM = ImportCallback(action=ImportAction.CONFIRM).pack()

PLAN = """\

План мероприятий («Дорожная карта») по развитию системы оценки качества\
 образования на 2022—2024 годы

№ п/п\tМероприятие\tСроки исполнения\tОтветственный
<b>1. Организация работы</b>\t\t\t
1.1.\tУтверждение плана работы\tдо 1 марта 2022 года\tБобров В.С.
1.2.\tАнализ сайта школы\tбудет определён позднее\tБобров В.С.
1.3.\tСовещание по итогам года\tежегодно, сентябрь\tБобров В.С.
1.4.\tИнформирование родителей\tпостоянно\tБобров В.С.
"""


async def _measure(running_bot: RunningBot, number: str) -> tuple[str, str | None, list[str]]:
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        (organisation,) = await uow.organisations.list()
        (measure,) = [
            m
            for roadmap in await uow.roadmaps.for_organisation(organisation.id)
            for m in await uow.roadmaps.measures(roadmap.id)
            if m.number == number
        ]
        dues = [o.due_date.isoformat() for o in await uow.roadmaps.occurrences(measure.id)]
        return measure.deadline_raw, measure.deadline_state, dues


def _texts(message: ChatMessage) -> str:
    return message.text or ""


async def test_an_unreadable_deadline_is_checked_in_on_fixed_and_kept(
    running_bot: RunningBot,
) -> None:
    tg = running_bot.tg
    bobrov = tg.user(BOBROV, first_name="Владимир")
    coordinator = tg.user(COORDINATOR, first_name="Галина")
    await seed_organisation(
        running_bot.app.session_factory,
        running_bot.clock.now(),
        plan_text=PLAN,
        linked={"Бобров В.С.": BOBROV},
    )
    raw, state, dues = await _measure(running_bot, "1.2")
    assert (raw, state, dues) == ("будет определён позднее", "unclear", ["2024-12-31"])

    # 1 June 2022, 09:00 in Kaliningrad: the monthly check-in names 1.2, marked.
    running_bot.clock.set(datetime.fromisoformat("2022-06-01T07:00:00+00:00"))
    await running_bot.app.delivery.tick()
    checkin = await bobrov.wait_for_text("Постоянные мероприятия")
    assert "1.2" in checkin.text and "срок уточняется" in checkin.text
    assert "1.4" in checkin.text
    # …and in answers.
    await bobrov.send_text("что у меня в июне")
    answer = await bobrov.wait_for_text("1.2")
    assert "срок уточняется" in answer.text

    # The coordinator's summary lists it first; the exports hold every measure.
    await coordinator.send_text("/summary 2022")
    summary = await coordinator.wait_for_text("Исполнение плана")
    assert "Срок уточняется: 1" in summary.text
    assert summary.text.index("Срок уточняется") < summary.text.index("Сроков в периоде")
    await coordinator.send_text("/export xlsx 2022")
    xlsx = await coordinator.wait_for_message(lambda m: m.document is not None)
    assert xlsx.document is not None
    sheet = load_workbook(io.BytesIO(xlsx.document.data)).active
    assert sheet is not None
    rows = {
        str(row[0].value): [str(c.value or "") for c in row]
        for row in sheet.iter_rows(min_row=3)
        if row[0].value
    }
    assert {"1.1", "1.2", "1.3", "1.4"} <= set(rows)
    assert "срок уточняется" in rows["1.2"][2]
    assert "срок вне периода" not in rows["1.2"][4]
    await coordinator.send_text("/export docx 2022")
    docx = await coordinator.wait_for_message(
        lambda m: m.document is not None and m.document.data != xlsx.document.data  # type: ignore[union-attr]
    )
    assert docx.document is not None
    table = DocxDocument(io.BytesIO(docx.document.data)).tables[0]
    numbers = [row.cells[0].text for row in table.rows]
    assert {"1.1", "1.2", "1.3", "1.4"} <= set(numbers)

    # Two messages: /edit 1.2, a tap on «Срок», the phrase; shown back with its date.
    await coordinator.send_text("/edit 1.2")
    card = await coordinator.wait_for_text("Что исправить?")
    assert "срок уточняется" in card.text
    assert card.button_texts == ["📅 Срок", "👤 Ответственные", "✏️ Название"]
    await coordinator.press(card, "📅 Срок")
    await coordinator.wait_for_text("Пришлите срок")
    await coordinator.send_text("до 24 июня 2022 года")
    saved = await coordinator.wait_for_text("Сохранено")
    assert "24 июня 2022" in saved.text and "Было: «будет определён позднее»" in saved.text
    raw, state, dues = await _measure(running_bot, "1.2")
    assert (raw, state, dues) == ("до 24 июня 2022 года", None, ["2022-06-24"])

    # Reminders follow the new deadline: 7 days before it, Friday 17 June.
    running_bot.clock.set(datetime.fromisoformat("2022-06-17T07:00:00+00:00"))
    await running_bot.app.delivery.tick()
    reminder = await bobrov.wait_for_text("Напоминание")
    assert "1.2" in reminder.text and "24 июня" in reminder.text

    # The same plan imported again: the preview says the fix is kept, and it is.
    await coordinator.send_document(PLAN.encode(), "Дорожная карта.txt")
    preview = await coordinator.wait_for_message(
        lambda m: (
            "проверьте перед сохранением" in _texts(m).lower()
            or "check before saving" in _texts(m)
        ),
        timeout=30,
    )
    assert "сохранены: 1.2 (срок)" in preview.text
    await coordinator.press(preview, CONFIRM)
    await coordinator.wait_for_text("обновлена", timeout=30)
    raw, state, dues = await _measure(running_bot, "1.2")
    assert (raw, state, dues) == ("до 24 июня 2022 года", None, ["2022-06-24"])
    assert tg.failed_calls == []


async def test_one_message_edit_and_a_phrase_not_understood(running_bot: RunningBot) -> None:
    tg = running_bot.tg
    coordinator = tg.user(COORDINATOR, first_name="Галина")
    bobrov = tg.user(BOBROV, first_name="Владимир")
    await seed_organisation(
        running_bot.app.session_factory,
        running_bot.clock.now(),
        plan_text=PLAN,
        linked={"Бобров В.С.": BOBROV},
    )
    # «покажи 1.2» to the coordinator: the measure, marked, with a button to fix it.
    await coordinator.send_text("покажи 1.2")
    shown = await coordinator.wait_for_text("Анализ сайта")
    assert "срок уточняется" in shown.text
    await coordinator.press(shown, "✏️ Исправить 1.2")
    card = await coordinator.wait_for_text("Что исправить?")
    assert card.button_texts == ["📅 Срок", "👤 Ответственные", "✏️ Название"]
    # …and an officer asking the same gets no such button.
    await bobrov.send_text("покажи 1.2")
    officer_view = await bobrov.wait_for_text("Анализ сайта")
    assert not any("Исправить" in text for text in officer_view.button_texts)

    # Asked for a value, a question is a question: answered, the edit dropped.
    await coordinator.press(card, "📅 Срок")
    await coordinator.wait_for_text("Пришлите срок")
    await coordinator.send_text("что у меня в мае")
    await coordinator.wait_for_message(lambda m: "Сохранено" not in (m.text or ""))
    _raw, state, _dues = await _measure(running_bot, "1.2")
    assert state == "unclear"

    # /edit alone lists the deadlines still to be set, with a button each.
    await coordinator.send_text("/edit")
    listing = await coordinator.wait_for_text("Сроки не поняты (1)")
    assert listing.button_texts == ["📅 1.2"]

    await coordinator.send_text("/edit 1.2 срок: когда-нибудь потом")
    refused = await coordinator.wait_for_text("ничего не изменено")
    assert "когда-нибудь потом" in refused.text
    _raw, state, _dues = await _measure(running_bot, "1.2")
    assert state == "unclear"

    await coordinator.send_text("/edit 1.2 срок: ежегодно, май")
    saved = await coordinator.wait_for_text("Сохранено")
    assert "31 мая 2022" in saved.text and "31 мая 2024" in saved.text
    _raw, state, dues = await _measure(running_bot, "1.2")
    assert state is None and dues == ["2022-05-31", "2023-05-31", "2024-05-31"]

    # An officer cannot edit.
    await bobrov.send_text("/edit 1.2 срок: ежегодно, июнь")
    reply = await bobrov.wait_for_message()
    assert "Сохранено" not in (reply.text or "")
    _raw, _state, dues = await _measure(running_bot, "1.2")
    assert dues == ["2022-05-31", "2023-05-31", "2024-05-31"]
    assert tg.failed_calls == []
