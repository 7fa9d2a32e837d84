"""Free text that no other router took. Registered last."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message

from handlers import views


async def on_unrecognised(message: Message) -> None:
    await message.answer(views.not_understood())


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_unrecognised)
    return router
