"""Audience filters: who may reach a router at all. Rules live here, not in handler bodies."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from bot.services import Identity


class KnownPerson(Filter):
    """A linked person with a membership in some organisation (or a bot admin)."""

    async def __call__(self, event: TelegramObject, identity: Identity | None = None) -> bool:
        return identity is not None and (identity.is_known or identity.is_admin)


class Coordinator(Filter):
    async def __call__(self, event: TelegramObject, identity: Identity | None = None) -> bool:
        return identity is not None and identity.is_coordinator


class Stranger(Filter):
    async def __call__(self, event: TelegramObject, identity: Identity | None = None) -> bool:
        return identity is None or not (identity.is_known or identity.is_admin)
