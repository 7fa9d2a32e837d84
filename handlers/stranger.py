"""Anyone not linked to an organisation sees no data: only how to get an invite."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.i18n import _
from handlers import views
from handlers.filters import Stranger


async def on_stranger_message(message: Message) -> None:
    await message.answer(views.stranger_hint())


async def on_stranger_button(callback: CallbackQuery) -> None:
    await callback.answer(_("You have no access yet."), show_alert=True)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Stranger())
    router.callback_query.filter(Stranger())
    router.message.register(on_stranger_message)
    router.callback_query.register(on_stranger_button)
    return router
