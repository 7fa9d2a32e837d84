"""The limited reader: every document the bot reads is read in a child process that has a
memory limit, a CPU limit and a wall-clock limit, so a hostile or broken file costs the bot
neither memory nor its event loop.

    parsed = await read_roadmap(data, "plan.docx", period=(2022, 2024))

The parent (the bot) sends the bytes to `python -m bot.limited_reader.child` over a pipe and
waits without blocking (asyncio subprocess); at most `ReaderLimits.concurrency` children run
at once per event loop, the others queue. The child sets its own resource limits before it
imports a reader library, runs one task from `bot.limited_reader.tasks` and prints one JSON
line (done, or a refusal), then the task's result as JSON. What the child cannot say (it
was killed for memory, CPU or time, or crashed) becomes a documented refusal here, so a
caller sees exactly what the in-process function would raise: the result, or an
`ImportRefused`.

The document limits of `bot.roadmap.raw` are read at call time in the parent and handed to
the child, so a deployment (or a test) that changes them changes them for the child too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.limited_reader.tasks import PROGRESS_PREFIX
from bot.roadmap.errors import ImportRefused
from bot.roadmap.model import ParsedRoadmap

logger = logging.getLogger(__name__)

MB = 1024 * 1024
# Environment the child keeps: what Python and the C libraries need, never the bot's secrets
# (BOT_TOKEN, DATABASE_URL, ...), which a child reading hostile bytes has no business with.
_CHILD_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "HOME", "TMPDIR", "VIRTUAL_ENV", "TZ")
_PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
_WRITE_CHUNK = 1024 * 1024
_STDERR_KEPT = 8 * 1024
# Exit status the child uses when it ran out of memory (MemoryError reached the top).
EXIT_MEMORY = 3


@dataclass(frozen=True)
class ReaderLimits:
    """What one child may cost. The defaults fit a document up to Telegram's 20 MB download
    limit (see docs/ARCHITECTURE.md, "Reading documents", for how they were chosen)."""

    # Address space of the child (RLIMIT_AS). The readers' own caps keep a document that
    # passes them under ~500 MB; the interpreter and libraries take ~200 MB of address space.
    memory_bytes: int = 1024 * MB
    # CPU seconds (RLIMIT_CPU) and wall-clock seconds of one reading: the importer's time
    # budget (30 s, checked between rows) plus start-up and interpretation.
    cpu_seconds: int = 45
    wall_seconds: float = 45.0
    # The most a child may print back. The parsed plan is the one thing the bot keeps, and
    # at worst (a window for every month of thousands of monthly measures) it costs the bot
    # ~16 MB of memory per MB of JSON while being decoded: 12 MB keeps a document within
    # the bot's 200 MB. A real plan of 2,000 monthly measures is ~4 MB of JSON.
    max_output_bytes: int = 12 * MB
    # Children at once per event loop; the next reading waits for a free one.
    concurrency: int = 2
    # A scan (the child says so as it starts recognising pages) may take this long in all:
    # ~4 s a page on one core, up to bot.roadmap.raw.MAX_SCAN_PAGES pages. The child raises
    # its own CPU limit to this when it starts recognising (recognition itself runs in
    # `tesseract`, a process of its own); a document that is no scan keeps `cpu_seconds`
    # and `wall_seconds`.
    scan_wall_seconds: float = 300.0


DEFAULT_LIMITS = ReaderLimits()

_semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _semaphore(concurrency: int) -> asyncio.Semaphore:
    # One per event loop: an asyncio primitive belongs to the loop it first waits on, and
    # tests (and the CLI) run many loops in one process.
    loop = asyncio.get_running_loop()
    semaphore = _semaphores.get(loop)
    if semaphore is None:
        semaphore = _semaphores[loop] = asyncio.Semaphore(concurrency)
    return semaphore


# The document limits of bot.roadmap.raw the child applies (see the module docstring).
_DOCUMENT_LIMITS = (
    "MAX_BYTES",
    "MAX_CELLS",
    "TIME_BUDGET_SECONDS",
    "MAX_UNCOMPRESSED",
    "MAX_MARKUP_UNCOMPRESSED",
    "MAX_ZIP_PARTS",
    "MAX_RATIO",
    "RATIO_MIN_SIZE",
    "PRECOUNT_CELLS_FACTOR",
    "MAX_PAGES",
    "MAX_TEXT_LINES",
)


def _document_limits() -> dict[str, float]:
    from bot.roadmap import raw

    return {name: getattr(raw, name) for name in _DOCUMENT_LIMITS}


def _child_env() -> dict[str, str]:
    env = {name: os.environ[name] for name in _CHILD_ENV if name in os.environ}
    # The project is importable in the child however the parent found it (installed,
    # editable, or run from a checkout).
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (_PROJECT_ROOT, os.environ.get("PYTHONPATH", "")) if p
    )
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


Progress = Callable[[int, int], Awaitable[None] | None]


async def read(
    task: str,
    data: bytes,
    filename: str,
    options: dict[str, Any] | None = None,
    *,
    limits: ReaderLimits | None = None,
    progress: Progress | None = None,
) -> bytearray:
    """Run `task` (a name in bot.limited_reader.tasks.TASKS) on the bytes in a limited child
    and return its result as JSON text; raise ImportRefused for a refusal of any kind."""
    header = {
        "task": task,
        "filename": filename,
        "size": len(data),
        "options": dict(options or {}),
        "document_limits": _document_limits(),
    }
    limits = limits or DEFAULT_LIMITS  # read at call time: a deployment or test may change it
    async with _semaphore(limits.concurrency):
        started = time.monotonic()
        answer, result = await _run_child(header, data, limits, _kind_of(data, filename), progress)
        logger.info(
            "read %s (%d bytes, task %s) in a child process: %s in %.2f s",
            _loggable(filename),
            len(data),
            task,
            "refused " + answer["refusal"]["reason"] if not answer.get("ok") else "ok",
            time.monotonic() - started,
        )
    if not answer.get("ok"):
        refusal = answer.get("refusal") or {}
        raise _refusal(refusal.get("reason"), refusal.get("details"))
    return result


async def read_roadmap(
    data: bytes,
    filename: str,
    *,
    period: tuple[int, int] | None = None,
    limits: ReaderLimits | None = None,
    progress: Progress | None = None,
    ocr: bool = True,
) -> ParsedRoadmap:
    """`bot.roadmap.parse_document`, read in a limited child: the same result or the same
    refusal, plus refusals for what the limits stop (too_heavy, timeout). `progress` is
    called with (page, pages) as the pages of a scan are recognised; with `ocr` false a
    scan is refused at once instead."""
    from bot.limited_reader.tasks import roadmap_from_json

    result = await read(
        "roadmap",
        data,
        filename,
        {"period": list(period) if period else None, "ocr": ocr},
        limits=limits,
        progress=progress,
    )
    return roadmap_from_json(result)


async def read_roadmap_images(
    images: list[bytes],
    *,
    period: tuple[int, int] | None = None,
    limits: ReaderLimits | None = None,
    progress: Progress | None = None,
) -> ParsedRoadmap:
    """`bot.roadmap.parse_images` (photos of a plan's pages, an album) in a limited child."""
    from bot.roadmap import pack_album

    return await read_roadmap(
        pack_album(images), "album", period=period, limits=limits, progress=progress
    )


def read_roadmap_sync(
    data: bytes,
    filename: str,
    *,
    period: tuple[int, int] | None = None,
    limits: ReaderLimits | None = None,
) -> ParsedRoadmap:
    """For command-line entry points, which have no event loop of their own."""
    return asyncio.run(read_roadmap(data, filename, period=period, limits=limits))


def _refusal(reason: Any, details: Any) -> ImportRefused:
    try:
        return ImportRefused(str(reason), **(details if isinstance(details, dict) else {}))
    except (ValueError, TypeError):
        # Not a reason this version knows: the child misbehaved.
        return ImportRefused("corrupt_file", kind="document")


async def _run_child(
    header: dict[str, Any],
    data: bytes,
    limits: ReaderLimits,
    kind: str,
    progress: Progress | None = None,
) -> tuple[dict[str, Any], bytearray]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-P",  # the working directory is not put on sys.path
        "-m",
        "bot.limited_reader.child",
        str(limits.memory_bytes),
        str(limits.cpu_seconds),
        str(int(max(limits.wall_seconds, limits.scan_wall_seconds)) + 5),
        # The CPU limit a scan may raise itself to (tasks.report_progress).
        str(max(limits.cpu_seconds, int(limits.scan_wall_seconds))),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_child_env(),
        cwd=_PROJECT_ROOT,
    )
    assert process.stdin and process.stdout and process.stderr
    output = bytearray()
    stderr = bytearray()
    overflow = False

    async def feed() -> None:
        assert process.stdin
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            process.stdin.write(json.dumps(header).encode() + b"\n")
            view = memoryview(data)
            # In chunks, so the pipe transport never holds a second copy of the document.
            for offset in range(0, len(view), _WRITE_CHUNK):
                process.stdin.write(view[offset : offset + _WRITE_CHUNK])
                await process.stdin.drain()
            await process.stdin.drain()
            process.stdin.close()

    async def collect() -> None:
        nonlocal overflow
        assert process.stdout
        while chunk := await process.stdout.read(256 * 1024):
            if len(output) + len(chunk) > limits.max_output_bytes:
                overflow = True
                process.kill()
                return
            output.extend(chunk)

    scanning = False
    timeout_scope: asyncio.Timeout | None = None

    async def on_progress(line: bytes) -> None:
        nonlocal scanning
        try:
            page, pages = (int(v) for v in line[len(PROGRESS_PREFIX) :].split())
        except ValueError:
            return
        if not scanning and timeout_scope is not None:
            # A scan: the child may take the scan's time from its start.
            scanning = True
            timeout_scope.reschedule(started + limits.scan_wall_seconds)
        if progress is not None:
            try:
                outcome = progress(page, pages)
                if outcome is not None:
                    await outcome
            except Exception:  # showing progress never stops the reading
                logger.exception("progress callback failed")

    async def drain_stderr() -> None:
        assert process.stderr
        while True:
            try:
                line = await process.stderr.readline()
            except ValueError:  # a line longer than the stream's limit: keep a piece
                line = await process.stderr.read(64 * 1024)
            if not line:
                break
            if line.startswith(PROGRESS_PREFIX):
                await on_progress(line)
            elif len(stderr) < _STDERR_KEPT:
                stderr.extend(line[: _STDERR_KEPT - len(stderr)])

    timed_out = False
    started = asyncio.get_running_loop().time()
    try:
        async with asyncio.timeout(limits.wall_seconds) as timeout_scope:
            await asyncio.gather(feed(), collect(), drain_stderr())
            await process.wait()
    except TimeoutError:
        timed_out = True
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            # Reap it even when this task is being cancelled: no zombie is left behind.
            await asyncio.shield(process.wait())
    if scanning:
        limits = replace(limits, wall_seconds=limits.scan_wall_seconds)
    return _answer(output, bytes(stderr), process.returncode, timed_out, overflow, limits, kind)


def _answer(
    output: bytearray,
    stderr: bytes,
    returncode: int | None,
    timed_out: bool,
    overflow: bool,
    limits: ReaderLimits,
    kind: str,
) -> tuple[dict[str, Any], bytearray]:
    """The child's status line and its result (the rest of its output, JSON), or a refusal
    for a child that could not answer."""
    if timed_out:
        return _refused("timeout", seconds=int(limits.wall_seconds))
    if overflow:
        # The parsed plan itself would cost the bot too much memory.
        return _refused("too_heavy", limit=round(limits.max_output_bytes / MB, 1))
    if returncode == 0:
        newline = output.find(b"\n")
        try:
            answer = json.loads(output[:newline]) if newline >= 0 else None
        except ValueError:
            answer = None
        if isinstance(answer, dict) and ("ok" in answer):
            del output[: newline + 1]  # in place: the result is never copied
            return answer, output
    if returncode in (-signal.SIGXCPU, -signal.SIGALRM):
        return _refused("timeout", seconds=limits.cpu_seconds)
    if returncode == EXIT_MEMORY or b"MemoryError" in stderr:
        return _refused("too_heavy", limit=limits.memory_bytes // MB)
    logger.warning(
        "a reading child ended without an answer (exit %s): %s",
        returncode,
        stderr.decode("utf-8", "replace")[-2000:],
    )
    return _refused("corrupt_file", kind=kind)


def _kind_of(data: bytes, filename: str) -> str:
    """What the file claims to be, for the words of a refusal when the child cannot say."""
    if data.startswith(b"%PDF"):
        return "PDF"
    suffix = filename.rsplit(".", 1)[-1].upper() if "." in filename else ""
    if suffix in {"DOCX", "XLSX", "XLSM", "CSV", "TXT"}:
        return suffix
    return "DOCX" if data.startswith(b"PK") else "document"


def _refused(reason: str, **details: Any) -> tuple[dict[str, Any], bytearray]:
    return {"ok": False, "refusal": {"reason": reason, "details": details}}, bytearray()


def _loggable(filename: str) -> str:
    return repr(filename[:80])
