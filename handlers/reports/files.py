"""Report files through Telegram: received into a draft, sent back from a stored report."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, Message

from bot.i18n import _
from bot.markup import measure_tag, quote_short
from bot.reports.draft import Draft
from bot.reports.files import FileStore, Outcome, Received, incoming_file, receive
from bot.reports.reading import ReportFiles

CAPTION_CHARS = 900  # Telegram allows 1024 characters of caption after entities are parsed


async def receive_files(
    bot: Bot, files_dir: Path, messages: Sequence[Message]
) -> list[tuple[Received, bool]]:
    """Download and store the file each message carries (see bot.reports.files.receive)."""
    store = FileStore(files_dir)
    results = []
    for message in messages:
        item = incoming_file(message)
        if item is not None:
            results.append((await receive(bot, store, item), True))
    return results


def add_to_draft(
    draft: Draft, received: Sequence[tuple[Received, bool]]
) -> list[tuple[Received, bool]]:
    """Put the usable files into the draft; says for each whether it was added (a file too
    big for Telegram to give us, or one already in the draft, is not)."""
    return [
        (item, item.outcome is not Outcome.TOO_BIG and draft.add_file(item.file))
        for item, _added in received
    ]


async def send_report_files(bot: Bot, chat_id: int, found: ReportFiles, files_dir: Path) -> None:
    """Send a report's files back by their Telegram ids (no re-upload); the stored copy is
    the fallback when an id no longer works."""
    view = found.report
    if not found.attachments:
        await bot.send_message(chat_id, _("This report has no files."))
        return
    store = FileStore(files_dir)
    for attachment in found.attachments:
        caption = f"{measure_tag(view.number, view.title)} · {view.author}"
        if attachment.file_name:
            caption += f" · {attachment.file_name}"
        caption = quote_short(caption, CAPTION_CHARS)
        senders: dict[str, Callable[..., Awaitable[object]]] = {
            "photo": bot.send_photo,
            "voice": bot.send_voice,
            "video_note": bot.send_video_note,
            "video": bot.send_video,
            "audio": bot.send_audio,
        }
        send = senders.get(attachment.kind, bot.send_document)
        kwargs: dict[str, Any] = {} if attachment.kind == "video_note" else {"caption": caption}
        try:
            await send(chat_id, attachment.telegram_file_id, **kwargs)
        except TelegramBadRequest:
            if attachment.stored_path is None:
                raise
            data = await asyncio.to_thread(store.path_of(attachment.stored_path).read_bytes)
            upload = BufferedInputFile(data, filename=attachment.file_name or "file")
            await bot.send_document(chat_id, upload, caption=caption)
