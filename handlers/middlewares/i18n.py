"""Language: the person's stored choice, then Telegram's language_code, then Russian."""

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18nMiddleware

from bot.i18n import normalise_locale


class PersonI18nMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        if data.get("person_language"):
            return normalise_locale(data["person_language"])
        user: User | None = data.get("event_from_user")
        if user is not None and user.language_code:
            return normalise_locale(user.language_code)
        if data.get("organisation_language"):
            return normalise_locale(data["organisation_language"])
        return self.i18n.default_locale
