"""Several processes: what start-up refuses (one line each), and what the deployment files
give (Redis in the image, the compose file and CI)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING) ")


def _run(tmp_path: Path, *args: str, **env: str) -> tuple[int, list[str]]:
    base = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": "123456:TEST-token-never-used",
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", *args],
        cwd=tmp_path,
        env=base | env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if not LOG_RECORD.match(line)]
    return result.returncode, lines


def test_a_webhook_with_redis_needs_the_shared_secret(tmp_path: Path) -> None:
    code, lines = _run(
        tmp_path, "--webhook", "https://bot.example.org/hook", REDIS_URL="redis://127.0.0.1:9/0"
    )
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith("WEBHOOK_SECRET: required with REDIS_URL")


def test_redis_that_does_not_answer_stops_start_up_with_one_line(tmp_path: Path) -> None:
    code, lines = _run(tmp_path, REDIS_URL="redis://127.0.0.1:9/0")
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith("REDIS_URL: cannot use Redis ("), lines


def test_malformed_redis_url_and_webhook_secret_are_named(tmp_path: Path) -> None:
    code, lines = _run(tmp_path, REDIS_URL="localhost:6379", WEBHOOK_SECRET="with spaces!")
    assert code == 2
    assert sorted(line.split(":")[1].strip() for line in lines) == [
        "REDIS_URL",
        "WEBHOOK_SECRET",
    ]


def test_the_image_installs_redis() -> None:
    lock = (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")
    assert re.search(r"^redis==\S+ \\$", lock, re.M), "run `make lock` (the redis extra)"
    assert "--extra=redis" in lock
    assert "requirements/lock.txt" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_compose_runs_two_bots_sharing_postgres_and_redis() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["redis"]["image"].startswith("redis:")
    assert "redis-cli" in services["redis"]["healthcheck"]["test"]
    bot = services["bot"]
    assert bot["deploy"]["replicas"] == 2
    assert bot["depends_on"]["redis"]["condition"] == "service_healthy"
    assert bot["environment"]["REDIS_URL"].startswith("redis://redis:")


def test_ci_starts_redis_and_requires_the_redis_tests() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get install -y -qq redis-server" in script
    assert re.search(r"^\s*redis-server --port", script, re.M)
    assert 'export TEST_REDIS_URL="redis://127.0.0.1:' in script
    assert "export TEST_REDIS_REQUIRED=1" in script
    assert script.index("TEST_REDIS_URL") < script.index("make test")
