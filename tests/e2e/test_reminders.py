"""Onboarding and reminders through the fake Bot API server, the clock moved forward.

The coordinator's plan is the gymnasium sample (Kaliningrad, UTC+2). Deputies join
through their invite links and get their measures on the right mornings, one message
each; the coordinator gets the escalation for what nobody did.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.conftest import RunningBot
from tests.e2e.seed import seed_organisation
from tests.fake_telegram import FakeUser

COORDINATOR, BOBROV, IZOTOVA = 7001, 7002, 7003

pytestmark = pytest.mark.both_databases


def morning(day: str) -> datetime:
    """09:00 in Kaliningrad on that day."""
    return datetime.fromisoformat(f"{day}T07:00:00+00:00")


async def _deliver(bot: RunningBot, moment: datetime) -> None:
    bot.clock.set(moment)
    await bot.app.delivery.tick()


async def _join(bot: RunningBot, samples_dir: Path) -> dict[str, FakeUser]:
    await seed_organisation(
        bot.app.session_factory,
        bot.clock.now(),
        plan_text=(samples_dir / "000_e27fd93dde372018.txt").read_text(encoding="utf-8"),
        coordinator=("Лисичкина Г.А.", COORDINATOR),
    )
    tg = bot.tg
    coordinator = tg.user(COORDINATOR, first_name="Галина")
    await coordinator.send_text("/people")
    listing = await coordinator.wait_for_text("Ещё не подключились")
    assert "Бобров В.С." in listing.text and "Изотова А.И." in listing.text
    await coordinator.press("Ссылки всем неподключённым")
    links = await coordinator.wait_for_text("t.me/")
    tokens = dict(re.findall(r"• (\S+ \S+): https://t\.me/\w+\?start=(\S+)", links.text))
    assert {"Бобров В.С.", "Изотова А.И."} <= set(tokens)
    users = {}
    for name, telegram_id in (("Бобров В.С.", BOBROV), ("Изотова А.И.", IZOTOVA)):
        user = tg.user(telegram_id, first_name=name.split()[0])
        await user.send_text(f"/start {tokens[name]}")
        welcome = await user.wait_for_text("Добро пожаловать")
        assert name in welcome.text
        await coordinator.wait_for_text(f"{name} подключился")
        users[name] = user
    return users


async def test_deputies_join_and_get_their_mornings(
    running_bot: RunningBot, samples_dir: Path
) -> None:
    users = await _join(running_bot, samples_dir)
    bobrov, izotova = users["Бобров В.С."], users["Изотова А.И."]
    tg = running_bot.tg

    # 24 May 2022, 7 days before 31 May: Бобров's 1.3.8 only; Изотова has nothing due.
    await _deliver(running_bot, morning("2022-05-24"))
    message = await bobrov.wait_for_message()
    assert "1.3.8" in message.text and "через 7 дней" in message.text
    assert message.button_texts == ["✅ 1.3.8 выполнено", "⋯ 1.3.8"]
    assert [m for m in izotova.messages if "Напоминание" in (m.text or "")] == []

    # "Remind me in 3 days" (behind "⋯"): quiet until Friday 27 May, then the real count.
    await bobrov.press(message, "⋯ 1.3.8")
    more = await bobrov.wait_for_message(lambda m: "⏰ Через 3 дня" in m.button_texts)
    query = await bobrov.press(more, "⏰ Через 3 дня")
    answer = await tg.wait_for_callback_answer(query)
    assert answer.text == "Напомню 27 мая 2022."
    await _deliver(running_bot, morning("2022-05-25"))
    await _deliver(running_bot, morning("2022-05-27"))
    again = await bobrov.wait_for_message()
    assert "1.3.8" in again.text and "через 4 дня" in again.text

    # 1 June: Изотова's monthly check-ins of her ongoing measures, in one message.
    await _deliver(running_bot, morning("2022-06-01"))
    checkins = await izotova.wait_for_message()
    assert "Постоянные мероприятия" in checkins.text
    assert "что сделано за июнь?" in checkins.text
    assert len(checkins.button_texts) == 1
    overdue = await bobrov.wait_for_message(lambda m: "1.3.8" in (m.text or ""))
    assert "просрочено на 1 день" in overdue.text

    # Nobody reported 1.3.8: on 8 June the coordinator gets the escalation.
    coordinator = tg.user(COORDINATOR)
    await _deliver(running_bot, morning("2022-06-08"))
    escalation = await coordinator.wait_for_text("Просрочено и нет отчёта")
    assert "1.3.8" in escalation.text and "Бобров В.С." in escalation.text
    assert tg.failed_calls == []


async def test_not_mine_tells_the_coordinator(running_bot: RunningBot, samples_dir: Path) -> None:
    users = await _join(running_bot, samples_dir)
    bobrov = users["Бобров В.С."]
    await _deliver(running_bot, morning("2022-05-24"))
    message = await bobrov.wait_for_message()
    await bobrov.press(message, "⋯ 1.3.8")
    more = await bobrov.wait_for_message(lambda m: "🙅 Не моё" in m.button_texts)
    query = await bobrov.press(more, "🙅 Не моё")
    await running_bot.tg.wait_for_callback_answer(query)
    notice = await running_bot.tg.user(COORDINATOR).wait_for_text("не относится")
    assert "1.3.8" in notice.text and "Бобров В.С." in notice.text
    # No more reminders of 1.3.8 for him.
    await _deliver(running_bot, morning("2022-05-30"))
    await _deliver(running_bot, morning("2022-05-31"))
    later = [m for m in bobrov.messages if "1.3.8" in (m.text or "") and "Напоминание" in m.text]
    assert len(later) == 1


async def test_a_blocked_person_is_marked_and_the_coordinator_told(
    running_bot: RunningBot, samples_dir: Path
) -> None:
    users = await _join(running_bot, samples_dir)
    running_bot.tg.block(users["Бобров В.С."])
    await _deliver(running_bot, morning("2022-05-24"))
    notice = await running_bot.tg.user(COORDINATOR).wait_for_text("заблокировал")
    assert "Бобров В.С." in notice.text


async def test_downtime_sends_one_coalesced_message(
    running_bot: RunningBot, samples_dir: Path
) -> None:
    """The bot was down from 23 May to 2 June: Бобров gets one line for 1.3.8 saying it is
    overdue now, not "due in 7 days" and "due tomorrow" after the deadline."""
    users = await _join(running_bot, samples_dir)
    bobrov = users["Бобров В.С."]
    await _deliver(running_bot, morning("2022-06-02"))
    texts = [m.text or "" for m in bobrov.messages if "Напоминание" in (m.text or "")]
    lines = [line for text in texts for line in text.splitlines() if "1.3.8" in line]
    assert len(lines) == 1
    joined = "\n".join(texts)
    assert "просрочено на 2 дня" in joined
    assert "через 7 дней" not in joined and "срок сегодня" not in joined


async def test_wrong_used_and_expired_invites_say_which(
    running_bot: RunningBot, samples_dir: Path
) -> None:
    users = await _join(running_bot, samples_dir)
    stranger = running_bot.tg.user(7999)
    await stranger.send_text("/start not-a-real-token")
    assert "недействительна" in (await stranger.wait_for_message()).text
    # Bobrov's link was used when he joined: a second use is refused.
    coordinator = running_bot.tg.user(COORDINATOR)
    await coordinator.send_text("/invite Потапенко С.М.")
    link = await coordinator.wait_for_text("Потапенко")
    token = re.search(r"start=(\S+)", link.text).group(1)  # type: ignore[union-attr]
    running_bot.clock.set(datetime(2022, 5, 24, 6, 0, tzinfo=UTC))  # 8 days later
    late = running_bot.tg.user(7010)
    await late.send_text(f"/start {token}")
    assert "истёк" in (await late.wait_for_message()).text
    assert users


@pytest.fixture(autouse=True)
def _no_failed_calls(running_bot: RunningBot):  # type: ignore[no-untyped-def]
    yield
    failed = [c for c in running_bot.tg.failed_calls if c.error_code != 403]
    assert failed == []
