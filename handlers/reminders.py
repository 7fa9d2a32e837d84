"""Reminder buttons other than reporting: snooze for three days, and "not mine"."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery

from bot.i18n import _, current_locale, day, normalise_locale, use_locale
from bot.markup import quote, quote_short
from bot.reminders import actions
from bot.services import Identity, Services
from handlers.callbacks import ReminderAction, ReminderCallback
from handlers.filters import KnownPerson


async def on_snooze(
    callback: CallbackQuery,
    callback_data: ReminderCallback,
    identity: Identity,
    services: Services,
) -> None:
    moment = await actions.snooze(
        services.uow, identity, callback_data.reminder_id, now=services.clock.now()
    )
    await callback.answer(
        _("I will remind you on {day}.").format(day=day(moment, current_locale()))
    )


async def on_not_mine(
    callback: CallbackQuery,
    callback_data: ReminderCallback,
    identity: Identity,
    services: Services,
    bot: Bot,
) -> None:
    disputed = await actions.not_mine(
        services.uow, identity, callback_data.reminder_id, now=services.clock.now()
    )
    await callback.answer(_("Understood: I told the coordinator and will not remind you of it."))
    for chat_id, language in disputed.coordinator_chats:
        with use_locale(normalise_locale(language)):
            text = _(
                "{person} says measure {number} «{title}» is not theirs. "
                "Please check who is responsible."
            ).format(
                person=quote(disputed.person_name),
                number=quote(disputed.measure_number or "—"),
                title=quote_short(disputed.measure_title, 200),
            )
        await bot.send_message(chat_id, text)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.filter(KnownPerson())
    router.callback_query.register(
        on_snooze, ReminderCallback.filter(F.action == ReminderAction.SNOOZE)
    )
    router.callback_query.register(
        on_not_mine, ReminderCallback.filter(F.action == ReminderAction.NOT_MINE)
    )
    return router
