from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.logging_setup import RedactTokenFilter
from bot.settings import Settings, describe_errors

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "BOT_TOKEN",
        "DATABASE_URL",
        "ADMIN_IDS",
        "DEFAULT_TIMEZONE",
        "LOG_LEVEL",
        "TELEGRAM_API_URL",
        "REDIS_URL",
        "FILES_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_are_the_embedded_local_mode() -> None:
    settings = Settings()
    assert settings.bot_token is None
    assert settings.database_url == "sqlite+aiosqlite:///data/roadmap.db"
    assert settings.default_timezone == "Europe/Moscow"
    assert settings.admin_ids == []


def test_admin_ids_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "12, 34")
    assert Settings().admin_ids == [12, 34]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db/roadmap", "postgresql+asyncpg://u:p@db/roadmap"),
        ("postgres://u:p@db/roadmap", "postgresql+asyncpg://u:p@db/roadmap"),
        ("sqlite:///data/x.db", "sqlite+aiosqlite:///data/x.db"),
    ],
)
def test_database_url_gets_the_async_driver(
    monkeypatch: pytest.MonkeyPatch, given: str, expected: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    assert Settings().database_url == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEFAULT_TIMEZONE", "Mars/Olympus"),
        ("ADMIN_IDS", "12,abc"),
        ("DATABASE_URL", "mysql://x"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_a_bad_setting_is_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    lines = describe_errors(caught.value)
    assert lines and all(line.startswith(f"{name}:") for line in lines)


def test_cli_stops_with_one_line_naming_the_setting(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DEFAULT_TIMEZONE": "Mars/Olympus", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: DEFAULT_TIMEZONE: "
        "unknown time zone 'Mars/Olympus' (use an IANA name)"
    ]
    assert "Traceback" not in result.stderr


def test_token_is_redacted_from_log_records() -> None:
    token = "123456789:AAH-secret_token_value_0123456789"
    record = logging.LogRecord(
        "x",
        logging.ERROR,
        __file__,
        1,
        "POST https://api.telegram.org/bot%s/getMe failed",
        (token,),
        None,
    )
    RedactTokenFilter(token).filter(record)
    assert token not in record.getMessage()
    assert "<token>" in record.getMessage()
