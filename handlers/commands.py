"""The bot's command menu (setMyCommands at start-up), in every language of the catalogue.

Russian is the default menu (no language code); each other language gets its own.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeDefault

from bot.errors import N_
from bot.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, _, use_locale

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Get started")),
    ("help", N_("What the bot can do")),
    ("my", N_("My measures")),
    ("overdue", N_("What is overdue")),
    ("report", N_("Report completion")),
    ("myreports", N_("My reports")),
    ("reports", N_("New reports (coordinator)")),
    ("import", N_("Upload a roadmap")),
    ("edit", N_("Fix a measure (coordinator)")),
    ("summary", N_("Execution summary")),
    ("export", N_("Execution report (XLSX/DOCX)")),
    ("people", N_("People and invites")),
    ("schools", N_("Member organisations (schools)")),
    ("orgsettings", N_("Organisation settings")),
    ("settings", N_("Settings")),
    ("cancel", N_("Cancel the current action")),
)


def menu(locale: str) -> list[BotCommand]:
    with use_locale(locale):
        return [BotCommand(command=name, description=_(text)) for name, text in COMMANDS]


async def set_bot_commands(bot: Bot) -> None:
    scope = BotCommandScopeDefault()
    for locale in SUPPORTED_LOCALES:
        await bot.set_my_commands(
            menu(locale),
            scope=scope,
            language_code=None if locale == DEFAULT_LOCALE else locale,
        )
