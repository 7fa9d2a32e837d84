"""Completion reports: from a reminder's buttons, a reply, a list, typed text or a file.

    states.py     the flow's conversation states and the filters built from them
    writing.py    writing a report, from its start to the result the person picks
    stored.py     a stored report's buttons, and the lists of reports
    batch.py      one report on several ongoing measures (the monthly check-in)
    views.py      texts            keyboards.py   buttons
    files.py      files in and out  albums.py     per-chat locks, albums gathered as one

The rules (who may report, closing, the postponement date, the 24-hour window) are in
`bot.reports`; here the updates are read, one service is called and the answer rendered.
`create_router()` below wires it all in the order the updates must be tried.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, Filter, StateFilter
from aiogram.types import Message

from bot.shared import Shared
from handlers.callbacks import (
    CheckinPageCallback,
    CheckinPickCallback,
    MeasureReportsCallback,
    ReminderAction,
    ReminderCallback,
    ReopenCallback,
    ReportCallback,
    ReportDateCallback,
    ReportFixCallback,
    ReportFlowAction,
    ReportFlowCallback,
    ReportManageCallback,
)
from handlers.filters import KnownPerson
from handlers.reports import stored
from handlers.reports.albums import Albums, ChatLocks, RedisAlbums, RedisChatLocks
from handlers.reports.batch import CheckinReports
from handlers.reports.states import (
    FILE_MESSAGE,
    IDLE_OR_REPORT,
    PLAIN_TEXT,
    REPORT_STATES,
    ReportStates,
)
from handlers.reports.stored import StoredReports
from handlers.reports.writing import ReportWriting, typed_action

__all__ = ["ReportStates", "create_router"]


class TypedButton(Filter):
    """A message that is the label of a button of the current step («Отмена»)."""

    async def __call__(self, message: Message, raw_state: str | None = None) -> Any:
        action = typed_action(message.text or "", raw_state)
        return {"typed_action": action} if action is not None else False


def create_router(shared: Shared | None = None) -> Router:
    # With Redis (several processes), the locks and album buffers are shared through it.
    locks = RedisChatLocks(shared) if shared else ChatLocks()
    writing = ReportWriting(locks, RedisAlbums(shared) if shared else Albums())
    managing = StoredReports(locks)
    checkins = CheckinReports(locks)
    router = Router(name=__name__)
    router.message.filter(KnownPerson())
    router.callback_query.filter(KnownPerson())

    # Leaving a report comes first, whatever else the message could be.
    router.message.register(writing.cmd_cancel, Command("cancel"), StateFilter(*REPORT_STATES))
    router.message.register(
        writing.on_typed_button, StateFilter(*REPORT_STATES), PLAIN_TEXT, TypedButton()
    )

    # Buttons.
    router.callback_query.register(
        writing.on_reminder,
        ReminderCallback.filter(F.action.in_({ReminderAction.DONE, ReminderAction.REPORT})),
    )
    router.callback_query.register(
        checkins.on_checkins, ReminderCallback.filter(F.action == ReminderAction.CHECKINS)
    )
    router.callback_query.register(checkins.on_toggle, CheckinPickCallback.filter())
    router.callback_query.register(checkins.on_page, CheckinPageCallback.filter())
    router.callback_query.register(
        checkins.on_picked,
        ReportFlowCallback.filter(
            F.action.in_({ReportFlowAction.PICKED, ReportFlowAction.PICK_ALL})
        ),
    )
    router.callback_query.register(writing.on_flow, ReportFlowCallback.filter())
    router.callback_query.register(writing.on_pick, ReportCallback.filter())
    router.callback_query.register(writing.on_date_button, ReportDateCallback.filter())
    router.callback_query.register(managing.on_manage, ReportManageCallback.filter())
    router.callback_query.register(managing.on_fix_status, ReportFixCallback.filter())
    # Coordinator-only presses are refused by the services (an alert), not ignored.
    router.callback_query.register(stored.on_measure_reports, MeasureReportsCallback.filter())
    router.callback_query.register(stored.on_reopen, ReopenCallback.filter())

    # Commands.
    router.message.register(writing.cmd_report, Command("report"), IDLE_OR_REPORT)
    router.message.register(stored.cmd_my_reports, Command("myreports"))
    router.message.register(stored.cmd_reports, Command("reports"))

    # Albums first: their items must be gathered before anything else looks at them.
    router.message.register(writing.on_album_item, F.media_group_id, FILE_MESSAGE, IDLE_OR_REPORT)

    # Answers the flow is waiting for.
    router.message.register(writing.on_reason, StateFilter(ReportStates.reason), PLAIN_TEXT)
    router.message.register(writing.on_date_text, StateFilter(ReportStates.postpone), PLAIN_TEXT)
    router.message.register(
        managing.on_correct_text, StateFilter(ReportStates.correcting), PLAIN_TEXT
    )

    # "отчёт 1.1.2", "сделал 1.1.2"…, a reply to a reminder, then files and draft text.
    router.message.register(writing.on_entry_text, PLAIN_TEXT, IDLE_OR_REPORT)
    router.message.register(
        writing.on_reply, F.reply_to_message, StateFilter(None), PLAIN_TEXT | FILE_MESSAGE
    )
    router.message.register(writing.on_file, FILE_MESSAGE, IDLE_OR_REPORT)
    router.message.register(
        writing.on_draft_text, StateFilter(ReportStates.collecting), PLAIN_TEXT
    )
    return router
