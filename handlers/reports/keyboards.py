"""The report flow's buttons: results, measures to choose, a stored report's actions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import _, day
from bot.markup import measure_tag, shorten
from bot.reports.reading import ReportView, Target
from bot.reports.service import ReportStatus
from handlers.callbacks import (
    MeasureReportsCallback,
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


def flow_button(text: str, action: ReportFlowAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=ReportFlowCallback(action=action).pack())


def cancel_button() -> InlineKeyboardButton:
    return flow_button(_("Cancel"), ReportFlowAction.CANCEL)


def results(target: Target | None) -> InlineKeyboardMarkup:
    """Done / partly / postpone / not done (and another period) for a draft on `target`."""
    keyboard = InlineKeyboardBuilder()
    if target is not None:
        keyboard.row(
            flow_button(_("✅ Done"), ReportFlowAction.DONE),
            flow_button(_("◐ Partly"), ReportFlowAction.PARTIAL),
        )
        keyboard.row(
            flow_button(_("📅 Postpone"), ReportFlowAction.POSTPONE),
            flow_button(_("✖ Not done"), ReportFlowAction.NOT_DONE),
        )
        if target.other_periods:
            keyboard.row(flow_button(_("🗓 Another period"), ReportFlowAction.PERIODS))
    keyboard.row(cancel_button())
    return keyboard.as_markup()


def batch_results() -> InlineKeyboardMarkup:
    """The results of a report on several ongoing measures: done or partly, or cancel."""
    keyboard = InlineKeyboardBuilder()
    keyboard.row(
        flow_button(_("✅ Done"), ReportFlowAction.DONE),
        flow_button(_("◐ Partly"), ReportFlowAction.PARTIAL),
    )
    keyboard.row(cancel_button())
    return keyboard.as_markup()


def choices(targets: Sequence[Target], *, cancel: bool = True) -> InlineKeyboardMarkup:
    """One button per measure (or period) the report could be about."""
    keyboard = InlineKeyboardBuilder()
    for choice in targets:
        text = f"{measure_tag(choice.number, choice.title)} · {shorten(choice.title, 30)} · "
        keyboard.row(
            InlineKeyboardButton(
                text=text + day(choice.due),
                callback_data=ReportCallback(occurrence_id=choice.occurrence_id).pack(),
            )
        )
    if cancel:
        keyboard.row(cancel_button())
    return keyboard.as_markup()


def postponement_dates(dates: Sequence[date]) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    for moment in dates:
        keyboard.button(
            text=day(moment), callback_data=ReportDateCallback(ordinal=moment.toordinal())
        )
    keyboard.adjust(3)
    keyboard.row(cancel_button())
    return keyboard.as_markup()


def _manage_button(text: str, action: ReportManageAction, report_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=ReportManageCallback(action=action, report_id=report_id).pack()
    )


def manage(report_id: int, *, attach: bool = True) -> InlineKeyboardMarkup:
    """A stored report's buttons: correct, withdraw, add files."""
    keyboard = InlineKeyboardBuilder()
    keyboard.row(
        _manage_button(_("✏️ Correct"), ReportManageAction.CORRECT, report_id),
        _manage_button(_("↩️ Withdraw"), ReportManageAction.WITHDRAW, report_id),
    )
    if attach:
        keyboard.row(_manage_button(_("📎 Add files"), ReportManageAction.ATTACH, report_id))
    return keyboard.as_markup()


def after_done(report_id: int) -> InlineKeyboardMarkup:
    """Under "marked done" from a reminder: correct, withdraw, or no files to add."""
    keyboard = manage(report_id, attach=False)
    keyboard.inline_keyboard.append([flow_button(_("✔️ No files"), ReportFlowAction.FINISH)])
    return keyboard


def finish_attaching() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[flow_button(_("✔️ That's all"), ReportFlowAction.FINISH)]]
    )


def corrected_status(report_id: int) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    for value, text in ((ReportStatus.DONE, _("✅ Done")), (ReportStatus.PARTIAL, _("◐ Partly"))):
        keyboard.button(
            text=text, callback_data=ReportFixCallback(report_id=report_id, status=value.value)
        )
    keyboard.row(cancel_button())
    return keyboard.as_markup()


def files_button(view: ReportView) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=_("📎 {measure} · {author} ({n})").format(
            measure=measure_tag(view.number, view.title),
            author=shorten(view.author, 20),
            n=view.files,
        ),
        callback_data=ReportManageCallback(
            action=ReportManageAction.FILES, report_id=view.report_id
        ).pack(),
    )


def report_files(views: Sequence[ReportView]) -> InlineKeyboardMarkup:
    """A files button for each listed report that has files."""
    keyboard = InlineKeyboardBuilder()
    for view in views:
        if view.files:
            keyboard.row(files_button(view))
    return keyboard.as_markup()


def new_reports(views: Sequence[ReportView]) -> InlineKeyboardMarkup:
    """Files of each report, then "all reports on …" for each measure listed."""
    keyboard = InlineKeyboardBuilder.from_markup(report_files(views))
    for measure_id, number, title in dict.fromkeys(
        (v.measure_id, v.number, v.title) for v in views
    ):
        keyboard.row(
            InlineKeyboardButton(
                text=_("All reports on {measure}").format(measure=measure_tag(number, title)),
                callback_data=MeasureReportsCallback(measure_id=measure_id).pack(),
            )
        )
    return keyboard.as_markup()


def measure_reports(
    views: Sequence[ReportView], closed: Sequence[tuple[int, date]]
) -> InlineKeyboardMarkup:
    """Files of each report, then "reopen" for up to four closed periods."""
    keyboard = InlineKeyboardBuilder.from_markup(report_files(views))
    for occurrence_id, due in closed[:4]:
        keyboard.row(
            InlineKeyboardButton(
                text=_("🔓 Reopen ({due})").format(due=day(due)),
                callback_data=ReopenCallback(occurrence_id=occurrence_id).pack(),
            )
        )
    return keyboard.as_markup()


def without_reminder_buttons(
    markup: InlineKeyboardMarkup | None, reminder_id: int
) -> InlineKeyboardMarkup | None:
    """A reminder's keyboard without the rows of one reminder (its measure is done)."""
    rows = [
        row
        for row in (markup.inline_keyboard if markup else [])
        if not any(_is_reminder_button(button, reminder_id) for button in row)
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _is_reminder_button(button: InlineKeyboardButton, reminder_id: int) -> bool:
    data = button.callback_data or ""
    if not data.startswith(ReminderCallback.__prefix__ + ":"):
        return False
    try:
        return ReminderCallback.unpack(data).reminder_id == reminder_id
    except (TypeError, ValueError):
        return False
