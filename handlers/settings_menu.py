"""/settings: the hour of reminders, the language, leave (pause until a date)."""

from __future__ import annotations

from datetime import date, timedelta

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.calendar import parse_date
from bot.errors import UserError
from bot.i18n import _, current_locale, day, use_locale
from bot.people import update_preferences
from bot.services import Identity, Services
from handlers.callbacks import SettingsAction, SettingsCallback
from handlers.filters import KnownPerson

HOURS = (7, 8, 9, 10, 11, 12, 13, 14)


LANGUAGES = {"ru": "русский", "en": "English"}  # each in its own language


def _today(identity: Identity, services: Services) -> date:
    return identity.today(services.clock.now())


def _menu(identity: Identity, services: Services) -> tuple[str, InlineKeyboardMarkup]:
    """The menu in the locale in force (the person's language, once they chose one)."""
    person = identity.person
    organisation = identity.organisation
    assert person is not None
    hour = person.reminder_hour
    if hour is None:
        hour = organisation.morning_hour if organisation else 9
    language = person.language or current_locale()
    lines = [
        _("<b>Settings</b>"),
        _("Reminders at {hour}:00 on working days.").format(hour=hour),
        _("Language: {language}.").format(language=LANGUAGES.get(language, LANGUAGES["ru"])),
    ]
    today = _today(identity, services)
    if person.paused_until and person.paused_until >= today:
        lines.append(
            _("On leave until {day}: reminders wait until you are back.").format(
                day=day(person.paused_until)
            )
        )
    lines.append(_("Leave until a date: <code>/leave 30.06.2025</code>."))
    keyboard = InlineKeyboardBuilder()
    for value in HOURS:
        keyboard.button(
            text=f"{'• ' if value == hour else ''}{value}:00",
            callback_data=SettingsCallback(action=SettingsAction.HOUR, value=str(value)),
        )
    keyboard.button(
        text="Русский", callback_data=SettingsCallback(action=SettingsAction.LANGUAGE, value="ru")
    )
    keyboard.button(
        text="English", callback_data=SettingsCallback(action=SettingsAction.LANGUAGE, value="en")
    )
    keyboard.button(
        text=_("Leave: 1 week"),
        callback_data=SettingsCallback(action=SettingsAction.LEAVE, value="7"),
    )
    keyboard.button(
        text=_("Leave: 2 weeks"),
        callback_data=SettingsCallback(action=SettingsAction.LEAVE, value="14"),
    )
    if person.paused_until and person.paused_until >= today:
        keyboard.button(
            text=_("I am back"), callback_data=SettingsCallback(action=SettingsAction.RESUME)
        )
    keyboard.adjust(4, 4, 2, 2, 1)
    return "\n".join(lines), keyboard.as_markup()


async def cmd_settings(message: Message, identity: Identity, services: Services) -> None:
    if identity.person is None:
        await message.answer(_("You have no access yet."))
        return
    text, keyboard = _menu(identity, services)
    await message.answer(text, reply_markup=keyboard)


async def on_setting(
    callback: CallbackQuery,
    callback_data: SettingsCallback,
    identity: Identity,
    services: Services,
) -> None:
    person = identity.person
    assert person is not None
    now = services.clock.now()
    if callback_data.action is SettingsAction.HOUR:
        await update_preferences(services.uow, person, now=now, hour=int(callback_data.value))
    elif callback_data.action is SettingsAction.LANGUAGE:
        if callback_data.value not in LANGUAGES:
            raise UserError("Unknown language.")
        await update_preferences(services.uow, person, now=now, language=callback_data.value)
    elif callback_data.action is SettingsAction.LEAVE:
        days = max(1, min(int(callback_data.value or "7"), 366))
        until = _today(identity, services) + timedelta(days=days - 1)
        await update_preferences(services.uow, person, now=now, paused_until=until)
    elif callback_data.action is SettingsAction.RESUME:
        await update_preferences(services.uow, person, now=now, paused_until=None)
    # The saved state at once, in the person's language: a new one from this answer on.
    with use_locale(person.language or current_locale()):
        if isinstance(callback.message, Message):
            text, keyboard = _menu(identity, services)
            await callback.message.edit_text(text, reply_markup=keyboard)
        await callback.answer(_("Saved."))


async def cmd_leave(
    message: Message, command: CommandObject, identity: Identity, services: Services
) -> None:
    person = identity.person
    assert person is not None
    value = (command.args or "").strip()
    today = _today(identity, services)
    until = parse_date(value, today)
    if until is None or until < today:
        await message.answer(
            _("Write the last day of your leave: <code>/leave 30.06.2025</code>.")
        )
        return
    await update_preferences(services.uow, person, now=services.clock.now(), paused_until=until)
    await message.answer(
        _("Reminders are paused until {day} inclusive; they will wait, not vanish.").format(
            day=day(until)
        )
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(KnownPerson())
    router.callback_query.filter(KnownPerson())
    router.message.register(cmd_settings, Command("settings"))
    router.message.register(cmd_leave, Command("leave"))
    router.callback_query.register(
        on_setting, SettingsCallback.filter(F.action != SettingsAction.MENU)
    )
    return router
