"""Every callback query is answered exactly once, and only buttons the bot could have made
reach a handler.

A handler may answer a button press itself (with a text) or not at all; aiogram's
CallbackAnswerMiddleware cannot see a handler's own answer and would answer a second
time, which Telegram rejects. So the bot's session records every answerCallbackQuery it
sends, and after the handler this middleware answers only the queries nobody answered
(when the handler fails, the error handler answers with the message for the user).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import CallbackQuery, TelegramObject

from bot.i18n import _
from bot.markup import shorten

logger = logging.getLogger(__name__)


class AnsweredCallbacks:
    """The ids of recently answered callback queries (bounded: old ids are forgotten)."""

    def __init__(self, limit: int = 10_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._limit = limit

    def add(self, query_id: str) -> None:
        self._ids[query_id] = None
        while len(self._ids) > self._limit:
            self._ids.popitem(last=False)

    def __contains__(self, query_id: object) -> bool:
        return query_id in self._ids


class RecordCallbackAnswers(BaseRequestMiddleware):
    def __init__(self, answered: AnsweredCallbacks) -> None:
        self.answered = answered

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, AnswerCallbackQuery):
            self.answered.add(method.callback_query_id)
        return await make_request(bot, method)


class AnswerCallbacksMiddleware(BaseMiddleware):
    def __init__(self, answered: AnsweredCallbacks) -> None:
        self.answered = answered

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        # On an exception the error handler answers, with the message for the user.
        result = await handler(event, data)
        if isinstance(event, CallbackQuery) and event.id not in self.answered:
            await event.answer()
        return result


class RefuseUnknownButtons(BaseMiddleware):
    """Callback data is user-controlled: a press whose data no factory of
    `handlers.callbacks` unpacks (an unknown prefix, an id beyond the database's range, a
    word where a number belongs, a value no button carries) is answered as out of date, in
    the presser's language, and reaches neither a handler nor the database."""

    def __init__(self, factories: Iterable[type[CallbackData]]) -> None:
        self._by_prefix = {factory.__prefix__: factory for factory in factories}

    def accepts(self, data: str | None) -> bool:
        if not data:
            return False
        factory = self._by_prefix.get(data.split(":", 1)[0])
        if factory is None:
            return False
        try:
            factory.unpack(data)
        except (TypeError, ValueError):  # pydantic's ValidationError is a ValueError
            return False
        return True

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, CallbackQuery) and not self.accepts(event.data):
            logger.info(
                "button refused as out of date: %r from user %s",
                shorten(event.data or "", 80),
                event.from_user.id,
            )
            await event.answer(_("This button is out of date."), show_alert=True)
            return None
        return await handler(event, data)
