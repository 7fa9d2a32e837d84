"""A check-in report on several ongoing measures at once.

The monthly check-in of a school contact can name dozens of continuous measures: one button
opens a list to tick the measures the report is about (a page at a time), then one text and
the same files make a report on each of them (`bot.reports.service.submit_reports`, one
commit). The ticked list lives in the conversation state, like a draft.
"""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import _
from bot.markup import measure_tag, shorten
from bot.reminders import actions
from bot.reminders.planner import DigestState
from bot.reports.draft import Draft
from bot.services import Identity, Services
from handlers.callbacks import (
    CheckinPageCallback,
    CheckinPickCallback,
    ReminderCallback,
    ReportFlowAction,
    ReportFlowCallback,
)
from handlers.messages import answer_press, pressed_message
from handlers.reports import keyboards, views
from handlers.reports.albums import ChatLocks
from handlers.reports.states import ReportStates

PAGE = 8  # measures per page of the list: with the page and finish buttons, a phone screen


def _pick(data: dict[str, Any]) -> dict[str, Any]:
    pick: dict[str, Any] = data.get("pick") or {"options": [], "chosen": [], "page": 0}
    return pick


async def _current_pick(callback: CallbackQuery, state: FSMContext) -> dict[str, Any] | None:
    """The list being ticked, or None (and the presser told) when the chat has moved on."""
    if await state.get_state() != ReportStates.picking.state:
        await answer_press(callback, _("This report is no longer in progress."), alert=True)
        return None
    return _pick(await state.get_data())


def picker(pick: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    """The list to tick: this page's measures, paging, choose all, go on, cancel."""
    options = pick["options"]
    chosen = set(pick["chosen"])
    pages = max(1, -(-len(options) // PAGE))
    page = min(max(pick["page"], 0), pages - 1)
    keyboard = InlineKeyboardBuilder()
    for occurrence_id, number, title in options[page * PAGE : (page + 1) * PAGE]:
        mark = "☑" if occurrence_id in chosen else "☐"
        keyboard.row(
            InlineKeyboardButton(
                text=f"{mark} {measure_tag(number, title)} · {shorten(title, 40, one_line=True)}",
                callback_data=CheckinPickCallback(occurrence_id=occurrence_id).pack(),
            )
        )
    if pages > 1:
        keyboard.row(
            InlineKeyboardButton(
                text="◀", callback_data=CheckinPageCallback(page=(page - 1) % pages).pack()
            ),
            InlineKeyboardButton(
                text=f"{page + 1}/{pages} ▶",
                callback_data=CheckinPageCallback(page=(page + 1) % pages).pack(),
            ),
        )
    keyboard.row(
        keyboards.flow_button(_("☑ All ({n})").format(n=len(options)), ReportFlowAction.PICK_ALL),
        keyboards.flow_button(_("Next ({n}) ▶").format(n=len(chosen)), ReportFlowAction.PICKED),
    )
    keyboard.row(keyboards.cancel_button())
    text = _(
        "Tick the ongoing measures the report is about, then press «Next». One text and the "
        "same files will be the report on each of them."
    )
    return text, keyboard.as_markup()


class CheckinReports:
    def __init__(self, locks: ChatLocks) -> None:
        self.lock = locks

    async def on_checkins(
        self,
        callback: CallbackQuery,
        callback_data: ReminderCallback,
        state: FSMContext,
        identity: Identity,
        services: Services,
    ) -> None:
        items = await actions.morning_items(
            services.uow, identity, callback_data.reminder_id, now=services.clock.now()
        )
        options = [
            [item.occurrence_id, item.number, item.title]
            for item in items
            if item.line.state is DigestState.CHECKIN
        ]
        message = pressed_message(callback, views.TOO_OLD)
        if not options:
            await answer_press(callback, _("Nothing is left to report on here."), alert=True)
            return
        pick = {"options": options, "chosen": [], "page": 0}
        async with self.lock(message.chat.id, identity.telegram_user_id):
            await state.set_state(ReportStates.picking)
            await state.set_data({"pick": pick})
        text, markup = picker(pick)
        await message.answer(text, reply_markup=markup)

    async def on_toggle(
        self,
        callback: CallbackQuery,
        callback_data: CheckinPickCallback,
        state: FSMContext,
        identity: Identity,
    ) -> None:
        message = pressed_message(callback, views.TOO_OLD)
        async with self.lock(message.chat.id, identity.telegram_user_id):
            pick = await _current_pick(callback, state)
            if pick is None:
                return
            # Only measures the list offered can be ticked: button data can be forged.
            if callback_data.occurrence_id not in {o[0] for o in pick["options"]}:
                await answer_press(callback, _("This button is out of date."), alert=True)
                return
            chosen = set(pick["chosen"])
            chosen ^= {callback_data.occurrence_id}
            pick["chosen"] = sorted(chosen)
            await state.update_data(pick=pick)
        await message.edit_reply_markup(reply_markup=picker(pick)[1])

    async def on_page(
        self,
        callback: CallbackQuery,
        callback_data: CheckinPageCallback,
        state: FSMContext,
        identity: Identity,
    ) -> None:
        message = pressed_message(callback, views.TOO_OLD)
        async with self.lock(message.chat.id, identity.telegram_user_id):
            pick = await _current_pick(callback, state)
            if pick is None:
                return
            pick["page"] = callback_data.page
            await state.update_data(pick=pick)
        await message.edit_reply_markup(reply_markup=picker(pick)[1])

    async def on_picked(
        self,
        callback: CallbackQuery,
        callback_data: ReportFlowCallback,
        state: FSMContext,
        identity: Identity,
    ) -> None:
        """ "All" ticks everything and goes on; "Next" goes on with what is ticked."""
        action = callback_data.action
        message = pressed_message(callback, views.TOO_OLD)
        async with self.lock(message.chat.id, identity.telegram_user_id):
            pick = await _current_pick(callback, state)
            if pick is None:
                return
            if action is ReportFlowAction.PICK_ALL:
                pick["chosen"] = [o[0] for o in pick["options"]]
            if not pick["chosen"]:
                await answer_press(callback, _("Tick at least one measure."), alert=True)
                return
            draft = Draft(batch=list(pick["chosen"]))
            await state.set_state(ReportStates.collecting)
            await state.set_data({"draft": draft.to_dict()})
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(
            views.batch_prompt(len(draft.batch)), reply_markup=keyboards.batch_results()
        )
