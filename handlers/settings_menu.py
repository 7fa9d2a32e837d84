"""/settings: the hour of reminders, the language, leave (pause until a date)."""

from __future__ import annotations

from datetime import date, timedelta

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.calendar import local_date
from bot.errors import UserError
from bot.i18n import day
from bot.people import update_preferences
from bot.services import Identity, Services
from handlers.callbacks import SettingsAction, SettingsCallback
from handlers.filters import KnownPerson
from handlers.views import i18n_locale

HOURS = (7, 8, 9, 10, 11, 12, 13, 14)


def _today(identity: Identity, services: Services) -> date:
    tz = (identity.person.timezone if identity.person else None) or (
        identity.organisation.timezone if identity.organisation else "Europe/Moscow"
    )
    return local_date(services.clock.now(), tz)


def _menu(identity: Identity, services: Services) -> tuple[str, InlineKeyboardMarkup]:
    person = identity.person
    organisation = identity.organisation
    assert person is not None
    hour = person.reminder_hour
    if hour is None:
        hour = organisation.morning_hour if organisation else 9
    locale = i18n_locale()
    lines = [
        _("<b>Settings</b>"),
        _("Reminders at {hour}:00 on working days.").format(hour=hour),
        _("Language: {language}.").format(
            language="русский" if (person.language or locale) == "ru" else "English"
        ),
    ]
    today = _today(identity, services)
    if person.paused_until and person.paused_until >= today:
        lines.append(
            _("On leave until {day}: reminders wait until you are back.").format(
                day=day(person.paused_until, locale)
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
        if callback_data.value not in ("ru", "en"):
            raise UserError("Unknown language.")
        await update_preferences(services.uow, person, now=now, language=callback_data.value)
    elif callback_data.action is SettingsAction.LEAVE:
        days = max(1, min(int(callback_data.value or "7"), 366))
        until = _today(identity, services) + timedelta(days=days - 1)
        await update_preferences(services.uow, person, now=now, paused_until=until)
    elif callback_data.action is SettingsAction.RESUME:
        await update_preferences(services.uow, person, now=now, paused_until=None)
    if isinstance(callback.message, Message):
        # The menu is re-rendered in the (possibly new) language on the next /settings;
        # here the saved state is shown at once.
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
    until = _parse_day(value, today)
    if until is None or until < today:
        await message.answer(
            _("Write the last day of your leave: <code>/leave 30.06.2025</code>.")
        )
        return
    await update_preferences(services.uow, person, now=services.clock.now(), paused_until=until)
    await message.answer(
        _("Reminders are paused until {day} inclusive; they will wait, not vanish.").format(
            day=day(until, i18n_locale())
        )
    )


def _parse_day(value: str, today: date) -> date | None:
    for separator in (".", "-", "/"):
        parts = value.split(separator)
        if len(parts) in (2, 3) and all(p.isdigit() for p in parts):
            try:
                if len(parts[0]) == 4:
                    return date(int(parts[0]), int(parts[1]), int(parts[2]))
                year = int(parts[2]) if len(parts) == 3 else today.year
                if year < 100:
                    year += 2000
                candidate = date(year, int(parts[1]), int(parts[0]))
            except (ValueError, IndexError):
                return None
            if len(parts) == 2 and candidate < today:
                candidate = candidate.replace(year=candidate.year + 1)
            return candidate
    return None


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
