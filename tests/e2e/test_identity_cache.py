"""Who is writing is read once per process and kept (storage.cache): every change is seen
by the very next message, over HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from storage.models import Membership
from storage.uow import UnitOfWork
from tests.e2e.conftest import RunningBot
from tests.e2e.seed import seed_organisation

pytestmark = pytest.mark.both_databases


async def test_a_language_switch_answers_the_next_question_in_it(
    running_bot: RunningBot,
) -> None:
    now = running_bot.clock.now()
    await seed_organisation(running_bot.app.session_factory, now, linked={"Бобров В.С.": 7002})
    officer = running_bot.tg.user(7002)
    await officer.send_text("что у меня в мае")
    await officer.wait_for_text("Ваши мероприятия")
    await officer.send_text("/settings")
    menu = await officer.wait_for_text("Настройки")
    query = await officer.press(menu, "English")
    assert (await running_bot.tg.wait_for_callback_answer(query)).text == "Saved."
    await officer.send_text("что у меня в мае")
    reply = await officer.wait_for_text("Your measures")
    assert "Ваши мероприятия" not in reply.text
    assert running_bot.tg.failed_calls == []


async def test_someone_removed_is_a_stranger_at_once(running_bot: RunningBot) -> None:
    now = running_bot.clock.now()
    seeded = await seed_organisation(
        running_bot.app.session_factory, now, linked={"Бобров В.С.": 7002}
    )
    officer = running_bot.tg.user(7002)
    await officer.send_text("что у меня в мае")
    await officer.wait_for_text("Ваши мероприятия")
    async with UnitOfWork(running_bot.app.session_factory) as uow:
        person = await uow.people.by_telegram_id(7002)
        assert person is not None
        await uow.session.execute(
            delete(Membership).where(
                Membership.person_id == person.id,
                Membership.organisation_id == seeded.organisation_id,
            )
        )
        await uow.commit()
    await officer.send_text("что у меня в мае")
    reply = await officer.wait_for_text("персональную ссылку-приглашение")
    assert "Ваши мероприятия" not in reply.text
