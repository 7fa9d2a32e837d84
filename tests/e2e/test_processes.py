"""Several bot processes sharing one PostgreSQL and one Redis (REDIS_URL set).

Real `roadmap-bot run` processes against the fake Bot API server: a report conversation
whose updates the server hands to two webhook processes in turn completes as it would on
one; a morning burst survives a kill -9 of one of two processes. Skipped without
TEST_DATABASE_URL and TEST_REDIS_URL (`.ci/run` sets both and requires these to run).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.reminders.delivery import DEFAULT_CONCURRENCY
from storage.db import create_engine, create_session_factory
from storage.models import Attachment, Report
from storage.uow import UnitOfWork
from tests.conftest import _wipe
from tests.e2e.conftest import ADMIN_ID, START_MOMENT
from tests.e2e.seed import seed_burst, seed_organisation
from tests.fake_telegram import FakeTelegram, FakeUser

ROOT = Path(__file__).resolve().parents[2]
SECRET = "shared-webhook-secret"
PUBLIC_URL = "https://roadmap.example.org/telegram"
BOBROV = 7002
JPEG = b"\xff\xd8\xff\xe0" + b"scan of the signed order" * 40
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture
async def shared_database(_postgres_url: str) -> str:
    engine = create_engine(_postgres_url)
    await _wipe(engine)
    await engine.dispose()
    return _postgres_url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(
    tg: FakeTelegram,
    tmp_path: Path,
    name: str,
    args: list[str],
    **env_extra: str,
) -> subprocess.Popen[bytes]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL", "REDIS_URL"}
    }
    env |= {
        "BOT_TOKEN": tg.token,
        "TELEGRAM_API_URL": tg.base_url,
        "FILES_DIR": str(tmp_path / "files"),  # shared, as a volume would be
        "ADMIN_IDS": str(ADMIN_ID),
        "DEFAULT_TIMEZONE": "Europe/Kaliningrad",
        "PYTHONPATH": str(ROOT),
        **env_extra,
    }
    with (tmp_path / f"{name}.log").open("w") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run", *args],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


async def test_a_report_conversation_across_two_webhook_processes(
    tmp_path: Path, shared_database: str, redis_url: str
) -> None:
    engine = create_engine(shared_database)
    await seed_organisation(
        create_session_factory(engine), START_MOMENT, linked={"Бобров В.С.": BOBROV}
    )
    ports = [_free_port(), _free_port()]
    targets = [f"http://127.0.0.1:{port}/telegram" for port in ports]
    async with FakeTelegram(token="6363:TWO-PROCESSES") as tg:
        bobrov: FakeUser = tg.user(BOBROV, first_name="User", language_code="en")
        tg.deliver_webhooks_to(*targets)
        processes = [
            _start(
                tg,
                tmp_path,
                f"bot-{index}",
                ["run", "--webhook", PUBLIC_URL, "--clock", START_MOMENT.isoformat()][1:],
                DATABASE_URL=shared_database,
                REDIS_URL=redis_url,
                WEBHOOK_SECRET=SECRET,
                WEBHOOK_LISTEN=f"127.0.0.1:{port}",
            )
            for index, port in enumerate(ports)
        ]
        try:
            await tg.wait_until(
                lambda: len([c for c in tg.calls_to("setWebhook") if c.ok]) == 2,
                90,
                failure="both processes did not start",
            )
            assert tg.webhook_secret == SECRET

            # An album whose items go to both processes, then the rest of the report.
            for index in range(3):
                await bobrov.send_photo(
                    JPEG + bytes([index]),
                    caption="1.2 приказ подписан" if index == 0 else None,
                    media_group_id="album-1",
                )
            prompt = await bobrov.wait_for_text("3 files in the report", timeout=30)
            await bobrov.send_text("копия в деле")
            await bobrov.wait_for_text("Text added", timeout=30)
            await bobrov.send_document(PDF, "order.pdf")
            await bobrov.wait_for_text("4 files in the report", timeout=30)
            await bobrov.press(prompt, "rf:d")
            await bobrov.wait_for_text("Report saved", timeout=30)
        finally:
            _stop(processes)

        served = Counter(target for target, _ in tg.webhook_deliveries)
        assert set(served) == set(targets)  # both processes took part
        assert tg.failed_calls == []
        # The album was gathered once, whole, across the processes: never in parts.
        counts = [m.text for m in bobrov.messages if "in the report" in (m.text or "")]
        assert not any("1 file in" in text or "2 files in" in text for text in counts), counts

    async with UnitOfWork(create_session_factory(engine)) as uow:
        assert uow.session is not None
        reports = list((await uow.session.execute(select(Report))).scalars())
        attachments = list((await uow.session.execute(select(Attachment))).scalars())
        assert [(r.status, r.text) for r in reports] == [("done", "приказ подписан\nкопия в деле")]
        assert len(attachments) == 4 and {a.report_id for a in attachments} == {reports[0].id}
    await engine.dispose()


PEOPLE = 90
FIRE_AT = datetime(2022, 5, 16, 6, 0, tzinfo=UTC)  # 09:00 in Moscow


def _received(tg: FakeTelegram) -> Counter[int]:
    return Counter(
        int(call.params["chat_id"])
        for call in tg.calls_to("sendMessage")
        if call.ok and "Напоминание" in str(call.params.get("text", ""))
    )


async def test_a_kill_of_one_of_two_processes_mid_burst_loses_nothing(
    tmp_path: Path, shared_database: str, redis_url: str
) -> None:
    engine = create_engine(shared_database)
    recipients = await seed_burst(create_session_factory(engine), people=PEOPLE, fire_at=FIRE_AT)
    await engine.dispose()
    async with FakeTelegram(token="6464:KILL-ONE", enforce_limits=True) as tg:
        for telegram_id in recipients:
            tg.user(telegram_id)
        env = {
            "DATABASE_URL": shared_database,
            "REDIS_URL": redis_url,
            "DELIVERY_INTERVAL": "1",
            "DELIVERY_LEASE": "10",  # the dead process's claimed rows come back soon
        }
        clock = (FIRE_AT + timedelta(minutes=1)).isoformat()
        doomed, survivor = (
            _start(tg, tmp_path, f"bot-{name}", ["--clock", clock], **env)
            for name in ("doomed", "survivor")
        )
        try:
            await tg.wait_until(
                lambda: sum(_received(tg).values()) >= PEOPLE // 3, 120, failure="a third"
            )
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(30)
            assert 0 < sum(_received(tg).values()) < PEOPLE  # killed mid-burst indeed
            await tg.wait_until(
                lambda: set(_received(tg)) >= set(recipients), 120, failure="every recipient"
            )
            await asyncio.sleep(2)  # anything sent twice would arrive now
        finally:
            _stop([doomed, survivor])

    received = _received(tg)
    assert [chat for chat in recipients if received[chat] == 0] == []
    assert sum(count - 1 for count in received.values() if count > 1) <= DEFAULT_CONCURRENCY


async def test_one_of_two_polling_processes_polls_and_the_other_takes_over(
    tmp_path: Path, shared_database: str, redis_url: str
) -> None:
    """Telegram lets one process poll a bot: the two agree through Redis on which, so no
    update is answered twice and no poll is refused; when the poller is killed, the other
    polls within the lock's lifetime."""
    env = {"DATABASE_URL": shared_database, "REDIS_URL": redis_url}
    async with FakeTelegram(token="6565:POLL-ONCE") as tg:
        olga = tg.user(9001, first_name="Ольга")
        processes = [_start(tg, tmp_path, f"poller-{index}", [], **env) for index in range(2)]
        logs = [tmp_path / f"poller-{index}.log" for index in range(2)]

        def poller() -> int | None:
            chosen = [
                index
                for index, log in enumerate(logs)
                if "this process receives the updates" in log.read_text(errors="replace")
            ]
            return chosen[-1] if chosen else None

        try:
            await tg.wait_until(lambda: poller() is not None, 90, failure="nobody polls")
            first = poller()
            assert first is not None
            await olga.send_text("/start")
            await olga.wait_for_text("Здравствуйте, Ольга!", timeout=30)
            await asyncio.sleep(2)  # a second poller would have been refused by now
            # Never two polls at once while both live.
            assert [c for c in tg.failed_calls if c.method == "getUpdates"] == []

            processes[first].send_signal(signal.SIGKILL)
            processes[first].wait(30)
            await olga.send_text("/start")
            await tg.wait_until(
                lambda: (
                    len([m for m in olga.messages if "Здравствуйте, Ольга!" in (m.text or "")])
                    == 2
                ),
                90,
                failure="the other process did not take over",
            )
            assert "this process receives the updates" in logs[1 - first].read_text()
            await asyncio.sleep(2)  # a second answer to either /start would arrive now
        finally:
            _stop(processes)

    assert len([m for m in olga.messages if "Здравствуйте, Ольга!" in (m.text or "")]) == 2
    # At most the dead poller's last poll, ended by its successor's.
    assert len([c for c in tg.failed_calls if c.method == "getUpdates"]) <= 1
