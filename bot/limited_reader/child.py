"""The limited child: `python -m bot.limited_reader.child MEMORY CPU WALL [SCAN_CPU]`.

Started by `bot.limited_reader` only. It limits itself first (address space, CPU time,
no files written, no core dumps, killed with its parent, an alarm for the wall clock),
and only then imports the readers and reads its input from stdin: one JSON header line
(task, filename, size, options, document limits), then exactly `size` bytes. It prints one
JSON line to stdout, {"ok": true} or {"ok": false, "refusal": {...}}, and after {"ok": true}
the task's result (JSON). Out of memory it exits with status 3 and prints nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from typing import Any

EXIT_MEMORY = 3  # bot.limited_reader.EXIT_MEMORY
# A library failure after the address space peaked this close to the limit was the limit.
MEMORY_NEAR_LIMIT = 0.6
PR_SET_PDEATHSIG = 1


def limit_self(
    memory_bytes: int, cpu_seconds: int, wall_seconds: int, scan_cpu_seconds: int = 0
) -> None:
    try:
        import resource
    except ImportError:  # not a POSIX system: only the parent's wall clock applies
        return

    def cap(which: int, soft: int, hard: int | None = None) -> None:
        hard = soft if hard is None else hard
        _, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, current_hard), min(hard, current_hard)
        # A platform may not enforce a limit (RLIMIT_AS on macOS): then it is not set.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(which, (soft, hard))

    cap(resource.RLIMIT_AS, memory_bytes)
    # SIGXCPU at the soft limit ends the process; the hard limit is the kernel's SIGKILL.
    # A scan may raise the soft limit to the hard one less 5 s (tasks.report_progress).
    cap(resource.RLIMIT_CPU, cpu_seconds, max(cpu_seconds, scan_cpu_seconds) + 5)
    cap(resource.RLIMIT_FSIZE, 0)  # reading never writes a file (Python ignores SIGXFSZ)
    cap(resource.RLIMIT_CORE, 0)
    signal.alarm(wall_seconds)  # the parent kills it earlier; this covers a dead parent
    try:  # Linux: die with the parent, never outlive it as an orphan
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def main() -> int:
    memory_bytes, cpu_seconds, wall_seconds = (int(v) for v in sys.argv[1:4])
    scan_cpu_seconds = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    limit_self(memory_bytes, cpu_seconds, wall_seconds, scan_cpu_seconds)
    stdin = sys.stdin.buffer
    header = json.loads(stdin.readline(64 * 1024))
    data = stdin.read(int(header["size"]))
    try:
        answer, result = _run(header, data, memory_bytes)
    except MemoryError:
        os._exit(EXIT_MEMORY)
    sys.stdout.buffer.write(json.dumps(answer).encode("ascii") + b"\n")
    sys.stdout.buffer.write(result)
    sys.stdout.buffer.flush()
    return 0


def _run(header: dict[str, Any], data: bytes, memory_bytes: int) -> tuple[dict[str, Any], bytes]:
    from bot.limited_reader.tasks import TASKS
    from bot.roadmap import raw
    from bot.roadmap.errors import ImportRefused

    for name, value in (header.get("document_limits") or {}).items():
        if hasattr(raw, name):
            setattr(raw, name, value)
    task = TASKS[header["task"]]
    try:
        result = task(data, str(header.get("filename") or ""), header.get("options") or {})
    except ImportRefused as refusal:
        if refusal.reason == "corrupt_file" and _ran_out_of_memory(refusal, memory_bytes):
            raise MemoryError from refusal
        details = json.loads(json.dumps(refusal.details, default=str))  # JSON-able, always
        return {"ok": False, "refusal": {"reason": refusal.reason, "details": details}}, b""
    return {"ok": True}, result


def _ran_out_of_memory(error: BaseException, memory_bytes: int) -> bool:
    """Whether a reader library failed because the memory limit refused an allocation.
    Python says MemoryError; lxml fails with an XMLSyntaxError that says only "unknown
    error", which the importer calls a damaged file. The peak address space tells: a
    damaged file fails small, one that was stopped by the limit got most of the way to it."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, MemoryError):
            return True
        seen = seen.__cause__ or seen.__context__
    return _peak_address_space() >= MEMORY_NEAR_LIMIT * memory_bytes


def _peak_address_space() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except MemoryError:
        os._exit(EXIT_MEMORY)
