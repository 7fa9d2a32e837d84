"""Filters run in the event loop: aiogram would send each magic filter to a worker thread."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import F, Router
from aiogram.dispatcher.event.bases import UNHANDLED
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
