"""`roadmap-bot parse` body and the text form."""

from __future__ import annotations

import json
from pathlib import Path

from bot.roadmap import parse_text
from bot.roadmap.cli import parse_command
from bot.roadmap.render import format_text

from .builders import tiny_png

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "roadmap" / "small_plan.txt"


def test_json_output_and_exit_code(capsys):
    assert parse_command(str(FIXTURE), None, "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["plan_period"] == [2023, 2025]
    assert data["measures"][0]["title"] == "Утверждение плана"
    assert data["measures"][0]["persons"] == ["Петрова А.А."]


def test_period_option_overrides(capsys):
    assert parse_command(str(FIXTURE), "2024–2024", "json") == 0
    assert json.loads(capsys.readouterr().out)["plan_period"] == [2024, 2024]


def test_text_output(capsys):
    assert parse_command(str(FIXTURE), None, "text") == 0
    out = capsys.readouterr().out
    assert "Sections: 1; measures: 8; persons: 2; units: 3; problems: 5" in out
    assert "== 1. Нормативная база" in out
    assert "[duplicate_number]" in out


def test_unreadable_file_exits_2_with_the_reason_on_stderr(tmp_path, capsys):
    image = tmp_path / "scan.png"
    image.write_bytes(tiny_png())
    assert parse_command(str(image), None, "json") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "unsupported_format" in captured.err
    assert parse_command(str(tmp_path / "missing.docx"), None, "json") == 2
    assert parse_command(str(FIXTURE), "2024", "json") == 2


def test_format_text_counts_schedules_by_kind(fixture_text):
    text = format_text(parse_text(fixture_text("small_plan.txt")))
    assert "Schedules: once 3, recurring 1, continuous 1, on_request 1, unparsed 2" in text
    assert "Петрова А.А." in text
