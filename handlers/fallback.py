"""Whatever no other router took. Registered last."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message

from bot.i18n import _
from handlers import views

# Commands whose routers let only coordinators in: anyone else learns why nothing happened.
COORDINATOR_COMMANDS = {
    "people",
    "invite",
    "revoke",
    "unit",
    "import",
    "summary",
    "export",
    "reports",
    "orgsettings",
    "cadence",
}


async def on_unrecognised(message: Message) -> None:
    command = (message.text or "").split(maxsplit=1)[0].lstrip("/").split("@")[0]
    if (message.text or "").startswith("/") and command in COORDINATOR_COMMANDS:
        await message.answer(_("Only coordinators can do this."))
        return
    await message.answer(views.not_understood())


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_unrecognised)
    return router
