"""The deployment files say what the README promises (no Docker engine runs here, so the
compose file is checked as data: the services, the health check, the wait and the secrets)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
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


def test_the_image_installs_the_locked_wheel_as_its_own_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert installs, "the image installs nothing"
    assert not any(" -e " in line or "--editable" in line for line in installs)
    assert any("--require-hashes -r" in line and "lock.txt" in line for line in installs)
    assert any("--no-deps" in line and ".whl" in line for line in installs)
    assert "chown -R roadmap:roadmap /app/data" in dockerfile
    assert "mkdir -p /app/data/files" in dockerfile
    assert re.search(r"^USER roadmap$", dockerfile, re.M)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    bot = compose["services"]["bot"]
    assert bot["environment"]["FILES_DIR"] == "/app/data/files"
    assert "files:/app/data/files" in bot["volumes"]


def _requirement_names(text: str) -> set[str]:
    return {
        re.split(r"[\s\[<>=!~;]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "--"))
    }


def _pinned(path: Path) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", path.read_text(encoding="utf-8"), re.M)
    return {name.lower().replace("_", "-"): version for name, version in pins}


def test_the_lock_files_pin_every_dependency_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _requirement_names("\n".join(project["dependencies"]))
    runtime |= _requirement_names("\n".join(project["optional-dependencies"]["redis"]))
    dev = _requirement_names("\n".join(project["optional-dependencies"]["dev"]))
    lock, dev_lock = ROOT / "requirements" / "lock.txt", ROOT / "requirements" / "dev.txt"
    assert runtime - set(_pinned(lock)) == set(), "run `make lock`"
    assert (runtime | dev) - set(_pinned(dev_lock)) == set(), "run `make lock`"
    for path in (lock, dev_lock):
        text = path.read_text(encoding="utf-8")
        # Each pin is followed by its hashes (pip then refuses anything else).
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
        unhashed = [b.split()[0] for b in blocks if "==" in b and "--hash=sha256:" not in b]
        assert unhashed == []
        assert "file://" not in text and "/opt/" not in text  # nothing of this machine's
    # The development lock is the image's lock plus the dev tools, at the same versions.
    shared = set(_pinned(lock)) & set(_pinned(dev_lock))
    assert {name: _pinned(lock)[name] for name in shared} == {
        name: _pinned(dev_lock)[name] for name in shared
    }


def test_private_api_users_are_bounded() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    bounds = {
        re.split(r"[\[<>=!~]", spec, maxsplit=1)[0]: spec for spec in project["dependencies"]
    }
    assert "<3.2" in bounds["openpyxl"]  # bot/exports/xlsx.py: _cells, _style
    assert "<1.3" in bounds["python-docx"]  # bot/exports/docx.py: _tr, _tbl, _p


def test_the_wheel_carries_its_catalogues_and_migrations(tmp_path: Path) -> None:
    """The image installs a wheel, not the source tree: the bot must find its translations
    and migrations inside the installed package."""
    source = tmp_path / "source"  # a copy: building writes build/ and egg-info beside it
    for name in ("pyproject.toml", "README.md"):
        source.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    for package in ("bot", "handlers", "storage", "locales"):
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet"]
    subprocess.run(
        [*pip, "--wheel-dir", str(tmp_path / "wheel"), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "wheel").glob("roadmap_bot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for po in ROOT.glob("locales/*/LC_MESSAGES/messages.po"):
        assert str(po.relative_to(ROOT)) in names
    for version in ROOT.glob("storage/migrations/versions/*.py"):
        assert str(version.relative_to(ROOT)) in names
    # The board's pages, script and style are served from the installed package.
    board_files = [
        *ROOT.glob("handlers/web/templates/*.html"),
        *ROOT.glob("handlers/web/static/*"),
    ]
    assert len(board_files) >= 6
    for asset in board_files:
        assert str(asset.relative_to(ROOT)) in names
    installed = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(installed)
    probe = (
        "import bot.i18n, storage.db; "
        "assert bot.i18n.LOCALES_DIR.is_relative_to(sys.argv[1]), bot.i18n.LOCALES_DIR; "
        "assert {'ru', 'en'} <= set(bot.i18n.catalogues()); "
        "assert any(storage.db.MIGRATIONS_DIR.glob('versions/*.py'))"
    )
    subprocess.run(
        [sys.executable, "-c", f"import sys; {probe}", str(installed)],
        check=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(installed), "PYTHONSAFEPATH": "1"},
    )
