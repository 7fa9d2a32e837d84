"""Reminder buttons other than reporting: snooze for three days, "not mine", a measure's
other actions ("⋯") and every item of a morning message ("show all", paged)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery

from bot.i18n import _, current_locale, day, normalise_locale, use_locale
from bot.markup import measure_label, quote, quote_short
from bot.reminders import actions
from bot.reports import reading
from bot.services import Identity, Services
from handlers import views
from handlers.callbacks import MorningPageCallback, ReminderAction, ReminderCallback
from handlers.filters import KnownPerson
from handlers.messages import pressed_message
from handlers.reports.views import TOO_OLD


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


async def on_more(
    callback: CallbackQuery,
    callback_data: ReminderCallback,
    identity: Identity,
    services: Services,
) -> None:
    """The other actions on one measure of a morning message, in a message of their own."""
    occurrence_id = await reading.reminder_occurrence(
        services.uow, identity, callback_data.reminder_id
    )
    target = await reading.target(services.uow, identity, occurrence_id)
    message = pressed_message(callback, TOO_OLD)
    text, markup = views.reminder_actions(
        callback_data.reminder_id, measure_label(target.number, target.title)
    )
    await message.answer(text, reply_markup=markup)


async def on_all(
    callback: CallbackQuery,
    callback_data: ReminderCallback,
    identity: Identity,
    services: Services,
) -> None:
    """Every item of a morning message, with buttons, the first page in a new message."""
    items = await actions.morning_items(
        services.uow, identity, callback_data.reminder_id, now=services.clock.now()
    )
    message = pressed_message(callback, TOO_OLD)
    text, markup = views.morning_page(items, callback_data.reminder_id, 0)
    await message.answer(text, reply_markup=markup)


async def on_page(
    callback: CallbackQuery,
    callback_data: MorningPageCallback,
    identity: Identity,
    services: Services,
) -> None:
    items = await actions.morning_items(
        services.uow, identity, callback_data.reminder_id, now=services.clock.now()
    )
    message = pressed_message(callback, TOO_OLD)
    text, markup = views.morning_page(items, callback_data.reminder_id, callback_data.page)
    await message.edit_text(text, reply_markup=markup)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.filter(KnownPerson())
    router.callback_query.register(
        on_snooze, ReminderCallback.filter(F.action == ReminderAction.SNOOZE)
    )
    router.callback_query.register(
        on_not_mine, ReminderCallback.filter(F.action == ReminderAction.NOT_MINE)
    )
    router.callback_query.register(
        on_more, ReminderCallback.filter(F.action == ReminderAction.MORE)
    )
    router.callback_query.register(on_all, ReminderCallback.filter(F.action == ReminderAction.ALL))
    router.callback_query.register(on_page, MorningPageCallback.filter())
    return router
