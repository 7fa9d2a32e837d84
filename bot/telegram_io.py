"""Talking to Telegram over a network that drops: retries for what a dropped connection
interrupts, so a reset line loses nothing and repeats only what was in flight.

- `RetryNetworkErrors` (a request middleware of the bot's session) repeats a Bot API call
  that failed with a network error — the connection was reset or timed out, so no answer
  came back — a few times with a short pause. A call Telegram had already carried out
  before the line dropped (a message delivered, its answer lost) is then carried out again:
  that is the one duplicate a retry can make, bounded by the calls in flight. Long polling
  is left to aiogram's own loop, which retries with its own backoff.
- `HonourRetryAfter` (another request middleware) hands any 429's `retry_after` — a reply
  to a person as well as a reminder — to the pacer, so that every sender waits it out
  (with Redis, in every process).
- `download` fetches a file's bytes whole, starting again when a download is cut off
  (aiogram's `Bot.download` streams into the destination and cannot resume).
- `PostMessage` is aiogram's `SendMessage` for a reply whose sent message is not used (an
  answer page): Telegram's answer is read as the message's id only, and the keyboard goes
  out as JSON made by pydantic at once (aiogram's `prepare_value` walks it field by field).
  Reading back the whole message — its text, every bold entity, every button — and walking
  the keyboard were 0.8 ms of a 10-item answer, a sixth of what its asker waited for.

The same middleware keeps the parsed answer types alive: aiogram builds
`Response[<returned type>]` for every answer, and pydantic keeps a built generic model
only while something refers to it, so each collection by the garbage collector made the
next `sendMessage` build `Response[Message]` again — 10–15 ms of an answer's time.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import GetUpdates, SendMessage, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from pydantic import BaseModel, ConfigDict, field_serializer

from bot.reminders.pacing import Pacer, sending_in_slot

logger = logging.getLogger(__name__)

# Pauses before the second, third and fourth attempt.
RETRY_DELAYS: Sequence[float] = (0.5, 1.5, 4.0)
NETWORK_ERRORS = (TelegramNetworkError, aiohttp.ClientError, TimeoutError, ConnectionError)


# Response[T] per returned type T, built once and kept (see the module's docstring).
_RESPONSE_TYPES: dict[Any, Any] = {}


def keep_response_type(method: TelegramMethod[Any]) -> None:
    """Build `Response[T]` of the method's returned type once and keep it referenced."""
    returning = method.__returning__
    try:
        if returning not in _RESPONSE_TYPES:
            _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]
    except TypeError:  # an unhashable annotation: aiogram builds it as before
        pass


class RetryNetworkErrors(BaseRequestMiddleware):
    def __init__(self, delays: Sequence[float] = RETRY_DELAYS) -> None:
        self.delays = tuple(delays)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        keep_response_type(method)
        if method.__api_method__ == GetUpdates.__api_method__:
            return await make_request(bot, method)
        for delay in self.delays:
            try:
                return await make_request(bot, method)
            except TelegramNetworkError as error:
                logger.warning(
                    "%s failed on the network (%s); trying again in %.1f s",
                    type(method).__name__,
                    error.message,
                    delay,
                )
                await asyncio.sleep(delay)
        return await make_request(bot, method)


class HonourRetryAfter(BaseRequestMiddleware):
    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as error:
            await self.pacer.pause(error.retry_after)
            raise


# The methods that post a message to a chat (Telegram's ~30 a second counts them).
POSTING = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendAudio",
        "sendVideo",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "copyMessage",
        "forwardMessage",
    }
)


class CountRepliesInBudget(BaseRequestMiddleware):
    """A message posted without a pacer's slot — a reply to whoever wrote — is noted in the
    send budget once it went (`Pacer.note`): it is not held back (a person is waiting for
    it), but the reminders sent meanwhile, in this process or (with Redis) any other, yield
    to it, so the bot as a whole stays under Telegram's limits."""

    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        response = await make_request(bot, method)
        if method.__api_method__ in POSTING and not sending_in_slot():
            chat_id = getattr(method, "chat_id", None)
            if isinstance(chat_id, int):
                self.pacer.note(chat_id)
        return response


class SentMessage(BaseModel):
    """A posted message as `PostMessage` reads Telegram's answer: its id; the rest of the
    message (text, entities, keyboard, sender, chat) is not turned into objects."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    message_id: int


class PostMessage(SendMessage):
    """`SendMessage` whose answer is read as `SentMessage` (see the module's docstring).

    A subclass, so that whatever looks for a sendMessage (the console session, the request
    middlewares) sees one; what goes to Telegram is the same request. `await bot(...)` is
    typed as aiogram's `Message` (the generic parameter cannot be narrowed), so callers
    must not use the result beyond `.message_id`."""

    __returning__ = SentMessage  # type: ignore[assignment]  # read as its id (docstring)

    @field_serializer("reply_markup")
    def _markup_as_json(self, markup: Any) -> Any:
        # The keyboard's JSON without its unset (None) fields, as aiogram would send it.
        if isinstance(markup, BaseModel):
            return markup.model_dump_json(exclude_none=True)
        return markup


async def download(bot: Bot, file_id: str, delays: Sequence[float] = RETRY_DELAYS) -> bytes:
    """The file's bytes, whole; network errors are retried, Telegram's answers are not."""
    for delay in (*delays, None):
        buffer = io.BytesIO()
        try:
            await bot.download(file_id, destination=buffer)
            return buffer.getvalue()
        except NETWORK_ERRORS as error:
            if delay is None:
                raise
            logger.warning("download cut off (%s); trying again in %.1f s", _name(error), delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _name(error: Any) -> str:
    return f"{type(error).__name__}: {error}"
