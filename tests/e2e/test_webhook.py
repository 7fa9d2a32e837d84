"""Webhook mode: the bot registers its URL and answers updates POSTed to its own server."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
SECRET = "webhook-secret-for-tests"


def _spawn(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with (cwd / "bot.log").open("w") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_answers_posted_updates(tmp_path: Path) -> None:
    port = _free_port()
    public_url = "https://roadmap.example.org/telegram"  # what Telegram would call
    url = f"http://127.0.0.1:{port}/telegram"  # where the bot's server listens
    async with FakeTelegram(token="6161:WEBHOOK-TEST") as tg:
        user = tg.user(9001, first_name="Ольга")
        env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
        env |= {
            "BOT_TOKEN": tg.token,
            "TELEGRAM_API_URL": tg.base_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hook.db'}",
            "WEBHOOK_LISTEN": f"127.0.0.1:{port}",
            "WEBHOOK_SECRET": SECRET,
            "PYTHONPATH": str(ROOT),
        }
        process = _spawn(["run", "--webhook", public_url], tmp_path, env)
        try:
            await tg.wait_until(lambda: tg.webhook_url == public_url, 60, failure="no setWebhook")
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 1652680800,
                    "chat": {"id": 9001, "type": "private", "first_name": "Ольга"},
                    "from": user.user_dict,
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            async with aiohttp.ClientSession() as http:
                for _ in range(100):  # the server starts listening right after setWebhook
                    try:
                        async with http.post(url, json=update) as refused:
                            assert refused.status == 401  # no secret: not Telegram
                        break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.1)
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                async with http.post(url, json=update, headers=headers) as accepted:
                    assert accepted.status == 200
                # The same server serves the coordinator's board, behind initData.
                board = f"http://127.0.0.1:{port}/board"
                async with http.get(board + "/") as page:
                    assert page.status == 200 and "board.js" in await page.text()
                async with http.get(board + "/api/view") as refused:
                    assert refused.status == 401
            reply = await user.wait_for_message(timeout=20)
            assert "Здравствуйте, Ольга!" in reply.text
        finally:
            process.terminate()
            process.wait(30)
    assert tg.failed_calls == []


def test_a_refused_webhook_url_stops_with_one_line(tmp_path: Path) -> None:
    async def scenario() -> subprocess.CompletedProcess[str]:
        async with FakeTelegram(token="6262:WEBHOOK-TEST") as tg:
            env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
            env |= {
                "BOT_TOKEN": tg.token,
                "TELEGRAM_API_URL": tg.base_url,
                "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hook.db'}",
                "WEBHOOK_LISTEN": f"127.0.0.1:{_free_port()}",
                "PYTHONPATH": str(ROOT),
            }
            return await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "bot", "run", "--webhook", "http://insecure/hook"],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )

    result = asyncio.run(scenario())
    assert result.returncode == 2
    assert "HTTPS" in result.stderr and "Traceback" not in result.stderr


async def test_the_web_command_serves_the_board_beside_polling(tmp_path: Path) -> None:
    port = _free_port()
    database = f"sqlite+aiosqlite:///{tmp_path / 'web.db'}"
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    env |= {"BOT_TOKEN": "6161:WEB-TEST", "DATABASE_URL": database, "PYTHONPATH": str(ROOT)}
    migrate = [sys.executable, "-m", "bot", "migrate"]
    await asyncio.to_thread(subprocess.run, migrate, cwd=tmp_path, env=env, check=True)
    process = _spawn(["web", "--listen", f"127.0.0.1:{port}"], tmp_path, env)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/board") as page:
                        assert page.status == 200 and "board.js" in await page.text()
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError((tmp_path / "bot.log").read_text())
            async with http.get(f"http://127.0.0.1:{port}/board/static/board.js") as script:
                assert script.status == 200 and "initData" in await script.text()
            async with http.get(
                f"http://127.0.0.1:{port}/board/api/view", headers={"Authorization": "tma x"}
            ) as refused:
                assert refused.status == 401
    finally:
        process.terminate()
        process.wait(30)
