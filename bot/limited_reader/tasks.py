"""What a limited child can be asked to do: name → function(bytes, filename, options) → its
result as JSON (bytes). Each raises ImportRefused (a documented refusal) or MemoryError;
anything else is a bug the parent logs and reports as a file it cannot read.

`roadmap_to_json` / `roadmap_from_json` carry a `ParsedRoadmap` across the pipe and back to
the very same dataclasses (pydantic knows them, so a field added to the model travels without
a change here).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter

from bot.roadmap.model import ParsedMeasure, ParsedRoadmap, Problem

_ROADMAP = TypeAdapter(ParsedRoadmap)
_ITEM_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "measures": TypeAdapter(ParsedMeasure),
    "problems": TypeAdapter(Problem),
}


PROGRESS_PREFIX = b"\x1eprogress "  # a line on stderr: the parent shows it, and waits longer


def report_progress(page: int, pages: int) -> None:
    """Told to the parent on stderr as scanned pages are recognised. The first report
    raises this process's CPU limit to what a scan may take (the child's hard limit)."""
    import sys

    if page == 1:
        _allow_scan_cpu()

    sys.stderr.buffer.write(PROGRESS_PREFIX + f"{page} {pages}\n".encode("ascii"))
    sys.stderr.buffer.flush()


def _allow_scan_cpu() -> None:
    try:
        import resource
    except ImportError:  # not POSIX: no CPU limit was set
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY and hard - 5 > soft:
        resource.setrlimit(resource.RLIMIT_CPU, (hard - 5, hard))


def roadmap(data: bytes, filename: str, options: dict[str, Any]) -> bytes:
    from bot.roadmap import parse_document

    period = options.get("period")
    years = (int(period[0]), int(period[1])) if period else None
    parsed = parse_document(
        data,
        filename,
        period=years,
        progress=report_progress,
        ocr=bool(options.get("ocr", True)),
    )
    return roadmap_to_json(parsed)


def roadmap_to_json(parsed: ParsedRoadmap) -> bytes:
    """UTF-8 JSON. A lone surrogate (a PDF's broken text map can make one) becomes U+FFFD:
    no database, JSON parser or Telegram accepts it anyway."""
    text = json.dumps(_ROADMAP.dump_python(parsed, mode="json"), ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace").encode("utf-8")


def roadmap_from_json(result: bytes | bytearray) -> ParsedRoadmap:
    """The long lists (measures, problems) are turned into dataclasses one item at a time,
    each item's dict dropped as soon as it is read: the peak is about the JSON's dicts,
    not the dicts and all the objects at once (a big plan's result is the bot's largest
    cost; pydantic's own validate_json peaks at twice this)."""
    data = json.loads(result)
    long_lists = {name: data.pop(name, None) or [] for name in _ITEM_ADAPTERS}
    parsed = _ROADMAP.validate_python({**data, **{name: [] for name in long_lists}})
    for name, items in long_lists.items():
        adapter = _ITEM_ADAPTERS[name]
        values = getattr(parsed, name)
        for index, item in enumerate(items):
            values.append(adapter.validate_python(item))
            items[index] = None
    return parsed


def member_list(data: bytes, filename: str, options: dict[str, Any]) -> bytes:
    """A list of member organisations (/schools, `roadmap-bot org add-members`)."""
    from bot.member_list import MemberListError, member_list_to_json, read_member_bytes

    try:
        return member_list_to_json(read_member_bytes(data, filename))
    except MemberListError as error:  # the list's own refusal travels as the result
        return member_list_to_json(error)


TASKS: dict[str, Callable[[bytes, str, dict[str, Any]], bytes]] = {
    "roadmap": roadmap,
    "member_list": member_list,
}
