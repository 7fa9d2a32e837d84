"""How much a block of code grows this process's resident memory at its peak (Linux).

    with PeakMemory() as peak:
        ...
    assert peak.growth < 200 * 1024 * 1024

The kernel's resident peak (VmHWM) is reset through /proc/self/clear_refs first, so the
growth is the block's own, not the process's lifetime peak. Where that is not possible the
test is skipped (`PeakMemory(skip=False)` raises instead, for the benchmarks).
"""

from __future__ import annotations

import re
from pathlib import Path

_STATUS = Path("/proc/self/status")


def status_bytes(key: str) -> int:
    match = re.search(rf"^{key}:\s+(\d+) kB", _STATUS.read_text(), re.M)
    if match is None:
        raise OSError(f"{key} is not in {_STATUS}")
    return int(match.group(1)) * 1024


class PeakMemory:
    def __init__(self, *, skip: bool = True) -> None:
        self.skip = skip
        self.start = 0
        self.growth = 0

    def __enter__(self) -> PeakMemory:
        try:
            Path("/proc/self/clear_refs").write_text("5")
            self.start = status_bytes("VmRSS")
        except OSError:
            if not self.skip:
                raise
            import pytest

            pytest.skip("measuring a resident peak needs Linux's /proc/self/clear_refs")
        return self

    def __exit__(self, *exc: object) -> None:
        self.growth = status_bytes("VmHWM") - self.start
