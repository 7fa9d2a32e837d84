"""/start and /help: the welcome, for members and for strangers."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.services import Identity
from handlers import views


async def cmd_start(message: Message, identity: Identity) -> None:
    await message.answer(views.welcome(identity, message.from_user))


async def cmd_help(message: Message, identity: Identity) -> None:
    await message.answer(views.help_text(identity))


async def cmd_cancel_idle(message: Message) -> None:
    # Flows register their own /cancel for their states; this one answers when idle.
    await message.answer(_("Nothing to cancel."))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_cancel_idle, Command("cancel"))
    return router
