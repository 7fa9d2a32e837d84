"""The fake Telegram server, proven against a real aiogram Bot and Dispatcher."""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    Message,
    ReplyParameters,
)

from tests.fake_telegram import FakeTelegram, bot_for, parse_html, polling

USER_ID = 1001


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with bot_for(tg) as real_bot:
        yield real_bot


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in buttons]
    )


def png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# --- basics -------------------------------------------------------------------------------


async def test_get_me_reports_the_bot_from_the_token(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 42
    assert me.is_bot
    assert me.username == tg.bot_username


async def test_send_message_html_round_trip(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    sent = await bot.send_message(
        USER_ID,
        "<b>Привет</b>, &lt;мир&gt; 🙂 <i>курсив</i>",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(("Дальше", "next")),
    )
    assert sent.text == "Привет, <мир> 🙂 курсив"
    assert sent.chat.id == USER_ID
    assert isinstance(sent.date.timestamp(), float)
    bold, italic = sent.entities
    assert (bold.type, bold.offset, bold.length) == ("bold", 0, 6)
    # the emoji is two UTF-16 units, so "курсив" starts at 17, as Telegram counts
    assert (italic.type, italic.offset, italic.length) == ("italic", 17, 6)

    shown = user.messages[-1]
    assert shown.text == sent.text
    assert shown.button_texts == ["Дальше"]
    assert shown.source_text.startswith("<b>Привет</b>")

    second = await bot.send_message(USER_ID, "ещё")
    assert second.message_id == sent.message_id + 1

    call = tg.sent[-2]
    assert call.method == "sendMessage"
    assert call.params["chat_id"] == USER_ID
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "next"
    assert call.result["message_id"] == sent.message_id
    assert not tg.failed_calls


async def test_reply_parameters_are_echoed(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    question = await user.send_text("вопрос")
    answer = await bot.send_message(
        USER_ID, "ответ", reply_parameters=ReplyParameters(message_id=question["message_id"])
    )
    assert answer.reply_to_message.text == "вопрос"
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(USER_ID, "x", reply_parameters=ReplyParameters(message_id=999))


# --- strictness ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<p>абзац</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<b>жирный", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("текст</b>", "Unexpected end tag at byte offset 10"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("Том & Джерри", 'Character "&" at byte offset 7'),
        ("&nbsp;", 'Character "&"'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
async def test_invalid_html_is_rejected_like_telegram(
    tg: FakeTelegram, bot: Bot, html: str, reason: str
) -> None:
    tg.user(USER_ID)
    with pytest.raises(TelegramBadRequest, match="can't parse entities") as caught:
        await bot.send_message(USER_ID, html, parse_mode=ParseMode.HTML)
    assert reason in caught.value.message
    assert tg.failed_calls[-1].error_code == 400
    assert tg.users[USER_ID].messages == []


def test_allowed_html_parses_into_entities() -> None:
    text, entities = parse_html(
        '<a href="https://x.ru/?a=1&amp;b=2">ссылка</a> <tg-spoiler>s</tg-spoiler> '
        '<span class="tg-spoiler">p</span> <pre><code class="language-python">x = 1</code></pre>'
        " <blockquote expandable>цитата</blockquote> <u>u</u><s>s</s><code>c</code>"
    )
    assert text == "ссылка s p x = 1 цитата usc"
    types = [e["type"] for e in entities]
    assert types == [
        "text_link",
        "spoiler",
        "spoiler",
        "pre",
        "expandable_blockquote",
        "underline",
        "strikethrough",
        "code",
    ]
    assert entities[0]["url"] == "https://x.ru/?a=1&b=2"
    assert entities[3]["language"] == "python"


async def test_text_and_caption_limits(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(USER_ID)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER_ID, "я" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(USER_ID, "")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(USER_ID, "<b> </b>", parse_mode=ParseMode.HTML)
    # the limit applies to the text after markup is parsed
    ok = await bot.send_message(USER_ID, "<b>" + "я" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    assert len(ok.text) == 4096
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(USER_ID, BufferedInputFile(b"data", "a.txt"), caption="c" * 1025)
    assert [c.method for c in tg.failed_calls] == ["sendMessage"] * 3 + ["sendDocument"]


async def test_inline_keyboard_limits(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(USER_ID)
    await bot.send_message(USER_ID, "ok", reply_markup=keyboard(("a", "x" * 64)))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER_ID, "no", reply_markup=keyboard(("a", "x" * 65)))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        # 33 Cyrillic letters are 66 bytes: the limit is in bytes, not characters
        await bot.send_message(USER_ID, "no", reply_markup=keyboard(("a", "я" * 33)))
    many = [(str(i), str(i)) for i in range(101)]
    with pytest.raises(TelegramBadRequest, match="reply markup is too long"):
        await bot.send_message(USER_ID, "no", reply_markup=keyboard(*many))


async def test_callback_query_can_be_answered_once(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    message = await bot.send_message(USER_ID, "Выбор", reply_markup=keyboard(("Да", "yes")))
    query_id = await user.press(message, "Да")
    assert await bot.answer_callback_query(query_id, text="Принято")
    answer = await tg.wait_for_callback_answer(query_id, timeout=1)
    assert answer.text == "Принято"
    assert not answer.show_alert
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("123")


async def test_unknown_file_id_and_unknown_chat(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(USER_ID)
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(USER_ID, "BQACAgIAAxkBAAIunknown")
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.get_file("BQACAgIAAxkBAAIunknown")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(777, "кому?")


async def test_blocked_user_answers_403(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    await bot.send_message(USER_ID, "до блокировки")
    tg.block(user)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER_ID, "после")
    tg.unblock(user)
    await bot.send_message(USER_ID, "снова")
    assert [m.text for m in user.messages] == ["до блокировки", "снова"]


async def test_edits_apply_in_place_and_unchanged_edit_fails(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    markup = keyboard(("Да", "yes"))
    sent = await bot.send_message(USER_ID, "Вопрос", reply_markup=markup)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            text="Вопрос", chat_id=USER_ID, message_id=sent.message_id, reply_markup=markup
        )
    edited = await bot.edit_message_text(
        text="Вопрос (изменён)",
        chat_id=USER_ID,
        message_id=sent.message_id,
        reply_markup=markup,
    )
    assert edited.text == "Вопрос (изменён)"
    [shown] = user.messages
    assert shown.text == "Вопрос (изменён)"
    assert shown.edited
    assert shown.button_texts == ["Да"]

    # Telegram removes the inline keyboard when an edit does not repeat it
    await bot.edit_message_text(text="Готово", chat_id=USER_ID, message_id=sent.message_id)
    assert user.messages[0].buttons == []

    await bot.edit_message_reply_markup(
        chat_id=USER_ID, message_id=sent.message_id, reply_markup=markup
    )
    assert user.messages[0].button_texts == ["Да"]

    assert await bot.delete_message(USER_ID, sent.message_id)
    assert user.messages == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER_ID, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=USER_ID, message_id=sent.message_id)


async def test_recorded_answers_and_updates_are_copies(tg: FakeTelegram, bot: Bot) -> None:
    """What a test can hold (call results, messages it sent, updates) is never the fake's
    own state: changing it changes nothing the bot sees later."""
    user = tg.user(USER_ID)
    sent = await bot.send_message(
        USER_ID, "<b>Вопрос</b> 😀", parse_mode=ParseMode.HTML, reply_markup=keyboard(("Да", "y"))
    )
    answer = tg.calls_to("sendMessage")[-1].result
    answer["text"] = "changed"
    answer["entities"][0]["length"] = 99
    answer["reply_markup"]["inline_keyboard"][0][0]["text"] = "changed"
    answer["chat"]["id"] = 0
    [shown] = user.messages
    assert (shown.text, shown.entities[0]["length"], shown.button_texts) == (
        "Вопрос 😀",
        6,
        ["Да"],
    )
    assert shown.chat_id == USER_ID

    await bot.edit_message_text(
        text="<i>Вопрос</i>",
        chat_id=USER_ID,
        message_id=sent.message_id,
        parse_mode="HTML",
        reply_markup=keyboard(("Да", "y")),
    )
    edit = tg.calls_to("editMessageText")[-1].result
    edit["entities"][0]["type"] = "changed"
    edit["from"]["id"] = 0
    assert shown.entities[0]["type"] == "italic"
    assert shown.data["from"]["id"] == tg.bot_id
    shown.data["chat"]["first_name"] = "changed"  # the earlier version keeps its own copy
    assert shown.history[0]["chat"]["first_name"] == "Ирина"
    assert shown.history[0]["entities"][0]["type"] == "bold"

    # a user's message: the dict returned to the test, the queued update, the polled answer
    question = await user.send_text("/start")
    question["text"] = "changed"
    question["entities"][0]["length"] = 99
    [update] = tg.pending_updates
    assert update["message"]["text"] == "/start"
    await bot.get_updates(timeout=0)
    polled = tg.calls_to("getUpdates")[-1].result
    polled[0]["message"]["text"] = "changed"
    polled[0]["message"]["from"]["first_name"] = "changed"
    [update] = tg.pending_updates  # not confirmed yet: the next poll gets it again
    assert update["message"]["text"] == "/start"
    assert update["message"]["entities"][0]["length"] == 6
    [again] = await bot.get_updates(timeout=0)
    assert (again.message.text, again.message.from_user.first_name) == ("/start", "Ирина")

    # a button press carries the message as it was when pressed
    await user.press(shown, "y")
    shown.data["text"] = "changed later"
    pressed = tg.pending_updates[-1]["callback_query"]
    assert pressed["message"]["text"] == "Вопрос"

    # a reply carries a snapshot of the message replied to
    reply = await bot.send_message(
        USER_ID, "ответ", reply_parameters=ReplyParameters(message_id=sent.message_id)
    )
    assert reply.reply_to_message is not None
    stored = user.messages[-1].data["reply_to_message"]
    assert stored["text"] == "changed later"
    shown.data["text"] = "changed again"
    assert stored["text"] == "changed later"
    assert not tg.failed_calls


# --- files --------------------------------------------------------------------------------


async def test_user_document_downloads_and_resends(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    payload = "план мероприятий".encode() * 1000
    message = await user.send_document(payload, "план.xlsx", caption="вот")
    document = message["document"]
    assert document["file_name"] == "план.xlsx"
    assert document["mime_type"].endswith("spreadsheetml.sheet")

    downloaded = await bot.download(document["file_id"])
    assert downloaded.read() == payload

    # re-sending the user's file by file_id works and the user gets the same bytes
    await bot.send_document(USER_ID, document["file_id"], caption="ваш файл")
    assert user.messages[-1].document.data == payload
    assert user.messages[-1].caption == "ваш файл"

    # a file the bot uploads gets its own file_id that can be sent again and downloaded
    uploaded = await bot.send_document(USER_ID, BufferedInputFile(b"report", "отчёт.pdf"))
    assert uploaded.document.file_name == "отчёт.pdf"
    assert uploaded.document.file_id != document["file_id"]
    again = await bot.send_document(USER_ID, uploaded.document.file_id)
    assert again.document.file_unique_id == uploaded.document.file_unique_id
    assert (await bot.download(uploaded.document)).read() == b"report"
    assert user.messages[-1].file.data == b"report"
    assert tg.calls_to("sendDocument")[1].files  # the upload was multipart


async def test_photos_and_media_groups(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    photo = await bot.send_photo(USER_ID, BufferedInputFile(png(3, 2), "chart.png"), caption="Г")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (3, 2)
    assert user.messages[-1].photo.data == png(3, 2)
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(USER_ID, BufferedInputFile(b"not an image", "x.png"))
    with pytest.raises(TelegramBadRequest, match="can't use file of type Photo as Document"):
        await bot.send_document(USER_ID, photo.photo[-1].file_id)

    user_photo = await user.send_photo(png(10, 10))
    assert (await bot.download(user_photo["photo"][-1]["file_id"])).read() == png(10, 10)

    group = await bot.send_media_group(
        USER_ID,
        [
            InputMediaDocument(media=BufferedInputFile(b"1", "a.txt"), caption="первый"),
            InputMediaDocument(media=BufferedInputFile(b"2", "b.txt")),
        ],
    )
    assert len(group) == 2
    assert group[0].media_group_id == group[1].media_group_id
    assert [m.file.data for m in user.messages[-2:]] == [b"1", b"2"]
    assert user.messages[-2].caption == "первый"


# --- rate limits --------------------------------------------------------------------------


async def test_rate_limits_answer_429_when_enabled(tg: FakeTelegram, bot: Bot) -> None:
    now = [1000.0]
    tg.clock = lambda: now[0]  # a frozen clock: every request is "at the same instant"
    tg.set_limits(True)
    for user_id in range(1, 32):
        tg.user(user_id)

    await bot.send_message(1, "первое")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(1, "второе в ту же секунду")
    assert caught.value.retry_after >= 1
    assert tg.rate_limit_hits == 1

    for user_id in range(2, 31):  # 30 messages within the second in total
        await bot.send_message(user_id, "рассылка")
    with pytest.raises(TelegramRetryAfter, match="retry after 1"):
        await bot.send_message(31, "тридцать первое")
    assert tg.rate_limit_hits == 2
    assert tg.failed_calls[-1].error_code == 429

    now[0] += 1.0  # the sliding window has moved on
    await bot.send_message(31, "через секунду")
    await bot.send_message(1, "через секунду")
    assert tg.rate_limit_hits == 2


async def test_rate_limits_are_off_by_default(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(USER_ID)
    for i in range(5):
        await bot.send_message(USER_ID, f"#{i}")
    assert tg.rate_limit_hits == 0
    assert len(tg.users[USER_ID].messages) == 5


# --- updates ------------------------------------------------------------------------------


async def test_get_updates_honours_offset_limit_and_wakes_up(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID, username="irina")
    for text in ("/start", "два", "три"):
        await user.send_text(text)
    first_two = await bot.get_updates(limit=2, timeout=0)
    assert [u.message.text for u in first_two] == ["/start", "два"]
    command = first_two[0].message.entities[0]
    assert (command.type, command.offset, command.length) == ("bot_command", 0, 6)
    rest = await bot.get_updates(offset=first_two[-1].update_id + 1, timeout=0)
    assert [u.message.text for u in rest] == ["три"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0) == []

    # a long poll returns as soon as an update is queued
    poll = asyncio.create_task(bot.get_updates(offset=rest[-1].update_id + 1, timeout=30))
    await tg.wait_until(lambda: tg._poll_generation >= 4, timeout=5)
    reply = await user.reply_to(tg.users[USER_ID].history[0], "ответ")
    [update] = await asyncio.wait_for(poll, timeout=10)
    assert update.message.reply_to_message.text == "/start"
    assert update.message.message_id == reply["message_id"]
    assert update.message.from_user.username == "irina"


async def test_allowed_updates_drop_unsubscribed_types(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    sent = await bot.send_message(USER_ID, "Кнопка", reply_markup=keyboard(("Нажми", "press")))
    await bot.get_updates(allowed_updates=["message"], timeout=0)
    await user.press(sent, "Нажми")
    await user.send_text("текст")
    [update] = await bot.get_updates(timeout=0)
    assert update.message.text == "текст"
    assert [next(k for k in u if k != "update_id") for u in tg.dropped_updates] == [
        "callback_query"
    ]


async def test_forwarded_messages_parse_in_aiogram(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    sent = await bot.send_message(USER_ID, "переслать меня")
    await user.forward(user.messages[-1])
    voice = await user.send_voice(b"OggS...", duration=3)
    updates = await bot.get_updates(timeout=0)
    forwarded = updates[0].message
    assert forwarded.text == "переслать меня"
    assert forwarded.forward_origin.sender_user.id == 42
    assert forwarded.forward_origin.date == sent.date
    assert updates[1].message.voice.duration == 3
    assert (await bot.download(voice["voice"]["file_id"])).read() == b"OggS..."


async def test_webhook_conflicts_with_get_updates(tg: FakeTelegram, bot: Bot) -> None:
    assert await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates(timeout=0)
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == []


async def test_commands_are_stored_per_scope_and_language(tg: FakeTelegram, bot: Bot) -> None:
    commands = [BotCommand(command="start", description="Начать")]
    assert await bot.set_my_commands(commands)
    assert await bot.set_my_commands(
        [BotCommand(command="help", description="Помощь")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="ru",
    )
    assert tg.my_commands[("default", "")] == [{"command": "start", "description": "Начать"}]
    assert tg.commands_for("all_private_chats", "ru")[0]["command"] == "help"
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])


async def test_misc_methods_and_unknown_method(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(USER_ID)
    assert await bot.send_chat_action(USER_ID, "typing")
    assert tg.chat_actions == [(USER_ID, "typing")]
    assert await bot.log_out()
    assert await bot.close()
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{tg.base_url}/bot{tg.token}/sendDice", data={"chat_id": "1"}) as resp,
    ):
        assert resp.status == 404
        assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert tg.failed_calls[-1].method == "sendDice"


async def test_wait_failure_lists_what_the_user_received(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    await bot.send_message(USER_ID, "Добро пожаловать", reply_markup=keyboard(("Меню", "menu")))
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(USER_ID, "<oops>", parse_mode=ParseMode.HTML)
    with pytest.raises(AssertionError) as caught:
        await user.wait_for_text("Отчёт готов", timeout=0.2)
    report = str(caught.value)
    assert "did not receive a matching message" in report
    assert "Добро пожаловать" in report
    assert "buttons=['Меню']" in report
    assert "Unsupported start tag" in report
    # the failed wait consumed nothing: the message is still there for the next wait
    assert (await user.wait_for_message(timeout=1)).text == "Добро пожаловать"


async def test_standalone_control_endpoints(tg: FakeTelegram, bot: Bot) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{tg.base_url}/_fake/users/5/messages", json={"text": "/start"}
        ) as resp:
            assert (await resp.json())["text"] == "/start"
        [update] = await bot.get_updates(timeout=0)
        await bot.send_message(5, "Меню", reply_markup=keyboard(("Пункт", "item")))
        async with http.get(f"{tg.base_url}/_fake/users/5/messages") as resp:
            assert [m["text"] for m in await resp.json()] == ["Меню"]
        async with http.post(f"{tg.base_url}/_fake/users/5/press", json={"button": "Пункт"}) as r:
            query_id = (await r.json())["callback_query_id"]
        async with http.get(f"{tg.base_url}/_fake/stats") as resp:
            stats = await resp.json()
    assert update.message.chat.id == 5
    # "/start" stays pending until a getUpdates with a higher offset confirms it, as in Telegram
    assert stats["pending_updates"] == 2
    assert stats["calls"]["sendMessage"] == 1
    assert tg.pending_updates[-1]["callback_query"]["id"] == query_id


# --- a real dispatcher over long polling --------------------------------------------------


def echo_router() -> Router:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(
            f"Эхо: <b>{message.text}</b>",
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(("Ещё раз", f"again:{message.text}")),
        )

    @router.callback_query(F.data.startswith("again:"))
    async def again(query: CallbackQuery) -> None:
        await query.answer("Повторяю")
        await query.message.edit_text(f"Повтор: {query.data.removeprefix('again:')}")

    return router


async def test_dispatcher_round_trip_over_long_polling(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    dp = Dispatcher()
    dp.include_router(echo_router())
    async with polling(tg, dp, bot):
        await user.send_text("привет")
        reply = await user.wait_for_text("Эхо: привет")
        assert reply.entities[0]["type"] == "bold"
        assert reply.button_texts == ["Ещё раз"]

        query_id = await user.press("Ещё раз")
        answer = await tg.wait_for_callback_answer(query_id)
        assert answer.text == "Повторяю"
        await tg.wait_until(lambda: reply.text == "Повтор: привет")
        assert reply.buttons == []  # the edit dropped the keyboard

        await user.send_text("второе")
        assert (await user.wait_for_message()).text == "Эхо: второе"
    assert not tg.failed_calls
    assert not tg.pending_updates


async def test_a_second_poller_terminates_the_first(tg: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await tg.wait_until(lambda: tg._poll_generation >= 1, timeout=5)
    assert await bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, timeout=10)
    assert [c.error_code for c in tg.failed_calls] == [409]


async def test_stopped_dispatcher_leaves_no_failed_calls(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(USER_ID)
    dp = Dispatcher()
    dp.include_router(echo_router())
    async with polling(tg, dp, bot):
        await user.send_text("раз")
        await user.wait_for_text("Эхо: раз")
        await tg.wait_until(lambda: tg.active_polls == 1, timeout=5)
    # The cancelled long poll is still held open by the server. The next poll ends it with a
    # 409 that nobody receives, so it must not count as a failure.
    assert tg.active_polls == 1
    assert await bot.get_updates(timeout=0) == []
    await tg.wait_until(lambda: tg.active_polls == 0, timeout=5)
    assert not tg.failed_calls
