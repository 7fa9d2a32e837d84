"""Language: the person's stored choice, then Telegram's language_code, then Russian.

aiogram's `I18n` here reads the catalogues of `bot.i18n` and sets `bot.i18n.LOCALE`, the
one locale variable of the process: `bot.i18n._` (what our code calls) and aiogram's own
`gettext` (what a handler written the aiogram way calls) translate alike.
"""

from __future__ import annotations

from gettext import GNUTranslations
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.i18n import DEFAULT_LOCALE, DOMAIN, LOCALE, LOCALES_DIR, catalogues, normalise_locale


class CatalogueI18n(I18n):
    """aiogram's I18n over `bot.i18n`'s catalogues and locale variable."""

    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        super().__init__(path=locales_dir, default_locale=DEFAULT_LOCALE, domain=DOMAIN)
        self.ctx_locale = LOCALE

    def find_locales(self) -> dict[str, GNUTranslations]:
        return catalogues(self.path)


def build_i18n(locales_dir: Path = LOCALES_DIR) -> CatalogueI18n:
    return CatalogueI18n(locales_dir)


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
