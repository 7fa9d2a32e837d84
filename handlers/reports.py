"""Completion reports: from a reminder's buttons, a reply, a list, typed text or a file.

The report being written lives in the conversation state (bot.reports.draft) and reaches
the database only when the person picks the result, so /cancel leaves nothing behind.
Updates of one album arrive separately and concurrently: a per-chat lock keeps the draft
consistent, and an album is collected for a moment and handled as one batch.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.errors import UserError
from bot.i18n import day
from bot.reports import reading, service
from bot.reports.draft import Draft, parse_caption, parse_date, parse_entry
from bot.reports.files import FileStore, Outcome, Received, incoming_file, receive
from bot.reports.reading import ReportView, Target
from bot.reports.service import ReportStatus
from bot.services import Identity, Services
from handlers.callbacks import (
    MeasureReportsCallback,
    ReminderAction,
    ReminderCallback,
    ReopenCallback,
    ReportCallback,
    ReportDateCallback,
    ReportFixCallback,
    ReportFlowAction,
    ReportFlowCallback,
    ReportManageAction,
    ReportManageCallback,
)
from handlers.filters import KnownPerson
from handlers.states import ReportStates
from handlers.views import quote

# Album items arrive as separate updates within a fraction of a second.
ALBUM_WAIT = 1.0
REPORT_STATES = (
    ReportStates.collecting,
    ReportStates.reason,
    ReportStates.postpone,
    ReportStates.attaching,
    ReportStates.correcting,
)
DRAFT_STATES = (ReportStates.collecting, ReportStates.reason, ReportStates.postpone)
IDLE_OR_REPORT = StateFilter(None, *REPORT_STATES)
FILE_MESSAGE = F.document | F.photo | F.voice | F.video_note | F.video | F.audio
LIST_LIMIT = 15


# --- rendering ---------------------------------------------------------------------------


def _locale() -> str:
    from aiogram.utils.i18n import get_i18n

    return get_i18n().current_locale


def _label(number: str | None, title: str, limit: int = 90) -> str:
    title = (title or "").strip()
    if len(title) > limit:
        title = title[: limit - 1].rstrip() + "…"
    return f"<b>{quote(number)}</b> {quote(title)}" if number else quote(title)


def _short(number: str | None, title: str) -> str:
    return number or (title[:20] + ("…" if len(title) > 20 else ""))


def _moment(value: datetime, identity: Identity) -> str:
    zone = ZoneInfo(identity.organisation.timezone if identity.organisation else "UTC")
    local = value.astimezone(zone)
    return f"{day(local.date(), _locale())}, {local:%H:%M}"


def _status(status: str, postponed_to: date | None = None) -> str:
    if status == ReportStatus.DONE:
        return _("done")
    if status == ReportStatus.PARTIAL:
        return _("partly done")
    if status == ReportStatus.POSTPONED:
        if postponed_to is None:
            return _("postponed")
        return _("postponed to {date}").format(date=day(postponed_to, _locale()))
    return _("not done")


def _period(target: Target) -> str:
    locale = _locale()
    if target.window_start < target.due_date:
        text = _("period {start} – {due}").format(
            start=day(target.window_start, locale), due=day(target.due_date, locale)
        )
    else:
        text = _("due {due}").format(due=day(target.due_date, locale))
    if target.postponed_to:
        text += "; " + _("postponed to {date}").format(date=day(target.postponed_to, locale))
    return text


def _flow_keyboard(target: Target | None) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    if target is not None:
        keyboard.row(
            _flow_button(_("✅ Done"), ReportFlowAction.DONE),
            _flow_button(_("◐ Partly"), ReportFlowAction.PARTIAL),
        )
        keyboard.row(
            _flow_button(_("📅 Postpone"), ReportFlowAction.POSTPONE),
            _flow_button(_("✖ Not done"), ReportFlowAction.NOT_DONE),
        )
        if target.other_periods:
            keyboard.row(_flow_button(_("🗓 Another period"), ReportFlowAction.PERIODS))
    keyboard.row(_flow_button(_("Cancel"), ReportFlowAction.CANCEL))
    return keyboard.as_markup()


def _flow_button(text: str, action: ReportFlowAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=ReportFlowCallback(action=action).pack())


def _prompt(target: Target, draft: Draft) -> str:
    lines = [
        _("<b>Report</b> on {measure}").format(measure=_label(target.number, target.title)),
        _period(target),
    ]
    if target.document_type:
        lines.append(_("Document to attach: {kind}").format(kind=quote(target.document_type)))
    if target.expected_result:
        lines.append(
            _("Expected result: {result}").format(result=quote(target.expected_result[:300]))
        )
    lines.append("")
    lines.append(
        _(
            "Send a short text and the files: documents, scans, photos, voice messages — "
            "as many as needed. Then choose the result below."
        )
    )
    if draft.text or draft.files:
        lines.append(_draft_summary(draft))
    return "\n".join(lines)


def _draft_summary(draft: Draft) -> str:
    parts = []
    if draft.text:
        parts.append(_("Text: «{text}»").format(text=quote(_cut(draft.text, 200))))
    parts.append(_files(len(draft.files)))
    return "\n".join(parts)


def _files(n: int) -> str:
    return _("{n} file in the report", "{n} files in the report", n).format(n=n)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _choices_keyboard(choices: Sequence[Target], *, cancel: bool = True) -> InlineKeyboardMarkup:
    locale = _locale()
    keyboard = InlineKeyboardBuilder()
    for choice in choices:
        due = day(choice.due, locale)
        text = f"{_short(choice.number, choice.title)} · {_cut(choice.title, 30)} · {due}"
        keyboard.row(
            InlineKeyboardButton(
                text=text,
                callback_data=ReportCallback(occurrence_id=choice.occurrence_id).pack(),
            )
        )
    if cancel:
        keyboard.row(_flow_button(_("Cancel"), ReportFlowAction.CANCEL))
    return keyboard.as_markup()


def _manage_keyboard(report_id: int, *, attach: bool = True) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.row(
        _manage_button(_("✏️ Correct"), ReportManageAction.CORRECT, report_id),
        _manage_button(_("↩️ Withdraw"), ReportManageAction.WITHDRAW, report_id),
    )
    if attach:
        keyboard.row(_manage_button(_("📎 Add files"), ReportManageAction.ATTACH, report_id))
    return keyboard.as_markup()


def _manage_button(text: str, action: ReportManageAction, report_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=ReportManageCallback(action=action, report_id=report_id).pack()
    )


def _saved(result: service.SubmittedReport, postponed_to: date | None) -> str:
    lines = [
        _("Report saved: {measure} — {status}.").format(
            measure=_label(result.measure_number, result.measure_title),
            status=_status(result.status, postponed_to),
        ),
        _files(result.files),
    ]
    if result.occurrence_closed:
        lines.append(_("The measure is closed for this period."))
    elif result.status is ReportStatus.DONE:
        lines.append(_("The measure stays open until everyone responsible reports."))
    lines.append(_("You can correct or withdraw the report within 24 hours."))
    return "\n".join(lines)


def _report_lines(view: ReportView, identity: Identity, *, author: bool = True) -> str:
    head = "• " + _label(view.number, view.title)
    who = f"{quote(view.author)}, " if author else ""
    line = f"{head}\n   {who}{_moment(view.created_at, identity)} — " + _status(
        view.status, view.postponed_to
    )
    if view.withdrawn:
        line += " " + _("(withdrawn)")
    if view.reason:
        line += "\n   " + _("Reason: {reason}").format(reason=quote(_cut(view.reason, 200)))
    if view.text:
        line += "\n   «" + quote(_cut(view.text, 300)) + "»"
    if view.files:
        line += "\n   " + _("Files: {n}").format(n=view.files)
    return line


def _files_button(view: ReportView) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=_("📎 {measure} · {author} ({n})").format(
            measure=_short(view.number, view.title), author=_cut(view.author, 20), n=view.files
        ),
        callback_data=ReportManageCallback(
            action=ReportManageAction.FILES, report_id=view.report_id
        ).pack(),
    )


def _received_notes(results: Sequence[tuple[Received, bool]]) -> list[str]:
    notes = []
    for received, added in results:
        name = quote(received.file.file_name or _kind(received.file.kind))
        if received.outcome is Outcome.TOO_BIG:
            notes.append(
                _(
                    "«{name}» is larger than 20 MB: Telegram does not let bots download such "
                    "files. Please send a smaller copy or a scan; the rest of the report is kept."
                ).format(name=name)
            )
        elif not added:
            notes.append(_("«{name}» is already in the report.").format(name=name))
        elif received.outcome is Outcome.NOT_STORED:
            notes.append(
                _(
                    "«{name}» could not be saved on the server just now; it stays in the "
                    "report through Telegram and nothing is lost."
                ).format(name=name)
            )
        else:
            notes.append(_("📎 Added: {name}").format(name=name))
    return notes


def _kind(kind: str) -> str:
    names = {
        "photo": _("photo"),
        "voice": _("voice message"),
        "video_note": _("video message"),
        "video": _("video"),
        "audio": _("audio"),
    }
    return names.get(kind, _("file"))


# --- the flow ----------------------------------------------------------------------------


class ReportFlow:
    """Handlers as bound methods: the locks and album buffers belong to one dispatcher."""

    def __init__(self) -> None:
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}
        self._albums: dict[tuple[int, str], list[Message]] = {}

    def lock(self, chat_id: int, user_id: int) -> asyncio.Lock:
        return self._locks.setdefault((chat_id, user_id), asyncio.Lock())

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
        files: Sequence[tuple[Received, bool]] = (),
    ) -> None:
        """Open a draft (on a target, or asking which measure) and show it."""
        draft = Draft(occurrence_id=target.occurrence_id if target else None)
        draft.add_text(text)
        results = []
        for received, _added in files:
            added = received.outcome is not Outcome.TOO_BIG and draft.add_file(received.file)
            results.append((received, added))
        await state.set_state(ReportStates.collecting)
        await state.set_data({"draft": draft.to_dict()})
        notes = _received_notes(results)
        if target is not None:
            body = _prompt(target, draft)
            await message.answer(
                "\n\n".join([*notes, body]) if notes else body,
                reply_markup=_flow_keyboard(target),
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
            markup = _choices_keyboard(choices)
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
        files: Sequence[tuple[Received, bool]] = (),
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
        if entry is None or (entry.number is None and entry.rest):
            # "отчёт по проекту готов?" is a question, not a request to report.
            raise SkipHandler()
        async with self.lock(message.chat.id, identity.telegram_user_id):
            current = await state.get_state()
            if current in {s.state for s in DRAFT_STATES} and entry.number:
                # Naming a measure mid-report moves the draft there, keeping what was sent.
                draft = Draft.from_dict((await state.get_data()).get("draft"))
                resolution = await reading.resolve(
                    services.uow, identity, entry.number, services.clock.now()
                )
                files = [(Received(f, Outcome.STORED), True) for f in draft.files]
                draft_text = "\n".join(t for t in (draft.text, entry.rest) if t)
                await self._begin(
                    message,
                    state,
                    target=resolution.target,
                    choices=resolution.choices,
                    unknown_number=resolution.unknown_number,
                    text=draft_text,
                    files=files,
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
            files = await self._receive(bot, services, [message])
            text = message.text or message.caption or ""
            if len(targets) == 1:
                chosen = await reading.target(services.uow, identity, targets[0].occurrence_id)
                await self._begin(message, state, target=chosen, text=text, files=files)
            else:
                await self._begin(
                    message, state, target=None, choices=targets, text=text, files=files
                )

    # --- files and text ---

    async def _receive(
        self, bot: Bot, services: Services, messages: Sequence[Message]
    ) -> list[tuple[Received, bool]]:
        store = FileStore(services.settings.files_dir)
        results = []
        for each in messages:
            item = incoming_file(each)
            if item is not None:
                results.append((await receive(bot, store, item), True))
        return results

    async def on_album_item(
        self,
        message: Message,
        state: FSMContext,
        identity: Identity,
        services: Services,
        bot: Bot,
    ) -> None:
        assert message.media_group_id is not None
        key = (message.chat.id, message.media_group_id)
        items = self._albums.setdefault(key, [])
        items.append(message)
        seen = len(items)
        await asyncio.sleep(ALBUM_WAIT)
        if len(self._albums.get(key, [])) != seen:
            return  # a later item of the album handles the whole album
        album = sorted(self._albums.pop(key), key=lambda m: m.message_id)
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
            received = await self._receive(bot, services, messages)
            if current == ReportStates.attaching.state:
                await self._attach_to_stored(first, state, identity, services, received)
                return
            if current in {s.state for s in DRAFT_STATES}:
                data = await state.get_data()
                draft = Draft.from_dict(data.get("draft"))
                results = []
                for item, _added in received:
                    added = item.outcome is not Outcome.TOO_BIG and draft.add_file(item.file)
                    results.append((item, added))
                draft.add_text(caption or "")
                await state.update_data(draft=draft.to_dict())
                await self._show_draft(first, identity, services, draft, _received_notes(results))
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
        received: Sequence[tuple[Received, bool]],
    ) -> None:
        draft = Draft.from_dict((await state.get_data()).get("draft"))
        assert draft.report_id is not None
        usable = [r.file for r, _a in received if r.outcome is not Outcome.TOO_BIG]
        count = None
        if usable:
            count = await service.add_attachments(
                services.uow,
                identity,
                report_id=draft.report_id,
                files=usable,
                now=services.clock.now(),
            )
        notes = _received_notes(received)
        if count is not None:
            notes.append(_files(count))
        keyboard = InlineKeyboardBuilder()
        keyboard.row(_flow_button(_("✔️ That's all"), ReportFlowAction.FINISH))
        await message.answer("\n".join(notes), reply_markup=keyboard.as_markup())

    async def _show_draft(
        self,
        message: Message,
        identity: Identity,
        services: Services,
        draft: Draft,
        notes: Sequence[str],
    ) -> None:
        if draft.occurrence_id is None:
            await message.answer(
                "\n".join([*notes, _draft_summary(draft), _("Now choose the measure above.")])
            )
            return
        target = await reading.target(services.uow, identity, draft.occurrence_id)
        text = "\n".join([*notes, _draft_summary(draft), _("Add more, or choose the result:")])
        await message.answer(text, reply_markup=_flow_keyboard(target))

    async def on_draft_text(
        self, message: Message, state: FSMContext, identity: Identity, services: Services
    ) -> None:
        async with self.lock(message.chat.id, identity.telegram_user_id):
            draft = Draft.from_dict((await state.get_data()).get("draft"))
            draft.add_text(message.text or "")
            await state.update_data(draft=draft.to_dict())
            await self._show_draft(message, identity, services, draft, [_("Text added.")])

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
        message = _message(callback)
        async with self.lock(message.chat.id, identity.telegram_user_id):
            current = await state.get_state()
            draft = Draft()
            if current in {s.state for s in DRAFT_STATES}:
                draft = Draft.from_dict((await state.get_data()).get("draft"))
            draft.occurrence_id = chosen.occurrence_id
            await state.set_state(ReportStates.collecting)
            await state.set_data({"draft": draft.to_dict()})
        await message.answer(_prompt(chosen, draft), reply_markup=_flow_keyboard(chosen))

    async def on_flow(
        self,
        callback: CallbackQuery,
        callback_data: ReportFlowCallback,
        state: FSMContext,
        identity: Identity,
        services: Services,
    ) -> None:
        message = _message(callback)
        action = callback_data.action
        async with self.lock(message.chat.id, identity.telegram_user_id):
            current = await state.get_state()
            data = await state.get_data()
            if action is ReportFlowAction.CANCEL:
                await self._cancel(message, state, current)
                await _drop_keyboard(message)
                return
            if action is ReportFlowAction.FINISH:
                if current == ReportStates.attaching.state:
                    await state.clear()
                await _answer(callback, _("Done."))
                await _drop_keyboard(message)
                return
            if current not in {s.state for s in DRAFT_STATES}:
                await _answer(callback, _("This report is no longer in progress."), alert=True)
                return
            draft = Draft.from_dict(data.get("draft"))
            if draft.occurrence_id is None:
                await _answer(callback, _("Choose the measure first."), alert=True)
                return
            if action is ReportFlowAction.PERIODS:
                choices = await reading.periods(services.uow, identity, draft.occurrence_id)
                await message.answer(
                    _("Which period is the report about?"),
                    reply_markup=_choices_keyboard(choices),
                )
                return
            if action is ReportFlowAction.POSTPONE:
                await state.set_state(ReportStates.postpone)
                await message.answer(
                    _("Send the new date, for example 15.06.2022, or pick one:"),
                    reply_markup=_dates_keyboard(
                        reading.today_for(identity, services.clock.now())
                    ),
                )
                return
            if action is ReportFlowAction.NOT_DONE:
                await state.set_state(ReportStates.reason)
                await message.answer(_("What prevented it? Send the reason in one message."))
                return
            status = ReportStatus.DONE if action is ReportFlowAction.DONE else ReportStatus.PARTIAL
            await self._finish(message, state, identity, services, draft, status)
            await _drop_keyboard(message)

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
            _saved(result, postponed_to), reply_markup=_manage_keyboard(result.report_id)
        )

    async def on_reason(
        self, message: Message, state: FSMContext, identity: Identity, services: Services
    ) -> None:
        reason = (message.text or "").strip()
        async with self.lock(message.chat.id, identity.telegram_user_id):
            draft = Draft.from_dict((await state.get_data()).get("draft"))
            await self._finish(
                message, state, identity, services, draft, ReportStatus.NOT_DONE, reason=reason
            )

    async def on_date_text(
        self, message: Message, state: FSMContext, identity: Identity, services: Services
    ) -> None:
        today = reading.today_for(identity, services.clock.now())
        new_date = parse_date(message.text or "", today)
        await self._postpone(message, state, identity, services, new_date, today)

    async def on_date_button(
        self,
        callback: CallbackQuery,
        callback_data: ReportDateCallback,
        state: FSMContext,
        identity: Identity,
        services: Services,
    ) -> None:
        today = reading.today_for(identity, services.clock.now())
        message = _message(callback)
        if await state.get_state() != ReportStates.postpone.state:
            await _answer(callback, _("This report is no longer in progress."), alert=True)
            return
        await _drop_keyboard(message)
        new_date = date.fromordinal(callback_data.ordinal)
        await self._postpone(message, state, identity, services, new_date, today)

    async def _postpone(
        self,
        message: Message,
        state: FSMContext,
        identity: Identity,
        services: Services,
        new_date: date | None,
        today: date,
    ) -> None:
        if new_date is None:
            await message.answer(_("I could not read the date. Send it like 15.06.2022."))
            return
        if new_date <= today:
            await message.answer(_("The new date must be later than today."))
            return
        async with self.lock(message.chat.id, identity.telegram_user_id):
            draft = Draft.from_dict((await state.get_data()).get("draft"))
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
        message = _message(callback)
        if callback_data.action is ReminderAction.REPORT:
            async with self.lock(message.chat.id, identity.telegram_user_id):
                await self._begin(message, state, target=chosen)
            return
        if chosen.status == ReportStatus.DONE:
            await _answer(callback, _("Already marked done."))
            await _mark_reminder(callback, callback_data.reminder_id, chosen)
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
            await state.set_data(
                {"draft": Draft(occurrence_id=occurrence_id, report_id=result.report_id).to_dict()}
            )
        await _answer(callback, _("Marked done."))
        await _mark_reminder(callback, callback_data.reminder_id, chosen)
        lines = [_saved(result, None)]
        hint = _("Send the signed document or a photo now, and I will attach it to this report.")
        if chosen.document_type:
            hint += "\n" + _("Document to attach: {kind}").format(kind=quote(chosen.document_type))
        lines.append(hint)
        keyboard = _manage_keyboard(result.report_id, attach=False)
        keyboard.inline_keyboard.append([_flow_button(_("✔️ No files"), ReportFlowAction.FINISH)])
        await message.answer("\n\n".join(lines), reply_markup=keyboard)

    # --- a stored report ---

    async def on_manage(
        self,
        callback: CallbackQuery,
        callback_data: ReportManageCallback,
        state: FSMContext,
        identity: Identity,
        services: Services,
        bot: Bot,
    ) -> None:
        message = _message(callback)
        report_id = callback_data.report_id
        action = callback_data.action
        if action is ReportManageAction.FILES:
            found = await reading.report_files(services.uow, identity, report_id)
            await _send_files(bot, message.chat.id, found, services.settings.files_dir)
            return
        now = services.clock.now()
        if action is ReportManageAction.WITHDRAW:
            await service.withdraw_report(services.uow, identity, report_id=report_id, now=now)
            async with self.lock(message.chat.id, identity.telegram_user_id):
                data = await state.get_data()
                if Draft.from_dict(data.get("draft")).report_id == report_id:
                    await state.clear()
            await _answer(callback, _("Report withdrawn."))
            await _append_and_drop(message, _("↩️ Report withdrawn."))
            return
        # Correcting and adding files are checked up front: a late press is told at once.
        view = await reading.report_view(services.uow, identity, report_id)
        service.check_changeable(identity, view.author_id, view.created_at, view.withdrawn, now)
        async with self.lock(message.chat.id, identity.telegram_user_id):
            draft = Draft(occurrence_id=view.occurrence_id, report_id=report_id)
            if action is ReportManageAction.ATTACH:
                await state.set_state(ReportStates.attaching)
                await state.set_data({"draft": draft.to_dict()})
                await message.answer(_("Send the files: they will be attached to this report."))
                return
            await state.set_state(ReportStates.correcting)
            await state.set_data({"draft": draft.to_dict()})
        keyboard = InlineKeyboardBuilder()
        for status, text in (
            (ReportStatus.DONE, _("✅ Done")),
            (ReportStatus.PARTIAL, _("◐ Partly")),
        ):
            keyboard.button(
                text=text,
                callback_data=ReportFixCallback(report_id=report_id, status=status.value),
            )
        keyboard.row(_flow_button(_("Cancel"), ReportFlowAction.CANCEL))
        await message.answer(
            _("Send the corrected text, or choose the corrected result:"),
            reply_markup=keyboard.as_markup(),
        )

    async def on_fix_status(
        self,
        callback: CallbackQuery,
        callback_data: ReportFixCallback,
        state: FSMContext,
        identity: Identity,
        services: Services,
    ) -> None:
        try:
            status = ReportStatus(callback_data.status)
        except ValueError:
            raise UserError("This report was not found.") from None
        if status not in (ReportStatus.DONE, ReportStatus.PARTIAL):
            raise UserError("This report was not found.")
        await service.correct_report(
            services.uow,
            identity,
            report_id=callback_data.report_id,
            now=services.clock.now(),
            status=status,
        )
        message = _message(callback)
        async with self.lock(message.chat.id, identity.telegram_user_id):
            if await state.get_state() == ReportStates.correcting.state:
                await state.clear()
        await _drop_keyboard(message)
        await message.answer(
            _("Report corrected: {status}.").format(status=_status(status)),
            reply_markup=_manage_keyboard(callback_data.report_id),
        )

    async def on_correct_text(
        self, message: Message, state: FSMContext, identity: Identity, services: Services
    ) -> None:
        async with self.lock(message.chat.id, identity.telegram_user_id):
            draft = Draft.from_dict((await state.get_data()).get("draft"))
            assert draft.report_id is not None
            await service.correct_report(
                services.uow,
                identity,
                report_id=draft.report_id,
                now=services.clock.now(),
                text=message.text or "",
            )
            await state.clear()
        await message.answer(
            _("Report corrected: the text is replaced."),
            reply_markup=_manage_keyboard(draft.report_id),
        )

    # --- reading reports ---

    async def cmd_my_reports(
        self, message: Message, identity: Identity, services: Services
    ) -> None:
        views = await reading.my_reports(services.uow, identity)
        if not views:
            await message.answer(_("You have no reports yet. Send /report to write one."))
            return
        lines = [_("<b>Your reports</b>")]
        lines += [_report_lines(v, identity, author=False) for v in views[:LIST_LIMIT]]
        keyboard = InlineKeyboardBuilder()
        for view in views[:LIST_LIMIT]:
            if view.files:
                keyboard.row(_files_button(view))
        await message.answer("\n".join(lines), reply_markup=keyboard.as_markup())

    async def cmd_reports(
        self,
        message: Message,
        command: CommandObject,
        identity: Identity,
        services: Services,
    ) -> None:
        if command.args and command.args.strip():
            measure_id = await reading.measure_by_number(
                services.uow, identity, command.args.strip()
            )
            await self._show_measure(message, identity, services, measure_id)
            return
        found = await reading.new_reports(services.uow, identity, now=services.clock.now())
        if found.since is None:
            head = _("<b>Reports</b>")
        else:
            head = _("<b>New reports since {moment}</b>").format(
                moment=_moment(found.since, identity)
            )
        if not found.reports:
            await message.answer(head + "\n" + _("Nothing new."))
            return
        shown = found.reports[-LIST_LIMIT:]
        lines = [head]
        if len(found.reports) > len(shown):
            lines.append(_("Showing the last {n}.").format(n=len(shown)))
        lines += [_report_lines(v, identity) for v in shown]
        await message.answer("\n".join(lines), reply_markup=_reports_keyboard(shown))

    async def on_measure_reports(
        self,
        callback: CallbackQuery,
        callback_data: MeasureReportsCallback,
        identity: Identity,
        services: Services,
    ) -> None:
        await self._show_measure(_message(callback), identity, services, callback_data.measure_id)

    async def _show_measure(
        self, message: Message, identity: Identity, services: Services, measure_id: int
    ) -> None:
        found = await reading.measure_reports(services.uow, identity, measure_id)
        lines = [
            _("<b>Reports on</b> {measure}").format(measure=_label(found.number, found.title))
        ]
        if not found.reports:
            lines.append(_("No reports yet."))
        lines += [_report_lines(v, identity) for v in found.reports[-LIST_LIMIT:]]
        keyboard = InlineKeyboardBuilder()
        for view in found.reports[-LIST_LIMIT:]:
            if view.files:
                keyboard.row(_files_button(view))
        for occurrence_id, due in found.closed_occurrences[:4]:
            keyboard.row(
                InlineKeyboardButton(
                    text=_("🔓 Reopen ({due})").format(due=day(due, _locale())),
                    callback_data=ReopenCallback(occurrence_id=occurrence_id).pack(),
                )
            )
        await message.answer("\n".join(lines), reply_markup=keyboard.as_markup())

    async def on_reopen(
        self,
        callback: CallbackQuery,
        callback_data: ReopenCallback,
        identity: Identity,
        services: Services,
    ) -> None:
        await service.reopen_occurrence(
            services.uow,
            identity,
            occurrence_id=callback_data.occurrence_id,
            now=services.clock.now(),
        )
        await _answer(callback, _("Reopened."))
        await _message(callback).answer(
            _("The measure is open again: its reports are withdrawn and reminders resume.")
        )


def _reports_keyboard(views: Sequence[ReportView]) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    for view in views:
        if view.files:
            keyboard.row(_files_button(view))
    for measure_id, number, title in dict.fromkeys(
        (v.measure_id, v.number, v.title) for v in views
    ):
        keyboard.row(
            InlineKeyboardButton(
                text=_("All reports on {measure}").format(measure=_short(number, title)),
                callback_data=MeasureReportsCallback(measure_id=measure_id).pack(),
            )
        )
    return keyboard.as_markup()


def _dates_keyboard(today: date) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    locale = _locale()
    for days in (7, 14, 30):
        moment = today + timedelta(days=days)
        keyboard.button(
            text=day(moment, locale), callback_data=ReportDateCallback(ordinal=moment.toordinal())
        )
    keyboard.adjust(3)
    keyboard.row(_flow_button(_("Cancel"), ReportFlowAction.CANCEL))
    return keyboard.as_markup()


async def _answer(callback: CallbackQuery, text: str, *, alert: bool = False) -> None:
    """Answer the press with a text; the dispatcher answers any press left unanswered."""
    await callback.answer(text[:200], show_alert=alert)


def _message(callback: CallbackQuery) -> Message:
    if not isinstance(callback.message, Message):
        # Too old for Telegram to show us: the person can start again from /report.
        raise UserError("This message is too old; send /report to start again.")
    return callback.message


async def _drop_keyboard(message: Message) -> None:
    if message.reply_markup is None:
        return
    # Already edited or too old: harmless, the buttons are checked on every press anyway.
    with contextlib.suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)


async def _append_and_drop(message: Message, line: str) -> None:
    try:
        await message.edit_text(f"{message.html_text}\n\n{line}", reply_markup=None)
    except TelegramBadRequest:
        await message.answer(line)


async def _mark_reminder(callback: CallbackQuery, reminder_id: int, target: Target) -> None:
    """Show "done" in the reminder and drop that measure's buttons, keeping the others'."""
    message = callback.message
    if not isinstance(message, Message):
        return
    rows: list[list[InlineKeyboardButton]] = []
    for row in message.reply_markup.inline_keyboard if message.reply_markup else []:
        if any(_is_reminder_button(b, reminder_id) for b in row):
            continue
        rows.append(row)
    line = _("✅ {measure}: marked done").format(measure=_label(target.number, target.title, 60))
    text = message.html_text
    if line in text:
        return
    # The message may have changed meanwhile; the report itself is saved either way.
    with contextlib.suppress(TelegramBadRequest):
        await message.edit_text(
            f"{text}\n\n{line}",
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows) if rows else None,
        )


def _is_reminder_button(button: InlineKeyboardButton, reminder_id: int) -> bool:
    data = button.callback_data or ""
    if not data.startswith(ReminderCallback.__prefix__ + ":"):
        return False
    try:
        return ReminderCallback.unpack(data).reminder_id == reminder_id
    except (TypeError, ValueError):
        return False


async def _send_files(bot: Bot, chat_id: int, found: reading.ReportFiles, files_dir: Any) -> None:
    """Send a report's files back by their Telegram ids (no re-upload); the stored copy is
    the fallback when an id no longer works."""
    view = found.report
    if not found.attachments:
        await bot.send_message(chat_id, _("This report has no files."))
        return
    store = FileStore(files_dir)
    for attachment in found.attachments:
        caption = f"{_short(view.number, view.title)} · {view.author}"
        if attachment.file_name:
            caption += f" · {attachment.file_name}"
        caption = quote(_cut(caption, 900))
        send = {
            "photo": bot.send_photo,
            "voice": bot.send_voice,
            "video_note": bot.send_video_note,
            "video": bot.send_video,
            "audio": bot.send_audio,
        }.get(attachment.kind, bot.send_document)
        kwargs: dict[str, Any] = {} if attachment.kind == "video_note" else {"caption": caption}
        try:
            await send(chat_id, attachment.telegram_file_id, **kwargs)
        except TelegramBadRequest:
            if attachment.stored_path is None:
                raise
            data = await asyncio.to_thread(store.path_of(attachment.stored_path).read_bytes)
            upload = BufferedInputFile(data, filename=attachment.file_name or "file")
            await bot.send_document(chat_id, upload, caption=caption)


def create_router() -> Router:
    flow = ReportFlow()
    router = Router(name=__name__)
    router.message.filter(KnownPerson())
    router.callback_query.filter(KnownPerson())

    # Leaving a report comes first, whatever else the message could be.
    router.message.register(flow.cmd_cancel, Command("cancel"), StateFilter(*REPORT_STATES))

    # Buttons.
    router.callback_query.register(
        flow.on_reminder,
        ReminderCallback.filter(F.action.in_({ReminderAction.DONE, ReminderAction.REPORT})),
    )
    router.callback_query.register(flow.on_flow, ReportFlowCallback.filter())
    router.callback_query.register(flow.on_pick, ReportCallback.filter())
    router.callback_query.register(flow.on_date_button, ReportDateCallback.filter())
    router.callback_query.register(flow.on_manage, ReportManageCallback.filter())
    router.callback_query.register(flow.on_fix_status, ReportFixCallback.filter())
    # Coordinator-only presses are refused by the services (an alert), not ignored.
    router.callback_query.register(flow.on_measure_reports, MeasureReportsCallback.filter())
    router.callback_query.register(flow.on_reopen, ReopenCallback.filter())

    # Commands.
    router.message.register(flow.cmd_report, Command("report"), IDLE_OR_REPORT)
    router.message.register(flow.cmd_my_reports, Command("myreports"))
    router.message.register(flow.cmd_reports, Command("reports"))

    # Albums first: their items must be gathered before anything else looks at them.
    router.message.register(flow.on_album_item, F.media_group_id, FILE_MESSAGE, IDLE_OR_REPORT)

    # Answers the flow is waiting for.
    text = F.text & ~F.text.startswith("/")
    router.message.register(flow.on_reason, StateFilter(ReportStates.reason), text)
    router.message.register(flow.on_date_text, StateFilter(ReportStates.postpone), text)
    router.message.register(flow.on_correct_text, StateFilter(ReportStates.correcting), text)

    # "отчёт 1.1.2", "сделал 1.1.2"…, a reply to a reminder, then files and draft text.
    router.message.register(flow.on_entry_text, text, IDLE_OR_REPORT)
    router.message.register(
        flow.on_reply, F.reply_to_message, StateFilter(None), text | FILE_MESSAGE
    )
    router.message.register(flow.on_file, FILE_MESSAGE, IDLE_OR_REPORT)
    router.message.register(flow.on_draft_text, StateFilter(ReportStates.collecting), text)
    return router
