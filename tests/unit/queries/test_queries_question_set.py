"""Every question in tests/fixtures/questions.jsonl must parse to exactly its expected Query."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.queries.model import INTENTS, STATUS_FILTERS
from bot.queries.parse import parse_query

SET = Path(__file__).resolve().parents[2] / "fixtures" / "questions.jsonl"
FIELDS = ("intent", "person", "period_start", "period_end", "number", "topic", "status_filter")


def _load() -> list[dict]:
    with SET.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


CASES = _load()


def test_set_is_large_and_well_formed() -> None:
    assert len(CASES) >= 150
    for case in CASES:
        assert set(case) - {"plan"} == {"query", "today", *FIELDS}, case
        assert case["intent"] in INTENTS
        assert case["status_filter"] in (None, *STATUS_FILTERS)
        assert (case["period_start"] is None) == (case["period_end"] is None)
    assert {c["intent"] for c in CASES} == set(INTENTS)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['query']} @{c['today']}" for c in CASES])
def test_question(case: dict) -> None:
    plan = tuple(case["plan"]) if case.get("plan") else None
    query = parse_query(case["query"], today=date.fromisoformat(case["today"]), plan=plan)
    got = query.to_json(case["query"])
    assert got == {"query": case["query"], **{k: case[k] for k in FIELDS}}
