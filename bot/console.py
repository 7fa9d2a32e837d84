"""Local chat mode: the real dispatcher and handlers, with the console playing the phone.

A `BaseSession` that prints what the bot sends and returns what Telegram would have
returned is the same seam aiogram's own test suite uses (its mocked session); stdin lines
become `Update`s fed to the dispatcher. Buttons are shown as numbered choices: type the
number to press one. `:file PATH [caption]` sends a file. When stdin is not a terminal
the loop reads one message per line, so the mode can be scripted.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import mimetypes
import re
import sys
from collections.abc import AsyncGenerator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from aiogram import Bot, methods
from aiogram.client.session.base import BaseSession
from aiogram.types import (
    CallbackQuery,
    Chat,
    Document,
    File,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    PhotoSize,
    Update,
    User,
)

from bot.app import App
from bot.clock import Clock

CONSOLE_USER_ID = 700_000_001
BOT_USERNAME = "roadmap_console_bot"
_TAG = re.compile(r"<[^>]+>")


def html_to_console(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


class ConsoleSession(BaseSession):
    """Answers the bot's API calls locally and prints what a phone would show."""

    def __init__(self, clock: Clock, out: TextIO | None = None, files_dir: Path | None = None):
        super().__init__()
        self.clock = clock
        self.out = out or sys.stdout
        self.files_dir = files_dir or Path("data/console-files")
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self.files: dict[str, Path] = {}
        self.buttons: list[tuple[str, str, Message]] = []  # (text, callback_data, message)
        self.sent: list[methods.TelegramMethod[Any]] = []

    # -- helpers -------------------------------------------------------------------
    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def register_file(self, path: Path) -> tuple[str, str]:
        file_id = f"console-file-{next(self._file_ids)}"
        self.files[file_id] = path
        return file_id, f"u-{file_id}"

    def _message(self, bot: Bot, chat_id: int | str, **fields: Any) -> Message:
        return Message(
            message_id=next(self._message_ids),
            date=self.clock.now(),
            chat=Chat(id=int(chat_id), type="private"),
            from_user=User(id=bot.id, is_bot=True, first_name="Roadmap", username=BOT_USERNAME),
            **fields,
        )

    def _show_keyboard(self, markup: Any, message: Message) -> None:
        if not isinstance(markup, InlineKeyboardMarkup):
            return
        self.buttons = []
        labels = []
        for row in markup.inline_keyboard:
            for button in row:
                self.buttons.append((button.text, button.callback_data or "", message))
                labels.append(f"[{len(self.buttons)}] {button.text}")
        if labels:
            self._print("   " + "   ".join(labels))

    def _save_upload(self, value: Any, default_name: str) -> tuple[str, str]:
        if isinstance(value, InputFile):
            name = value.filename or default_name
            data = getattr(value, "data", None)
            if data is None and hasattr(value, "path"):
                data = Path(value.path).read_bytes()
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / f"out-{next(self._file_ids)}-{Path(name).name}"
            path.write_bytes(data or b"")
            file_id, _unique = self.register_file(path)
            return file_id, str(path)
        return str(value), str(self.files.get(str(value), value))

    # -- BaseSession -----------------------------------------------------------------
    async def make_request(
        self, bot: Bot, method: methods.TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        self.sent.append(method)
        if isinstance(method, methods.GetMe):
            return User(id=bot.id, is_bot=True, first_name="Roadmap", username=BOT_USERNAME)
        if isinstance(method, methods.SendMessage):
            message = self._message(bot, method.chat_id, text=method.text)
            self._print("\n" + html_to_console(method.text))
            self._show_keyboard(method.reply_markup, message)
            return message.model_copy(update={"reply_markup": method.reply_markup})
        if isinstance(method, methods.EditMessageText):
            message = self._message(bot, method.chat_id or CONSOLE_USER_ID, text=method.text)
            self._print("\n(edited) " + html_to_console(method.text or ""))
            self._show_keyboard(method.reply_markup, message)
            return message
        if isinstance(method, methods.EditMessageReplyMarkup):
            message = self._message(bot, method.chat_id or CONSOLE_USER_ID, text="")
            self._show_keyboard(method.reply_markup, message)
            return message
        if isinstance(method, methods.AnswerCallbackQuery):
            if method.text:
                self._print(f"\n({html_to_console(method.text)})")
            return True
        if isinstance(method, methods.SendDocument | methods.SendPhoto):
            media = method.document if isinstance(method, methods.SendDocument) else method.photo
            file_id, where = self._save_upload(media, "file")
            caption = html_to_console(method.caption or "")
            self._print(f"\n[file] {where}" + (f"\n{caption}" if caption else ""))
            document = Document(file_id=file_id, file_unique_id=f"u-{file_id}")
            self._show_keyboard(method.reply_markup, self._message(bot, method.chat_id, text=""))
            return self._message(bot, method.chat_id, document=document, caption=method.caption)
        if isinstance(method, methods.SendMediaGroup):
            result = []
            for item in method.media:
                file_id, where = self._save_upload(item.media, "file")
                self._print(f"\n[file] {where}")
                result.append(
                    self._message(
                        bot,
                        method.chat_id,
                        document=Document(file_id=file_id, file_unique_id=f"u-{file_id}"),
                    )
                )
            return result
        if isinstance(method, methods.GetFile):
            path = self.files.get(method.file_id)
            if path is None:
                from aiogram.exceptions import TelegramBadRequest

                raise TelegramBadRequest(
                    method=method, message="Bad Request: wrong file identifier"
                )
            return File(
                file_id=method.file_id,
                file_unique_id=f"u-{method.file_id}",
                file_size=path.stat().st_size,
                file_path=method.file_id,
            )
        # Everything else (commands menu, chat actions, webhooks…) has nothing to show.
        return True

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        file_id = url.rsplit("/", 1)[-1]
        path = self.files[file_id]
        with path.open("rb") as stream:
            while chunk := stream.read(chunk_size):
                yield chunk

    async def close(self) -> None:
        return None


class ConsoleChat:
    """Turns console lines into updates for the real dispatcher."""

    def __init__(self, app: App, session: ConsoleSession, *, user_name: str = "Вы") -> None:
        self.app = app
        self.session = session
        self.user = User(
            id=CONSOLE_USER_ID, is_bot=False, first_name=user_name, language_code="ru"
        )
        self.chat = Chat(id=CONSOLE_USER_ID, type="private")
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1_000_000)

    def _now(self) -> datetime:
        return self.app.clock.now()

    def _update(self, **fields: Any) -> Update:
        return Update(update_id=next(self._update_ids), **fields)

    def update_for_line(self, line: str) -> Update | None:
        line = line.strip()
        if not line:
            return None
        if line.isdigit() and 1 <= int(line) <= len(self.session.buttons):
            text, data, message = self.session.buttons[int(line) - 1]
            self.session._print(f"(pressed: {text})")
            return self._update(
                callback_query=CallbackQuery(
                    id=str(next(self._update_ids)),
                    from_user=self.user,
                    chat_instance="console",
                    message=message,
                    data=data,
                )
            )
        fields: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": self._now(),
            "chat": self.chat,
            "from_user": self.user,
        }
        if line.startswith(":file "):
            path_text, _, caption = line[len(":file ") :].strip().partition(" ")
            path = Path(path_text).expanduser()
            if not path.is_file():
                self.session._print(f"(no such file: {path})")
                return None
            file_id, unique_id = self.session.register_file(path)
            mime = mimetypes.guess_type(path.name)[0]
            if mime in {"image/jpeg", "image/png"}:
                size = path.stat().st_size
                fields["photo"] = [
                    PhotoSize(
                        file_id=file_id,
                        file_unique_id=unique_id,
                        width=1280,
                        height=960,
                        file_size=size,
                    )
                ]
            else:
                fields["document"] = Document(
                    file_id=file_id,
                    file_unique_id=unique_id,
                    file_name=path.name,
                    mime_type=mime,
                    file_size=path.stat().st_size,
                )
            if caption:
                fields["caption"] = caption
        else:
            fields["text"] = line
        return self._update(message=Message(**fields))

    async def send(self, line: str) -> None:
        update = self.update_for_line(line)
        if update is not None:
            await self.app.dispatcher.feed_update(self.app.bot, update)


async def run_console(
    chat: ConsoleChat,
    stdin: TextIO,
    *,
    interactive: bool,
    on_idle: Callable[[], Any] | None = None,
) -> None:
    if interactive:
        chat.session._print(
            "Local chat mode. Type messages as in Telegram; a number presses a button; "
            ":file PATH [caption] sends a file; :quit or Ctrl-D ends."
        )
    while True:
        if interactive:
            try:
                line = await asyncio.to_thread(input, "\n> ")
            except EOFError:
                break
        else:
            line = await asyncio.to_thread(stdin.readline)
            if line == "":
                break
            chat.session._print(f"\n> {line.rstrip()}")
        if line.strip() in {":quit", ":q", ":exit"}:
            break
        await chat.send(line)
