"""bot.telegram_io.PostMessage: the same sendMessage request as aiogram's, its answer read as
the message's id only."""

from __future__ import annotations

import json

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import SendMessage
from aiogram.types import CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram_io import PostMessage, SentMessage

BOT = Bot("42:TEST", default=DefaultBotProperties(parse_mode="HTML"))


def _form(method: SendMessage) -> dict[str, str]:
    form = AiohttpSession().build_form_data(BOT, method)
    return {field[0]["name"]: field[2] for field in form._fields}


def _keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="📝 1.2", callback_data="rep:9"),
                InlineKeyboardButton(text="ещё ›", callback_data="pg:1:k"),
            ],
            [InlineKeyboardButton(text="<b>&", copy_text=CopyTextButton(text="1.2"))],
        ]
    )


def test_the_request_is_aiograms_sendmessage() -> None:
    for markup in (_keyboard(), None):
        arguments = {"chat_id": 70, "text": "<b>Ваши</b> мероприятия", "reply_markup": markup}
        ours, aiograms = _form(PostMessage(**arguments)), _form(SendMessage(**arguments))
        assert ours.keys() == aiograms.keys()
        assert ours["parse_mode"] == "HTML"
        for name, value in aiograms.items():
            if name == "reply_markup":
                # The same JSON (pydantic writes it without spaces or \\u escapes).
                assert json.loads(ours[name]) == json.loads(value)
            else:
                assert ours[name] == value


def test_the_answer_is_read_as_the_message_id() -> None:
    answer = {
        "ok": True,
        "result": {
            "message_id": 140,
            "from": {"id": 42, "is_bot": True, "first_name": "Roadmap"},
            "chat": {"id": 70, "type": "private", "first_name": "Ирина"},
            "date": 1796161748,
            "text": "Ваши мероприятия",
            "entities": [{"type": "bold", "offset": 0, "length": 16}],
            "reply_markup": json.loads(_keyboard().model_dump_json(exclude_none=True)),
        },
    }
    method = PostMessage(chat_id=70, text="x")
    response = AiohttpSession().check_response(BOT, method, 200, json.dumps(answer))
    assert response.result == SentMessage(message_id=140)
    # What aiogram's own method reads from the same answer, for contrast.
    full = AiohttpSession().check_response(
        BOT, SendMessage(chat_id=70, text="x"), 200, json.dumps(answer)
    )
    assert full.result is not None and full.result.message_id == 140
    assert isinstance(method, SendMessage)  # the console session and middlewares see a send
