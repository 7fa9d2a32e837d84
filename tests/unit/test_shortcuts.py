"""handlers.shortcuts: a member's plain question goes straight to its handler, and only
the messages no router before `questions.on_question` could take."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, Update, User

from bot.services import Identity
from handlers import get_routers
from handlers.shortcuts import PlainQuestion, PlainQuestionLane
from storage.models import Membership, Person, Role

# The message handlers a plain question passes in the full tree before its own. The
# shortcut's reasoning (handlers/shortcuts.py) is about these: a handler added here may
# take plain questions, and the shortcut would then skip it. Review the shortcut, then
# update this list.
BEFORE_QUESTIONS = [
    ("handlers.start", "cmd_start"),
    ("handlers.start", "cmd_help"),
    ("handlers.start", "cmd_cancel_idle"),
    ("handlers.stranger", "on_stranger_message"),
    ("handlers.admin", "cmd_neworg"),
    ("handlers.people", "cmd_people"),
    ("handlers.people", "cmd_invite"),
    ("handlers.people", "cmd_revoke"),
    ("handlers.people", "cmd_unit"),
    ("handlers.members", "cmd_cancel"),
    ("handlers.members", "cmd_schools"),
    ("handlers.members", "cmd_group"),
    ("handlers.members", "cmd_assign"),
    ("handlers.members", "on_list_file"),
    ("handlers.members", "on_list_text"),
    ("handlers.org_settings", "cmd_orgsettings"),
    ("handlers.org_settings", "cmd_cadence"),
    ("handlers.settings_menu", "cmd_settings"),
    ("handlers.settings_menu", "cmd_leave"),
    ("handlers.roadmap_import", "cmd_cancel"),
    ("handlers.roadmap_import", "cmd_import"),
    ("handlers.roadmap_import", "on_not_coordinator"),
    ("handlers.roadmap_import", "create_router.<locals>.on_album_page"),
    ("handlers.roadmap_import", "on_document"),
    ("handlers.roadmap_import", "on_document"),
    ("handlers.roadmap_import", "on_photo"),
    ("handlers.roadmap_import", "on_pasted_text"),
    ("handlers.roadmap_import", "on_preview_value"),
    ("handlers.roadmap_import", "on_check_value"),
    ("handlers.measure_edit", "cmd_cancel"),
    ("handlers.measure_edit", "cmd_edit"),
    ("handlers.measure_edit", "on_value"),
    ("handlers.reports", "ReportWriting.cmd_cancel"),
    ("handlers.reports", "ReportWriting.on_typed_button"),
    ("handlers.reports", "ReportWriting.cmd_report"),
    ("handlers.reports", "cmd_my_reports"),
    ("handlers.reports", "cmd_reports"),
    ("handlers.reports", "ReportWriting.on_album_item"),
    ("handlers.reports", "ReportWriting.on_reason"),
    ("handlers.reports", "ReportWriting.on_date_text"),
    ("handlers.reports", "StoredReports.on_correct_text"),
    ("handlers.reports", "ReportWriting.on_entry_text"),
    ("handlers.reports", "ReportWriting.on_reply"),
    ("handlers.reports", "ReportWriting.on_file"),
    ("handlers.reports", "ReportWriting.on_draft_text"),
    ("handlers.coordinator", "cmd_summary"),
    ("handlers.coordinator", "cmd_export"),
    ("handlers.coordinator", "on_member_question"),
    ("handlers.coordinator", "on_summary_words"),
    ("handlers.questions", "on_my"),
    ("handlers.questions", "on_overdue"),
]


def _message_handlers() -> list[tuple[str, str]]:
    found = []
    for top in get_routers():
        for router in top.chain_tail:
            for handler in router.message.handlers:
                found.append((router.name, handler.callback.__qualname__))
    return found


def test_the_handlers_a_question_used_to_pass_are_those_the_shortcut_knows() -> None:
    handlers = _message_handlers()
    end = handlers.index(("handlers.questions", "on_question"))
    assert handlers[:end] == BEFORE_QUESTIONS


def _identity(role: Role | None, *, admin: bool = False) -> Identity:
    identity = Identity(telegram_user_id=7, is_admin=admin)
    if role is not None:
        identity.person = Person(id=1, full_name="Бобров В.С.")
        identity.membership = Membership(id=1, person_id=1, organisation_id=1, role=role.value)
    return identity


def _text(text: str) -> Message:
    return Message(
        message_id=1,
        date=datetime(2026, 5, 1, tzinfo=UTC),
        chat=Chat(id=7, type="private"),
        from_user=User(id=7, is_bot=False, first_name="A"),
        text=text,
    )


@pytest.mark.parametrize(
    ("text", "role", "admin", "taken"),
    [
        ("что у меня в мае", Role.OFFICER, False, True),
        ("отчёт по проекту готов?", Role.OFFICER, False, True),  # a question, not a report
        ("сделал 1.1.2 приказ подписан", Role.OFFICER, False, False),  # a report entry
        ("отчёт 1.1.2", Role.OFFICER, False, False),
        ("отчёт", Role.OFFICER, False, False),
        ("что у меня в мае", Role.COORDINATOR, False, False),  # summaries, member schools
        ("что у меня в мае", None, True, False),  # an admin counts as a coordinator
        ("что у меня в мае", None, False, False),  # a stranger
    ],
)
async def test_plain_questions_only(
    text: str, role: Role | None, admin: bool, taken: bool
) -> None:
    decided = await PlainQuestion()(_text(text), identity=_identity(role, admin=admin))
    assert bool(decided) is taken
    assert not await PlainQuestion()(_text(text), identity=None)


async def test_commands_replies_states_and_other_messages_go_the_long_way() -> None:
    member = _identity(Role.OFFICER)
    plain = _text("что у меня в мае")
    assert await PlainQuestion()(plain, identity=member)
    # What PLAIN_TEXT, ~F.reply_to_message and StateFilter(None) kept out before.
    assert not await PlainQuestion()(_text("/my"), identity=member)
    assert not await PlainQuestion()(
        plain.model_copy(update={"reply_to_message": _text("1.1")}), identity=member
    )
    assert not await PlainQuestion()(plain, identity=member, raw_state="ReportWriting:reason")
    assert not await PlainQuestion()(plain.model_copy(update={"text": None}), identity=member)
    assert not await PlainQuestion()(plain.model_copy(update={"text": ""}), identity=member)


class _Languages(BaseMiddleware):
    """Stands for the language middleware: records what the lane hands it."""

    def __init__(self) -> None:
        self.called: list[TelegramObject] = []

    async def __call__(self, handler: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
        self.called.append(event)
        return "answered by the lane"


async def _through_the_lane(update: Update, identity: Identity, raw_state: str | None = None):  # type: ignore[no-untyped-def]
    languages = _Languages()
    passed: list[TelegramObject] = []

    async def tree(event: TelegramObject, _data: dict[str, Any]) -> str:
        passed.append(event)
        return "routed through the tree"

    data = {"identity": identity, "raw_state": raw_state}
    result = await PlainQuestionLane(languages)(tree, update, data)
    return result, languages.called, passed


async def test_the_lane_takes_a_members_plain_question_in_a_private_chat() -> None:
    message = _text("что у меня в мае")
    result, lane, tree = await _through_the_lane(
        Update(update_id=1, message=message), _identity(Role.OFFICER)
    )
    assert (result, lane, tree) == ("answered by the lane", [message], [])


@pytest.mark.parametrize(
    ("update", "role", "raw_state"),
    [
        # A group: the private chats' parent router ignores it, so must the lane.
        (
            Update(
                update_id=1,
                message=_text("что у меня в мае").model_copy(
                    update={"chat": Chat(id=-100, type="group")}
                ),
            ),
            Role.OFFICER,
            None,
        ),
        (Update(update_id=1, message=_text("что у меня в мае")), Role.COORDINATOR, None),
        (Update(update_id=1, message=_text("что у меня в мае")), Role.OFFICER, "Edit:value"),
        (Update(update_id=1, message=_text("/my")), Role.OFFICER, None),
        (
            Update(
                update_id=1,
                callback_query=CallbackQuery(
                    id="1",
                    from_user=User(id=7, is_bot=False, first_name="A"),
                    chat_instance="1",
                    data="pg:1",
                ),
            ),
            Role.OFFICER,
            None,
        ),
    ],
    ids=["group", "coordinator", "in a conversation", "command", "button"],
)
async def test_everything_else_goes_through_the_tree(
    update: Update, role: Role, raw_state: str | None
) -> None:
    result, lane, tree = await _through_the_lane(update, _identity(role), raw_state)
    assert (result, lane, tree) == ("routed through the tree", [], [update])
