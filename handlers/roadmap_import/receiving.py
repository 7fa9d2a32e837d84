"""/import and documents sent by coordinators: receiving the plan (file, text, scanned
pages), the preview, its period and title, confirm and cancel.

Thin: the work is in `bot.import_flow`, the texts in `handlers.import_views`. The pending
import lives in the conversation state as a small dict (a path to the saved bytes, never
the bytes), so it survives between messages and in Redis. The walk through a scan's
doubtful cells is in `checks.py`; the handlers are registered in `__init__.py`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Document, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import import_flow, people, telegram_io
from bot.errors import UserError
from bot.i18n import _
from bot.import_flow import PASTED_FILENAME, STATE_KEY, PendingImport
from bot.measure_edits import unclear_measures
from bot.reports.draft import parse_caption
from bot.roadmap import ImportRefused, pack_album
from bot.services import Identity, Services
from handlers import import_check_views as check_views
from handlers import import_views as views
from handlers.callbacks import (
    EditCallback,
    MembersAction,
    MembersCallback,
    PeopleAction,
    PeopleCallback,
)
from handlers.errors import user_error_text
from handlers.measure_edit import unclear_keyboard, unclear_list_text
from handlers.states import ImportForm
from handlers.views import unit_questions
from storage.db import SessionFactory

logger = logging.getLogger(__name__)

# --- state ------------------------------------------------------------------------------

# The reading under way in each chat (a scan takes a while): /cancel stops it.
_readings: dict[int, asyncio.Task[None]] = {}


async def read_pending(state: FSMContext) -> PendingImport | None:
    return PendingImport.from_state((await state.get_data()).get(STATE_KEY))


async def remember(state: FSMContext, pending: PendingImport, next_state: Any) -> None:
    await state.update_data({STATE_KEY: pending.to_state()})
    await state.set_state(next_state)


async def forget(state: FSMContext) -> None:
    # Only the import's own key: the conversation data may hold another flow's keys.
    data = await state.get_data()
    data.pop(STATE_KEY, None)
    await state.set_data(data)
    await state.set_state(None)


# --- receiving a document or text -------------------------------------------------------


async def _download(bot: Bot, document: Document) -> bytes:
    import_flow.check_announced_size(document.file_size)
    try:
        return await telegram_io.download(bot, document.file_id)
    except TelegramBadRequest as error:
        if "too big" in str(error).lower():
            raise ImportRefused(
                "too_large", size=document.file_size or "?", limit=import_flow.MAX_FILE_BYTES
            ) from error
        raise


class _PageProgress:
    """One message, edited as the pages of a scan are recognised."""

    def __init__(self, message: Message) -> None:
        self.message = message
        self.sent: Message | None = None
        self.pages = 0

    async def __call__(self, page: int, pages: int) -> None:
        self.pages = pages
        await self._show(check_views.ocr_progress(page, pages))

    async def finish(self) -> None:
        if self.sent is not None:
            await self._show(check_views.ocr_done(self.pages))

    async def _show(self, text: str) -> None:
        try:
            if self.sent is None:
                self.sent = await self.message.answer(text)
            else:
                await self.sent.edit_text(text)
        except TelegramBadRequest:  # the same text again, or the message is gone
            pass


async def show_preview(
    message: Message,
    state: FSMContext,
    identity: Identity,
    services: Services,
    session_factory: SessionFactory,
    pending: PendingImport,
) -> None:
    pending = pending.checking_cell(None, None)  # a new preview ends a walk through cells
    progress = _PageProgress(message)
    preview = await import_flow.preview(
        session_factory, identity, pending, now=services.clock.now(), progress=progress
    )
    await progress.finish()
    if preview.parsed.plan_period is not None:
        # Keep the period the preview was read with (the document's own or the one set), so
        # that confirming reads the document exactly as it was shown.
        pending = pending.with_period(preview.parsed.plan_period)
    pending = pending.with_proposed(preview.parsed.proposed_period)
    sent = await message.answer(
        views.preview_text(preview), reply_markup=views.preview_keyboard(preview)
    )
    await remember(state, pending.with_message(sent.message_id), ImportForm.preview)


async def _receive(
    message: Message,
    bot: Bot,
    state: FSMContext,
    identity: Identity,
    services: Services,
    session_factory: SessionFactory,
    *,
    document: Document | None = None,
    text: str | None = None,
    upload: tuple[bytes, str] | None = None,
) -> None:
    """Read, keep and preview a plan. Within the import conversation every refusal is
    answered; a file sent out of the blue that is plainly not a plan goes on to the next
    router (a coordinator's report attachment)."""
    if identity.organisation is None:
        await message.answer(views.no_organisation())
        return
    explicit = await state.get_state() is not None  # /import, or a preview is open
    if not explicit and document is not None and _too_big(document):
        raise SkipHandler()
    if not explicit and document is not None and _is_image(document):
        # A picture from an idle coordinator is a report's attachment, not a plan: a scan
        # is imported after /import only (recognising it takes a while).
        raise SkipHandler()
    previous = await read_pending(state)
    pending: PendingImport | None = None
    try:
        async with ChatActionSender.upload_document(chat_id=message.chat.id, bot=bot):
            filename: str | None
            if upload is not None:
                data, filename = upload
            elif document is not None:
                data = await _download(bot, document)
                filename = document.file_name
            else:
                data, filename = (text or "").encode("utf-8"), PASTED_FILENAME
            pending = await asyncio.to_thread(
                import_flow.save_upload, services.settings.files_dir, data, filename
            )
            # A reading of its own, so /cancel can stop a long one (a scan) midway.
            reading = asyncio.create_task(
                show_preview(message, state, identity, services, session_factory, pending)
            )
            _readings[message.chat.id] = reading
            try:
                await reading
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if not reading.cancelled() or (current is not None and current.cancelling()):
                    raise
                await import_flow.discard_if_unused(
                    services.uow, identity, services.settings.files_dir, pending
                )
                await message.answer(check_views.reading_stopped())
                return
            finally:
                if _readings.get(message.chat.id) is reading:
                    del _readings[message.chat.id]
    except ImportRefused as refusal:
        if pending is not None and pending.sha256 != (previous.sha256 if previous else None):
            await import_flow.discard_if_unused(
                services.uow, identity, services.settings.files_dir, pending
            )
        if not explicit and not import_flow.is_plan_attempt(refusal):
            raise SkipHandler() from None
        logger.info("import refused: %s %s", refusal.reason, refusal.details)
        await message.answer(views.refusal_text(refusal))
        return
    if previous is not None and previous.sha256 != pending.sha256:
        await import_flow.discard_if_unused(
            services.uow, identity, services.settings.files_dir, previous
        )


def _is_image(document: Document) -> bool:
    return (document.mime_type or "").startswith("image/")


def _too_big(document: Document) -> bool:
    return (document.file_size or 0) > import_flow.MAX_FILE_BYTES


async def cmd_import(message: Message, state: FSMContext, identity: Identity) -> None:
    if identity.organisation is None:
        await message.answer(views.no_organisation())
        return
    await state.set_state(ImportForm.waiting_file)
    await message.answer(views.import_prompt())


async def on_document(
    message: Message,
    bot: Bot,
    state: FSMContext,
    identity: Identity,
    services: Services,
    session_factory: SessionFactory,
) -> None:
    assert message.document is not None
    await _receive(
        message, bot, state, identity, services, session_factory, document=message.document
    )


async def on_pasted_text(
    message: Message,
    bot: Bot,
    state: FSMContext,
    identity: Identity,
    services: Services,
    session_factory: SessionFactory,
) -> None:
    await _receive(message, bot, state, identity, services, session_factory, text=message.text)


async def _page_bytes(bot: Bot, message: Message) -> bytes:
    """The picture of a page: a photo at its largest size, or a file."""
    if message.photo:
        largest = message.photo[-1]
        import_flow.check_announced_size(largest.file_size)
        return await telegram_io.download(bot, largest.file_id)
    assert message.document is not None
    return await _download(bot, message.document)


async def receive_pages(
    messages: list[Message],
    bot: Bot,
    state: FSMContext,
    identity: Identity,
    services: Services,
    session_factory: SessionFactory,
) -> None:
    """Photos of a plan's pages (one, or an album in its order): one plan."""
    first = messages[0]
    try:
        pages = [await _page_bytes(bot, m) for m in messages]
    except ImportRefused as refusal:
        await first.answer(views.refusal_text(refusal))
        return
    if len(pages) == 1 and first.photo:
        upload = (pages[0], "photo.jpg")
    else:
        upload = (pack_album(pages), f"album-{len(pages)}.pages")
    await _receive(first, bot, state, identity, services, session_factory, upload=upload)


async def on_photo(
    message: Message,
    bot: Bot,
    state: FSMContext,
    identity: Identity,
    services: Services,
    session_factory: SessionFactory,
) -> None:
    await receive_pages([message], bot, state, identity, services, session_factory)


async def on_not_coordinator(message: Message) -> None:
    await message.answer(views.only_coordinators())


# --- the plan period --------------------------------------------------------------------


async def on_preview_value(
    message: Message,
    bot: Bot,
    state: FSMContext,
    identity: Identity,
    services: Services,
    session_factory: SessionFactory,
    raw_state: str | None,
) -> None:
    """The period or the title the preview asked for (the state says which)."""
    text = message.text or ""
    amend: Callable[[PendingImport], PendingImport] | None
    if raw_state == ImportForm.title.state:
        title = import_flow.parse_title(text)
        amend = None if title is None else (lambda pending: pending.with_title(title))
        bad_value = views.bad_title
    else:
        period = import_flow.parse_period(text)
        amend = None if period is None else (lambda pending: pending.with_period(period))
        bad_value = views.bad_period
    await _amend_preview(
        message,
        bot,
        state,
        identity,
        services,
        session_factory,
        amend=amend,
        bad_value=bad_value,
    )


async def _amend_preview(
    message: Message,
    bot: Bot,
    state: FSMContext,
    identity: Identity,
    services: Services,
    session_factory: SessionFactory,
    *,
    amend: Callable[[PendingImport], PendingImport] | None,
    bad_value: Callable[[], str],
) -> None:
    """The coordinator typed what the preview asked for (the period, the title): the
    preview again with it, or what was wrong with the value (`amend` None)."""
    pending = await read_pending(state)
    if pending is None:
        await forget(state)
        await message.answer(views.outdated_preview())
        return
    if amend is None:
        await message.answer(bad_value())
        return
    try:
        async with ChatActionSender.upload_document(chat_id=message.chat.id, bot=bot):
            await show_preview(message, state, identity, services, session_factory, amend(pending))
    except (ImportRefused, UserError) as problem:
        await forget(state)
        await message.answer(problem_text(problem))


def problem_text(problem: ImportRefused | UserError) -> str:
    if isinstance(problem, ImportRefused):
        return views.refusal_text(problem)
    return user_error_text(problem)


# --- buttons ----------------------------------------------------------------------------


async def pending_for(callback: CallbackQuery, state: FSMContext) -> PendingImport | None:
    """The pending import these buttons belong to, or None (and the presser is told)."""
    pending = await read_pending(state)
    message_id = callback.message.message_id if callback.message else None
    if pending is None or pending.message_id != message_id:
        await callback.answer(views.outdated_preview(), show_alert=True)
        return None
    return pending


async def _drop_buttons(callback: CallbackQuery) -> None:
    if isinstance(callback.message, Message) and callback.message.reply_markup is not None:
        await callback.message.edit_reply_markup(reply_markup=None)


async def on_confirm(
    callback: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    identity: Identity,
    services: Services,
) -> None:
    pending = await pending_for(callback, state)
    if pending is None:
        return
    if pending.period is None:
        await callback.answer(problem_text(import_flow.PeriodNeeded()), show_alert=True)
        return
    # Forget the import before the slow part, so a second press finds nothing to repeat.
    await forget(state)
    await callback.answer()  # at once: saving a big plan takes a moment
    await _drop_buttons(callback)
    assert callback.message is not None
    chat_id = callback.message.chat.id
    try:
        async with ChatActionSender.upload_document(chat_id=chat_id, bot=bot):
            confirmed = await import_flow.confirm(
                services.uow, identity, pending, now=services.clock.now()
            )
    except (ImportRefused, UserError) as problem:
        await bot.send_message(chat_id, problem_text(problem))
        return
    # The next step, a tap away: one personal link per person found (handlers.people), and
    # for a plan that names member organisations (ОО, ДОО), adding them (handlers.members).
    units = await people.units_of(services.uow, identity)
    keyboard = InlineKeyboardBuilder()
    if confirmed.persons:
        keyboard.button(
            text=_("Links for everyone not joined"),
            callback_data=PeopleCallback(action=PeopleAction.INVITE_ALL),
        )
    if any(unit.kind == "member_organisations" for unit in units):
        keyboard.button(
            text=_("➕ Add organisations"), callback_data=MembersCallback(action=MembersAction.ADD)
        )
    keyboard.adjust(1)
    markup = keyboard.as_markup() if list(keyboard.buttons) else None
    await bot.send_message(chat_id, views.confirmed_text(confirmed, None), reply_markup=markup)
    # Deadlines the plan's text did not give: fixed with a tap and one message each.
    unclear = await unclear_measures(services.uow, confirmed.result.roadmap_id)
    if unclear:
        await bot.send_message(
            chat_id,
            unclear_list_text(unclear) + "\n" + views.fix_hint(),
            reply_markup=unclear_keyboard(unclear),
        )
    # Cells a scan was read with doubt in: each measure a tap away from its edit card.
    doubtful = {m.number for m in confirmed.parsed.measures if m.doubtful and m.number}
    if doubtful:
        stored = [
            m
            for m in await services.uow.roadmaps.measures(confirmed.result.roadmap_id)
            if m.number in doubtful
        ]
        to_check = InlineKeyboardBuilder()
        for measure in stored[:12]:
            to_check.button(
                text=f"🔎 {measure.number}", callback_data=EditCallback(measure_id=measure.id)
            )
        to_check.adjust(4)
        await bot.send_message(
            chat_id,
            check_views.doubtful_after_save(len(stored)),
            reply_markup=to_check.as_markup(),
        )
    # What the importer could not classify is asked now, one tap each (saving never waits).
    for text, buttons in unit_questions(units):
        await bot.send_message(chat_id, text, reply_markup=buttons)


async def on_cancel_button(
    callback: CallbackQuery,
    state: FSMContext,
    identity: Identity,
    services: Services,
) -> None:
    pending = await pending_for(callback, state)
    if pending is None:
        return
    await forget(state)
    await import_flow.discard_if_unused(
        services.uow, identity, services.settings.files_dir, pending
    )
    await _drop_buttons(callback)
    assert callback.message is not None
    await callback.message.answer(views.cancelled())


async def on_period_button(
    callback: CallbackQuery,
    state: FSMContext,
) -> None:
    pending = await pending_for(callback, state)
    if pending is None:
        return
    await state.set_state(ImportForm.period)
    assert callback.message is not None
    await callback.message.answer(views.ask_period())


async def on_title_button(callback: CallbackQuery, state: FSMContext) -> None:
    pending = await pending_for(callback, state)
    if pending is None:
        return
    await state.set_state(ImportForm.title)
    assert callback.message is not None
    await callback.message.answer(views.ask_title())


async def on_accept_period(
    callback: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    identity: Identity,
    services: Services,
    session_factory: SessionFactory,
) -> None:
    """The period proposed from the deadlines, confirmed with one press."""
    pending = await pending_for(callback, state)
    if pending is None:
        return
    if pending.proposed is None:
        await callback.answer(views.outdated_preview(), show_alert=True)
        return
    await callback.answer()
    await _drop_buttons(callback)
    message = callback.message
    assert isinstance(message, Message)
    try:
        async with ChatActionSender.upload_document(chat_id=message.chat.id, bot=bot):
            await show_preview(
                message,
                state,
                identity,
                services,
                session_factory,
                pending.with_period(pending.proposed),
            )
    except (ImportRefused, UserError) as problem:
        await forget(state)
        await message.answer(problem_text(problem))


async def cmd_cancel(
    message: Message, state: FSMContext, identity: Identity, services: Services
) -> None:
    reading = _readings.pop(message.chat.id, None)
    if reading is not None and not reading.done():
        reading.cancel()  # the reading child is killed; _receive answers
        await forget(state)
        return
    pending = await read_pending(state)
    await forget(state)
    if pending is not None:
        await import_flow.discard_if_unused(
            services.uow, identity, services.settings.files_dir, pending
        )
    await message.answer(views.cancelled())


def caption_names_no_measure(message: Message) -> bool:
    return parse_caption(message.caption).number is None
