"""Resolves who is writing: person, current organisation, role, admin flag."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import Chat, TelegramObject, User

from bot.services import Services


class IdentityMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        services: Services = data["services"]
        if user is not None:
            # Only a private chat is where reminders go: a group never becomes anyone's chat.
            private = chat is not None and chat.type == ChatType.PRIVATE
            identity = await services.identify(user.id, chat.id if private and chat else None)
            data["identity"] = identity
            # Plain values for the language middleware: it also runs for the error
            # handler, after this update's database session has closed.
            data["person_language"] = identity.language
            data["organisation_language"] = identity.organisation_language
        return await handler(event, data)
