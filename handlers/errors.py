"""The one error handler: users get a message in their language, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import ErrorEvent, Message

from bot.errors import UserError
from bot.i18n import _
from bot.markup import quote_short, shorten
from handlers import views
from handlers.messages import ANSWER_CHARS

logger = logging.getLogger(__name__)

# A parameter of an error (a name, a number the person typed) is shown at most this long.
PARAM_CHARS = 200


def user_error_text(error: UserError) -> str:
    """The error in the user's language. Its parameters are what people typed: quoted for
    Telegram's HTML (a name «<b>Иванова» must not break the message) and shortened (a
    3,000-character name must not make it longer than a message may be)."""
    params = {
        name: quote_short(value, PARAM_CHARS, one_line=True) if isinstance(value, str) else value
        for name, value in error.params.items()
    }
    return _(error.msgid).format(**params)


async def _tell_user(event: ErrorEvent, text: str, answered: Any = ()) -> None:
    update = event.update
    try:
        callback = update.callback_query
        if callback is not None and callback.id not in answered:
            await callback.answer(shorten(text, ANSWER_CHARS), show_alert=True)
        elif callback is not None and isinstance(callback.message, Message):
            await callback.message.answer(text)
        elif update.message is not None:
            await update.message.answer(text)
    except Exception:  # the user could not even be told; the log has the original error
        logger.exception("could not report an error to the user (update %s)", update.update_id)


async def on_error(event: ErrorEvent, answered_callbacks: Any = ()) -> bool:
    exception = event.exception
    if isinstance(exception, UserError):
        await _tell_user(event, user_error_text(exception), answered_callbacks)
        return True
    if isinstance(exception, TelegramBadRequest) and "message is not modified" in str(exception):
        return True
    logger.exception("error while handling update %s", event.update.update_id, exc_info=exception)
    await _tell_user(event, views.something_went_wrong(), answered_callbacks)
    return True


def create_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_error)
    return router
