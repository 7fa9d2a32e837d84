"""The bot's admins create organisations and their first coordinator."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import Message, TelegramObject

from bot.i18n import _
from bot.markup import quote
from bot.people import create_organisation, invite_link
from bot.services import Identity, Services


class Admin(Filter):
    async def __call__(self, event: TelegramObject, identity: Identity | None = None) -> bool:
        return identity is not None and identity.is_admin


async def cmd_neworg(
    message: Message, command: CommandObject, identity: Identity, services: Services, bot: Bot
) -> None:
    parts = [part.strip() for part in (command.args or "").split(";")]
    if not parts[0]:
        await message.answer(
            _(
                "Create an organisation:\n<code>/neworg Name; time zone; coordinator</code>\n"
                "for example\n<code>/neworg МАОУ гимназия №1; Europe/Kaliningrad; "
                "Воропаева Е.В.</code>\nWithout a coordinator, you become it yourself. The "
                "time zone defaults to {zone}."
            ).format(zone=services.settings.default_timezone)
        )
        return
    timezone = parts[1] if len(parts) > 1 and parts[1] else services.settings.default_timezone
    coordinator = parts[2] if len(parts) > 2 and parts[2] else None
    organisation, token = await create_organisation(
        services.uow,
        name=parts[0],
        timezone=timezone,
        now=services.clock.now(),
        coordinator_name=coordinator,
        morning_hour=services.settings.default_morning_hour,
        admin=identity,
    )
    text = _("Organisation <b>{name}</b> created (time zone {zone}).").format(
        name=quote(organisation.name), zone=quote(organisation.timezone)
    )
    if token:
        me = await bot.me()
        text += "\n\n" + _(
            "Send this personal link to the coordinator; it works once, for 7 days:\n{link}"
        ).format(link=invite_link(me.username or "", token))
    else:
        text += "\n\n" + _("You are its coordinator: send the roadmap file to import it.")
    await message.answer(text)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_neworg, Command("neworg"), Admin())
    return router
