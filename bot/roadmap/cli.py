"""`roadmap-bot parse FILE [--period Y1-Y2] [--format json|text]` (wired by bot/cli.py)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from bot.limited_reader import read_roadmap_sync
from bot.roadmap.errors import ImportRefused
from bot.roadmap.render import format_text

EXIT_OK = 0
EXIT_UNREADABLE = 2


def parse_period(value: str | None) -> tuple[int, int] | None:
    """ "2022-2024" (any dash) → (2022, 2024); raises ValueError on anything else."""
    if not value:
        return None
    m = re.fullmatch(r"\s*(\d{4})\s*[-–—:]\s*(\d{4})\s*", value)
    if not m or int(m.group(1)) > int(m.group(2)):
        raise ValueError(f"a period is two years like 2022-2024, not {value!r}")
    return int(m.group(1)), int(m.group(2))


def parse_command(path: str, period: str | None, fmt: str) -> int:
    """Print the parsed roadmap; 0 when the document was read, 2 when it could not be."""
    try:
        years = parse_period(period)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        # The same limited child process as the bot: a hostile file cannot take this
        # command (or the machine it runs on) down either.
        parsed = read_roadmap_sync(data, Path(path).name, period=years)
    except ImportRefused as exc:
        print(f"refused ({exc.reason}): {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    if fmt == "json":
        print(json.dumps(parsed.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_text(parsed), end="")
    return EXIT_OK
