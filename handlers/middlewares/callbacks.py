"""Every callback query is answered exactly once.

A handler may answer a button press itself (with a text) or not at all; aiogram's
CallbackAnswerMiddleware cannot see a handler's own answer and would answer a second
time, which Telegram rejects. So the bot's session records every answerCallbackQuery it
sends, and after the handler this middleware answers only the queries nobody answered
(when the handler fails, the error handler answers with the message for the user).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import CallbackQuery, TelegramObject


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
