"""A heavy morning through the fake Bot API: a person with a dozen ongoing measures and
several deadlines gets two short messages, sees everything with "show all", acts on one
measure through "⋯", and answers the monthly check-in on several measures at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.models import Occurrence, Report
from storage.uow import UnitOfWork
from tests.e2e.conftest import RunningBot
from tests.e2e.seed import seed_organisation
from tests.fake_telegram import ChatMessage

BOBROV = 7002
ONGOING = 12
DEADLINES = 8


def _plan() -> str:
    rows = [
        "План мероприятий («Дорожная карта») по развитию системы оценки качества образования"
        " на 2022—2024 годы",
        "",
        "№ п/п\tМероприятие\tСроки исполнения\tОтветственный",
        "<b>1. Постоянная работа</b>\t\t\t",
    ]
    rows += [
        f"1.{i}.\tМониторинг направления {i} качества образования\tпостоянно\tБобров В.С."
        for i in range(1, ONGOING + 1)
    ]
    rows.append("<b>2. Сроки</b>\t\t\t")
    rows += [
        f"2.{i}.\tПодготовка отчёта {i} о результатах\tдо {i + 1} июня 2022 года\tБобров В.С."
        for i in range(1, DEADLINES + 1)
    ]
    return "\n".join(rows) + "\n"


def _buttons(message: ChatMessage) -> list[str]:
    return message.button_texts


async def test_a_heavy_morning_fits_and_checkins_are_answered_at_once(
    running_bot: RunningBot,
) -> None:
    tg = running_bot.tg
    bobrov = tg.user(BOBROV, first_name="Владимир")
    await seed_organisation(
        running_bot.app.session_factory,
        running_bot.clock.now(),
        plan_text=_plan(),
        linked={"Бобров В.С.": BOBROV},
    )
    # 1 June 2022, 09:00 in Kaliningrad: the first working day of the month.
    running_bot.clock.set(datetime.fromisoformat("2022-06-01T07:00:00+00:00"))
    await running_bot.app.delivery.tick()
    deadlines = await bobrov.wait_for_text("Напоминание")
    checkins = await bobrov.wait_for_text("Постоянные мероприятия")
    assert len(bobrov.messages) == 2
    for message in (deadlines, checkins):
        assert len(message.text or "") <= 1500
        assert len(_buttons(message)) <= 8
    assert "Постоянные мероприятия (12): что сделано за июнь?" in checkins.text
    assert _buttons(checkins) == ["📝 Отчитаться по нескольким"]
    assert _buttons(deadlines)[:2] == ["✅ 2.1 выполнено", "⋯ 2.1"]
    assert _buttons(deadlines)[-1] == "📋 Показать все (7)"

    # "Show all": every deadline of the morning, with buttons, a page at a time.
    await bobrov.press(deadlines, "📋 Показать все (7)")
    page = await bobrov.wait_for_text("Всё из напоминания (7)")
    assert "Страница 1 из 2" in page.text and "2.1" in page.text
    await bobrov.press(page, "▶")
    await tg.wait_until(lambda: "Страница 2 из 2" in (page.text or ""), 10)
    assert "2.7" in page.text  # 2.8 (due 9 June) is not due for a reminder yet

    # The monthly check-in: tick everything, one text, "partly done" for each measure.
    await bobrov.press(checkins, "📝 Отчитаться по нескольким")
    picker = await bobrov.wait_for_text("Отметьте постоянные мероприятия")
    await bobrov.press(picker, "☑ Все (12)")
    await bobrov.wait_for_text("Отчёт по нескольким мероприятиям (12)")
    await bobrov.send_text("Провели мониторинг по всем направлениям")
    draft = await bobrov.wait_for_text("Текст добавлен")
    await bobrov.press(draft, "◐ Частично")
    await bobrov.wait_for_text("Отчёт сохранён по 12 мероприятиям")

    async with UnitOfWork(running_bot.app.session_factory) as uow:
        assert uow.session is not None
        rows = (
            await uow.session.execute(
                select(Report.text, Report.status, Occurrence.status).join(
                    Occurrence, Occurrence.id == Report.occurrence_id
                )
            )
        ).all()
    assert len(rows) == ONGOING
    assert {r for r in rows} == {("Провели мониторинг по всем направлениям", "partial", "partial")}
    assert tg.failed_calls == []


async def test_a_forged_pick_of_a_measure_not_offered_is_refused(
    running_bot: RunningBot,
) -> None:
    tg = running_bot.tg
    bobrov = tg.user(BOBROV)
    await seed_organisation(
        running_bot.app.session_factory,
        running_bot.clock.now(),
        plan_text=_plan(),
        linked={"Бобров В.С.": BOBROV},
    )
    running_bot.clock.set(datetime.fromisoformat("2022-06-01T07:00:00+00:00"))
    await running_bot.app.delivery.tick()
    checkins = await bobrov.wait_for_text("Постоянные мероприятия")
    await bobrov.press(checkins, "📝 Отчитаться по нескольким")
    picker = await bobrov.wait_for_text("Отметьте постоянные мероприятия")
    update = tg.queue_update(
        "callback_query",
        {
            "id": "forged-pick",
            "from": bobrov.user_dict,
            "chat_instance": "x",
            "message": picker.data,
            "data": "cp:99999",
        },
    )
    answer = await tg.wait_for_callback_answer(str(update["callback_query"]["id"]))
    assert answer.show_alert and "устарела" in (answer.text or "")
