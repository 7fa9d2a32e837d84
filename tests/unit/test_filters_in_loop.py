"""Filters run in the event loop: aiogram would send each magic filter to a worker thread."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import F, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters import Command
from aiogram.types import Chat, Message, User

from handlers import get_routers
from handlers.filters import run_filters_in_loop


def _message(text: str, chat_type: str = "private") -> Message:
    return Message(
        message_id=1,
        date=datetime(2026, 1, 1, tzinfo=UTC),
        chat=Chat(id=5, type=chat_type),
        from_user=User(id=5, is_bot=False, first_name="A"),
        text=text,
    )


def test_every_filter_of_the_bot_is_a_coroutine() -> None:
    seen = 0
    for top in get_routers():
        for router in top.chain_tail:
            for observer in router.observers.values():
                for handler in (observer._handler, *observer.handlers):
                    for event_filter in handler.filters or ():
                        seen += 1
                        assert event_filter.awaitable, (router.name, event_filter.callback)
    assert seen > 50


async def test_sync_filters_decide_as_before_without_a_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def no_thread(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a filter went to a worker thread")

    monkeypatch.setattr(asyncio, "to_thread", no_thread)
    router = Router()
    router.message.filter(F.chat.type == "private")
    seen: list[str] = []

    async def plain(message: Message) -> str:
        seen.append("plain")
        return "plain"

    def long_text(message: Message) -> bool:
        return len(message.text or "") > 5

    async def long(message: Message) -> str:
        seen.append("long")
        return "long"

    router.message.register(long, F.text, long_text)
    router.message.register(plain, F.text & ~F.text.startswith("/"))
    run_filters_in_loop(router)

    assert await router.propagate_event("message", _message("hello there")) == "long"
    assert await router.propagate_event("message", _message("hi")) == "plain"
    assert await router.propagate_event("message", _message("/x")) is UNHANDLED
    assert await router.propagate_event("message", _message("hello", "group")) is UNHANDLED
    assert seen == ["long", "plain"]


@pytest.mark.parametrize(
    ("text", "passes"),
    [
        ("/start", True),
        ("  /start", True),
        ("/start@roadmap_bot invite", True),
        ("/help", False),
        ("start", False),
        ("что /start", False),
        ("   ", False),
    ],
)
async def test_command_filters_decide_as_aiogram_does(text: str, passes: bool) -> None:
    router = Router()
    router.message.register(_echo, Command("start"))
    run_filters_in_loop(router)
    message = _message(text)
    result = await router.propagate_event("message", message, bot=_Bot())
    assert (result == "handled") is passes


async def _echo(message: Message) -> str:
    return "handled"


class _Bot:
    async def me(self) -> Any:
        return User(id=1, is_bot=True, first_name="R", username="roadmap_bot")
