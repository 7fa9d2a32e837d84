"""/orgsettings: a coordinator sets the organisation's morning hour, time zone and whether
one person's report closes a measure for everyone responsible."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import _
from bot.markup import quote
from bot.people import update_cadence, update_organisation
from bot.reminders.planner import Cadence
from bot.services import Identity, Services
from handlers.callbacks import OrgSettingsAction, OrgSettingsCallback
from handlers.filters import Coordinator
from storage.models import Organisation

HOURS = (7, 8, 9, 10, 11, 12)


def _cadence_text(organisation: Organisation) -> str:
    cadence = Cadence.from_json(organisation.cadence)
    before = [d for d in (cadence.early_warning_days, cadence.last_warning_days) if d]
    after = [d for d in (cadence.first_overdue_days, cadence.second_overdue_days) if d]
    return _(
        "Reminders {before} days before the deadline, on the day, {after} days after it; "
        "change: <code>/cadence 7 1 1 7</code> (0 switches one off)."
    ).format(before=", ".join(map(str, before)) or "—", after=", ".join(map(str, after)) or "—")


def _menu(organisation: Organisation) -> tuple[str, InlineKeyboardMarkup]:
    rule = (
        _("one person's «done» closes a measure for everyone responsible")
        if organisation.one_report_closes
        else _("each responsible person reports separately")
    )
    text = "\n".join(
        [
            _("<b>Organisation settings: {name}</b>").format(name=quote(organisation.name)),
            _("Reminders at {hour}:00, time zone {zone}.").format(
                hour=organisation.morning_hour, zone=quote(organisation.timezone)
            ),
            _("Reports: {rule}.").format(rule=rule),
            _cadence_text(organisation),
            _("Another time zone: <code>/orgsettings Asia/Yekaterinburg</code>."),
        ]
    )
    keyboard = InlineKeyboardBuilder()
    for hour in HOURS:
        mark = "• " if hour == organisation.morning_hour else ""
        keyboard.button(
            text=f"{mark}{hour}:00",
            callback_data=OrgSettingsCallback(action=OrgSettingsAction.HOUR, value=str(hour)),
        )
    keyboard.button(
        text=_("Each reports separately")
        if organisation.one_report_closes
        else _("One report closes for all"),
        callback_data=OrgSettingsCallback(
            action=OrgSettingsAction.CLOSING, value="0" if organisation.one_report_closes else "1"
        ),
    )
    keyboard.adjust(6, 1)
    return text, keyboard.as_markup()


async def cmd_orgsettings(
    message: Message, command: CommandObject, identity: Identity, services: Services
) -> None:
    zone = (command.args or "").strip()
    organisation = identity.organisation
    if zone:
        organisation = await update_organisation(
            services.uow, identity, now=services.clock.now(), timezone=zone
        )
    if organisation is None:
        await message.answer(_("You have no access yet."))
        return
    text, keyboard = _menu(organisation)
    await message.answer(text, reply_markup=keyboard)


async def on_org_setting(
    callback: CallbackQuery,
    callback_data: OrgSettingsCallback,
    identity: Identity,
    services: Services,
) -> None:
    # The value is checked by OrgSettingsCallback: an hour of 0-23, or "0"/"1"; a forged one
    # never gets here (it is answered as out of date).
    now = services.clock.now()
    if callback_data.action is OrgSettingsAction.HOUR:
        organisation = await update_organisation(
            services.uow, identity, now=now, morning_hour=int(callback_data.value)
        )
    else:
        organisation = await update_organisation(
            services.uow, identity, now=now, one_report_closes=callback_data.value == "1"
        )
    if isinstance(callback.message, Message):
        text, keyboard = _menu(organisation)
        await callback.message.edit_text(text, reply_markup=keyboard)
    await callback.answer(_("Saved."))


async def cmd_cadence(
    message: Message, command: CommandObject, identity: Identity, services: Services
) -> None:
    numbers = (command.args or "").replace(",", " ").split()
    if len(numbers) != 4 or not all(n.isdigit() for n in numbers):
        if identity.organisation is not None:
            await message.answer(_cadence_text(identity.organisation))
        return
    days = [int(n) for n in numbers]
    await update_cadence(
        services.uow,
        identity,
        now=services.clock.now(),
        before=(days[0], days[1]),
        after=(days[2], days[3]),
    )
    assert identity.organisation is not None
    await message.answer(_("Saved.") + "\n" + _cadence_text(identity.organisation))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Coordinator())
    router.callback_query.filter(Coordinator())
    router.message.register(cmd_orgsettings, Command("orgsettings"))
    router.message.register(cmd_cadence, Command("cadence"))
    router.callback_query.register(on_org_setting, OrgSettingsCallback.filter())
    return router
