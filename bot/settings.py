"""Settings from the environment and `.env`: one flat object, validated at start-up.

A missing or malformed setting stops start-up with one clear line naming the variable
(see `bot.cli`). The token is a SecretStr so that it never reaches a log by accident.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/roadmap.db"
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _split_commas(value: Any) -> Any:
    # pydantic-settings would JSON-decode a list field; "1,2" is what people write.
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, int):
        return [value]
    return value


def normalise_database_url(url: str) -> str:
    """Pick the async driver for the URL's database, whatever the user wrote."""
    if url.startswith("sqlite://") or url.startswith("sqlite:///"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    for prefix in (
        "postgres://",
        "postgresql://",
        "postgresql+psycopg2://",
        "postgresql+psycopg://",
    ):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    telegram_api_url: str | None = None
    admin_ids: Annotated[list[int], NoDecode, BeforeValidator(_split_commas)] = Field(
        default_factory=list
    )
    default_timezone: str = "Europe/Moscow"
    files_dir: Path = Path("data/files")
    redis_url: str | None = None
    log_level: str = "INFO"
    # The morning hour new organisations get; each organisation can change its own.
    default_morning_hour: int = Field(default=9, ge=0, le=23)
    # Webhook mode: where the aiohttp server listens, and the secret Telegram must send.
    webhook_listen: str = "0.0.0.0:8080"
    webhook_secret: str | None = None
    # The coordinator's board (a Telegram Mini App): its public HTTPS address (the `/board/`
    # path of the web server, e.g. https://bot.example.org/board/). Without it no button
    # opens the board. initData older than BOARD_AUTH_MAX_AGE seconds is refused.
    board_url: str | None = None
    board_auth_max_age: int = Field(default=86400, ge=60, le=7 * 86400)
    # Processes that draw charts and write XLSX/DOCX (bot.offload); 0 draws in threads.
    render_processes: int = Field(default=1, ge=0, le=8)
    # Messages a second the bot may send (Telegram allows about 30 per bot). With REDIS_URL
    # it is the budget of all the bot's processes together; without, of this process.
    send_rate: float = Field(default=29.0, gt=0, le=30)
    # Seconds between delivery ticks of the reminder outbox.
    delivery_interval: int = Field(default=30, ge=1, le=3600)
    # Seconds a worker keeps the reminders it claimed; after a crash another worker
    # delivers them once this has passed.
    delivery_lease: int = Field(default=300, ge=10, le=3600)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = normalise_database_url(value.strip())
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: str | None) -> str | None:
        if value is not None and not WEBHOOK_SECRET.fullmatch(value):
            raise ValueError("1 to 256 characters A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("board_url")
    @classmethod
    def _board_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (Telegram opens Mini Apps over HTTPS)")
        return value if value.endswith("/") else value + "/"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def describe_errors(error: ValidationError) -> list[str]:
    """One line per bad setting, naming the environment variable."""
    lines = []
    for item in error.errors():
        name = str(item["loc"][0]).upper() if item["loc"] else "settings"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {message}")
    return lines
