"""The deployment files say what the README promises (no Docker engine runs here, so the
compose file is checked as data: the services, the health check, the wait and the secrets)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_the_bot_after_a_healthy_postgres() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["db"]["image"] == "postgres:16"
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["bot"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["bot"]["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "${BOT_TOKEN:?" in services["bot"]["environment"]["BOT_TOKEN"]
    assert "${POSTGRES_PASSWORD:?" in services["db"]["environment"]["POSTGRES_PASSWORD"]
    assert "pgdata" in compose["volumes"]
    assert services["migrate"]["command"] == ["roadmap-bot", "migrate"]


def test_env_example_documents_every_setting() -> None:
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    settings = {name.upper() for name in Settings.model_fields}
    assert settings - documented == set()


def test_the_image_runs_the_bot() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["roadmap-bot", "run"]' in dockerfile
    assert "pybabel compile" in dockerfile
