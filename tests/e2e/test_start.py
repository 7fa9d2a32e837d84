"""A new user presses /start and /help through Telegram's HTTP API (the fake server)."""

from __future__ import annotations

from tests.e2e.conftest import RunningBot


async def test_start_greets_a_stranger_in_russian_and_sets_the_menu(
    running_bot: RunningBot,
) -> None:
    tg = running_bot.tg
    user = tg.user(5001, first_name="Ирина", language_code="ru")
    await user.send_text("/start")
    reply = await user.wait_for_message()
    assert "Здравствуйте, Ирина!" in reply.text
    assert "ссылку-приглашение" in reply.text  # a stranger learns how to get in, sees no data

    ru_menu = [c["command"] for c in tg.commands_for("default", "")]
    en_menu = {c["command"]: c["description"] for c in tg.commands_for("default", "en")}
    assert {"start", "help", "my", "report", "import", "summary"} <= set(ru_menu)
    assert en_menu["help"] == "What the bot can do"
    assert tg.failed_calls == []


async def test_help_answers_in_the_users_language(running_bot: RunningBot) -> None:
    tg = running_bot.tg
    russian = tg.user(5002, language_code="ru")
    english = tg.user(5003, first_name="Ann", language_code="en")
    await russian.send_text("/help")
    await english.send_text("/help")
    assert "Что я умею" in (await russian.wait_for_message()).text
    assert "What I can do" in (await english.wait_for_message()).text
    assert tg.failed_calls == []


async def test_a_stranger_sees_no_data_only_how_to_join(running_bot: RunningBot) -> None:
    user = running_bot.tg.user(5004)
    await user.send_text("что у меня в мае")
    reply = await user.wait_for_message()
    assert "ссылку-приглашение" in reply.text
    assert running_bot.tg.failed_calls == []
