"""Questions in plain words, /my and /overdue: known members only, private chats only.

Long answers are paged. Rather than keeping rendered pages, the question itself (its text,
and the period a "show that month" button put in its place) is kept in the FSM data under a
short key, and "more" answers it again: pages stay current after a report, and the stored
data stays small and JSON-serialisable for any FSM storage.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.i18n import current_locale
from bot.queries.service import (
    Answer,
    answer_question,
    my_measures,
    overdue_measures,
)
from bot.services import Identity, Services
from bot.telegram_io import PostMessage
from handlers import questions_views as qv
from handlers import views
from handlers.callbacks import AskPeriodCallback, ExampleCallback, PageCallback
from handlers.filters import KnownPerson

STORE = "questions"  # FSM data key of this module: {"n": counter, "asked": {key: entry}}
KEEP = 10  # questions kept for their buttons; older "more" buttons say "ask again"
TEXT_LIMIT = 1000  # a question longer than this is not a question; keep the FSM data small
MY, OVERDUE = "/my", "/overdue"

Entry = dict[str, Any]  # {"t": question text or "/my" / "/overdue", "p": [start, end] | None}


async def on_my(
    message: Message, identity: Identity, services: Services, state: FSMContext, bot: Bot
) -> None:
    await _respond(bot, message.chat.id, identity, services, state, {"t": MY})


async def on_overdue(
    message: Message, identity: Identity, services: Services, state: FSMContext, bot: Bot
) -> None:
    await _respond(bot, message.chat.id, identity, services, state, {"t": OVERDUE})


async def on_question(
    message: Message, identity: Identity, services: Services, state: FSMContext, bot: Bot
) -> None:
    text = (message.text or "")[:TEXT_LIMIT]
    await _respond(bot, message.chat.id, identity, services, state, {"t": text})


async def on_example(
    callback: CallbackQuery,
    callback_data: ExampleCallback,
    identity: Identity,
    services: Services,
    state: FSMContext,
    bot: Bot,
) -> None:
    examples = qv.example_questions()
    if not 0 <= callback_data.index < len(examples):
        await callback.answer(qv.stale_answer(), show_alert=True)
        return
    entry = {"t": examples[callback_data.index]}
    await _respond(bot, _chat_id(callback), identity, services, state, entry)


async def on_page(
    callback: CallbackQuery,
    callback_data: PageCallback,
    identity: Identity,
    services: Services,
    state: FSMContext,
    bot: Bot,
) -> None:
    entry = await _stored(state, callback_data.key)
    if entry is None or callback_data.page < 0:
        await callback.answer(qv.stale_answer(), show_alert=True)
        return
    await _respond(
        bot,
        _chat_id(callback),
        identity,
        services,
        state,
        entry,
        page=callback_data.page,
        key=callback_data.key,
    )


async def on_ask_period(
    callback: CallbackQuery,
    callback_data: AskPeriodCallback,
    identity: Identity,
    services: Services,
    state: FSMContext,
    bot: Bot,
) -> None:
    entry = await _stored(state, callback_data.key)
    try:
        start = date.fromordinal(callback_data.start)
        end = date.fromordinal(callback_data.end)
    except (ValueError, OverflowError):
        entry = None  # callback data is user-controlled: a forged date is just stale
    if entry is None or start > end:
        await callback.answer(qv.stale_answer(), show_alert=True)
        return
    asked = {"t": entry["t"], "p": [start.toordinal(), end.toordinal()]}
    await _respond(bot, _chat_id(callback), identity, services, state, asked)


# ---------------------------------------------------------------------------------------------


async def _respond(
    bot: Bot,
    chat_id: int,
    identity: Identity,
    services: Services,
    state: FSMContext,
    entry: Entry,
    *,
    page: int = 0,
    key: str | None = None,
) -> None:
    answer = await _answer(services, identity, entry)
    if not answer.lists_items:
        text, markup = _fixed(answer, identity)
        await _send(bot, chat_id, text, markup)
        return
    locale = current_locale()
    shown, total = qv.answer_page(answer, locale, page)
    if shown is None:
        # The answer shrank since the button was sent (e.g. a measure was reported done).
        await _send(bot, chat_id, qv.no_more_pages())
        return
    if key is None and (total > 1 or answer.hint is not None):
        key = await _store(state, entry)
    markup = qv.page_markup(
        answer,
        shown,
        index=page,
        total=total,
        key=key,
        locale=locale,
        editable=identity.is_coordinator,
    )
    if markup is None and answer.empty and answer.intent == "search":
        # Nothing about that topic: show what can be asked instead.
        markup = qv.examples_keyboard()
    await _send(bot, chat_id, shown.text, markup)


async def _send(
    bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    # What bot.send_message sends, without validating its twenty other arguments (None or
    # the bot's defaults, which the method's fields default to): a third of its cost; and
    # Telegram's answer read as the message's id only (`telegram_io.PostMessage`).
    await bot(PostMessage(chat_id=chat_id, text=text, reply_markup=markup))


async def _answer(services: Services, identity: Identity, entry: Entry) -> Answer:
    now = services.clock.now()
    period = entry.get("p")
    window = (date.fromordinal(period[0]), date.fromordinal(period[1])) if period else None
    if entry["t"] == MY:
        return await my_measures(services.uow, identity, now=now, period=window)
    if entry["t"] == OVERDUE:
        return await overdue_measures(services.uow, identity, now=now)
    return await answer_question(services.uow, identity, entry["t"], now=now, period=window)


def _fixed(answer: Answer, identity: Identity) -> tuple[str, InlineKeyboardMarkup | None]:
    if answer.intent == "help":
        return views.help_text(identity), None
    if answer.intent == "smalltalk":
        return qv.smalltalk_text(answer.thanks), None
    if answer.intent in ("summary", "not_reported"):
        return qv.summary_redirect(answer.intent, identity), None
    return qv.unknown_text(), qv.examples_keyboard()


async def _store(state: FSMContext, entry: Entry) -> str:
    # Read once and written whole: update_data reads it again (with Redis, a round trip
    # more before the answer), and writes it no more atomically than this.
    whole = await state.get_data()
    data = whole.get(STORE) or {}
    number = int(data.get("n", 0)) + 1
    asked: dict[str, Entry] = dict(data.get("asked") or {})
    key = str(number)
    asked[key] = entry
    while len(asked) > KEEP:
        asked.pop(next(iter(asked)))
    await state.set_data({**whole, STORE: {"n": number, "asked": asked}})
    return key


async def _stored(state: FSMContext, key: str) -> Entry | None:
    data = (await state.get_data()).get(STORE) or {}
    entry = (data.get("asked") or {}).get(key)
    return entry if isinstance(entry, dict) and isinstance(entry.get("t"), str) else None


def _chat_id(callback: CallbackQuery) -> int:
    if callback.message is not None:
        return callback.message.chat.id
    return callback.from_user.id


def create_router() -> Router:
    router = Router(name=__name__)
    # Answers list people's measures: only to members (and only in private chats, as every
    # router under handlers.get_routers' parent).
    router.message.filter(KnownPerson())
    router.callback_query.filter(KnownPerson())
    router.message.register(on_my, Command("my"))
    router.message.register(on_overdue, Command("overdue"))
    router.message.register(on_question, F.text, ~F.text.startswith("/"))
    router.callback_query.register(on_example, ExampleCallback.filter())
    router.callback_query.register(on_page, PageCallback.filter())
    router.callback_query.register(on_ask_period, AskPeriodCallback.filter())
    return router
