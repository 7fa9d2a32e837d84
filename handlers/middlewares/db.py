"""Opens one unit of work per update and builds the services the handlers receive."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from bot.clock import Clock
from bot.services import Services
from bot.settings import Settings
from storage.db import SessionFactory
from storage.uow import UnitOfWork


class DbSessionMiddleware(BaseMiddleware):
    def __init__(
        self,
        session_factory: SessionFactory,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.settings = settings

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with UnitOfWork(self.session_factory) as uow:
            data["uow"] = uow
            data["services"] = Services(uow=uow, clock=self.clock, settings=self.settings)
            return await handler(event, data)
