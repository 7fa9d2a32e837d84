"""The cells a scan was read with doubt in, confirmed or corrected one by one before the
plan is saved: «🔎 Check doubtful» on the preview, then «Right» / «Correct» / «Skip the rest»
/ «Back to the preview». A correction is read as the importer reads that column
(`bot.roadmap.checks`) and kept in the pending import, so the preview, the walk and saving
see the same plan. Texts and keyboards: `handlers.import_check_views`.
"""

from __future__ import annotations

import contextlib

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot import import_flow
from bot.errors import UserError
from bot.import_flow import PendingImport
from bot.roadmap import ImportRefused, ParsedRoadmap
from bot.roadmap.checks import (
    CellCheck,
    CorrectionNotUnderstood,
    correct,
    doubtful_cells,
    find_cell,
)
from bot.roadmap.edits import clean_value
from bot.services import Identity, Services
from handlers import import_check_views as check_views
from handlers import import_views as views
from handlers.callbacks import CheckAction, CheckCallback
from handlers.roadmap_import.receiving import (
    forget,
    pending_for,
    problem_text,
    read_pending,
    remember,
    show_preview,
)
from handlers.states import ImportForm
from storage.db import SessionFactory


async def _check_for(callback: CallbackQuery, state: FSMContext) -> PendingImport | None:
    """The pending import whose walk through doubtful cells this message shows, or None
    (and the presser is told the check is over: saved, cancelled or moved on)."""
    pending = await read_pending(state)
    message_id = callback.message.message_id if callback.message else None
    if pending is None or pending.checking is None or pending.check_message_id != message_id:
        await callback.answer(check_views.check_over(), show_alert=True)
        return None
    return pending


async def _drop_markup(bot: Bot, chat_id: int, message_id: int | None) -> None:
    if message_id is None:
        return
    with contextlib.suppress(TelegramBadRequest):  # no buttons left, or the message is gone
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)


class _Walk:
    """What the walk's handlers share: the chat, the state and what showing a preview needs."""

    def __init__(
        self,
        message: Message,
        bot: Bot,
        state: FSMContext,
        identity: Identity,
        services: Services,
        session_factory: SessionFactory,
    ) -> None:
        self.message = message
        self.bot = bot
        self.state = state
        self.identity = identity
        self.services = services
        self.session_factory = session_factory

    async def read(self, pending: PendingImport) -> ParsedRoadmap | None:
        """The plan as the preview shows it (a scan is read once and kept), checks applied."""
        try:
            return await import_flow.parse_pending(pending)
        except (ImportRefused, UserError) as problem:
            await forget(self.state)
            await self.message.answer(problem_text(problem))
            return None

    async def show_cell(
        self, pending: PendingImport, *, edit: bool, note: str | None = None
    ) -> None:
        """The first cell still doubtful, in the walk's message (`edit`) or a new one; the
        preview again when none is left."""
        parsed = await self.read(pending)
        if parsed is None:
            return
        cells = doubtful_cells(parsed)
        if not cells:
            done = check_views.all_checked()
            await self.to_preview(pending, "\n\n".join(filter(None, [note, done])), edit=edit)
            return
        measure, field = cells[0]
        text = check_views.cell_text(measure, field, len(cells), note)
        markup = check_views.cell_keyboard()
        if edit:
            await self.message.edit_text(text, reply_markup=markup)
            message_id = self.message.message_id
        else:
            message_id = (await self.message.answer(text, reply_markup=markup)).message_id
        await remember(
            self.state,
            pending.checking_cell((measure.where, field), message_id),
            ImportForm.preview,
        )

    async def to_preview(self, pending: PendingImport, note: str, *, edit: bool) -> None:
        """End the walk: say so, and show the preview again with what was checked."""
        if edit:
            await self.message.edit_text(note, reply_markup=None)
        else:
            await self.message.answer(note)
        await _drop_markup(self.bot, self.message.chat.id, pending.message_id)
        try:
            await show_preview(
                self.message,
                self.state,
                self.identity,
                self.services,
                self.session_factory,
                pending,
            )
        except (ImportRefused, UserError) as problem:
            await forget(self.state)
            await self.message.answer(problem_text(problem))


def _walk(
    callback: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    identity: Identity,
    services: Services,
    session_factory: SessionFactory,
) -> _Walk:
    assert isinstance(callback.message, Message)
    return _Walk(callback.message, bot, state, identity, services, session_factory)


async def on_check_start(
    callback: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    identity: Identity,
    services: Services,
    session_factory: SessionFactory,
) -> None:
    """«Check doubtful» on the preview: the first doubtful cell, in a message of its own."""
    pending = await pending_for(callback, state)
    if pending is None:
        return
    await callback.answer()
    walk = _walk(callback, bot, state, identity, services, session_factory)
    await walk.show_cell(pending, edit=False)


async def on_check_button(
    callback: CallbackQuery,
    callback_data: CheckCallback,
    bot: Bot,
    state: FSMContext,
    identity: Identity,
    services: Services,
    session_factory: SessionFactory,
) -> None:
    """«Right», «Correct», «Back to the cell», «Skip the rest», «Back to the preview»."""
    pending = await _check_for(callback, state)
    if pending is None or pending.checking is None:
        return
    walk = _walk(callback, bot, state, identity, services, session_factory)
    parsed = await walk.read(pending)
    if parsed is None:
        await callback.answer()
        return
    where, field = pending.checking
    found = find_cell(parsed, where, field)
    action = callback_data.action
    if found is None and action in (CheckAction.RIGHT, CheckAction.FIX):
        await callback.answer(check_views.check_over(), show_alert=True)
        return
    await callback.answer()
    if action is CheckAction.SKIP_REST:
        note = check_views.rest_left(len(doubtful_cells(parsed)))
        await walk.to_preview(pending, note, edit=True)
    elif action is CheckAction.BACK:
        await walk.to_preview(pending, check_views.walk_stopped(), edit=True)
    elif action is CheckAction.CELL:
        await walk.show_cell(pending, edit=True)
    elif action is CheckAction.RIGHT and found is not None:
        note = check_views.kept(found[1], field)
        await walk.show_cell(pending.with_check(CellCheck(where, field)), edit=True, note=note)
    elif found is not None:  # FIX: the cell, and how to send the right text
        period = parsed.plan_period or parsed.proposed_period
        await walk.message.edit_text(
            check_views.ask_text(found[1], field, period), reply_markup=check_views.ask_keyboard()
        )
        await remember(state, pending, ImportForm.check_value)


async def on_check_value(
    message: Message,
    bot: Bot,
    state: FSMContext,
    identity: Identity,
    services: Services,
    session_factory: SessionFactory,
) -> None:
    """The right text of the cell being corrected: read as the importer reads that column,
    shown back and kept; or what was wrong with it (the cell stays as read)."""
    pending = await read_pending(state)
    if pending is None or pending.checking is None:
        await forget(state)
        await message.answer(views.outdated_preview())
        return
    walk = _Walk(message, bot, state, identity, services, session_factory)
    parsed = await walk.read(pending)
    if parsed is None:
        return
    where, field = pending.checking
    found = find_cell(parsed, where, field)
    if found is None:
        await remember(state, pending.checking_cell(None, None), ImportForm.preview)
        await message.answer(check_views.check_over())
        return
    measure = found[1]
    text = clean_value(message.text or "")
    await _drop_markup(bot, message.chat.id, pending.check_message_id)
    try:
        fixed = correct(parsed, measure, field, text)
    except CorrectionNotUnderstood as error:
        period = parsed.plan_period or parsed.proposed_period
        problem = check_views.not_understood(error, period)
        sent = await message.answer(
            check_views.ask_text(measure, field, period, problem),
            reply_markup=check_views.ask_keyboard(),
        )
        await remember(
            state, pending.checking_cell(pending.checking, sent.message_id), ImportForm.check_value
        )
        return
    note = check_views.corrected(fixed, field)
    await walk.show_cell(pending.with_check(CellCheck(where, field, text)), edit=False, note=note)
