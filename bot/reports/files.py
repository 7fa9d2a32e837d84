"""Receiving report files: Telegram's ids, a checksum and a stored copy.

Copies live under `settings.files_dir`, named by their SHA-256 (never by the sender's file
name, which is only kept in the database): the same content sent twice is stored once, and
no name can escape the directory. A failed download or disk keeps the file's Telegram id
in the report, so nothing the person sent is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot.cleaning import clean_file_name, clean_label
from bot.reports.draft import MAX_DOWNLOAD_BYTES, DraftFile
from bot.telegram_io import download
from storage.models import FILE_NAME_CHARS, MIME_TYPE_CHARS

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    STORED = "stored"
    TOO_BIG = "too_big"
    NOT_STORED = "not_stored"  # kept by Telegram id only: download or disk failed


@dataclass
class Received:
    file: DraftFile
    outcome: Outcome


def incoming_file(message: Message) -> DraftFile | None:
    """The file a message carries (the largest photo size), without its bytes yet. The
    sender's file name is cleaned at once (no NUL, control characters or path separators,
    at most the column's length): it is shown in the draft and stored as it is shown."""
    if message.document is not None:
        doc = message.document
        return DraftFile(
            "document",
            doc.file_id,
            doc.file_unique_id,
            clean_file_name(doc.file_name, FILE_NAME_CHARS),
            clean_label(doc.mime_type, MIME_TYPE_CHARS),
            doc.file_size,
        )
    if message.photo:
        photo = max(message.photo, key=lambda p: (p.file_size or 0, p.width * p.height))
        return DraftFile(
            "photo", photo.file_id, photo.file_unique_id, None, "image/jpeg", photo.file_size
        )
    for kind in ("voice", "video_note", "video", "audio"):
        media = getattr(message, kind)
        if media is not None:
            return DraftFile(
                kind,
                media.file_id,
                media.file_unique_id,
                clean_file_name(getattr(media, "file_name", None), FILE_NAME_CHARS),
                clean_label(getattr(media, "mime_type", None), MIME_TYPE_CHARS),
                media.file_size,
            )
    return None


class FileStore:
    """Content-addressed copies: `<files_dir>/<sha[:2]>/<sha>`; paths stored relative."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, relative: str) -> Path:
        return self.root / relative

    @staticmethod
    def relative_for(sha256: str) -> str:
        return f"{sha256[:2]}/{sha256}"

    async def put(self, data: bytes) -> tuple[str, str]:
        """Store bytes once; returns (sha256, relative path). Raises OSError on disk errors."""
        sha256 = hashlib.sha256(data).hexdigest()
        relative = self.relative_for(sha256)
        await asyncio.to_thread(self._write, self.root / relative, data)
        return sha256, relative

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        if target.exists() and target.stat().st_size == len(data):
            # Same checksum, same content: stored once. Renewed, so that the sweep of
            # unreferenced files (bot.sweep) leaves it to the report now being written.
            with contextlib.suppress(OSError):
                os.utime(target)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: a crash never leaves a half file under the name.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    async def remove(self, relative: str) -> None:
        with contextlib.suppress(OSError):
            await asyncio.to_thread((self.root / relative).unlink)


async def receive(bot: Bot, store: FileStore, item: DraftFile) -> Received:
    """Download and store one file. Never raises for the file's own problems."""
    if item.size is not None and item.size > MAX_DOWNLOAD_BYTES:
        return Received(item, Outcome.TOO_BIG)  # checked first: Telegram would refuse anyway
    try:
        data = await download(bot, item.file_id)  # a download cut off is started again
    except TelegramAPIError as error:
        if "too big" in str(error).lower():
            return Received(item, Outcome.TOO_BIG)
        logger.warning("could not download report file %s: %s", item.file_unique_id, error)
        return Received(item, Outcome.NOT_STORED)
    except Exception:  # network trouble: the Telegram id still holds the file
        logger.exception("could not download report file %s", item.file_unique_id)
        return Received(item, Outcome.NOT_STORED)
    item.size = len(data)
    try:
        item.sha256, item.stored_path = await store.put(data)
    except OSError:
        logger.exception("could not store report file %s", item.file_unique_id)
        item.sha256 = hashlib.sha256(data).hexdigest()
        item.stored_path = None
        return Received(item, Outcome.NOT_STORED)
    return Received(item, Outcome.STORED)
