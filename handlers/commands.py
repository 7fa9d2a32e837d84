"""The bot's command menu, in Russian and English (setMyCommands at start-up)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeDefault

COMMANDS: dict[str, list[tuple[str, str]]] = {
    "ru": [
        ("start", "Начало работы"),
        ("help", "Что умеет бот"),
        ("my", "Мои мероприятия"),
        ("overdue", "Что просрочено"),
        ("report", "Отчитаться о выполнении"),
        ("myreports", "Мои отчёты"),
        ("reports", "Новые отчёты (координатор)"),
        ("import", "Загрузить дорожную карту"),
        ("summary", "Сводка по исполнению"),
        ("export", "Отчёт об исполнении (XLSX/DOCX)"),
        ("people", "Сотрудники и приглашения"),
        ("orgsettings", "Настройки организации"),
        ("settings", "Настройки"),
        ("cancel", "Отменить текущее действие"),
    ],
    "en": [
        ("start", "Get started"),
        ("help", "What the bot can do"),
        ("my", "My measures"),
        ("overdue", "What is overdue"),
        ("report", "Report completion"),
        ("myreports", "My reports"),
        ("reports", "New reports (coordinator)"),
        ("import", "Upload a roadmap"),
        ("summary", "Execution summary"),
        ("export", "Execution report (XLSX/DOCX)"),
        ("people", "People and invites"),
        ("orgsettings", "Organisation settings"),
        ("settings", "Settings"),
        ("cancel", "Cancel the current action"),
    ],
}


async def set_bot_commands(bot: Bot) -> None:
    scope = BotCommandScopeDefault()
    for language, commands in COMMANDS.items():
        await bot.set_my_commands(
            [BotCommand(command=name, description=text) for name, text in commands],
            scope=scope,
            language_code=None if language == "ru" else language,
        )
