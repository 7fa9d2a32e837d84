"""Issue 13, item 7: an unusable files or data directory stops the bot at start with one
line naming the setting, instead of failing every upload later with the generic error."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import StartupError, build_app, check_writable_directory
from bot.clock import FixedClock
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO) ")


def _start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`roadmap-bot run` as in production; the checks come before Telegram is ever called
    (and this API address answers nobody)."""
    base = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": "123456:TEST-token-never-used",
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=base | env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("FILES_DIR", "a-file/files"),  # a path under a file: nothing can be created there
        ("FILES_DIR", "a-file"),  # the setting names a file, not a directory
        ("DATABASE_URL", "sqlite:///a-file/roadmap.db"),
    ],
)
def test_the_bot_stops_with_one_line_naming_the_setting(
    tmp_path: Path, setting: str, value: str
) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    result = _start(tmp_path, **{setting: value})
    assert result.returncode == 2
    # Log records (a library's first-run notice such as matplotlib's font cache) aside, the
    # error is one line.
    lines = [line for line in result.stderr.strip().splitlines() if not LOG_RECORD.match(line)]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{setting}: cannot write to the directory ")
    assert "Traceback" not in result.stderr


def test_a_read_only_directory_is_refused(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only directories")
    folder = tmp_path / "files"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StartupError, match=r"^FILES_DIR: cannot write .*Permission denied"):
            check_writable_directory(folder, "FILES_DIR")
    finally:
        folder.chmod(0o700)


async def test_build_app_checks_before_touching_the_database(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db' / 'roadmap.db'}",
        files_dir=tmp_path / "a-file" / "files",
    )
    with pytest.raises(StartupError, match=r"^FILES_DIR: "):
        await build_app(settings, FixedClock(datetime(2022, 5, 16, 6, 0, tzinfo=UTC)))
    assert not (tmp_path / "db").exists()


def test_a_writable_directory_is_created_and_left_clean(tmp_path: Path) -> None:
    target = tmp_path / "new" / "files"
    check_writable_directory(target, "FILES_DIR")
    assert target.is_dir()
    assert list(target.iterdir()) == []
