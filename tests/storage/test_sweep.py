"""Issue 13, case 3: stored files that no saved report or roadmap references are swept
after a day; everything referenced, young or not ours stays. Both engines, a fixed clock."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs import build_scheduler, sweep_files
from bot.reports.files import FileStore
from bot.sweep import sweep_unreferenced_files
from storage.models import Occurrence, Roadmap
from storage.uow import UnitOfWork
from tests.e2e.seed import seed_organisation

NOW = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=2)
RECENT = NOW - timedelta(hours=3)


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def put(root: Path, relative: str, content: bytes, written: datetime) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    os.utime(path, (written.timestamp(), written.timestamp()))
    return path


async def test_unreferenced_files_older_than_a_day_are_swept(
    session_factory: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    files = tmp_path / "files"
    seeded = await seed_organisation(session_factory, NOW - timedelta(days=30))
    plan_source = b"the plan a roadmap was imported from"
    async with UnitOfWork(session_factory) as uow:
        assert uow.session is not None
        await uow.session.execute(
            update(Roadmap)
            .where(Roadmap.id == seeded.roadmap_id)
            .values(source_sha256=sha(plan_source))
        )
        occurrence_id = await uow.session.scalar(select(Occurrence.id).limit(1))
        assert occurrence_id is not None
        report = await uow.reports.add(
            occurrence_id=occurrence_id,
            person_id=seeded.persons["Бобров В.С."],
            status="done",
            text="",
            created_at=OLD,
            updated_at=OLD,
        )
        saved = b"a signed order, saved with its report"
        await uow.reports.add_attachment(
            report_id=report.id,
            kind="document",
            telegram_file_id="f",
            telegram_file_unique_id="u",
            sha256=sha(saved),
            stored_path=FileStore.relative_for(sha(saved)),
            created_at=OLD,
        )
        await uow.commit()

    kept = {
        "saved report file": put(files, FileStore.relative_for(sha(saved)), saved, OLD),
        "young orphan": put(files, FileStore.relative_for(sha(b"young")), b"young", RECENT),
        "roadmap source": put(files, f"imports/{sha(plan_source)}", plan_source, OLD),
        "young upload": put(files, f"imports/{sha(b'preview')}", b"preview", RECENT),
        "not ours (root)": put(files, "notes.txt", b"someone's notes", OLD),
        "not ours (folder)": put(files, f"backup/{sha(b'x')}", b"x", OLD),
    }
    swept = {
        "orphan of a failed save": put(files, FileStore.relative_for(sha(b"lost")), b"lost", OLD),
        "half-written copy": put(files, "ab/.part-k2j3h4", b"half", OLD),
        "abandoned upload": put(files, f"imports/{sha(b'abandoned')}", b"abandoned", OLD),
        "half-written upload": put(files, f"imports/.{sha(b'u')}.42.part", b"u", OLD),
    }

    result = await sweep_unreferenced_files(session_factory, files, now=NOW)

    assert {name for name, path in kept.items() if path.exists()} == set(kept)
    assert {name for name, path in swept.items() if path.exists()} == set()
    assert sorted(result.removed) == sorted(
        path.relative_to(files).as_posix() for path in swept.values()
    )
    assert result.kept == 2  # the saved report's file and the roadmap's source
    # A day later by the clock, the young orphans are swept too; the referenced stay.
    again = await sweep_unreferenced_files(session_factory, files, now=NOW + timedelta(days=1))
    assert sorted(again.removed) == sorted(
        kept[name].relative_to(files).as_posix() for name in ("young orphan", "young upload")
    )
    assert kept["saved report file"].exists() and kept["roadmap source"].exists()


async def test_storing_the_same_content_again_renews_it(tmp_path: Path) -> None:
    """A file re-sent for a report being written now is not swept under it."""
    store = FileStore(tmp_path)
    _sha256, relative = await store.put(b"content")
    path = tmp_path / relative
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).timestamp()
    os.utime(path, (two_days_ago, two_days_ago))
    await store.put(b"content")
    assert path.stat().st_mtime > two_days_ago + 3600


async def test_the_sweep_is_a_scheduler_job(
    session_factory: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    app = SimpleNamespace(
        settings=SimpleNamespace(delivery_interval=60, files_dir=tmp_path),
        session_factory=session_factory,
        clock=SimpleNamespace(now=lambda: NOW),
    )
    scheduler = build_scheduler(app)  # type: ignore[arg-type]
    job = scheduler.get_job("sweep-files")
    assert job is not None and job.args == (app,)
    # The job ages files by the earlier of its clock and the file system's: a clock shifted
    # ahead never makes a file written now look old.
    lost = put(tmp_path, FileStore.relative_for(sha(b"lost")), b"lost", datetime.now(UTC))
    assert await sweep_files(app) == 0  # type: ignore[arg-type]
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    os.utime(lost, (two_days_ago.timestamp(), two_days_ago.timestamp()))
    assert await sweep_files(app) == 1  # type: ignore[arg-type]
    assert not lost.exists()
