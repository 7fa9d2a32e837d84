"""What a limited child can be asked to do: name → function(bytes, filename, options) → a
JSON-able result. Each raises ImportRefused (a documented refusal) or MemoryError; anything
else is a bug the parent logs and reports as a file it cannot read.

Results cross the pipe as JSON; `roadmap_from_json` turns one back into the very same
`ParsedRoadmap` (pydantic knows the dataclasses, so a field added to the model travels
without a change here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter

from bot.roadmap.model import ParsedRoadmap

_ROADMAP = TypeAdapter(ParsedRoadmap)


def roadmap(data: bytes, filename: str, options: dict[str, Any]) -> Any:
    from bot.roadmap import parse_document

    period = options.get("period")
    parsed = parse_document(
        data, filename, period=(int(period[0]), int(period[1])) if period else None
    )
    return _ROADMAP.dump_python(parsed, mode="json")


def roadmap_from_json(result: Any) -> ParsedRoadmap:
    return _ROADMAP.validate_python(result)


TASKS: dict[str, Callable[[bytes, str, dict[str, Any]], Any]] = {"roadmap": roadmap}
