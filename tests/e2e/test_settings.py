"""/settings over HTTP, and the private-chats-only rule of every router that serves people."""

from __future__ import annotations

from aiogram.types import Update

from storage.uow import UnitOfWork
from tests.e2e.conftest import RunningBot
from tests.e2e.seed import seed_organisation


async def test_the_menu_speaks_the_new_language_right_after_a_switch(
    running_bot: RunningBot,
) -> None:
    now = running_bot.clock.now()
    await seed_organisation(running_bot.app.session_factory, now, linked={"Бобров В.С.": 7002})
    officer = running_bot.tg.user(7002)
    await officer.send_text("/settings")
    menu = await officer.wait_for_text("Настройки")
    assert "Язык: русский." in menu.text

    query = await officer.press(menu, "English")
    answer = await running_bot.tg.wait_for_callback_answer(query)
    assert answer.text == "Saved."
    edited = await running_bot.tg.wait_until(
        lambda: "Language: English." in (menu.text or "") and menu,
        10,
        failure="the menu was not shown in English",
    )
    assert "Settings" in edited.text and "Настройки" not in edited.text

    query = await officer.press(menu, "Русский")
    assert (await running_bot.tg.wait_for_callback_answer(query)).text == "Сохранено."
    await running_bot.tg.wait_until(
        lambda: "Язык: русский." in (menu.text or ""), 10, failure="not back in Russian"
    )
    assert running_bot.tg.failed_calls == []


async def test_a_group_chat_gets_nothing_and_changes_nothing(running_bot: RunningBot) -> None:
    now = running_bot.clock.now()
    school = await seed_organisation(
        running_bot.app.session_factory, now, linked={"Бобров В.С.": 7002}
    )
    officer = running_bot.tg.user(7002)
    group = {"id": -100500, "type": "group", "title": "Учительская"}
    for number, text in enumerate(("/my", "что у меня в мае", "/settings", "отчёт 1.1")):
        update = Update.model_validate(
            {
                "update_id": 900_000 + number,
                "message": {
                    "message_id": 100 + number,
                    "date": 1_652_680_800,
                    "chat": group,
                    "from": officer.user_dict,
                    "text": text,
                    **(
                        {"entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]}
                        if text.startswith("/")
                        else {}
                    ),
                },
            },
            context={"bot": running_bot.app.bot},
        )
        # The whole dispatcher (middlewares, filters, routers), to the end of the update.
        await running_bot.app.dispatcher.feed_update(running_bot.app.bot, update)
    assert [c for c in running_bot.tg.calls if c.params.get("chat_id") == group["id"]] == []
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        person = await uow.people.get(school.persons["Бобров В.С."])
        assert person is not None and person.chat_id == 7002  # reminders still go to them
    # The same person in their private chat is answered as before.
    await officer.send_text("/my")
    await officer.wait_for_message()
    assert running_bot.tg.failed_calls == []
