"""aiogram routers and middlewares: thin, no SQL, no business rules."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    """Routers in the order they must see updates: commands and buttons first, the
    stranger guard before any feature, free text last."""
    from handlers import errors, fallback, start, stranger

    return [errors.router, start.router, stranger.router, fallback.router]
