"""Issue 13: `roadmap-bot backup` / `restore`. A copy restored from the archive answers as
the original did, with the same report files; PostgreSQL is pointed to pg_dump; an archive
cannot write outside the places it restores to."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
import tarfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App, build_app
from bot.backup import BackupError, create_backup, read_manifest, restore_backup
from bot.clock import FixedClock
from bot.settings import Settings
from storage.models import Attachment
from storage.uow import UnitOfWork
from tests.e2e.conftest import START_MOMENT, e2e_settings
from tests.e2e.seed import seed_organisation
from tests.fake_telegram import ChatMessage, FakeTelegram, FakeUser

COORDINATOR, BOBROV = 7001, 7002
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% signed order no. 45\n%%EOF\n"
ROOT = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def bot_running(tg: FakeTelegram, settings: Settings) -> AsyncIterator[App]:
    """The real bot, long polling the fake server, as the e2e harness runs it."""
    app = await build_app(settings, FixedClock(START_MOMENT))
    commands_before = len(tg.calls_to("setMyCommands"))
    polling = asyncio.create_task(
        app.dispatcher.start_polling(app.bot, handle_signals=False, polling_timeout=1)
    )
    try:
        await tg.wait_until(
            lambda: len(tg.calls_to("setMyCommands")) > commands_before,
            20,
            failure="the bot did not start",
        )
        yield app
    finally:
        await app.dispatcher.stop_polling()
        await asyncio.wait_for(polling, 20)
        await app.close()


def english(tg: FakeTelegram, telegram_id: int) -> FakeUser:
    return tg.user(telegram_id, first_name="User", language_code="en")


async def ask(user: FakeUser, text: str, expect: str) -> ChatMessage:
    await user.send_text(text)
    return await user.wait_for_text(expect, timeout=20)


async def stored_files(app: App) -> dict[str, bytes]:
    async with UnitOfWork(app.session_factory) as uow:
        assert uow.session is not None
        paths = [a.stored_path for a in (await uow.session.execute(select(Attachment))).scalars()]
    return {p: (app.settings.files_dir / p).read_bytes() for p in paths if p}


async def test_a_restored_copy_answers_the_same(tg: FakeTelegram, tmp_path: Path) -> None:
    original = e2e_settings(tg, tmp_path / "original")
    coordinator, bobrov = english(tg, COORDINATOR), english(tg, BOBROV)
    async with bot_running(tg, original) as app:
        await seed_organisation(app.session_factory, START_MOMENT, linked={"Бобров В.С.": BOBROV})
        await bobrov.send_text("отчёт 1.2")
        await bobrov.wait_for_message(lambda m: "rf:d" in str(m.reply_markup))
        await bobrov.send_document(PDF, "Приказ №45.pdf", mime_type="application/pdf")
        await bobrov.wait_for_text("1 file in the report")
        await bobrov.press(bobrov.last_message, "rf:d")
        await bobrov.wait_for_text("Report saved")
        before = await ask(coordinator, "покажи 1.2", "1.2")
        files_before = await stored_files(app)
        # Taken while the bot runs: the online backup API gives a consistent copy.
        result = create_backup(original, tmp_path / "backup.tar.gz", now=START_MOMENT)
    assert result.database and result.files >= 1
    assert read_manifest(result.archive)["schema_revision"]

    copy = e2e_settings(tg, tmp_path / "copy")
    restored = restore_backup(copy, result.archive, now=START_MOMENT)
    assert restored.database is not None and restored.database.is_file()
    async with bot_running(tg, copy) as app:
        after = await ask(coordinator, "покажи 1.2", "1.2")
        assert await stored_files(app) == files_before != {}
        await coordinator.send_text("/reports 1.2")
        listing = await coordinator.wait_for_text("Бобров В.С.", timeout=20)
    assert (after.text, after.buttons) == (before.text, before.buttons)
    assert "Files: 1" in (listing.text or "")
    assert tg.failed_calls == []


def test_restoring_over_a_database_needs_force_and_keeps_the_old_one(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db' / 'roadmap.db'}",
        files_dir=tmp_path / "files",
    )
    from storage.db import upgrade_sync

    upgrade_sync(settings.database_url)
    (tmp_path / "files" / "ab").mkdir(parents=True)
    (tmp_path / "files" / "ab" / "abc").write_bytes(b"report file")
    archive = create_backup(settings, tmp_path / "b.tar.gz", now=START_MOMENT).archive
    with pytest.raises(BackupError, match="--force"):
        restore_backup(settings, archive, now=START_MOMENT)
    result = restore_backup(settings, archive, now=START_MOMENT, force=True)
    assert result.moved_aside is not None and result.moved_aside.is_file()
    assert result.files == 1
    assert (tmp_path / "files" / "ab" / "abc").read_bytes() == b"report file"


def test_postgresql_is_pointed_to_pg_dump_and_its_files_can_be_archived(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="postgresql://roadmap:secret@db/roadmap",
        files_dir=tmp_path / "files",
    )
    with pytest.raises(BackupError, match="pg_dump"):
        create_backup(settings, tmp_path / "b.tar.gz", now=START_MOMENT)
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "f").write_bytes(b"x")
    result = create_backup(settings, tmp_path / "b.tar.gz", now=START_MOMENT, files_only=True)
    assert (result.database, result.files) == (False, 1)
    # An archive with a SQLite database cannot be restored into PostgreSQL; its files can.
    from storage.db import upgrade_sync

    sqlite = settings.model_copy(
        update={"database_url": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
    )
    upgrade_sync(sqlite.database_url)
    archive = create_backup(sqlite, tmp_path / "s.tar.gz", now=START_MOMENT).archive
    target = settings.model_copy(update={"files_dir": tmp_path / "restored"})
    with pytest.raises(BackupError, match="pg_restore"):
        restore_backup(target, archive, now=START_MOMENT)
    assert restore_backup(target, archive, now=START_MOMENT, files_only=True).files == 1
    assert (tmp_path / "restored" / "f").read_bytes() == b"x"


def test_the_command_line_says_so_for_postgresql(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": "postgresql://roadmap:secret@db/roadmap",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "backup"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("backup: DATABASE_URL is PostgreSQL: ")
    assert "pg_dump" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.glob("*.tar.gz")) == []


@pytest.mark.parametrize(
    "name", ["../escape", "/etc/evil", "files/../../escape", "somewhere/else", "files/link"]
)
def test_an_archive_cannot_write_outside_its_places(tmp_path: Path, name: str) -> None:
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        manifest = b'{"format": "roadmap-bot-backup/1", "database": null}'
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
        info = tarfile.TarInfo(name)
        if name.endswith("link"):
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tar.addfile(info)
        else:
            info.size = 4
            tar.addfile(info, io.BytesIO(b"evil"))
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'r.db'}",
        files_dir=tmp_path / "files",
    )
    with pytest.raises(BackupError, match="unexpected entry"):
        restore_backup(settings, archive, now=START_MOMENT)
    assert not (tmp_path.parent / "escape").exists()
    assert not (tmp_path / "files").exists()
