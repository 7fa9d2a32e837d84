"""aiogram routers and middlewares: thin, no SQL, no business rules."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message

from bot.shared import Shared
from handlers import (
    admin,
    coordinator,
    errors,
    fallback,
    measure_edit,
    members,
    org_settings,
    people,
    questions,
    reminders,
    roadmap_import,
    settings_menu,
    start,
    stranger,
)
from handlers import reports as report_flow
from handlers.filters import run_filters_in_loop


# Plain functions rather than magic filters (`F.chat.type == …`): every update passes them,
# and resolving a magic filter costs it several times as much.
def _in_private_chat(message: Message) -> bool:
    return message.chat.type == ChatType.PRIVATE


def _pressed_in_private_chat(callback: CallbackQuery) -> bool:
    message = callback.message
    return message is not None and message.chat.type == ChatType.PRIVATE


def get_routers(shared: Shared | None = None) -> list[Router]:
    """Fresh routers, in the order they must see updates: the error handler, then every
    router that serves people inside one parent that lets private chats through only
    (plans, names and reports never show in a group): commands and buttons first, the
    stranger guard before any feature, free text last. (A member's plain question is
    taken before the tree, by `handlers.shortcuts.PlainQuestionLane`.)

    `shared` (with Redis) is what several processes of the bot share.
    Each module registers its handlers in `create_router()` rather than on a module-level
    router, because a router can belong to one dispatcher only and the tests build many.
    """
    private = Router(name="private")
    private.message.filter(_in_private_chat)
    private.callback_query.filter(_pressed_in_private_chat)
    private.include_routers(
        start.create_router(),  # /start (with invite tokens), /help, idle /cancel
        stranger.create_router(),  # everyone not linked to an organisation stops here
        admin.create_router(),  # /neworg
        people.create_router(),  # /people, invites, units
        members.create_router(),  # /schools, /group: member organisations
        org_settings.create_router(),  # /orgsettings, /cadence
        settings_menu.create_router(),  # /settings: hour, language, leave
        roadmap_import.create_router(),  # /import and documents sent by coordinators
        measure_edit.create_router(),  # /edit: fix a measure's deadline, responsible, title
        reminders.create_router(),  # snooze, not mine
        report_flow.create_router(shared),  # reports with files
        coordinator.create_router(),  # /summary, /export
        questions.create_router(),  # free-text questions, /my, /overdue
        fallback.create_router(),  # anything else; last
    )
    return [run_filters_in_loop(errors.create_router()), run_filters_in_loop(private)]
