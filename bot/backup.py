"""`roadmap-bot backup` / `roadmap-bot restore`: the SQLite database and the files
directory as one archive, and back.

The database is copied with SQLite's online backup API, so a backup may be taken while the
bot runs (a consistent snapshot, whatever the bot writes meanwhile). A restore is done with
the bot stopped: it puts the database file and the files back where the settings say.

The archive is a gzip'd tar:

    manifest.json          what, when, from which schema revision, how many files
    database/roadmap.db    the SQLite database
    files/...              FILES_DIR as it was (report files, pending imports)

PostgreSQL is backed up with its own tools (`pg_dump`/`pg_restore`, see the README); for it
these commands handle the files directory only, and say so.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from bot.settings import Settings
from storage.db import sqlite_path as database_file

FORMAT = "roadmap-bot-backup/1"
MANIFEST = "manifest.json"
DATABASE_MEMBER = "database/roadmap.db"
FILES_PREFIX = "files/"


class BackupError(Exception):
    """The backup or restore cannot be done; the message is one line for the operator."""


@dataclass(frozen=True)
class BackupResult:
    archive: Path
    database: bool  # the database is in the archive (SQLite)
    files: int
    bytes: int


@dataclass(frozen=True)
class RestoreResult:
    database: Path | None
    files: int
    moved_aside: Path | None  # the database that was there before, kept


def sqlite_path(settings: Settings) -> Path | None:
    """The SQLite database file of the settings, or None for PostgreSQL."""
    if not settings.is_sqlite:
        return None
    database = database_file(settings.database_url)
    if database is None:
        raise BackupError("DATABASE_URL: an in-memory database cannot be backed up")
    return database


def postgres_hint() -> str:
    return (
        "DATABASE_URL is PostgreSQL: back the database up with pg_dump -Fc and restore it "
        'with pg_restore (README, "Backups"); --files-only archives FILES_DIR alone'
    )


def create_backup(
    settings: Settings, archive: Path, *, now: datetime, files_only: bool = False
) -> BackupResult:
    """Write the archive; the database is copied with the online backup API."""
    database = sqlite_path(settings)
    if database is None and not files_only:
        raise BackupError(postgres_hint())
    if database is not None and not files_only and not database.is_file():
        raise BackupError(f"DATABASE_URL: there is no database at {str(database)!r}")
    files_dir = Path(settings.files_dir)
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(f".{archive.name}.part")
    files = 0
    with tempfile.TemporaryDirectory(prefix="roadmap-backup-") as scratch:
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": None,
            "schema_revision": None,
        }
        snapshot = Path(scratch) / "roadmap.db"
        if database is not None and not files_only:
            _snapshot(database, snapshot)
            manifest["database"] = "sqlite"
            manifest["schema_revision"] = _revision(snapshot)
        try:
            with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
                if manifest["database"]:
                    tar.add(snapshot, arcname=DATABASE_MEMBER)
                if files_dir.is_dir():
                    for path in sorted(files_dir.rglob("*")):
                        if path.is_file() and not path.is_symlink():
                            relative = path.relative_to(files_dir).as_posix()
                            tar.add(path, arcname=FILES_PREFIX + relative, recursive=False)
                            files += 1
                manifest["files"] = files
                body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(body)
                info.mtime = int(now.timestamp())
                tar.addfile(info, io.BytesIO(body))
            os.replace(partial, archive)
        except BaseException:
            with contextlib.suppress(OSError):
                partial.unlink()
            raise
    return BackupResult(archive, bool(manifest["database"]), files, archive.stat().st_size)


def _snapshot(database: Path, target: Path) -> None:
    try:
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"DATABASE_URL: cannot open {str(database)!r} ({exc})") from exc
    try:
        with contextlib.closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
    except sqlite3.Error as exc:
        raise BackupError(f"DATABASE_URL: cannot back up {str(database)!r} ({exc})") from exc
    finally:
        source.close()


def _revision(database: Path) -> str | None:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            return None
    return row[0] if row else None


def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive}: not a roadmap-bot backup ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}: not a roadmap-bot backup (unknown format)")
    return manifest


def restore_backup(
    settings: Settings,
    archive: Path,
    *,
    now: datetime,
    force: bool = False,
    files_only: bool = False,
) -> RestoreResult:
    """Put the archive's database and files where the settings say. The bot must be
    stopped. An existing database is refused unless `force`, and then moved aside (never
    deleted); files are added to FILES_DIR (their names are their checksums)."""
    manifest = read_manifest(archive)
    database = sqlite_path(settings)
    with_database = bool(manifest.get("database")) and not files_only
    if with_database and database is None:
        raise BackupError(postgres_hint())
    moved: Path | None = None
    files_dir = Path(settings.files_dir)
    files = 0
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        for member in members:
            _check_member(member)
        if with_database:
            assert database is not None
            if database.exists() and not force:
                raise BackupError(
                    f"DATABASE_URL: {str(database)!r} exists; stop the bot and add --force "
                    "to replace it (the old one is kept beside it)"
                )
            database.parent.mkdir(parents=True, exist_ok=True)
            incoming = database.with_name(f".{database.name}.restoring")
            _extract(tar, DATABASE_MEMBER, incoming)
            if database.exists():
                moved = database.with_name(
                    f"{database.name}.before-restore-{now.strftime('%Y%m%d-%H%M%S')}"
                )
                os.replace(database, moved)
                for suffix in ("-wal", "-shm"):
                    stale = database.with_name(database.name + suffix)
                    if stale.exists():
                        os.replace(stale, moved.with_name(moved.name + suffix))
            os.replace(incoming, database)
        for member in members:
            if member.isfile() and member.name.startswith(FILES_PREFIX):
                relative = member.name[len(FILES_PREFIX) :]
                target = files_dir.joinpath(*PurePosixPath(relative).parts)
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    _extract(tar, member.name, target)
                files += 1
    return RestoreResult(database if with_database else None, files, moved)


def _check_member(member: tarfile.TarInfo) -> None:
    """Only plain files and folders under the known names: an archive cannot write
    anywhere else (no absolute paths, no "..", no links, no devices)."""
    path = PurePosixPath(member.name)
    allowed = member.name in (MANIFEST, DATABASE_MEMBER) or member.name.startswith(FILES_PREFIX)
    if (
        path.is_absolute()
        or ".." in path.parts
        or not (member.isfile() or member.isdir())
        or not allowed
    ):
        raise BackupError(f"the archive holds an unexpected entry {member.name!r}")


def _extract(tar: tarfile.TarFile, name: str, target: Path) -> None:
    source = tar.extractfile(name)
    if source is None:
        raise BackupError(f"the archive lacks {name!r}")
    partial = target.with_name(f".{target.name}.part")
    try:
        with source, open(partial, "wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
