"""The local chat mode, as a newcomer runs it: no token, SQLite, stdin piped in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _chat(tmp_path: Path, lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value for key, value in os.environ.items() if key not in {"BOT_TOKEN", "DATABASE_URL"}
    }
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_run_without_token_starts_the_russian_chat_with_the_demo(tmp_path: Path) -> None:
    result = _chat(tmp_path, ["/start", "/help"], "run")
    assert result.returncode == 0, result.stderr
    assert "Здравствуйте" in result.stdout
    assert "МАОУ «Демо-школа»" in result.stdout
    assert "Что я умею" in result.stdout
    assert "Traceback" not in result.stderr
    assert (tmp_path / "data" / "roadmap.db").is_file()


def test_chat_can_play_a_person_of_the_plan(tmp_path: Path) -> None:
    result = _chat(tmp_path, ["/start"], "chat", "--as", "Петров")
    assert result.returncode == 0, result.stderr
    assert "Здравствуйте, Петров С.Н.!" in result.stdout
    assert "ответственный исполнитель" in result.stdout


def test_chat_with_an_unknown_person_says_who_exists(tmp_path: Path) -> None:
    result = _chat(tmp_path, ["/start"], "chat", "--as", "Незнакомцев")
    assert result.returncode == 2
    assert "Незнакомцев" in result.stderr and "Иванова А.П." in result.stderr
    assert "Traceback" not in result.stderr


def test_questions_from_the_console(tmp_path: Path) -> None:
    result = _chat(
        tmp_path,
        ["что у меня в мае", "что по ВПР"],
        "chat",
        "--as",
        "Петров",
        "--clock",
        "2025-05-12T09:00",
    )
    assert result.returncode == 0, result.stderr
    answer = result.stdout.split("> что у меня в мае", 1)[1].split("> что по ВПР", 1)[0]
    assert "2.1" in answer and "Всероссийских проверочных работ" in answer
    assert "1.2" not in answer  # Иванова's, not his
    topic = result.stdout.split("> что по ВПР", 1)[1]
    assert "2.1" in topic and "2.2" in topic
    assert "Traceback" not in result.stderr
