"""Small helpers around Telegram messages and button presses, shared by the routers."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.errors import N_, UserError
from bot.markup import shorten

ANSWER_CHARS = 200  # Telegram shows at most 200 characters of a button press's answer


def pressed_message(
    callback: CallbackQuery, too_old: str = N_("This message is too old; send the command again.")
) -> Message:
    """The message whose button was pressed; a clear error (`too_old`, a msgid) when
    Telegram no longer shows it to the bot, so the person knows to start again."""
    if not isinstance(callback.message, Message):
        raise UserError(too_old)
    return callback.message


async def answer_press(callback: CallbackQuery, text: str, *, alert: bool = False) -> None:
    """Answer the press with a text; the dispatcher answers any press left unanswered."""
    await callback.answer(shorten(text, ANSWER_CHARS), show_alert=alert)


async def drop_keyboard(message: Message) -> None:
    if message.reply_markup is None:
        return
    # Already edited or too old: harmless, the buttons are checked on every press anyway.
    with contextlib.suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)


async def append_line(
    message: Message, line: str, reply_markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Add `line` under the message's own text, with new buttons (none by default); False
    when the message could not be edited (changed meanwhile, or too old)."""
    try:
        await message.edit_text(f"{message.html_text}\n\n{line}", reply_markup=reply_markup)
    except TelegramBadRequest:
        return False
    return True
