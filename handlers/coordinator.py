"""Coordinators: /summary with charts and drill-down buttons, /export of the execution
report (XLSX or DOCX), and the same from plain words ("сводка за апрель", "выгрузи отчёт
за 2022 год")."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import date
from functools import partial
from typing import Any

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    MenuButtonWebApp,
    Message,
    WebAppInfo,
)
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import coordination, offload
from bot.calendar import local_date
from bot.i18n import _
from bot.markup import quote, quote_short, shorten
from bot.queries.parse import parse_query
from bot.services import Identity, Services
from handlers.callbacks import (
    ExportCallback,
    ShareExportCallback,
    SummaryCallback,
    SummaryKind,
)
from handlers.filters import Coordinator

EXPORT_WORDS = re.compile(r"\b(выгруз\w*|экспорт\w*|export)\b", re.IGNORECASE)
# Questions that may be about member organisations (checked against their names later).
MEMBER_WORDS = re.compile(
    r"отчита|просроч|долг|отста|сдал|прислал|сводк|как\s+дела|как\s+ид|исполнени|положени",
    re.IGNORECASE,
)
RETRIES = 3
LONGEST_WAIT = 30  # seconds of a 429's retry_after honoured before giving up


async def _paced(send: Callable[[], Awaitable[Any]]) -> None:
    """Send, waiting out Telegram's per-chat limit (a summary is several messages at once)."""
    for attempt in range(RETRIES):
        try:
            await send()
            return
        except TelegramRetryAfter as exc:
            if attempt == RETRIES - 1 or exc.retry_after > LONGEST_WAIT:
                raise
            await asyncio.sleep(exc.retry_after)


class SummaryQuestion(Filter):
    """Plain-words questions that a summary or an export answers."""

    async def __call__(self, message: Message, identity: Identity | None = None) -> Any:
        text = message.text or ""
        if not text or text.startswith("/") or identity is None or identity.organisation is None:
            return False
        if EXPORT_WORDS.search(text):
            return {"wants": "export"}
        today = local_date(message.date, identity.organisation.timezone)
        if parse_query(text, today=today).intent in ("summary", "not_reported"):
            return {"wants": "summary"}
        return False


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


async def _send_summary(
    bot: Bot,
    chat_id: int,
    identity: Identity,
    services: Services,
    *,
    text: str | None = None,
    person_id: int | None = None,
    section: str | None = None,
    member_id: int | None = None,
) -> None:
    async with ChatActionSender.upload_photo(bot=bot, chat_id=chat_id):
        result = await coordination.summary(
            services.uow,
            identity,
            now=services.clock.now(),
            text=text,
            person_id=person_id,
            section=section,
            member_id=member_id,
        )
    keyboard = InlineKeyboardBuilder()
    if person_id is None and section is None and member_id is None:
        # Drill-down: the weakest schools and people, the first sections.
        drill: list[tuple[str, SummaryKind, list[tuple[int, str]] | list[tuple[str, str]]]] = [
            ("🏫", SummaryKind.ORGANISATION, result.organisations[:6]),
            ("👤", SummaryKind.PERSON, result.people[:6]),
            ("📂", SummaryKind.SECTION, result.sections[:4]),
        ]
        for mark, kind, rows in drill:
            for key, label in rows:
                keyboard.button(
                    text=f"{mark} {shorten(label, 28)}",
                    callback_data=SummaryCallback(
                        kind=kind, key=str(key), start=_iso(result.start), end=_iso(result.end)
                    ),
                )
    for fmt, label in (("xlsx", _("📊 XLSX")), ("docx", _("📄 DOCX report"))):
        keyboard.button(
            text=label,
            callback_data=ExportCallback(fmt=fmt, start=_iso(result.start), end=_iso(result.end)),
        )
    keyboard.adjust(2)
    board_url = services.settings.board_url
    if board_url:
        # The board (a Mini App): under the summary, and as this chat's menu button.
        keyboard.row(*_board_buttons(board_url))
        # If Telegram refuses the menu button, the button under the summary still opens it.
        with suppress(TelegramAPIError):
            await bot.set_chat_menu_button(
                chat_id=chat_id,
                menu_button=MenuButtonWebApp(text=_("Board"), web_app=WebAppInfo(url=board_url)),
            )
    markup = keyboard.as_markup()
    for index, page in enumerate(result.pages):
        last = index == len(result.pages) - 1
        await _paced(
            partial(bot.send_message, chat_id, page, reply_markup=markup if last else None)
        )
    # After the pages are out: what to draw worked out in a thread, drawn in the drawing
    # process.
    specs = await asyncio.to_thread(result.chart_specs)
    for name, png in await offload.run(coordination.draw_charts, specs):
        photo = BufferedInputFile(png, filename=name)
        await _paced(partial(bot.send_photo, chat_id, photo))


def _board_buttons(board_url: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=_("🗂 Board"), web_app=WebAppInfo(url=board_url))]


async def _send_export(
    bot: Bot,
    chat_id: int,
    identity: Identity,
    services: Services,
    fmt: str,
    text: str | None,
    roadmap_id: int | None = None,
) -> None:
    async with ChatActionSender.upload_document(bot=bot, chat_id=chat_id):
        document = await coordination.export(
            services.uow,
            identity,
            now=services.clock.now(),
            fmt="docx" if fmt == "docx" else "xlsx",
            text=text,
            roadmap_id=roadmap_id,
        )
    await bot.send_document(
        chat_id, BufferedInputFile(document.content, filename=document.file_name)
    )
    # Its shares of the parent's plans not in this document: offered, one message each.
    start, end = document.period or (None, None)
    for other in document.others[:3]:
        keyboard = InlineKeyboardBuilder()
        for share_fmt, label in (("xlsx", _("📊 XLSX")), ("docx", _("📄 DOCX report"))):
            keyboard.button(
                text=label,
                callback_data=ShareExportCallback(
                    fmt=share_fmt, plan=other.roadmap.id, start=_iso(start), end=_iso(end)
                ),
            )
        offer = _("Also: the measures of «{plan}» ({owner}) that are yours, with your reports.")
        text = offer.format(
            plan=quote_short(other.roadmap.title, 300), owner=quote(other.owner_name)
        )
        await _paced(partial(bot.send_message, chat_id, text, reply_markup=keyboard.as_markup()))


async def cmd_summary(
    message: Message, command: CommandObject, identity: Identity, services: Services, bot: Bot
) -> None:
    await _send_summary(bot, message.chat.id, identity, services, text=command.args)


async def cmd_export(
    message: Message, command: CommandObject, identity: Identity, services: Services, bot: Bot
) -> None:
    args = (command.args or "").split(maxsplit=1)
    fmt = "xlsx"
    if args and args[0].lower() in ("xlsx", "docx", "excel", "word"):
        fmt = "docx" if args[0].lower() in ("docx", "word") else "xlsx"
        args = args[1:]
    await _send_export(bot, message.chat.id, identity, services, fmt, args[0] if args else None)


async def on_summary_words(
    message: Message, wants: str, identity: Identity, services: Services, bot: Bot
) -> None:
    text = message.text or ""
    if wants == "export":
        fmt = "docx" if re.search(r"docx|word|ворд|справк|информац", text, re.I) else "xlsx"
        period = EXPORT_WORDS.sub(" ", text)
        await _send_export(bot, message.chat.id, identity, services, fmt, period)
        return
    await _send_summary(bot, message.chat.id, identity, services, text=text)


async def on_member_question(
    message: Message, identity: Identity, services: Services, bot: Bot
) -> None:
    """«какие школы не отчитались по 2.1», «что просрочено у СОШ №3»: a short answer; «сводка
    по СОШ №3»: that school's summary; any other text goes on to the next handler."""
    answer = await coordination.organisation_question(
        services.uow, identity, message.text or "", now=services.clock.now()
    )
    if answer is None:
        raise SkipHandler
    if answer.member_id is not None:
        await _send_summary(
            bot,
            message.chat.id,
            identity,
            services,
            text=answer.period_text,
            member_id=answer.member_id,
        )
        return
    for page in answer.pages:
        await _paced(partial(bot.send_message, message.chat.id, page))


async def on_drill(
    callback: CallbackQuery,
    callback_data: SummaryCallback,
    identity: Identity,
    services: Services,
    bot: Bot,
) -> None:
    assert callback.message is not None
    period = f"{callback_data.start}..{callback_data.end}" if callback_data.start else None
    if callback_data.kind is SummaryKind.ORGANISATION:  # the key is a checked id
        await _send_summary(
            bot,
            callback.message.chat.id,
            identity,
            services,
            text=period,
            member_id=int(callback_data.key),
        )
    elif callback_data.kind is SummaryKind.PERSON:  # the key is a checked id
        await _send_summary(
            bot,
            callback.message.chat.id,
            identity,
            services,
            text=period,
            person_id=int(callback_data.key),
        )
    else:
        await _send_summary(
            bot,
            callback.message.chat.id,
            identity,
            services,
            text=period,
            section=callback_data.key,
        )


async def on_export_button(
    callback: CallbackQuery,
    callback_data: ExportCallback,
    identity: Identity,
    services: Services,
    bot: Bot,
) -> None:
    assert callback.message is not None
    period = f"{callback_data.start}..{callback_data.end}" if callback_data.start else None
    await _send_export(
        bot, callback.message.chat.id, identity, services, callback_data.fmt, period
    )


async def on_share_export_button(
    callback: CallbackQuery,
    callback_data: ShareExportCallback,
    identity: Identity,
    services: Services,
    bot: Bot,
) -> None:
    """The execution report of the caller's share of a parent's plan (the plan id is
    checked against the caller's shares)."""
    assert callback.message is not None
    period = f"{callback_data.start}..{callback_data.end}" if callback_data.start else None
    await _send_export(
        bot,
        callback.message.chat.id,
        identity,
        services,
        callback_data.fmt,
        period,
        roadmap_id=callback_data.plan,
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Coordinator())
    router.callback_query.filter(Coordinator())
    router.message.register(cmd_summary, Command("summary"))
    router.message.register(cmd_export, Command("export"))
    router.message.register(on_member_question, F.text.func(MEMBER_WORDS.search))
    router.message.register(on_summary_words, F.text, SummaryQuestion())
    router.callback_query.register(on_drill, SummaryCallback.filter())
    router.callback_query.register(on_export_button, ExportCallback.filter())
    router.callback_query.register(on_share_export_button, ShareExportCallback.filter())
    return router
