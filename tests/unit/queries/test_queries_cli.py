"""`roadmap-bot ask`: one JSON object per question, in the Query contract."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.queries.cli import ask_command


def test_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    code = ask_command(
        ["что у меня в мае", "", "п. 1.3.8", "задачи Бобова"],
        date(2026, 11, 24),
        "Бобров Б.Б.",
        "json",
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "\\u" not in out  # ensure_ascii=False: Cyrillic stays readable
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["query"] for r in rows] == ["что у меня в мае", "п. 1.3.8", "задачи Бобова"]
    assert rows[0] == {
        "query": "что у меня в мае",
        "intent": "my_items",
        "person": "me",
        "period_start": "2027-05-01",
        "period_end": "2027-05-31",
        "number": None,
        "topic": None,
        "status_filter": None,
    }
    assert rows[1]["number"] == "1.3.8"
    # --as joins the directory, so the asker's own misspelt surname is still recognised
    assert rows[2]["person"] == "Бобров"


def test_text_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert ask_command(["что просрочено\n"], date(2026, 11, 24), None, "text") == 0
    out = capsys.readouterr().out
    assert out.startswith("что просрочено → ")
    assert "intent=overdue" in out


def test_unknown_format_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert ask_command(["привет"], date(2026, 11, 24), None, "xml") == 2
    assert "unknown format" in capsys.readouterr().out


def test_plan_years_keep_a_bare_month_inside_the_plan(capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    assert ask_command(["что у меня в мае"], date(2024, 12, 20), None, "json", "2022-2024") == 0
    assert json.loads(capsys.readouterr().out)["period_start"] == "2024-05-01"
    assert ask_command(["что у меня в мае"], date(2024, 12, 20), None, "json", "2024") == 2
