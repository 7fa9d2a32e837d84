"""Writing a report: from a command, typed words, a reply, files or a reminder's buttons,
to the result the person picks.

The report being written lives in the conversation state (`bot.reports.draft`) and reaches
the database only when the person picks the result, so /cancel leaves nothing behind.
Handlers are bound methods of `ReportWriting` because the per-chat locks and the album
buffer belong to one dispatcher.

A little over 600 lines on purpose: every way into a draft and every step of it shares the
same lock, state and album buffer; the texts, keyboards, states and file handling already
live in the package's other modules.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from aiogram import Bot
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.calendar import parse_date
from bot.i18n import SUPPORTED_LOCALES, _, use_locale
from bot.markup import quote
from bot.reports import reading, service
from bot.reports.draft import Draft, asks_to_report, parse_caption, parse_entry
from bot.reports.files import Outcome, Received
from bot.reports.reading import Target
from bot.reports.service import ReportStatus
from bot.services import Identity, Services
from handlers.callbacks import (
    ReminderAction,
    ReminderCallback,
    ReportCallback,
    ReportDateCallback,
    ReportFlowAction,
    ReportFlowCallback,
)
from handlers.messages import answer_press, append_line, drop_keyboard, pressed_message
from handlers.reports import keyboards, views
from handlers.reports.albums import Albums, ChatLocks
from handlers.reports.files import add_to_draft, receive_files
from handlers.reports.states import ReportStates, is_drafting

Files = Sequence[tuple[Received, bool]]


async def _draft(state: FSMContext) -> Draft:
    return Draft.from_dict((await state.get_data()).get("draft"))


Notify = Callable[[str, bool], Awaitable[None]]


def typed_action(text: str, state: str | None) -> ReportFlowAction | None:
    """The flow button whose label `text` is, in the step `state` shows (or None).

    Cancel is on every step's keyboard; the results only while a draft is being put
    together. Labels are compared without their emoji and case, in every language of the
    bot (a person reading English buttons may still type «Отмена»).
    """
    typed = _label_key(text)
    if not typed:
        return None
    for locale in SUPPORTED_LOCALES:
        with use_locale(locale):
            labels = {
                ReportFlowAction.CANCEL: _("Cancel"),
                ReportFlowAction.DONE: _("✅ Done"),
                ReportFlowAction.PARTIAL: _("◐ Partly"),
                ReportFlowAction.POSTPONE: _("📅 Postpone"),
                ReportFlowAction.NOT_DONE: _("✖ Not done"),
            }
        for action, label in labels.items():
            if typed != _label_key(label):
                continue
            if action is ReportFlowAction.CANCEL or state == ReportStates.collecting.state:
                return action
    return None


def _label_key(text: str) -> str:
    return " ".join("".join(ch for ch in text.casefold() if ch.isalnum() or ch == " ").split())


class ReportWriting:
    def __init__(self, locks: ChatLocks, albums: Albums) -> None:
        self.lock = locks
        self.albums = albums

    # --- starting ---

    async def _begin(
        self,
        message: Message,
        state: FSMContext,
        *,
        target: Target | None,
        choices: Sequence[Target] = (),
        unknown_number: str | None = None,
        text: str = "",
        files: Files = (),
    ) -> None:
        """Open a draft (on a target, or asking which measure) and show it."""
        draft = Draft(occurrence_id=target.occurrence_id if target else None)
        notes = [] if draft.add_text(text) else [views.text_too_long(draft.length_with(text))]
        notes += views.received_notes(add_to_draft(draft, files))
        await state.set_state(ReportStates.collecting)
        await state.set_data({"draft": draft.to_dict()})
        if target is not None:
            body = views.prompt(target, draft)
            await message.answer(
                "\n\n".join([*notes, body]) if notes else body,
                reply_markup=keyboards.results(target),
            )
            return
        lines = list(notes)
        if unknown_number:
            lines.append(
                _("I did not find measure {number} among yours.").format(
                    number=quote(unknown_number)
                )
            )
        if choices:
            lines.append(_("Which measure is the report about?"))
            markup = keyboards.choices(choices)
        else:
            await state.clear()
            lines.append(_("You have no open measures to report on."))
            markup = None
        await message.answer("\n\n".join(lines), reply_markup=markup)

    async def _start_resolved(
        self,
        message: Message,
        state: FSMContext,
        identity: Identity,
        services: Services,
        number: str | None,
        *,
        text: str = "",
        files: Files = (),
    ) -> None:
        resolution = await reading.resolve(services.uow, identity, number, services.clock.now())
        await self._begin(
            message,
            state,
            target=resolution.target,
            choices=resolution.choices,
            unknown_number=resolution.unknown_number,
            text=text,
            files=files,
        )

    async def cmd_report(
        self,
        message: Message,
        command: CommandObject,
        state: FSMContext,
        identity: Identity,
        services: Services,
    ) -> None:
        entry = parse_entry(f"/report {command.args or ''}")
        async with self.lock(message.chat.id, identity.telegram_user_id):
            await self._start_resolved(
                message,
                state,
                identity,
                services,
                entry.number if entry else None,
                text=entry.rest if entry else "",
            )

    async def on_entry_text(
        self, message: Message, state: FSMContext, identity: Identity, services: Services
    ) -> None:
        entry = parse_entry(message.text or "")
        if entry is None or not asks_to_report(message.text or ""):
            # "отчёт по проекту готов?" is a question, not a request to report (the same
            # test lets handlers.shortcuts take plain questions before this router).
            raise SkipHandler()
        async with self.lock(message.chat.id, identity.telegram_user_id):
            if is_drafting(await state.get_state()) and entry.number:
                # Naming a measure mid-report moves the draft there, keeping what was sent.
                draft = await _draft(state)
                kept = [(Received(f, Outcome.STORED), True) for f in draft.files]
                text = "\n".join(t for t in (draft.text, entry.rest) if t)
                await self._start_resolved(
                    message, state, identity, services, entry.number, text=text, files=kept
                )
                return
            await self._start_resolved(
                message, state, identity, services, entry.number, text=entry.rest
            )

    async def on_reply(
        self,
        message: Message,
        state: FSMContext,
        identity: Identity,
        services: Services,
        bot: Bot,
    ) -> None:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != bot.id:
            raise SkipHandler()
        targets = await reading.reply_targets(services.uow, identity, replied.message_id)
        if not targets:
            raise SkipHandler()
        async with self.lock(message.chat.id, identity.telegram_user_id):
            files = await receive_files(bot, services.settings.files_dir, [message])
            text = message.text or message.caption or ""
            if len(targets) == 1:
                chosen = await reading.target(services.uow, identity, targets[0].occurrence_id)
                await self._begin(message, state, target=chosen, text=text, files=files)
            else:
                await self._begin(
                    message, state, target=None, choices=targets, text=text, files=files
                )

    # --- files and text ---

    async def on_album_item(
        self,
        message: Message,
        state: FSMContext,
        identity: Identity,
        services: Services,
        bot: Bot,
    ) -> None:
        album = await self.albums.collect(message)
        if album is not None:
            await self._take_files(album, state, identity, services, bot)

    async def on_file(
        self,
        message: Message,
        state: FSMContext,
        identity: Identity,
        services: Services,
        bot: Bot,
    ) -> None:
        await self._take_files([message], state, identity, services, bot)

    async def _take_files(
        self,
        messages: Sequence[Message],
        state: FSMContext,
        identity: Identity,
        services: Services,
        bot: Bot,
    ) -> None:
        first = messages[0]
        caption = next((m.caption for m in messages if m.caption), "")
        async with self.lock(first.chat.id, identity.telegram_user_id):
            current = await state.get_state()
            received = await receive_files(bot, services.settings.files_dir, messages)
            if current == ReportStates.attaching.state:
                await self._attach_to_stored(first, state, identity, services, received)
                return
            if is_drafting(current):
                draft = await _draft(state)
                notes = views.received_notes(add_to_draft(draft, received))
                if not draft.add_text(caption or ""):
                    notes.append(views.text_too_long(draft.length_with(caption or "")))
                await state.update_data(draft=draft.to_dict())
                await self._show_draft(first, identity, services, draft, notes)
                return
            entry = parse_caption(caption)
            await self._start_resolved(
                first, state, identity, services, entry.number, text=entry.rest, files=received
            )

    async def _attach_to_stored(
        self,
        message: Message,
        state: FSMContext,
        identity: Identity,
        services: Services,
        received: Files,
    ) -> None:
        draft = await _draft(state)
        assert draft.report_id is not None
        usable = [r.file for r, _a in received if r.outcome is not Outcome.TOO_BIG]
        notes = views.received_notes(received)
        if usable:
            count = await service.add_attachments(
                services.uow,
                identity,
                report_id=draft.report_id,
                files=usable,
                now=services.clock.now(),
            )
            notes.append(views.files_count(count))
        await message.answer("\n".join(notes), reply_markup=keyboards.finish_attaching())

    async def _show_draft(
        self,
        message: Message,
        identity: Identity,
        services: Services,
        draft: Draft,
        notes: Sequence[str],
    ) -> None:
        if draft.batch:
            text = "\n".join(
                [*notes, views.draft_summary(draft), _("Add more, or choose the result:")]
            )
            await message.answer(text, reply_markup=keyboards.batch_results())
            return
        if draft.occurrence_id is None:
            await message.answer(
                "\n".join([*notes, views.draft_summary(draft), _("Now choose the measure above.")])
            )
            return
        target = await reading.target(services.uow, identity, draft.occurrence_id)
        text = "\n".join(
            [*notes, views.draft_summary(draft), _("Add more, or choose the result:")]
        )
        await message.answer(text, reply_markup=keyboards.results(target))

    async def on_draft_text(
        self, message: Message, state: FSMContext, identity: Identity, services: Services
    ) -> None:
        async with self.lock(message.chat.id, identity.telegram_user_id):
            draft = await _draft(state)
            text = message.text or ""
            added = draft.add_text(text)
            await state.update_data(draft=draft.to_dict())
            note = _("Text added.") if added else views.text_too_long(draft.length_with(text))
            await self._show_draft(message, identity, services, draft, [note])

    # --- choosing the measure and the result ---

    async def on_pick(
        self,
        callback: CallbackQuery,
        callback_data: ReportCallback,
        state: FSMContext,
        identity: Identity,
        services: Services,
    ) -> None:
        chosen = await reading.target(services.uow, identity, callback_data.occurrence_id)
        message = pressed_message(callback, views.TOO_OLD)
        async with self.lock(message.chat.id, identity.telegram_user_id):
            draft = await _draft(state) if is_drafting(await state.get_state()) else Draft()
            draft.occurrence_id = chosen.occurrence_id
            await state.set_state(ReportStates.collecting)
            await state.set_data({"draft": draft.to_dict()})
        await message.answer(views.prompt(chosen, draft), reply_markup=keyboards.results(chosen))

    async def on_flow(
        self,
        callback: CallbackQuery,
        callback_data: ReportFlowCallback,
        state: FSMContext,
        identity: Identity,
        services: Services,
    ) -> None:
        message = pressed_message(callback, views.TOO_OLD)

        async def notify(text: str, alert: bool) -> None:
            await answer_press(callback, text, alert=alert)

        async with self.lock(message.chat.id, identity.telegram_user_id):
            await self._act(message, callback_data.action, state, identity, services, notify)

    async def on_typed_button(
        self,
        message: Message,
        state: FSMContext,
        identity: Identity,
        services: Services,
        typed_action: ReportFlowAction,
    ) -> None:
        """A button's label typed instead of pressed («Отмена», «Выполнено»): that button."""

        async def notify(text: str, alert: bool) -> None:
            await message.answer(text)

        async with self.lock(message.chat.id, identity.telegram_user_id):
            await self._act(message, typed_action, state, identity, services, notify)

    async def _act(
        self,
        message: Message,
        action: ReportFlowAction,
        state: FSMContext,
        identity: Identity,
        services: Services,
        notify: Notify,
    ) -> None:
        """What a button of the report flow does (pressed, or its label typed)."""
        current = await state.get_state()
        if action is ReportFlowAction.CANCEL:
            await self._cancel(message, state, current)
            await drop_keyboard(message)
            return
        if action is ReportFlowAction.FINISH:
            if current == ReportStates.attaching.state:
                await state.clear()
            await notify(_("Done."), False)
            await drop_keyboard(message)
            return
        if not is_drafting(current):
            await notify(_("This report is no longer in progress."), True)
            return
        draft = await _draft(state)
        if draft.batch:
            await self._finish_batch(notify, action, message, state, identity, services, draft)
            return
        if draft.occurrence_id is None:
            await notify(_("Choose the measure first."), True)
            return
        if action is ReportFlowAction.PERIODS:
            choices = await reading.periods(services.uow, identity, draft.occurrence_id)
            await message.answer(
                _("Which period is the report about?"),
                reply_markup=keyboards.choices(choices),
            )
            return
        if action is ReportFlowAction.POSTPONE:
            await state.set_state(ReportStates.postpone)
            dates = service.postponement_choices(identity.today(services.clock.now()))
            await message.answer(
                _("Send the new date, for example 15.06.2022, or pick one:"),
                reply_markup=keyboards.postponement_dates(dates),
            )
            return
        if action is ReportFlowAction.NOT_DONE:
            await state.set_state(ReportStates.reason)
            await message.answer(_("What prevented it? Send the reason in one message."))
            return
        status = ReportStatus.DONE if action is ReportFlowAction.DONE else ReportStatus.PARTIAL
        await self._finish(message, state, identity, services, draft, status)
        await drop_keyboard(message)

    async def _finish_batch(
        self,
        notify: Notify,
        action: ReportFlowAction,
        message: Message,
        state: FSMContext,
        identity: Identity,
        services: Services,
        draft: Draft,
    ) -> None:
        if action not in (ReportFlowAction.DONE, ReportFlowAction.PARTIAL):
            await notify(_("Several measures can be reported done or partly done."), True)
            return
        status = ReportStatus.DONE if action is ReportFlowAction.DONE else ReportStatus.PARTIAL
        results = await service.submit_reports(
            services.uow,
            identity,
            occurrence_ids=draft.batch,
            status=status,
            now=services.clock.now(),
            text=draft.text,
            attachments=draft.files,
        )
        await state.clear()
        await drop_keyboard(message)
        await message.answer(views.batch_saved(results))

    async def _finish(
        self,
        message: Message,
        state: FSMContext,
        identity: Identity,
        services: Services,
        draft: Draft,
        status: ReportStatus,
        *,
        reason: str | None = None,
        postponed_to: date | None = None,
    ) -> None:
        assert draft.occurrence_id is not None
        result = await service.submit_report(
            services.uow,
            identity,
            occurrence_id=draft.occurrence_id,
            status=status,
            now=services.clock.now(),
            text=draft.text,
            reason=reason,
            postponed_to=postponed_to,
            attachments=draft.files,
        )
        await state.clear()
        await message.answer(
            views.saved(result, postponed_to), reply_markup=keyboards.manage(result.report_id)
        )

    async def on_reason(
        self, message: Message, state: FSMContext, identity: Identity, services: Services
    ) -> None:
        reason = (message.text or "").strip()
        async with self.lock(message.chat.id, identity.telegram_user_id):
            draft = await _draft(state)
            await self._finish(
                message, state, identity, services, draft, ReportStatus.NOT_DONE, reason=reason
            )

    async def on_date_text(
        self, message: Message, state: FSMContext, identity: Identity, services: Services
    ) -> None:
        today = identity.today(services.clock.now())
        new_date = service.check_postponement(parse_date(message.text or "", today), today)
        await self._postpone(message, state, identity, services, new_date)

    async def on_date_button(
        self,
        callback: CallbackQuery,
        callback_data: ReportDateCallback,
        state: FSMContext,
        identity: Identity,
        services: Services,
    ) -> None:
        message = pressed_message(callback, views.TOO_OLD)
        if await state.get_state() != ReportStates.postpone.state:
            await answer_press(callback, _("This report is no longer in progress."), alert=True)
            return
        await drop_keyboard(message)
        today = identity.today(services.clock.now())
        new_date = service.check_postponement(date.fromordinal(callback_data.ordinal), today)
        await self._postpone(message, state, identity, services, new_date)

    async def _postpone(
        self,
        message: Message,
        state: FSMContext,
        identity: Identity,
        services: Services,
        new_date: date,
    ) -> None:
        async with self.lock(message.chat.id, identity.telegram_user_id):
            draft = await _draft(state)
            await self._finish(
                message,
                state,
                identity,
                services,
                draft,
                ReportStatus.POSTPONED,
                postponed_to=new_date,
            )

    # --- cancelling ---

    async def _cancel(self, message: Message, state: FSMContext, current: str | None) -> None:
        await state.clear()
        if current == ReportStates.attaching.state:
            await message.answer(_("Done: the report keeps the files already attached."))
        elif current == ReportStates.correcting.state:
            await message.answer(_("Correction cancelled: the report is unchanged."))
        else:
            await message.answer(_("Report cancelled: nothing was saved."))

    async def cmd_cancel(self, message: Message, state: FSMContext, identity: Identity) -> None:
        async with self.lock(message.chat.id, identity.telegram_user_id):
            await self._cancel(message, state, await state.get_state())

    # --- from a reminder ---

    async def on_reminder(
        self,
        callback: CallbackQuery,
        callback_data: ReminderCallback,
        state: FSMContext,
        identity: Identity,
        services: Services,
    ) -> None:
        occurrence_id = await reading.reminder_occurrence(
            services.uow, identity, callback_data.reminder_id
        )
        chosen = await reading.target(services.uow, identity, occurrence_id)
        message = pressed_message(callback, views.TOO_OLD)
        if callback_data.action is ReminderAction.REPORT:
            async with self.lock(message.chat.id, identity.telegram_user_id):
                await self._begin(message, state, target=chosen)
            return
        if chosen.status == ReportStatus.DONE:
            await answer_press(callback, _("Already marked done."))
            await _mark_reminder(message, callback_data.reminder_id, chosen)
            return
        async with self.lock(message.chat.id, identity.telegram_user_id):
            result = await service.submit_report(
                services.uow,
                identity,
                occurrence_id=occurrence_id,
                status=ReportStatus.DONE,
                now=services.clock.now(),
            )
            # The next files sent go to this report: "done" and a scan is two taps.
            await state.set_state(ReportStates.attaching)
            draft = Draft(occurrence_id=occurrence_id, report_id=result.report_id)
            await state.set_data({"draft": draft.to_dict()})
        await answer_press(callback, _("Marked done."))
        await _mark_reminder(message, callback_data.reminder_id, chosen)
        hint = _("Send the signed document or a photo now, and I will attach it to this report.")
        if chosen.document_type:
            hint += "\n" + _("Document to attach: {kind}").format(kind=quote(chosen.document_type))
        await message.answer(
            "\n\n".join([views.saved(result, None), hint]),
            reply_markup=keyboards.after_done(result.report_id),
        )


async def _mark_reminder(message: Message, reminder_id: int, target: Target) -> None:
    """Show "done" in the reminder and drop that measure's buttons, keeping the others'."""
    line = views.marked_done(target)
    if line in message.html_text:
        return
    # The message may have changed meanwhile; the report itself is saved either way.
    await append_line(
        message, line, keyboards.without_reminder_buttons(message.reply_markup, reminder_id)
    )
