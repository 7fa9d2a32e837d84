"""The board's buttons: under /summary and as the chat's menu button, only with BOARD_URL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import build_app
from bot.clock import FixedClock
from tests.e2e.conftest import START_MOMENT, e2e_settings
from tests.e2e.seed import seed_organisation
from tests.fake_telegram import FakeTelegram

BOARD_URL = "https://roadmap.example.org/board/"
COORDINATOR = 7001


@pytest.mark.parametrize("board_url", [BOARD_URL, None])
async def test_summary_offers_the_board_only_when_it_has_an_address(
    tg: FakeTelegram, tmp_path: Path, board_url: str | None
) -> None:
    settings = e2e_settings(tg, tmp_path).model_copy(update={"board_url": board_url})
    clock = FixedClock(START_MOMENT)
    app = await build_app(settings, clock)
    polling = asyncio.create_task(
        app.dispatcher.start_polling(app.bot, handle_signals=False, polling_timeout=1)
    )
    try:
        await tg.wait_until(lambda: tg.commands_for(), 20, failure="the bot did not start")
        await seed_organisation(app.session_factory, clock.now())
        coordinator = tg.user(COORDINATOR)
        await coordinator.send_text("/summary 2022")
        page = await coordinator.wait_for_text("Сроков в периоде")
        web_apps = [b for b in page.buttons if "web_app" in b]
        if board_url is None:
            assert web_apps == []
            assert COORDINATOR not in tg.menu_buttons
        else:
            assert [b["web_app"]["url"] for b in web_apps] == [BOARD_URL]
            assert "Доска" in web_apps[0]["text"]
            menu = tg.menu_buttons[COORDINATOR]
            assert menu["type"] == "web_app" and menu["web_app"]["url"] == BOARD_URL
    finally:
        await app.dispatcher.stop_polling()
        await asyncio.wait_for(polling, 20)
        await app.close()
    assert tg.failed_calls == []
