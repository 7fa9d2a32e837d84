"""Files on disk that nothing stored points to are removed after a day (issue 13).

Report files are stored (`FileStore`, `<files_dir>/<sha[:2]>/<sha>`) as they arrive, before
the report is saved; plan uploads are kept (`<files_dir>/imports/<sha>`) while their
preview is open. A report that is cancelled or never finished, a preview abandoned, or a
save that failed leaves such a file behind. The sweep removes those that are older than a
day and that no attachment (by its path) or stored roadmap (by its checksum) references,
and half-written temporary files of the same age. A file younger than a day is never
touched: it may belong to a report being written now (re-storing the same content renews
its age).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.import_flow import IMPORTS_SUBDIR
from storage.db import SessionFactory
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

SWEEP_AFTER = timedelta(days=1)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SHARD = re.compile(r"^[0-9a-f]{2}$")
_TEMPORARY = "."  # FileStore's `.part-…` and save_upload's `.<sha>.<pid>.part`


@dataclass
class SweepResult:
    removed: list[str] = field(default_factory=list)  # relative paths
    kept: int = 0  # old enough but still referenced


@dataclass(frozen=True)
class _Candidate:
    path: Path
    relative: str
    sha256: str | None  # None for a temporary file


def _old_files(files_dir: Path, before: float) -> list[_Candidate]:
    """Files of the two stores last written before `before` (a POSIX time)."""
    root = Path(files_dir)
    found: list[_Candidate] = []
    if not root.is_dir():
        return found
    folders = [p for p in root.iterdir() if p.is_dir() and _SHARD.match(p.name)]
    imports = root / IMPORTS_SUBDIR
    if imports.is_dir():
        folders.append(imports)
    for folder in folders:
        for path in folder.iterdir():
            try:
                if not path.is_file() or path.is_symlink() or path.stat().st_mtime >= before:
                    continue
            except OSError:
                continue
            relative = path.relative_to(root).as_posix()
            if _SHA256.match(path.name):
                found.append(_Candidate(path, relative, path.name))
            elif path.name.startswith(_TEMPORARY):
                found.append(_Candidate(path, relative, None))
    return found


def _unlink_if_still_old(path: Path, before: float) -> bool:
    with contextlib.suppress(OSError):
        if path.stat().st_mtime < before:  # not renewed since it was found
            path.unlink()
            return True
    return False


async def sweep_unreferenced_files(
    session_factory: SessionFactory,
    files_dir: Path,
    *,
    now: datetime,
    older_than: timedelta = SWEEP_AFTER,
) -> SweepResult:
    """Remove the stored files nothing references that are older than `older_than`."""
    before = (now - older_than).timestamp()
    candidates = await asyncio.to_thread(_old_files, files_dir, before)
    result = SweepResult()
    if not candidates:
        return result
    imports_prefix = f"{IMPORTS_SUBDIR}/"
    reports = [c for c in candidates if c.sha256 and not c.relative.startswith(imports_prefix)]
    uploads = [c for c in candidates if c.sha256 and c.relative.startswith(imports_prefix)]
    async with UnitOfWork(session_factory) as uow:
        referenced = await uow.reports.referenced_paths([c.relative for c in reports])
        sources = await uow.roadmaps.known_sources([c.sha256 or "" for c in uploads])
    for candidate in candidates:
        upload = candidate.relative.startswith(imports_prefix)
        if candidate.relative in referenced or (upload and candidate.sha256 in sources):
            result.kept += 1
            continue
        if await asyncio.to_thread(_unlink_if_still_old, candidate.path, before):
            result.removed.append(candidate.relative)
    if result.removed:
        logger.info("swept %d unreferenced files from %s", len(result.removed), files_dir)
    return result
