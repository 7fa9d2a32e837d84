"""The roadmap-import conversation, as a service: everything between a coordinator's file
and a stored roadmap, without Telegram.

- `check_announced_size` refuses a file by its announced size, before a byte is downloaded;
- `save_upload` keeps the bytes on disk (content-addressed by SHA-256) so that the
  conversation state holds only a small JSON-serialisable `PendingImport`;
- `parse_pending` re-reads the saved file in a limited child process (bot.limited_reader:
  memory, CPU and time limits; a PDF takes seconds and must not stall the bot for everyone
  else, and a hostile file must not cost the bot its memory);
- `preview` parses and dry-runs the import (store, then roll back) to show what a
  re-import would add, change and archive;
- `confirm` stores the roadmap and plans its reminders in one commit.

Every refusal is an `ImportRefused` with one of the importer's documented reasons, so the
bot has one place (the views) that turns reasons into texts.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.access import require_coordinator
from bot.cleaning import clean_file_name
from bot.errors import N_, UserError
from bot.imports import ImportResult, store_roadmap, unit_kinds_of
from bot.limited_reader import Progress as ReadProgress
from bot.limited_reader import read_roadmap
from bot.limited_reader.tasks import roadmap_from_json, roadmap_to_json
from bot.reminders.outbox import plan_measures
from bot.roadmap import MAX_BYTES, ImportRefused, ParsedRoadmap
from bot.roadmap.checks import CellCheck, CellField, apply_checks
from bot.services import Identity
from storage.db import SessionFactory
from storage.models import SOURCE_NAME_CHARS
from storage.uow import UnitOfWork

# Telegram lets bots download files of up to 20 MB; the importer's own limit is the same.
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024
MAX_FILE_BYTES = min(MAX_BYTES, TELEGRAM_DOWNLOAD_LIMIT)
IMPORTS_SUBDIR = "imports"
# The name pasted text is parsed under: the extension tells the importer to read text (a
# file name is never taken for a plan's title).
PASTED_FILENAME = "Дорожная карта.txt"
MAX_TITLE = 500
STATE_KEY = "import"  # the conversation-state key; other flows keep their own keys

_PERIOD = re.compile(
    r"^\s*(?:с\s+)?(\d{4})\s*(?:[-–—]|по|до)\s*(\d{4})\s*(?:гг?\.?|годы|года|год)?\s*$",
    re.IGNORECASE,
)
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_PERIOD_YEARS = 10


# Refusals that still show someone tried to send a plan (a plan-like table, or a file too
# heavy to be anything else). A file sent without /import that is refused for another
# reason (a photo, a letter, a scan) is most likely a report's attachment: the bot passes it
# on to the reports feature instead of calling it a broken plan.
# A password-protected file or a document of too many pages is more likely an attachment.
PLAN_LIKE_REFUSALS = frozenset(
    {"missing_columns", "zip_bomb", "too_many_cells", "timeout", "too_heavy", "too_many_rows"}
)


def is_plan_attempt(refusal: ImportRefused) -> bool:
    return refusal.reason in PLAN_LIKE_REFUSALS


class ImportExpired(UserError):
    msgid = N_("This import is no longer waiting: send the file again.")


class PeriodNeeded(UserError):
    msgid = N_("Set the plan period first: the document does not name it.")


class TitleNeeded(UserError):
    msgid = N_("Name the plan first: the document does not state its title.")


@dataclass(frozen=True)
class PendingImport:
    """What the conversation remembers between messages: a path, never the bytes."""

    path: str
    filename: str
    sha256: str
    period: tuple[int, int] | None = None
    message_id: int | None = None  # the preview whose buttons act on this import
    # The title the coordinator gave a plan whose document states none.
    title: str | None = None
    # The period the preview proposed from the deadlines (confirmed with one button).
    proposed: tuple[int, int] | None = None
    # Doubtful cells of a scan the coordinator confirmed or corrected (bot.roadmap.checks),
    # applied each time the document is read; the cell being checked and its message.
    checks: tuple[CellCheck, ...] = ()
    checking: tuple[str, CellField] | None = None
    check_message_id: int | None = None

    def to_state(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "filename": self.filename,
            "sha256": self.sha256,
            "period": list(self.period) if self.period else None,
            "message_id": self.message_id,
            "title": self.title,
            "proposed": list(self.proposed) if self.proposed else None,
            "checks": [check.to_state() for check in self.checks],
            "checking": [self.checking[0], self.checking[1].value] if self.checking else None,
            "check_message_id": self.check_message_id,
        }

    @classmethod
    def from_state(cls, data: dict[str, Any] | None) -> PendingImport | None:
        if not data:
            return None
        try:
            period = data.get("period")
            proposed = data.get("proposed")
            title = data.get("title")
            checking = data.get("checking")
            check_message_id = data.get("check_message_id")
            return cls(
                path=str(data["path"]),
                filename=str(data["filename"]),
                sha256=str(data["sha256"]),
                period=(int(period[0]), int(period[1])) if period else None,
                message_id=data.get("message_id"),
                title=str(title) if title else None,
                proposed=(int(proposed[0]), int(proposed[1])) if proposed else None,
                checks=tuple(CellCheck.from_state(c) for c in data.get("checks") or ()),
                checking=(str(checking[0]), CellField(checking[1])) if checking else None,
                check_message_id=int(check_message_id) if check_message_id else None,
            )
        except (KeyError, TypeError, ValueError, IndexError):
            # State written by an older version, or damaged: treat as no pending import.
            return None

    def with_period(self, period: tuple[int, int]) -> PendingImport:
        return replace(self, period=period)

    def with_message(self, message_id: int) -> PendingImport:
        return replace(self, message_id=message_id)

    def with_title(self, title: str) -> PendingImport:
        return replace(self, title=title)

    def with_proposed(self, proposed: tuple[int, int] | None) -> PendingImport:
        return replace(self, proposed=proposed)

    def with_check(self, check: CellCheck) -> PendingImport:
        """One more cell answered; the walk moves on from it."""
        return replace(self, checks=(*self.checks, check), checking=None)

    def checking_cell(
        self, cell: tuple[str, CellField] | None, message_id: int | None
    ) -> PendingImport:
        """The cell shown for checking (None: the walk is over) and the message it is in."""
        return replace(self, checking=cell, check_message_id=message_id)


@dataclass
class Preview:
    parsed: ParsedRoadmap
    pending: PendingImport
    # The dry run of storing it (None while the plan period is unknown: nothing can be
    # stored without it). `changes.created` tells a new roadmap from an update.
    changes: ImportResult | None = None

    @property
    def needs_period(self) -> bool:
        return self.parsed.plan_period is None

    @property
    def needs_title(self) -> bool:
        return not self.parsed.title.strip()

    @property
    def can_save(self) -> bool:
        return not self.needs_period and not self.needs_title

    @property
    def is_update(self) -> bool:
        return self.changes is not None and not self.changes.created


@dataclass
class Confirmed:
    parsed: ParsedRoadmap
    result: ImportResult
    reminders_planned: int
    cleared_reminders: int = 0
    persons: list[str] = field(default_factory=list)


def check_announced_size(file_size: int | None) -> None:
    """Refuse before downloading: Telegram announces the size, and a 200 MB file must never
    be fetched (bots cannot fetch over 20 MB anyway)."""
    if file_size is not None and file_size > MAX_FILE_BYTES:
        raise ImportRefused("too_large", size=file_size, limit=MAX_FILE_BYTES)


def imports_dir(files_dir: Path) -> Path:
    return Path(files_dir) / IMPORTS_SUBDIR


def save_upload(files_dir: Path, data: bytes, filename: str | None) -> PendingImport:
    """Keep the uploaded bytes under their SHA-256 and return what the state remembers."""
    if len(data) > MAX_FILE_BYTES:
        # The announced size can be missing or wrong; the downloaded bytes are the truth.
        raise ImportRefused("too_large", size=len(data), limit=MAX_FILE_BYTES)
    digest = hashlib.sha256(data).hexdigest()
    folder = imports_dir(files_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / digest
    if path.exists():
        with contextlib.suppress(OSError):
            os.utime(path)  # renewed: the sweep (bot.sweep) leaves an open preview's file
    else:
        # Write aside and rename, so a crash never leaves a half-written file under the name
        # another pending import may already point to.
        temporary = folder / f".{digest}.{os.getpid()}.part"
        temporary.write_bytes(data)
        temporary.replace(path)
    # Cleaned (no NUL, control characters or path separators; the column's length): the
    # name is stored as the roadmap's source, and its extension tells the reader the format.
    name = clean_file_name(filename, SOURCE_NAME_CHARS) or "document"
    return PendingImport(path=str(path), filename=name, sha256=digest)


def discard_upload(files_dir: Path, pending: PendingImport) -> None:
    """Forget a cancelled upload. Only files inside the imports folder are ever removed."""
    path = Path(pending.path)
    if path.parent.resolve() != imports_dir(files_dir).resolve():
        return
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    for cached in path.parent.glob(f"{path.name}.scan-*.json"):
        with contextlib.suppress(FileNotFoundError):
            cached.unlink()


def _read_pending(pending: PendingImport) -> bytes:
    try:
        return Path(pending.path).read_bytes()
    except OSError as exc:
        raise ImportExpired() from exc


def _scan_cache(pending: PendingImport) -> Path:
    period = "-".join(str(y) for y in pending.period) if pending.period else "none"
    return Path(f"{pending.path}.scan-{period}.json")


def _cached_scan(pending: PendingImport) -> ParsedRoadmap | None:
    try:
        return roadmap_from_json(_scan_cache(pending).read_bytes())
    except (OSError, ValueError):
        return None


def _keep_scan(pending: PendingImport, parsed: ParsedRoadmap) -> None:
    with contextlib.suppress(OSError):
        _scan_cache(pending).write_bytes(roadmap_to_json(parsed))


async def parse_pending(
    pending: PendingImport, *, progress: ReadProgress | None = None
) -> ParsedRoadmap:
    """Read the saved file in a limited child process (bot.limited_reader): a hostile
    document costs the bot neither memory nor its event loop, and others keep being
    answered meanwhile. A scan is recognised once: what it was read as is kept beside the
    file (per period), so confirming does not wait for the pages again."""
    data = await asyncio.to_thread(_read_pending, pending)
    if hashlib.sha256(data).hexdigest() != pending.sha256:
        # Not the file the preview was shown for: never store something nobody has seen.
        raise ImportExpired()
    parsed = await asyncio.to_thread(_cached_scan, pending)
    if parsed is None:
        parsed = await read_roadmap(
            data, pending.filename, period=pending.period, progress=progress
        )
        if any(m.confidence is not None for m in parsed.measures):
            await asyncio.to_thread(_keep_scan, pending, parsed)
    if pending.title:
        parsed.title = pending.title
    if pending.checks:
        parsed = apply_checks(parsed, pending.checks)
    return parsed


def parse_title(text: str) -> str | None:
    """A title typed by the coordinator: one line of text, or None when there is none."""
    title = " ".join((text or "").split())
    if not title or len(title) > MAX_TITLE or not any(ch.isalpha() for ch in title):
        return None
    return title


def parse_period(text: str) -> tuple[int, int] | None:
    """`2022-2024`, `2022 — 2024 годы`, `с 2022 по 2024` → (2022, 2024); None if invalid."""
    match = _PERIOD.match(text or "")
    if match is None:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    if not (FIRST_YEAR <= start <= end <= LAST_YEAR) or end - start >= MAX_PERIOD_YEARS:
        return None
    return start, end


async def preview(
    session_factory: SessionFactory,
    identity: Identity,
    pending: PendingImport,
    *,
    now: datetime,
    parsed: ParsedRoadmap | None = None,
    progress: ReadProgress | None = None,
) -> Preview:
    """Parse (unless given) and dry-run the import: store it in a unit of work that is never
    committed, so the preview shows exactly what confirming would do."""
    organisation_id = require_coordinator(identity)
    if parsed is None:
        parsed = await parse_pending(pending, progress=progress)
    result = Preview(parsed=parsed, pending=pending)
    if not result.can_save:
        return result
    # A separate unit of work: rolling back the handler's own would expire its objects.
    async with UnitOfWork(session_factory) as dry:
        organisation = await dry.organisations.get(organisation_id)
        assert organisation is not None
        result.changes = await store_roadmap(
            dry,
            organisation_id=organisation_id,
            parsed=parsed,
            now=now,
            source_name=pending.filename,
            source_sha256=pending.sha256,
            unit_kinds=unit_kinds_of(parsed, organisation.kind),
        )
        # Leaving the block without commit rolls the dry run back.
    return result


async def confirm(
    uow: UnitOfWork,
    identity: Identity,
    pending: PendingImport,
    *,
    now: datetime,
    parsed: ParsedRoadmap | None = None,
) -> Confirmed:
    """Store the roadmap (new, or a corrected version of one with the same title) and plan
    its reminders, in one commit. Re-parses the saved file unless `parsed` is given."""
    organisation_id = require_coordinator(identity)
    if parsed is None:
        parsed = await parse_pending(pending)
    return await save_roadmap(
        uow,
        organisation_id=organisation_id,
        parsed=parsed,
        now=now,
        source_name=pending.filename,
        source_sha256=pending.sha256,
        actor_person_id=identity.person.id if identity.person else None,
    )


async def save_roadmap(
    uow: UnitOfWork,
    *,
    organisation_id: int,
    parsed: ParsedRoadmap,
    now: datetime,
    source_name: str | None,
    source_sha256: str | None,
    actor_person_id: int | None = None,
) -> Confirmed:
    """Store a parsed roadmap and plan its reminders in every organisation that must do
    it, in one commit: the chat's confirm and `roadmap-bot import` alike."""
    if parsed.plan_period is None:
        raise PeriodNeeded()
    if not parsed.title.strip():
        raise TitleNeeded()
    organisation = await uow.organisations.get(organisation_id)
    assert organisation is not None
    result = await store_roadmap(
        uow,
        organisation_id=organisation_id,
        parsed=parsed,
        now=now,
        source_name=source_name,
        source_sha256=source_sha256,
        actor_person_id=actor_person_id,
        unit_kinds=unit_kinds_of(parsed, organisation.kind),
    )
    cleared = 0
    if not result.created:
        cleared = await _clear_stale_reminders(uow, result, now=now)
    planned = await plan_measures(
        uow, result.organisation_ids, measure_ids=result.measure_ids, now=now
    )
    await uow.commit()
    return Confirmed(
        parsed=parsed,
        result=result,
        reminders_planned=planned,
        cleared_reminders=cleared,
        persons=parsed.persons,
    )


async def _clear_stale_reminders(uow: UnitOfWork, result: ImportResult, *, now: datetime) -> int:
    """Unsent future reminders of archived and changed measures go; planning then makes the
    right ones again. Sent and cancelled rows stay: they are the history (and a "not mine"
    stays respected, since planning never re-creates a cancelled row)."""
    touched = set(result.archived) | set(result.changed)
    if not touched:
        return 0
    occurrence_ids: list[int] = []
    for measure in await uow.roadmaps.measures(result.roadmap_id, include_archived=True):
        label = measure.number or measure.title[:60]
        if label in touched:
            occurrence_ids += [o.id for o in await uow.roadmaps.occurrences(measure.id)]
    if not occurrence_ids:
        return 0
    return await uow.reminders.delete_pending(occurrence_ids=occurrence_ids, after=now)


async def discard_if_unused(
    uow: UnitOfWork, identity: Identity, files_dir: Path, pending: PendingImport
) -> None:
    """Remove a cancelled upload, unless a stored roadmap came from the very same bytes
    (then the file is that roadmap's source)."""
    if identity.organisation is not None:
        for roadmap in await uow.roadmaps.for_organisation(identity.organisation.id):
            if roadmap.source_sha256 == pending.sha256:
                return
    discard_upload(files_dir, pending)
