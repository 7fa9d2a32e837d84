"""A fake Telegram Bot API server for end-to-end tests.

It speaks the real HTTP protocol as aiogram's ``AiohttpSession`` uses it (``POST
/bot{token}/{method}`` with urlencoded or multipart forms, ``GET /file/bot{token}/{path}`` for
downloads) and answers exactly like Telegram does (``{"ok": false, "error_code": ...,
"description": ...}``), so a real ``aiogram.Bot`` raises its real exceptions against it.

Usage::

    async with FakeTelegram() as tg:
        bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
        user = tg.user(1001)
        await user.send_text("/start")
        reply = await user.wait_for_text("Привет")
        assert not tg.failed_calls

Standalone (for benchmarks driving a bot process)::

    python -m tests.fake_telegram --port 8081

One file of nearly two thousand lines on purpose: it mirrors the Bot API's method table
(one `_m_<method>` each, with Telegram's own checks), the server and the simulated users,
and tests and benchmarks import it as one piece of test infrastructure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import hashlib
import itertools
import json
import math
import mimetypes
import re
import secrets
import socket
import struct
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

__all__ = [
    "ApiCall",
    "ApiError",
    "CallbackAnswer",
    "ChatMessage",
    "ConnectionFault",
    "FakeFile",
    "FakeTelegram",
    "FakeUser",
    "HtmlParseError",
    "bot_for",
    "parse_html",
    "polling",
    "utf16_len",
]

# --- limits Telegram enforces -------------------------------------------------------------

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # bots may upload up to 50 MB
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile refuses files above 20 MB
MAX_PHOTO_BYTES = 10 * 1024 * 1024

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
WRONG_FILE_ID = "Bad Request: wrong file identifier/HTTP URL specified"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
# Telegram's default when allowed_updates was never set: everything except these.
NOT_DEFAULT_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}
# Fields that are plain strings on the wire: aiogram sends strings unquoted, so decoding
# them as JSON would turn a text "123" into an int.
STRING_FIELDS = {
    "text",
    "caption",
    "parse_mode",
    "callback_query_id",
    "url",
    "action",
    "file_id",
    "language_code",
    "inline_message_id",
    "business_connection_id",
    "secret_token",
    "ip_address",
    "query_id",
    "emoji",
    "title",
    "description",
    "short_description",
    "name",
    "message_effect_id",
}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit Telegram uses for entity offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


def _copy_json(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts, lists, scalars), several times faster than
    copy.deepcopy; anything else inside is handed to copy.deepcopy."""
    kind = type(value)
    if kind is dict:
        return {key: _copy_json(item) for key, item in value.items()}
    if kind is list:
        return [_copy_json(item) for item in value]
    if kind in _ATOMIC_JSON:
        return value
    return copy.deepcopy(value)


_ATOMIC_JSON = {str, int, float, bool, type(None)}


class ApiError(Exception):
    """An error answered to the bot as ``{"ok": false, ...}``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


# --- HTML parse mode ----------------------------------------------------------------------


class HtmlParseError(ValueError):
    pass


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[a-zA-Z][a-zA-Z0-9]{0,15});")
_TAG_NAME_RE = re.compile(r"[a-zA-Z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[a-zA-Z0-9_-]*")
_MARKUP_RE = re.compile(r"[<&]")


def _decode_entity(match: re.Match[str]) -> str | None:
    body = match.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in "xX" else int(body[1:])
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code)
        return None
    return _NAMED_ENTITIES.get(body)


def parse_html(source: str, *, reject_bare_ampersand: bool = True) -> tuple[str, list[dict]]:
    """Parse Telegram's HTML subset into (plain text, entities) or raise HtmlParseError.

    Error wording and byte offsets follow tdlib's parser, which produces Telegram's
    "can't parse entities" descriptions.
    """

    def byte_offset(index: int) -> int:
        return len(source[:index].encode())

    out: list[str] = []
    pos16 = 0  # UTF-16 length of the text produced so far
    stack: list[dict[str, Any]] = []
    entities: list[dict] = []
    i, n = 0, len(source)
    next_markup = _MARKUP_RE.search

    while i < n:
        # A run of plain text up to the next "<" or "&" goes out in one piece.
        found = next_markup(source, i)
        stop = found.start() if found is not None else n
        if stop > i:
            run = source[i:stop]
            out.append(run)
            pos16 += len(run) if run.isascii() else utf16_len(run)
            i = stop
            if i == n:
                break
        if source[i] == "&":
            match = _ENTITY_RE.match(source, i)
            decoded = _decode_entity(match) if match else None
            if match and decoded is not None:
                out.append(decoded)
                pos16 += utf16_len(decoded)
                i = match.end()
                continue
            if reject_bare_ampersand:
                # Stricter than Telegram (which keeps such an "&" literally): an unescaped
                # "&" almost always means user text went into HTML without html.escape().
                raise HtmlParseError(
                    f'Character "&" at byte offset {byte_offset(i)} does not start a '
                    "supported entity; escape it as &amp;"
                )
            out.append("&")
            pos16 += 1
            i += 1
            continue
        begin = i
        if source.startswith("</", i):
            close = source.find(">", i + 2)
            if close == -1:
                raise HtmlParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
            name = source[i + 2 : close].strip().lower()
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
            top = stack.pop()
            if name != top["tag"]:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {byte_offset(begin)}, "
                    f'expected "</{top["tag"]}>", found "</{name}>"'
                )
            _close_entity(top, pos16, stack, entities)
            i = close + 1
            continue
        # Start tag.
        j = _TAG_NAME_RE.match(source, i + 1).end()
        name = source[i + 1 : j].lower()
        if j >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
        if name not in _HTML_TAGS:
            raise HtmlParseError(
                f'Unsupported start tag "{name}" at byte offset {byte_offset(begin)}'
            )
        attrs: dict[str, str] = {}
        while True:
            while j < n and source[j].isspace():
                j += 1
            if j >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            if source[j] == ">":
                break
            attr_end = _ATTR_NAME_RE.match(source, j).end()
            attr = source[j:attr_end].lower()
            if not attr:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {byte_offset(j)}'
                )
            j = attr_end
            while j < n and source[j].isspace():
                j += 1
            if j < n and source[j] == "=":
                j += 1
                while j < n and source[j].isspace():
                    j += 1
                if j >= n:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                if source[j] in "\"'":
                    quote_end = source.find(source[j], j + 1)
                    if quote_end == -1:
                        raise HtmlParseError(
                            f"Unclosed start tag at byte offset {byte_offset(begin)}"
                        )
                    raw_value = source[j + 1 : quote_end]
                    j = quote_end + 1
                else:
                    value_end = j
                    while (
                        value_end < n
                        and not source[value_end].isspace()
                        and (source[value_end] != ">")
                    ):
                        value_end += 1
                    raw_value = source[j:value_end]
                    j = value_end
                attrs[attr] = _ENTITY_RE.sub(lambda m: _decode_entity(m) or m.group(0), raw_value)
            else:
                attrs[attr] = ""  # a valueless attribute, like <blockquote expandable>
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise HtmlParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                f"{byte_offset(begin)}"
            )
        stack.append({"tag": name, "offset": pos16, "attrs": attrs})
        i = j + 1

    if stack:
        raise HtmlParseError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"'
        )
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _close_entity(
    frame: dict[str, Any], end16: int, stack: list[dict[str, Any]], entities: list[dict]
) -> None:
    tag, attrs = frame["tag"], frame["attrs"]
    length = end16 - frame["offset"]
    language = attrs.get("class", "")
    if tag == "code" and stack and stack[-1]["tag"] == "pre" and language.startswith("language-"):
        # <pre><code class="language-x"> is one pre entity with a language, as in Telegram.
        stack[-1]["language"] = language.removeprefix("language-")
        return
    if length <= 0:
        return  # Telegram drops empty entities
    entity: dict[str, Any] = {"type": _HTML_TAGS[tag], "offset": frame["offset"], "length": length}
    if tag == "a":
        entity["url"] = attrs.get("href", "")
    elif tag == "pre" and frame.get("language"):
        entity["language"] = frame["language"]
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs["emoji-id"]
    entities.append(entity)


def _strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Trim surrounding whitespace like Telegram does, keeping entity offsets right."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    end = lead + utf16_len(stripped)
    result = []
    for entity in entities:
        start = max(entity["offset"], lead)
        stop = min(entity["offset"] + entity["length"], end)
        if stop > start:
            result.append({**entity, "offset": start - lead, "length": stop - start})
    return stripped, result


# --- recorded objects ---------------------------------------------------------------------


@dataclass
class FakeFile:
    """A file known to the fake server: uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    data: bytes
    kind: str  # "document", "photo", "voice"
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class ApiCall:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, FakeFile | bytes]
    ok: bool
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    time: float = 0.0
    # Carried out, but the connection was reset instead of answering (reset_connections).
    reset: bool = False

    def __repr__(self) -> str:
        status = "ok" if self.ok else f"{self.error_code} {self.description!r}"
        if self.reset:
            status += ", connection reset"
        shown = {k: v for k, v in self.params.items() if k in ("chat_id", "text", "caption")}
        return f"<{self.method} {shown} -> {status}>"


@dataclass
class CallbackAnswer:
    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass(eq=False)
class ChatMessage:
    """A message as the user's phone shows it now (edits are applied in place)."""

    tg: FakeTelegram = field(repr=False)
    data: dict[str, Any]
    from_bot: bool
    deleted: bool = False
    source_text: str | None = None  # the bot's text/caption before parse_mode was applied
    reply_keyboard: dict | None = None  # a ReplyKeyboardMarkup/Remove/ForceReply sent with it
    history: list[dict] = field(default_factory=list, repr=False)  # versions before edits

    @property
    def message_id(self) -> int:
        return self.data["message_id"]

    @property
    def chat_id(self) -> int:
        return self.data["chat"]["id"]

    @property
    def text(self) -> str | None:
        return self.data.get("text")

    @property
    def caption(self) -> str | None:
        return self.data.get("caption")

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has ("" for neither)."""
        return self.data.get("text") or self.data.get("caption") or ""

    @property
    def entities(self) -> list[dict]:
        return self.data.get("entities") or self.data.get("caption_entities") or []

    @property
    def reply_markup(self) -> dict | None:
        return self.data.get("reply_markup")

    @property
    def keyboard(self) -> list[list[dict]]:
        """Inline keyboard rows (empty when there is none)."""
        return (self.reply_markup or {}).get("inline_keyboard", [])

    @property
    def buttons(self) -> list[dict]:
        return [button for row in self.keyboard for button in row]

    @property
    def button_texts(self) -> list[str]:
        return [button["text"] for button in self.buttons]

    @property
    def edited(self) -> bool:
        return bool(self.history)

    @property
    def media_group_id(self) -> str | None:
        return self.data.get("media_group_id")

    @property
    def file(self) -> FakeFile | None:
        """The document/photo/voice attached to the message, with its bytes."""
        if "document" in self.data:
            return self.tg.files[self.data["document"]["file_id"]]
        if "photo" in self.data:
            return self.tg.files[self.data["photo"][-1]["file_id"]]
        if "voice" in self.data:
            return self.tg.files[self.data["voice"]["file_id"]]
        return None

    @property
    def document(self) -> FakeFile | None:
        return self.file if "document" in self.data else None

    @property
    def photo(self) -> FakeFile | None:
        return self.file if "photo" in self.data else None

    def find_button(self, text_or_data: str) -> dict | None:
        for button in self.buttons:
            if button.get("text") == text_or_data:
                return button
        for button in self.buttons:
            if button.get("callback_data") == text_or_data:
                return button
        return None

    def describe(self) -> str:
        kind = next((k for k in ("document", "photo", "voice") if k in self.data), "text")
        flags = []
        if self.deleted:
            flags.append("deleted")
        if self.edited:
            flags.append("edited")
        if self.buttons:
            flags.append(f"buttons={self.button_texts}")
        extra = f" [{', '.join(flags)}]" if flags else ""
        content = self.content
        if len(content) > 200:
            content = content[:200] + "…"
        return f"#{self.message_id} {kind}: {content!r}{extra}"


# --- users --------------------------------------------------------------------------------


class FakeUser:
    """A Telegram user with a private chat with the bot (chat id == user id)."""

    def __init__(
        self,
        tg: FakeTelegram,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> None:
        self.tg = tg
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked = False
        self.history: list[ChatMessage] = []  # every message in the chat, both directions
        self._bot_messages: list[ChatMessage] = []  # bot messages in arrival order
        self._cursor = 0  # how many of _bot_messages earlier waits consumed
        self._next_message_id = 1

    def __repr__(self) -> str:
        return f"<FakeUser {self.first_name} id={self.id}>"

    @property
    def user_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    @property
    def chat_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    # --- what the phone shows ---

    @property
    def messages(self) -> list[ChatMessage]:
        """Bot messages currently visible in the chat, oldest first."""
        return [m for m in self._bot_messages if not m.deleted]

    @property
    def last_message(self) -> ChatMessage | None:
        visible = self.messages
        return visible[-1] if visible else None

    @property
    def reply_keyboard(self) -> dict | None:
        """The reply keyboard shown under the input field now (None when removed/none)."""
        for message in reversed(self._bot_messages):
            markup = message.reply_keyboard
            if markup is not None:
                return markup if "keyboard" in markup else None
        return None

    def _take_message_id(self) -> int:
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    # --- acting ---

    def _new_message(self, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": self._take_message_id(),
            "from": self.user_dict,
            "chat": self.chat_dict,
            "date": int(time.time()),
        }
        message.update({k: v for k, v in content.items() if v is not None})
        self.history.append(ChatMessage(self.tg, message, from_bot=False))
        return message

    async def _queue(self, kind: str, payload: dict[str, Any]) -> None:
        self.tg.queue_update(kind, payload)
        await asyncio.sleep(0)  # let a waiting long poll see it at once

    async def send_text(
        self, text: str, *, reply_to: ChatMessage | dict | int | None = None
    ) -> dict:
        """Queue a text message from the user (with bot_command entities) and return it."""
        entities = _command_entities(text)
        message = self._new_message(
            text=text,
            entities=entities or None,
            reply_to_message=self._reply_snapshot(reply_to),
        )
        await self._queue("message", message)
        return message

    async def reply_to(self, bot_message: ChatMessage | dict | int, text: str) -> dict:
        """Send a text as a reply to a (bot) message (reply_to_message is set)."""
        return await self.send_text(text, reply_to=bot_message)

    async def send_document(
        self,
        data: bytes,
        filename: str,
        mime_type: str | None = None,
        caption: str | None = None,
        media_group_id: str | None = None,
    ) -> dict:
        fake = self.tg.register_file(data, "document", file_name=filename, mime_type=mime_type)
        message = self._new_message(
            document=self.tg._document_dict(fake),
            caption=caption,
            media_group_id=media_group_id,
        )
        await self._queue("message", message)
        return message

    async def send_photo(
        self, data: bytes, caption: str | None = None, media_group_id: str | None = None
    ) -> dict:
        fake = self.tg.register_file(data, "photo")
        message = self._new_message(
            photo=self.tg._photo_sizes(fake), caption=caption, media_group_id=media_group_id
        )
        await self._queue("message", message)
        return message

    async def send_voice(
        self, data: bytes, duration: int = 1, mime_type: str = "audio/ogg"
    ) -> dict:
        fake = self.tg.register_file(data, "voice", mime_type=mime_type)
        voice = {
            "file_id": fake.file_id,
            "file_unique_id": fake.file_unique_id,
            "duration": duration,
            "mime_type": mime_type,
            "file_size": fake.size,
        }
        message = self._new_message(voice=voice)
        await self._queue("message", message)
        return message

    async def forward(self, message: ChatMessage | dict, *, origin: dict | None = None) -> dict:
        """Forward a message (a bot message or any Bot API message dict) into the bot chat."""
        source = message.data if isinstance(message, ChatMessage) else message
        if origin is None:
            chat = source.get("chat", {})
            if chat.get("type") == "channel":
                origin = {
                    "type": "channel",
                    "chat": chat,
                    "message_id": source.get("message_id", 1),
                    "date": source.get("date", int(time.time())),
                }
            else:
                origin = {
                    "type": "user",
                    "sender_user": source.get("from", self.user_dict),
                    "date": source.get("date", int(time.time())),
                }
        content_keys = (
            "text",
            "entities",
            "caption",
            "caption_entities",
            "document",
            "photo",
            "voice",
        )
        content = {k: _copy_json(source[k]) for k in content_keys if k in source}
        forwarded = self._new_message(forward_origin=origin, **content)
        await self._queue("message", forwarded)
        return forwarded

    async def press(
        self,
        message_or_button: ChatMessage | dict | int | str,
        button: str | None = None,
    ) -> str:
        """Press an inline button (by text or callback_data) and return the callback query id.

        ``press("Да")`` presses it on the newest visible message that has it;
        ``press(message, "Да")`` presses it on that message.
        """
        if button is None:
            if not isinstance(message_or_button, str):
                raise TypeError("press(message, button) needs the button text or callback_data")
            button = message_or_button
            target = next(
                (m for m in reversed(self.messages) if m.find_button(button)),
                None,
            )
            if target is None:
                raise AssertionError(
                    f"{self}: no visible bot message has a button {button!r}.\n"
                    + self.tg.describe(self)
                )
        else:
            target = self._resolve_message(message_or_button)
        if target.deleted:
            raise AssertionError(f"{self}: message #{target.message_id} was deleted")
        found = target.find_button(button)
        if found is None:
            raise AssertionError(
                f"{self}: message {target.describe()} has no button {button!r}; "
                f"buttons: {target.buttons}"
            )
        if "callback_data" not in found:
            raise AssertionError(f"{self}: button {found} is not a callback button")
        query_id = self.tg._new_callback_query_id()
        query = {
            "id": query_id,
            "from": self.user_dict,
            "message": target.data,  # queue_update copies the update
            "chat_instance": str(-(10**18) - self.id),
            "data": found["callback_data"],
        }
        await self._queue("callback_query", query)
        return query_id

    def _resolve_message(self, ref: ChatMessage | dict | int | Any) -> ChatMessage:
        if isinstance(ref, ChatMessage):
            return ref
        if isinstance(ref, dict):
            message_id = ref["message_id"]
        elif isinstance(ref, int):
            message_id = ref
        else:  # e.g. an aiogram Message returned by bot.send_message
            message_id = ref.message_id
        for message in self.history:
            if message.message_id == message_id:
                return message
        raise AssertionError(f"{self}: no message #{message_id} in the chat")

    def _reply_snapshot(self, ref: ChatMessage | dict | int | None) -> dict | None:
        if ref is None:
            return None
        snapshot = _copy_json(self._resolve_message(ref).data)
        snapshot.pop("reply_to_message", None)  # Telegram never nests replies deeper
        return snapshot

    # --- waiting ---

    async def wait_for_message(
        self, predicate: Callable[[ChatMessage], Any] | None = None, timeout: float = 10
    ) -> ChatMessage:
        """The next bot message not consumed by an earlier wait (that matches predicate).

        Messages before the returned one are consumed too, so waits read the chat in order.
        """

        def find() -> ChatMessage | None:
            for index in range(self._cursor, len(self._bot_messages)):
                message = self._bot_messages[index]
                if predicate is None or predicate(message):
                    self._cursor = index + 1
                    return message
            return None

        what = "a matching message" if predicate is not None else "a new message"
        return await self.tg.wait_until(
            find, timeout, failure=lambda: f"{self} did not receive {what} within {timeout}s."
        )

    async def wait_for_text(self, substring: str, timeout: float = 10) -> ChatMessage:
        """The next new bot message whose text or caption contains substring."""
        return await self.wait_for_message(lambda m: substring in m.content, timeout)


def _command_entities(text: str) -> list[dict]:
    # Telegram marks "/command" (optionally "@botname") at the start or after whitespace.
    entities = []
    for match in re.finditer(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?", text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group(0)),
            }
        )
    return entities


# --- the server ---------------------------------------------------------------------------


@dataclass
class ConnectionFault:
    """Requests to `target` whose TCP connection the server resets (see reset_connections)."""

    target: str  # a Bot API method, lowercased, or "download"
    after: bool
    every: int
    times: int
    seen: int = 0

    def strikes(self) -> bool:
        if self.times <= 0:
            return False
        self.seen += 1
        if self.seen % self.every:
            return False
        self.times -= 1
        return True


def _reset_connection(request: web.Request) -> None:
    """Drop the connection the way a network does: a TCP reset (SO_LINGER 0), no answer."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class FakeTelegram:
    """The fake Bot API server; use as ``async with FakeTelegram() as tg``."""

    def __init__(
        self,
        token: str = "42:TEST",
        *,
        bot_username: str = "roadmap_test_bot",
        bot_first_name: str = "Roadmap Bot",
        enforce_limits: bool = False,
        global_per_second: int = 30,
        per_chat_per_second: int = 1,
        reject_bare_ampersand: bool = True,
        clock: Callable[[], float] = time.monotonic,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.enforce_limits = enforce_limits
        self.global_per_second = global_per_second
        self.per_chat_per_second = per_chat_per_second
        self.reject_bare_ampersand = reject_bare_ampersand
        self.clock = clock  # injectable so rate-limit tests do not depend on real timing
        self.host = host
        self.port = port

        self.users: dict[int, FakeUser] = {}
        self.files: dict[str, FakeFile] = {}
        self._files_by_path: dict[str, FakeFile] = {}
        self.calls: list[ApiCall] = []
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self.my_commands: dict[tuple[str, str], list[dict]] = {}
        # setChatMenuButton: chat id (0 for the default) -> the button.
        self.menu_buttons: dict[int, dict] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        # Set by deliver_webhooks_to: where updates are POSTed while a webhook is set.
        self.webhook_targets: list[str] = []
        self.webhook_deliveries: list[tuple[str, int]] = []  # (target, update_id) accepted
        self._webhook_task: asyncio.Task[None] | None = None
        self.rate_limit_hits = 0
        self.dropped_updates: list[dict] = []  # filtered out by allowed_updates
        self._faults: list[ConnectionFault] = []
        # Every reset done: (target, after). `after` ones were carried out first.
        self.resets: list[tuple[str, bool]] = []

        self._updates: deque[dict] = deque()
        self._update_ids = itertools.count(100_000_001)
        self._allowed_updates: set[str] | None = None
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._query_ids = itertools.count(4_000_000_000_000_000_000 + secrets.randbelow(10**9))
        self._file_counter = itertools.count(1)
        self._global_window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = {}
        self._poll_generation = 0
        self.active_polls = 0  # getUpdates requests the server is holding open now
        self._last_poll: float | None = None
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.base_url = ""

        self._methods: dict[str, Callable[..., Any]] = {
            name.lower(): getattr(self, f"_m_{name}")
            for name in (
                "getMe",
                "getUpdates",
                "sendMessage",
                "editMessageText",
                "editMessageCaption",
                "editMessageReplyMarkup",
                "deleteMessage",
                "answerCallbackQuery",
                "sendDocument",
                "sendPhoto",
                "sendMediaGroup",
                "sendChatAction",
                "getFile",
                "setMyCommands",
                "getMyCommands",
                "deleteMyCommands",
                "setChatMenuButton",
                "deleteWebhook",
                "setWebhook",
                "getWebhookInfo",
                "close",
                "logOut",
            )
        }

    # --- lifecycle ---

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_post("/_fake/users/{user_id}/messages", self._control_send_text)
        app.router.add_post("/_fake/users/{user_id}/press", self._control_press)
        app.router.add_get("/_fake/users/{user_id}/messages", self._control_messages)
        app.router.add_get("/_fake/stats", self._control_stats)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.port = sockets[0].getsockname()[1]
        self.base_url = f"http://{self.host}:{self.port}"
        return self

    async def close(self) -> None:
        self._closing = True
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        self._notify()  # release pending long polls so the server shuts down at once
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def deliver_webhooks_to(self, *targets: str) -> None:
        """Once the bot sets a webhook, POST each update to these URLs in turn, as a load
        balancer in front of several bot processes would (the webhook URL the bot registers
        is its public one; these are where its processes listen). One update at a time,
        with the secret the bot registered; an update a target does not accept (refused
        or gone) is offered to the next one, so a killed process loses nothing."""
        self.webhook_targets = list(targets)
        if self._webhook_task is None:
            self._webhook_task = asyncio.create_task(self._deliver_webhooks())

    async def _deliver_webhooks(self) -> None:
        turn = itertools.count()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            while not self._closing:
                if not (self.webhook_url and self.webhook_targets and self._updates):
                    changed = self._changed
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), 0.5)
                    continue
                update = self._updates[0]
                target = self.webhook_targets[next(turn) % len(self.webhook_targets)]
                headers = {"Content-Type": "application/json"}
                if self.webhook_secret:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
                try:
                    async with http.post(target, data=json.dumps(update), headers=headers) as r:
                        accepted = r.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    accepted = False
                if not accepted:
                    await asyncio.sleep(0.1)  # and the next target gets it
                    continue
                if self._updates and self._updates[0] is update:
                    self._updates.popleft()
                self.webhook_deliveries.append((target, update["update_id"]))
                self._notify()

    def set_limits(
        self,
        enabled: bool = True,
        *,
        global_per_second: int | None = None,
        per_chat_per_second: int | None = None,
    ) -> None:
        self.enforce_limits = enabled
        if global_per_second is not None:
            self.global_per_second = global_per_second
        if per_chat_per_second is not None:
            self.per_chat_per_second = per_chat_per_second
        self._global_window.clear()
        self._chat_windows.clear()

    def reset_connections(
        self, target: str, *, times: int = 1, every: int = 1, after: bool = False
    ) -> None:
        """Drop the connection of requests to `target` (a Bot API method such as
        "sendMessage", or "download" for file downloads): a TCP reset, not an HTTP error,
        for every `every`-th such request until `times` were dropped.

        - `after=False`: the request is cut before the server reads it (mid-upload for a
          file): nothing happens, the client sees "connection reset by peer";
        - `after=True`: the call is carried out (the message is delivered), then the
          connection is reset instead of answering: the client cannot know it happened;
        - "download": the file's bytes stop halfway.

        Faults add up: each one counts the requests to its target on its own.
        """
        self._faults.append(ConnectionFault(target.lower(), after, every, times))

    def _fault(self, target: str, *, after: bool) -> bool:
        """Whether this request is to be reset; every fault on the target counts it."""
        struck = [f.strikes() for f in self._faults if f.target == target and f.after == after]
        if not any(struck):
            return False
        self.resets.append((target, after))
        return True

    # --- test-side API ---

    def user(
        self,
        user_id: int,
        first_name: str = "Ирина",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
    ) -> FakeUser:
        """Create (or return the existing) user with a private chat with the bot."""
        if user_id not in self.users:
            self.users[user_id] = FakeUser(
                self, user_id, first_name, last_name, username, language_code
            )
        return self.users[user_id]

    def block(self, user: FakeUser | int) -> None:
        """The user blocks the bot: sending to them answers 403."""
        self._user_of(user).blocked = True

    def unblock(self, user: FakeUser | int) -> None:
        self._user_of(user).blocked = False

    def _user_of(self, user: FakeUser | int) -> FakeUser:
        return user if isinstance(user, FakeUser) else self.users[user]

    @property
    def sent(self) -> list[ApiCall]:
        """Every call the bot made, except successful getUpdates polls (noise)."""
        return [c for c in self.calls if c.method != "getUpdates" or not c.ok]

    @property
    def failed_calls(self) -> list[ApiCall]:
        """Calls answered with ok=false (including 429s when limits are enforced)."""
        return [c for c in self.calls if not c.ok]

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def commands_for(self, scope: str = "default", language_code: str = "") -> list[dict]:
        return self.my_commands.get((scope, language_code), [])

    @property
    def pending_updates(self) -> list[dict]:
        return list(self._updates)

    def register_file(
        self,
        data: bytes,
        kind: str,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> FakeFile:
        """Make bytes known as a Telegram file (downloadable via getFile)."""
        number = next(self._file_counter)
        prefix = {"document": "BQACAgIAAxkBAAI", "photo": "AgACAgIAAxkBAAI"}.get(
            kind, "AwACAgIAAxkBAAI"
        )
        extension = ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        elif kind == "photo":
            extension = ".jpg"
        elif kind == "voice":
            extension = ".oga"
        if mime_type is None and kind == "document":
            mime_type = mimetypes.guess_type(file_name or "")[0] or "application/octet-stream"
        fake = FakeFile(
            file_id=f"{prefix}{number}{secrets.token_urlsafe(24)}",
            file_unique_id="AgAD" + hashlib.sha256(data).hexdigest()[:12],
            data=data,
            kind=kind,
            file_path=f"{kind}s/file_{number}{extension}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[fake.file_id] = fake
        self._files_by_path[fake.file_path] = fake
        return fake

    def queue_update(self, kind: str, payload: dict[str, Any]) -> dict:
        """Queue a raw update of the given type (e.g. "message") for getUpdates."""
        if kind == "callback_query":
            self._callback_queries[payload["id"]] = False
        update = {"update_id": next(self._update_ids), kind: _copy_json(payload)}
        allowed = self._allowed_updates
        if (allowed is None and kind in NOT_DEFAULT_UPDATES) or (
            allowed is not None and kind not in allowed
        ):
            # Telegram drops updates the bot did not subscribe to at creation time.
            self.dropped_updates.append(update)
        else:
            self._updates.append(update)
        self._notify()
        return update

    async def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float = 10,
        *,
        failure: str | Callable[[], str] | None = None,
    ) -> Any:
        """Wait until predicate() is truthy and return its value; AssertionError on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                head = failure() if callable(failure) else failure
                raise AssertionError(
                    (head or f"Condition not met within {timeout}s.") + "\n" + self.describe()
                )
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def wait_for_callback_answer(self, query_id: str, timeout: float = 10) -> CallbackAnswer:
        return await self.wait_until(
            lambda: self.callback_answers.get(query_id),
            timeout,
            failure=f"Callback query {query_id} was not answered within {timeout}s.",
        )

    def describe(self, user: FakeUser | None = None) -> str:
        """A readable summary of the state, for failure messages."""
        lines = []
        for each in [user] if user else self.users.values():
            fresh = each._bot_messages[each._cursor :]
            lines.append(f"{each}: new since the last wait ({len(fresh)}):")
            lines += [f"    {m.describe()}" for m in fresh] or ["    (none)"]
            lines.append(f"  chat history (last 10 of {len(each.history)}):")
            for message in each.history[-10:]:
                who = "bot " if message.from_bot else "user"
                lines.append(f"    {who} {message.describe()}")
        failed = self.failed_calls
        lines.append(f"failed API calls ({len(failed)}): {failed[-10:]}")
        if self._updates:
            lines.append(f"updates not yet fetched by the bot: {len(self._updates)}")
        if self.dropped_updates:
            kinds = sorted({next(k for k in u if k != "update_id") for u in self.dropped_updates})
            lines.append(
                f"updates dropped by allowed_updates={sorted(self._allowed_updates or [])}: "
                f"{len(self.dropped_updates)} of types {kinds}"
            )
        if self._last_poll is None:
            lines.append("the bot never called getUpdates")
        else:
            lines.append(f"getUpdates requests open now: {self.active_polls}")
        pending_queries = [q for q, answered in self._callback_queries.items() if not answered]
        if pending_queries:
            lines.append(f"unanswered callback queries: {pending_queries}")
        return "\n".join(lines)

    # --- internals ---

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _new_callback_query_id(self) -> str:
        return str(next(self._query_ids))

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _document_dict(self, fake: FakeFile) -> dict[str, Any]:
        data: dict[str, Any] = {"file_id": fake.file_id, "file_unique_id": fake.file_unique_id}
        if fake.file_name:
            data["file_name"] = fake.file_name
        if fake.mime_type:
            data["mime_type"] = fake.mime_type
        data["file_size"] = fake.size
        return data

    def _photo_sizes(self, fake: FakeFile) -> list[dict[str, Any]]:
        width, height = _image_size(fake.data) or (800, 600)
        scale = min(1.0, 90 / max(width, height))
        # Telegram sends several sizes; the thumbnail here shares the bytes of the original.
        return [
            {
                "file_id": fake.file_id + "_s",
                "file_unique_id": fake.file_unique_id + "s",
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
                "file_size": fake.size,
            },
            {
                "file_id": fake.file_id,
                "file_unique_id": fake.file_unique_id,
                "width": width,
                "height": height,
                "file_size": fake.size,
            },
        ]

    def _lookup_file(self, file_id: str) -> FakeFile:
        fake = self.files.get(file_id) or (
            self.files.get(file_id[:-2]) if file_id.endswith("_s") else None
        )
        if fake is None:
            raise ApiError(400, WRONG_FILE_ID)
        return fake

    # --- HTTP ---

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {}
        uploads: dict[str, Any] = {}
        raw: Iterable[tuple[str, Any]]
        if request.content_type == "application/json":
            body = await request.json()
            for key, value in body.items():
                params[key] = value
            raw = ()
        else:
            raw = list(request.query.items()) + list((await request.post()).items())
        for key, value in raw:
            if isinstance(value, web.FileField):
                with value.file:  # a temporary file aiohttp spooled the upload into
                    uploads[key] = _Upload(value.filename, value.file.read(), value.content_type)
            elif isinstance(value, str | bytes | bytearray):
                text = value if isinstance(value, str) else bytes(value).decode()
                params[key] = text if key in STRING_FIELDS else _maybe_json(text)
        return params, uploads

    async def _handle_method(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method_name = request.match_info["method"]
        if self._fault(method_name.lower(), after=False):
            _reset_connection(request)  # before a byte of the body is read
            self._notify()
            raise asyncio.CancelledError
        params, uploads = await self._read_params(request)
        handler = self._methods.get(method_name.lower())
        call = ApiCall(method=method_name, params=params, files={}, ok=False, time=time.time())
        call.files.update({k: v.data for k, v in uploads.items()})
        try:
            if not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
                raise ApiError(401, "Unauthorized")
            self.bot_id = int(token.split(":", 1)[0])  # the bot is whoever the token names
            if handler is None:
                raise ApiError(404, "Not Found")
            result = handler(params, uploads)
            if asyncio.iscoroutine(result):
                result = await result
        except Exception as exc:
            # A bug in the fake itself must surface as a failed call, not an HTML 500 page.
            error = exc if isinstance(exc, ApiError) else ApiError(500, f"Internal: {exc!r}")
            payload: dict[str, Any] = {
                "ok": False,
                "error_code": error.code,
                "description": error.description,
            }
            if error.retry_after is not None:
                payload["parameters"] = {"retry_after": error.retry_after}
            call.error_code, call.description = error.code, error.description
            if not (error.code == 409 and _client_gone(request)):
                self.calls.append(call)
            self._notify()
            return web.json_response(payload, status=error.code)
        # The one copy of the answer: handlers may return the fake's live state (the stored
        # message, the queued updates), which the JSON below only reads.
        call.ok, call.result = True, _copy_json(result)
        self.calls.append(call)
        if self._fault(method_name.lower(), after=True):
            call.reset = True
            _reset_connection(request)
            self._notify()
            raise asyncio.CancelledError
        self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        fake = self._files_by_path.get(request.match_info["path"])
        if fake is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        if self._fault("download", after=False) or self._fault("download", after=True):
            # Half the bytes, then the connection is gone.
            response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
            response.content_length = len(fake.data)
            await response.prepare(request)
            await response.write(fake.data[: len(fake.data) // 2])
            _reset_connection(request)
            self._notify()
            raise asyncio.CancelledError
        return web.Response(body=fake.data, content_type="application/octet-stream")

    # --- control endpoints for the standalone mode ---

    async def _control_send_text(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self.user(int(request.match_info["user_id"]))
        return web.json_response(await user.send_text(body["text"]))

    async def _control_press(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self.user(int(request.match_info["user_id"]))
        try:
            if body.get("message_id") is not None:
                query_id = await user.press(body["message_id"], body["button"])
            else:
                query_id = await user.press(body["button"])
        except AssertionError as error:
            return web.json_response({"error": str(error)}, status=404)
        return web.json_response({"callback_query_id": query_id})

    async def _control_messages(self, request: web.Request) -> web.Response:
        user = self.user(int(request.match_info["user_id"]))
        return web.json_response([m.data for m in user.messages])

    async def _control_stats(self, request: web.Request) -> web.Response:
        by_method: dict[str, int] = {}
        for call in self.calls:
            by_method[call.method] = by_method.get(call.method, 0) + 1
        return web.json_response(
            {
                "calls": by_method,
                "failed": len(self.failed_calls),
                "rate_limit_hits": self.rate_limit_hits,
                "pending_updates": len(self._updates),
            }
        )

    # --- shared validation ---

    def _chat(self, params: dict[str, Any]) -> FakeUser:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        user = None
        if isinstance(chat_id, int):
            user = self.users.get(chat_id)
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            user = next((u for u in self.users.values() if u.username == chat_id[1:]), None)
        if user is None:
            raise _bad("chat not found")
        if user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return user

    def _message_of(self, user: FakeUser, params: dict[str, Any], missing: str) -> ChatMessage:
        if params.get("inline_message_id"):
            raise _bad("inline messages are not supported by the fake server")
        message_id = params.get("message_id")
        for message in user.history:
            if message.message_id == message_id and not message.deleted:
                return message
        raise _bad(missing)

    def _formatted(
        self, params: dict[str, Any], key: str, limit: int, entities_key: str
    ) -> tuple[str | None, list[dict]]:
        text = params.get(key)
        if text is None or text == "":
            return None, []
        parse_mode = params.get("parse_mode")
        if parse_mode in (None, ""):
            entities = params.get(entities_key) or []
        elif parse_mode.lower() == "html":
            try:
                text, entities = parse_html(text, reject_bare_ampersand=self.reject_bare_ampersand)
            except HtmlParseError as error:
                raise _bad(f"can't parse entities: {error}") from None
        elif parse_mode.lower() in ("markdown", "markdownv2"):
            entities = []  # not parsed by the fake server: the text is kept as sent
        else:
            raise _bad("unsupported parse_mode")
        text, entities = _strip_text(text, entities)
        if key == "text" and utf16_len(text) > limit:
            raise _bad("message is too long")
        if key == "caption" and utf16_len(text) > limit:
            raise _bad("message caption is too long")
        return text, entities

    def _text(self, params: dict[str, Any]) -> tuple[str, list[dict]]:
        text, entities = self._formatted(params, "text", MAX_TEXT, "entities")
        if not text:
            raise _bad("message text is empty")
        return text, entities

    def _markup(self, params: dict[str, Any], *, inline_only: bool = False) -> dict | None:
        markup = params.get("reply_markup")
        if markup in (None, ""):
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad("can't parse inline keyboard button: InlineKeyboardButton expected")
            if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
                raise _bad("reply markup is too long")
            for row in rows:
                for button in row:
                    _check_inline_button(button)
            return markup
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup or "remove_keyboard" in markup or "force_reply" in markup:
            return markup
        raise _bad("can't parse reply keyboard markup JSON object")

    def _reply_to(self, user: FakeUser, params: dict[str, Any]) -> dict | None:
        reply = params.get("reply_parameters")
        message_id = None
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            message_id = params["reply_to_message_id"]
        if message_id is None:
            return None
        for message in user.history:
            if message.message_id == message_id and not message.deleted:
                snapshot = _copy_json(message.data)
                snapshot.pop("reply_to_message", None)
                return snapshot
        if allow_missing:
            return None
        raise _bad("message to be replied not found")

    def _rate_limit(self, chat_id: int, messages: int = 1) -> None:
        if not self.enforce_limits:
            return
        now = self.clock()
        window = self._chat_windows.setdefault(chat_id, deque())
        for stamps in (self._global_window, window):
            while stamps and stamps[0] <= now - 1.0:
                stamps.popleft()
        retry_at = None
        if len(self._global_window) + messages > self.global_per_second:
            retry_at = self._global_window[0] + 1.0
        if len(window) + 1 > self.per_chat_per_second:
            retry_at = max(retry_at or 0.0, window[0] + 1.0)
        if retry_at is not None:
            self.rate_limit_hits += 1
            retry_after = max(1, math.ceil(retry_at - now))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        self._global_window.extend([now] * messages)
        window.append(now)

    def _store_bot_message(
        self,
        user: FakeUser,
        content: dict[str, Any],
        markup: dict | None,
        source_text: str | None,
    ) -> dict:
        data = {
            "message_id": user._take_message_id(),
            "from": self._bot_user(),
            "chat": user.chat_dict,
            "date": int(time.time()),
        }
        data.update({k: v for k, v in content.items() if v not in (None, [])})
        message = ChatMessage(self, data, from_bot=True, source_text=source_text)
        if markup is not None and "inline_keyboard" in markup:
            data["reply_markup"] = markup  # Telegram echoes only inline keyboards
        elif markup is not None:
            message.reply_keyboard = markup
        user.history.append(message)
        user._bot_messages.append(message)
        return data  # _handle_method answers a copy

    def _resolve_upload(
        self,
        value: Any,
        uploads: dict[str, _Upload],
        field_name: str,
        kind: str,
    ) -> FakeFile:
        upload = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise _bad(f"file {value} not found in the request")
        elif value is None and field_name in uploads:
            upload = uploads[field_name]
        elif value in (None, ""):
            raise _bad(f"there is no {field_name} in the request")
        if upload is None:
            value = str(value)
            if value.startswith(("http://", "https://")):
                raise _bad("failed to get HTTP URL content")  # the fake server has no network
            fake = self._lookup_file(value)
            if fake.kind != kind:
                raise _bad(
                    f"can't use file of type {fake.kind.capitalize()} as {kind.capitalize()}"
                )
            return fake
        if not upload.data:
            raise _bad("file must be non-empty")
        if len(upload.data) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        if kind == "photo":
            if _image_size(upload.data) is None and not _is_image(upload.data):
                raise _bad("IMAGE_PROCESS_FAILED")
            if len(upload.data) > MAX_PHOTO_BYTES:
                raise _bad("PHOTO_INVALID_DIMENSIONS")
        return self.register_file(
            upload.data,
            kind,
            file_name=upload.filename if kind == "document" else None,
            mime_type=None,
        )

    # --- methods ---

    def _m_getMe(self, params: dict, uploads: dict) -> dict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_getUpdates(self, params: dict, uploads: dict) -> list[dict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self.active_polls += 1
        try:
            return await self._long_poll(params, generation)
        finally:
            self.active_polls -= 1
            self._notify()

    async def _long_poll(self, params: dict, generation: int) -> list[dict]:
        self._last_poll = time.monotonic()
        self._notify()  # ends an older pending poll with 409, wakes polling() waiting for us
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(int(params.get("timeout") or 0), 0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = set(allowed) if allowed else None
        # Confirm updates: everything before offset is forgotten, as in Telegram.
        if offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
        else:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._poll_generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            if self._updates or self._closing:
                return list(self._updates)[:limit]  # _handle_method answers a copy
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _m_sendMessage(self, params: dict, uploads: dict) -> dict:
        user = self._chat(params)
        text, entities = self._text(params)
        markup = self._markup(params)
        reply = self._reply_to(user, params)
        self._rate_limit(user.id)
        return self._store_bot_message(
            user,
            {"text": text, "entities": entities, "reply_to_message": reply},
            markup,
            params.get("text"),
        )

    def _edit(self, params: dict, content: dict[str, Any]) -> dict:
        user = self._chat(params)
        message = self._message_of(user, params, "message to edit not found")
        if not message.from_bot:
            raise _bad("message can't be edited")
        markup = self._markup(params, inline_only=True)
        old = message.data
        new = {k: v for k, v in old.items() if k not in content and k != "reply_markup"}
        new.update({k: v for k, v in content.items() if v not in (None, [])})
        if markup is not None and markup.get("inline_keyboard"):
            new["reply_markup"] = markup  # omitting reply_markup removes the keyboard
        unchanged = all(
            new.get(k) == old.get(k)
            for k in ("text", "entities", "caption", "caption_entities", "reply_markup")
        )
        if unchanged:
            raise _bad(NOT_MODIFIED)
        message.history.append(_copy_json(old))
        new["edit_date"] = int(time.time())
        message.data = new
        return new  # _handle_method answers a copy

    def _m_editMessageText(self, params: dict, uploads: dict) -> dict:
        user = self._chat(params)
        message = self._message_of(user, params, "message to edit not found")
        if "text" not in message.data:
            raise _bad("there is no text in the message to edit")
        text, entities = self._text(params)
        result = self._edit(params, {"text": text, "entities": entities})
        message.source_text = params.get("text")
        return result

    def _m_editMessageCaption(self, params: dict, uploads: dict) -> dict:
        user = self._chat(params)
        message = self._message_of(user, params, "message to edit not found")
        if "text" in message.data:
            raise _bad("there is no caption in the message to edit")
        caption, entities = self._formatted(params, "caption", MAX_CAPTION, "caption_entities")
        return self._edit(params, {"caption": caption, "caption_entities": entities})

    def _m_editMessageReplyMarkup(self, params: dict, uploads: dict) -> dict:
        return self._edit(params, {})

    def _m_deleteMessage(self, params: dict, uploads: dict) -> bool:
        user = self._chat(params)
        message = self._message_of(user, params, "message to delete not found")
        message.deleted = True
        return True

    def _m_answerCallbackQuery(self, params: dict, uploads: dict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if self._callback_queries.get(query_id, True):  # unknown or already answered
            raise _bad(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        text = params.get("text")
        if text is not None and utf16_len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        self.callback_answers[query_id] = CallbackAnswer(
            query_id=query_id,
            text=text,
            show_alert=bool(params.get("show_alert")),
            url=params.get("url"),
            cache_time=params.get("cache_time"),
        )
        return True

    def _m_sendDocument(self, params: dict, uploads: dict) -> dict:
        user = self._chat(params)
        caption, entities = self._formatted(params, "caption", MAX_CAPTION, "caption_entities")
        markup = self._markup(params)
        reply = self._reply_to(user, params)
        fake = self._resolve_upload(params.get("document"), uploads, "document", "document")
        self._rate_limit(user.id)
        content = {
            "document": self._document_dict(fake),
            "caption": caption,
            "caption_entities": entities,
            "reply_to_message": reply,
        }
        return self._store_bot_message(user, content, markup, params.get("caption"))

    def _m_sendPhoto(self, params: dict, uploads: dict) -> dict:
        user = self._chat(params)
        caption, entities = self._formatted(params, "caption", MAX_CAPTION, "caption_entities")
        markup = self._markup(params)
        reply = self._reply_to(user, params)
        fake = self._resolve_upload(params.get("photo"), uploads, "photo", "photo")
        self._rate_limit(user.id)
        content = {
            "photo": self._photo_sizes(fake),
            "caption": caption,
            "caption_entities": entities,
            "reply_to_message": reply,
        }
        return self._store_bot_message(user, content, markup, params.get("caption"))

    def _m_sendMediaGroup(self, params: dict, uploads: dict) -> list[dict]:
        user = self._chat(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _bad("media group must contain 2-10 items")
        kinds = {item.get("type") for item in media if isinstance(item, dict)}
        if "document" in kinds and len(kinds) > 1:
            raise _bad("document can't be mixed with other media types")
        if not kinds <= {"photo", "document"}:
            raise _bad("the fake server supports photo and document media only")
        reply = self._reply_to(user, params)
        prepared = []
        for item in media:
            caption, entities = self._formatted(item, "caption", MAX_CAPTION, "caption_entities")
            kind = item["type"]
            fake = self._resolve_upload(item.get("media"), uploads, "media", kind)
            body = self._document_dict(fake) if kind == "document" else self._photo_sizes(fake)
            prepared.append((kind, body, caption, entities, item.get("caption")))
        self._rate_limit(user.id, len(media))
        group_id = str(10**17 + secrets.randbelow(10**17))
        return [
            self._store_bot_message(
                user,
                {
                    kind: body,
                    "caption": caption,
                    "caption_entities": entities,
                    "media_group_id": group_id,
                    "reply_to_message": reply,
                },
                None,
                source,
            )
            for kind, body, caption, entities, source in prepared
        ]

    def _m_sendChatAction(self, params: dict, uploads: dict) -> bool:
        user = self._chat(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self.chat_actions.append((user.id, action))
        return True

    def _m_getFile(self, params: dict, uploads: dict) -> dict:
        fake = self._lookup_file(str(params.get("file_id") or ""))
        if fake.size > MAX_DOWNLOAD_BYTES:
            raise _bad("file is too big")
        return {
            "file_id": params["file_id"],
            "file_unique_id": fake.file_unique_id,
            "file_size": fake.size,
            "file_path": fake.file_path,
        }

    @staticmethod
    def _scope_key(params: dict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        key = scope.get("type", "default")
        for part in ("chat_id", "user_id"):
            if part in scope:
                key += f":{scope[part]}"
        return key, params.get("language_code") or ""

    def _m_setMyCommands(self, params: dict, uploads: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(params)
        if commands:
            self.my_commands[key] = commands
        else:
            self.my_commands.pop(key, None)
        return True

    def _m_getMyCommands(self, params: dict, uploads: dict) -> list[dict]:
        return self.my_commands.get(self._scope_key(params), [])

    def _m_deleteMyCommands(self, params: dict, uploads: dict) -> bool:
        self.my_commands.pop(self._scope_key(params), None)
        return True

    def _m_setChatMenuButton(self, params: dict, uploads: dict) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "commands",
            "web_app",
            "default",
        ):
            raise _bad("can't parse menu button")
        if button["type"] == "web_app":
            url = str((button.get("web_app") or {}).get("url", ""))
            if not url.startswith("https://") or not button.get("text"):
                raise _bad("BUTTON_URL_INVALID")
        self.menu_buttons[int(params.get("chat_id") or 0)] = button
        return True

    def _m_deleteWebhook(self, params: dict, uploads: dict) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_setWebhook(self, params: dict, uploads: dict) -> bool:
        url = params.get("url") or ""
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        self.webhook_secret = params.get("secret_token") or None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_getWebhookInfo(self, params: dict, uploads: dict) -> dict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _m_close(self, params: dict, uploads: dict) -> bool:
        return True

    def _m_logOut(self, params: dict, uploads: dict) -> bool:
        return True


@dataclass
class _Upload:
    filename: str
    data: bytes
    content_type: str


def _maybe_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must have text")
    actions = set(button) - {"text"}
    if not actions:
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in button and not re.match(r"(https?|tg)://\S+$", str(button["url"])):
        raise _bad("BUTTON_URL_INVALID")
    if "web_app" in button and not str((button["web_app"] or {}).get("url", "")).startswith(
        "https://"
    ):
        raise _bad("BUTTON_TYPE_INVALID")  # Telegram opens Mini Apps over HTTPS only


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF or JPEG, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                return None
            marker = data[index + 1]
            length = struct.unpack(">H", data[index + 2 : index + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return width, height
            index += 2 + length
    return None


def _is_image(data: bytes) -> bool:
    return data.startswith((b"\xff\xd8", b"BM")) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


# --- helpers for fixtures -----------------------------------------------------------------


@contextlib.asynccontextmanager
async def bot_for(tg: FakeTelegram, **bot_kwargs: Any) -> AsyncIterator[Bot]:
    """A real aiogram Bot pointed at the fake server; its HTTP session is closed on exit."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))
    bot = Bot(tg.token, session=session, **bot_kwargs)
    try:
        yield bot
    finally:
        # Plain HTTP needs no SSL grace period: closing the aiohttp session first makes
        # aiogram's close() skip its fixed 250 ms sleep, which adds up over an e2e suite.
        inner = getattr(session, "_session", None)
        if inner is not None and not inner.closed:
            await inner.close()
        await session.close()


@contextlib.asynccontextmanager
async def polling(
    tg: FakeTelegram,
    dp: Dispatcher,
    bot: Bot,
    *,
    polling_timeout: int = 10,
    startup_timeout: float = 10,
    **kwargs: Any,
) -> AsyncIterator[asyncio.Task]:
    """Run ``dp.start_polling(bot)`` as a task until the block ends, then stop it cleanly.

    Entering waits until the dispatcher's first getUpdates reached the server, so updates
    queued inside the block are subject to the dispatcher's allowed_updates, as in production.
    """
    polls_before = len(tg.calls_to("getUpdates"))
    generation = tg._poll_generation
    task = asyncio.create_task(
        dp.start_polling(
            bot,
            handle_signals=False,
            close_bot_session=False,  # bot_for() owns the session
            polling_timeout=polling_timeout,
            **kwargs,
        )
    )
    try:
        await tg.wait_until(
            lambda: (
                task.done()
                or tg._poll_generation > generation
                or len(tg.calls_to("getUpdates")) > polls_before
            ),
            startup_timeout,
            failure="The dispatcher did not start polling.",
        )
        if task.done():
            task.result()  # re-raise why polling died
        yield task
    finally:
        if not task.done():
            await dp.stop_polling()
        await task


# --- standalone ---------------------------------------------------------------------------


async def _serve(host: str, port: int, token: str) -> None:
    async with FakeTelegram(token, host=host, port=port) as tg:
        print(tg.base_url, flush=True)  # noqa: T201 - the URL is this mode's output
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake Telegram Bot API server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="42:TEST")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, args.token))


if __name__ == "__main__":
    main()
