"""aiogram routers and middlewares: thin, no SQL, no business rules."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    """Fresh routers, in the order they must see updates: commands and buttons first, the
    stranger guard before any feature, free text last.

    Each module registers its handlers in `create_router()` rather than on a module-level
    router, because a router can belong to one dispatcher only and the tests build many.
    """
    import importlib

    names = [
        "errors",
        "start",  # /start (with invite tokens), /help, idle /cancel
        "stranger",  # everyone not linked to an organisation stops here
        "admin",  # /neworg
        "people",  # /people, invites, units
        "org_settings",  # /orgsettings: hour, zone, closing rule
        "settings_menu",  # /settings: hour, language, leave
        "roadmap_import",  # /import and documents sent by coordinators
        "reminders",  # snooze, not mine
        "reports",  # reports with files
        "coordinator",  # /summary, /export
        "questions",  # free-text questions, /my, /overdue
        "fallback",  # anything else; last
    ]
    routers = []
    for name in names:
        try:
            module = importlib.import_module(f"handlers.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"handlers.{name}":
                raise
            continue  # a feature module not written yet
        routers.append(module.create_router())
    return routers
