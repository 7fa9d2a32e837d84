"""aiogram routers and middlewares: thin, no SQL, no business rules."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    """Fresh routers, in the order they must see updates: commands and buttons first, the
    stranger guard before any feature, free text last.

    Each module registers its handlers in `create_router()` rather than on a module-level
    router, because a router can belong to one dispatcher only and the tests build many.
    """
    from handlers import errors, fallback, start, stranger

    modules = [errors, start, stranger, fallback]
    return [module.create_router() for module in modules]
