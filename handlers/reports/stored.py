"""Stored reports: their buttons (withdraw, correct, add files, files back) and the lists
(/myreports, /reports, every report on a measure, reopening a closed period)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.errors import UserError
from bot.i18n import _
from bot.markup import measure_label
from bot.reports import reading, service
from bot.reports.draft import Draft
from bot.reports.service import ReportStatus
from bot.services import Identity, Services
from handlers.callbacks import (
    MeasureReportsCallback,
    ReopenCallback,
    ReportFixCallback,
    ReportManageAction,
    ReportManageCallback,
)
from handlers.messages import answer_press, append_line, drop_keyboard, pressed_message
from handlers.reports import keyboards, views
from handlers.reports.albums import ChatLocks
from handlers.reports.files import send_report_files
from handlers.reports.states import ReportStates

LIST_LIMIT = 15  # reports listed in one message
SAME_NUMBER_SHOWN = 3  # measures of one number (own plan, a parent's) shown by /reports N


class StoredReports:
    """The buttons of a stored report; bound methods, sharing the flow's per-chat locks."""

    def __init__(self, locks: ChatLocks) -> None:
        self.lock = locks

    async def on_manage(
        self,
        callback: CallbackQuery,
        callback_data: ReportManageCallback,
        state: FSMContext,
        identity: Identity,
        services: Services,
        bot: Bot,
    ) -> None:
        message = pressed_message(callback, views.TOO_OLD)
        report_id = callback_data.report_id
        action = callback_data.action
        if action is ReportManageAction.FILES:
            found = await reading.report_files(services.uow, identity, report_id)
            await send_report_files(bot, message.chat.id, found, services.settings.files_dir)
            return
        now = services.clock.now()
        if action is ReportManageAction.WITHDRAW:
            await service.withdraw_report(services.uow, identity, report_id=report_id, now=now)
            async with self.lock(message.chat.id, identity.telegram_user_id):
                data = await state.get_data()
                if Draft.from_dict(data.get("draft")).report_id == report_id:
                    await state.clear()
            await answer_press(callback, _("Report withdrawn."))
            withdrawn = _("↩️ Report withdrawn.")
            if not await append_line(message, withdrawn):
                await message.answer(withdrawn)
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
        await message.answer(
            _("Send the corrected text, or choose the corrected result:"),
            reply_markup=keyboards.corrected_status(report_id),
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
        message = pressed_message(callback, views.TOO_OLD)
        async with self.lock(message.chat.id, identity.telegram_user_id):
            if await state.get_state() == ReportStates.correcting.state:
                await state.clear()
        await drop_keyboard(message)
        await message.answer(
            _("Report corrected: {status}.").format(status=views.status(status)),
            reply_markup=keyboards.manage(callback_data.report_id),
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
            reply_markup=keyboards.manage(draft.report_id),
        )


# --- lists -------------------------------------------------------------------------------


async def cmd_my_reports(message: Message, identity: Identity, services: Services) -> None:
    found = await reading.my_reports(services.uow, identity)
    if not found:
        await message.answer(_("You have no reports yet. Send /report to write one."))
        return
    shown = found[:LIST_LIMIT]
    lines = [_("<b>Your reports</b>")]
    lines += [views.report_lines(v, identity, author=False) for v in shown]
    await message.answer("\n".join(lines), reply_markup=keyboards.report_files(shown))


async def cmd_reports(
    message: Message, command: CommandObject, identity: Identity, services: Services
) -> None:
    if command.args and command.args.strip():
        numbered = await reading.measures_by_number(services.uow, identity, command.args.strip())
        for measure_id in numbered[:SAME_NUMBER_SHOWN]:
            await _show_measure(message, identity, services, measure_id)
        return
    found = await reading.new_reports(services.uow, identity, now=services.clock.now())
    if found.since is None:
        head = _("<b>Reports</b>")
    else:
        head = _("<b>New reports since {moment}</b>").format(
            moment=views.moment(found.since, identity)
        )
    if not found.reports:
        await message.answer(head + "\n" + _("Nothing new."))
        return
    shown = found.reports[-LIST_LIMIT:]
    lines = [head]
    if len(found.reports) > len(shown):
        lines.append(_("Showing the last {n}.").format(n=len(shown)))
    lines += [views.report_lines(v, identity) for v in shown]
    await message.answer("\n".join(lines), reply_markup=keyboards.new_reports(shown))


async def on_measure_reports(
    callback: CallbackQuery,
    callback_data: MeasureReportsCallback,
    identity: Identity,
    services: Services,
) -> None:
    await _show_measure(
        pressed_message(callback, views.TOO_OLD), identity, services, callback_data.measure_id
    )


async def _show_measure(
    message: Message, identity: Identity, services: Services, measure_id: int
) -> None:
    found = await reading.measure_reports(services.uow, identity, measure_id)
    shown = found.reports[-LIST_LIMIT:]
    lines = [
        _("<b>Reports on</b> {measure}").format(measure=measure_label(found.number, found.title))
    ]
    if not found.reports:
        lines.append(_("No reports yet."))
    lines += [views.report_lines(v, identity) for v in shown]
    markup = keyboards.measure_reports(shown, found.closed_occurrences)
    await message.answer("\n".join(lines), reply_markup=markup)


async def on_reopen(
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
    await answer_press(callback, _("Reopened."))
    await pressed_message(callback, views.TOO_OLD).answer(
        _("The measure is open again: its reports are withdrawn and reminders resume.")
    )
