"""`roadmap-bot ask`: run the question parser from the command line, no database.

The lead wires argparse to `ask_command`; with no questions given it passes stdin lines.
"""

from __future__ import annotations

import json
from datetime import date

from bot.queries.parse import parse_query
from bot.roadmap.cli import parse_period

FORMATS = ("json", "text")


def ask_command(
    questions: list[str], today: date, as_name: str | None, fmt: str, plan: str | None = None
) -> int:
    """Print one line per question: a JSON object (`--format json`) or a readable summary.

    `as_name` is who is asking ("Бобров Б.Б."): it joins the people directory, so that
    the asker's own surname, even misspelt, is recognised. Returns the process exit code.
    """
    if fmt not in FORMATS:
        print(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
        return 2
    people = (as_name,) if as_name else ()
    try:
        years = parse_period(plan)
    except ValueError as exc:
        print(f"error: {exc}")
        return 2
    for raw in questions:
        text = raw.rstrip("\r\n")
        if not text.strip():
            continue
        query = parse_query(text, today=today, people=people, plan=years)
        data = query.to_json(text)
        if fmt == "json":
            print(json.dumps(data, ensure_ascii=False))
        else:
            fields = ", ".join(
                f"{key}={value}" for key, value in data.items() if key != "query" and value
            )
            print(f"{text} → {fields}")
    return 0
