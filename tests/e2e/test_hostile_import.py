"""Issue 13 through the bot: hostile and protected files sent to /import get one clear,
translated message; the bot process stays small and keeps answering others."""

from __future__ import annotations

import pytest

from bot.import_flow import imports_dir
from tests import hostile_files as hostile
from tests.e2e.conftest import START_MOMENT, RunningBot
from tests.e2e.seed import seed_organisation
from tests.fake_telegram import FakeUser
from tests.memory import PeakMemory

COORDINATOR_ID = 7001
MB = 1024 * 1024


async def coordinator(running_bot: RunningBot, language: str = "en") -> FakeUser:
    await seed_organisation(running_bot.app.session_factory, START_MOMENT, plan_reminders=False)
    user = running_bot.tg.user(COORDINATOR_ID, first_name="Галина", language_code=language)
    await user.send_text("/import")
    await user.wait_for_message(lambda m: "/cancel" in m.content)
    return user


async def test_the_docx_of_issue_13_is_refused_fast_and_costs_the_bot_nothing(
    running_bot: RunningBot,
) -> None:
    user = await coordinator(running_bot)
    data, name = hostile.docx_with_header_parts()
    with PeakMemory() as peak:
        await user.send_document(data, name)
        reply = await user.wait_for_text("Not imported", timeout=30)
    assert "absurd size" in (reply.text or "")
    assert peak.growth < 200 * MB
    assert list(imports_dir(running_bot.settings.files_dir).glob("*")) == []
    assert running_bot.tg.failed_calls == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "protected by a password"), ("ru", "защищён паролем")],
)
async def test_a_password_protected_pdf_is_called_protected_not_damaged(
    running_bot: RunningBot, language: str, expected: str
) -> None:
    user = await coordinator(running_bot, language)
    data, name = hostile.encrypted_pdf()
    await user.send_document(data, name)
    reply = await user.wait_for_message(lambda m: "❌" in m.content, timeout=30)
    text = reply.text or ""
    assert expected in text
    assert "DOCX" in text
    assert "damaged" not in text and "повреждён" not in text


async def test_a_protected_docx_says_so_too(running_bot: RunningBot) -> None:
    user = await coordinator(running_bot)
    data, name = hostile.encrypted_office("docx")
    await user.send_document(data, name)
    reply = await user.wait_for_text("Not imported", timeout=30)
    assert "protected by a password" in (reply.text or "")


async def test_others_are_answered_while_a_heavy_file_is_read(
    running_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sheet that takes the reader half a minute (the cell caps lifted so it is read, not
    refused) under a ten-second limit: another person is answered meanwhile, and the
    coordinator is told the reading took too long."""
    import bot.limited_reader as limited
    from bot.roadmap import raw

    monkeypatch.setattr(limited, "DEFAULT_LIMITS", limited.ReaderLimits(wall_seconds=10))
    monkeypatch.setattr(raw, "MAX_MARKUP_UNCOMPRESSED", 10**10)
    monkeypatch.setattr(raw, "PRECOUNT_CELLS_FACTOR", 100)
    user = await coordinator(running_bot)
    data, name = hostile.xlsx_huge_sheet(cells=2_000_000)
    stranger = running_bot.tg.user(7999, first_name="Некто", language_code="en")
    await user.send_document(data, name)
    await running_bot.tg.wait_until(
        lambda: (COORDINATOR_ID, "upload_document") in running_bot.tg.chat_actions,
        10,
        failure="the reading did not start",
    )
    await stranger.send_text("/start")
    answered = await stranger.wait_for_message(lambda m: True, timeout=10)
    assert answered.text
    assert not any("Not imported" in m.content for m in user.messages)
    reply = await user.wait_for_text("Not imported", timeout=60)
    assert "took too long" in (reply.text or "")
