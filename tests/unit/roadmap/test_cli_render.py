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
    image = tmp_path / "scan.gif"
    image.write_bytes(b"GIF89a" + b"\x00" * 32)
    assert parse_command(str(image), None, "json") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "unsupported_format" in captured.err
    # A page image is recognised; one with no text on it is refused in its own words.
    blank = tmp_path / "scan.png"
    blank.write_bytes(tiny_png())
    assert parse_command(str(blank), None, "json") == 2
    captured = capsys.readouterr()
    assert "unreadable_scan" in captured.err or "ocr_unavailable" in captured.err
    assert parse_command(str(tmp_path / "missing.docx"), None, "json") == 2
    assert parse_command(str(FIXTURE), "2024", "json") == 2


def test_format_text_counts_schedules_by_kind(fixture_text):
    text = format_text(parse_text(fixture_text("small_plan.txt")))
    assert "Schedules: once 3, recurring 1, continuous 1, on_request 1, unparsed 2" in text
    assert "Петрова А.А." in text


def test_json_gains_the_plan_level_units_with_their_kinds_and_the_order(tmp_path, capsys):
    plan = tmp_path / "plan.txt"
    plan.write_text(
        "ПРИКАЗ № 14 от 20.01.2023\n\nОб утверждении плана мероприятий на 2023-2025 годы\n\n"
        "№\tМероприятие\tСрок\tОтветственный\n"
        "1\tСовещание\tмарт 2023\tМКУ Управление образования» ОО\n"
        "2\tСеминар\tапрель 2023\tММО, ШНОР\n",
        encoding="utf-8",
    )
    assert parse_command(str(plan), None, "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["title"] == "План мероприятий на 2023-2025 годы"
    assert data["approval"] == {
        "kind": "приказ", "number": "14", "date": "2023-01-20", "issuer": None,
        "text": "приказ № 14 от 20.01.2023",
    }  # fmt: skip
    assert data["units"] == [
        {"name": "МКУ «Управление образования»", "kind": "owner"},
        {"name": "ОО", "kind": "member_organisations", "members": "all_schools"},
        {"name": "ММО", "kind": "people_group"},
        {"name": "ШНОР", "kind": "member_organisations", "members": "subset", "subset": "ШНОР"},
    ]
    assert data["unit_joins"] == [
        "МКУ Управление образования» ОО → МКУ «Управление образования»; ОО"
    ]
    assert parse_command(str(plan), None, "text") == 0
    text = capsys.readouterr().out
    assert "Approved by: приказ № 14 от 20.01.2023" in text
    assert "ОО (member_organisations: all_schools)" in text


def test_a_plan_without_a_title_or_period_says_so_and_proposes_the_span(tmp_path, capsys):
    plan = tmp_path / "Дорожная карта.txt"
    plan.write_text(
        "№\tМероприятие\tСрок\tОтветственный\n1\tСовещание\tмарт 2023\tМОУО\n"
        "2\tОтчёт\tдо 01.02.2024\tМОУО\n",
        encoding="utf-8",
    )
    assert parse_command(str(plan), None, "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["title"], data["plan_period"], data["proposed_period"]) == (
        "",
        None,
        [2023, 2024],
    )
