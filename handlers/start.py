"""/start and /help: the welcome, for members and for strangers."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.types import Message

from bot.i18n import _, normalise_locale, use_locale
from bot.people import InviteProblem, accept_invite
from bot.services import Identity, Services
from handlers import views


async def cmd_start(
    message: Message,
    command: CommandObject,
    identity: Identity,
    services: Services,
    bot: Bot,
) -> None:
    token = (command.args or "").strip()
    if not token or message.from_user is None:
        await message.answer(views.welcome(identity, message.from_user))
        return
    outcome = await accept_invite(
        services.uow,
        token,
        telegram_user_id=message.from_user.id,
        chat_id=message.chat.id,
        language=normalise_locale(message.from_user.language_code),
        now=services.clock.now(),
    )
    if isinstance(outcome, InviteProblem):
        await message.answer(views.invite_problem(outcome))
        return
    await message.answer(views.joined(outcome))
    for chat_id, language in outcome.coordinator_chats:
        with use_locale(normalise_locale(language)):
            text = views.joined_notice(outcome)
        await bot.send_message(chat_id, text)


async def cmd_help(message: Message, identity: Identity) -> None:
    await message.answer(views.help_text(identity))


async def cmd_cancel_idle(message: Message) -> None:
    # Flows register their own /cancel for their states; this one answers when idle.
    await message.answer(_("Nothing to cancel."))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_cancel_idle, Command("cancel"), StateFilter(None))
    return router
