"""Audience filters: who may reach a router at all. Rules live here, not in handler bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import CallbackType, FilterObject
from aiogram.filters import Command, Filter
from aiogram.types import Message, TelegramObject

from bot.services import Identity


class KnownPerson(Filter):
    """A linked person with a membership in some organisation (or a bot admin)."""

    async def __call__(self, event: TelegramObject, identity: Identity | None = None) -> bool:
        return identity is not None and (identity.is_known or identity.is_admin)


class Coordinator(Filter):
    async def __call__(self, event: TelegramObject, identity: Identity | None = None) -> bool:
        return identity is not None and identity.is_coordinator


class Stranger(Filter):
    async def __call__(self, event: TelegramObject, identity: Identity | None = None) -> bool:
        return identity is None or not (identity.is_known or identity.is_admin)


def run_filters_in_loop(router: Router) -> Router:
    """Every filter of `router` and its sub-routers that is not a coroutine function (each
    magic filter `F.…`, a plain function) runs in the event loop instead of a worker thread.

    aiogram awaits such a filter through `asyncio.to_thread`: a thread round trip (two loop
    wake-ups, a GIL hand-over) for each. A plain-text question is tried by about a dozen of
    them before it reaches its handler, and that cost more than the filters' own work (an
    attribute read, a prefix test, a regular expression: microseconds). Ours never block.
    """
    for each in router.chain_tail:
        for observer in each.observers.values():
            # `_handler` holds the observer's own filters (`router.message.filter(...)`).
            for handler in (observer._handler, *observer.handlers):
                for event_filter in handler.filters or ():
                    _in_loop(event_filter)
                    _commands_by_first_character(event_filter)
    return router


def _commands_by_first_character(event_filter: FilterObject) -> None:
    """A command filter refuses text that does not start with one of its prefixes before
    parsing it: aiogram splits the text and raises and catches an exception for every
    command filter a plain-text message meets (fifteen before a question's handler)."""
    command = event_filter.callback
    if not isinstance(command, Command):
        return
    prefixes = command.prefix

    async def call(event: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(event, Message):
            text = event.text or event.caption
            # aiogram reads the command as the first word of the text (`str.split()`).
            if text and text.lstrip()[:1] not in prefixes:
                return False
        return await command(event, *args, **kwargs)

    callback: CallbackType = call
    event_filter.callback = callback


def _in_loop(event_filter: FilterObject) -> None:
    if event_filter.awaitable:
        return
    function: Callable[..., Any] = event_filter.callback

    async def call(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    # The parameters aiogram passes stay those of the function (computed at registration).
    callback: CallbackType = call
    event_filter.callback = callback
    event_filter.awaitable = True
