"""Translations (gettext through aiogram's I18n) and Russian-aware date formatting.

Message ids are English; Russian is the default language. Catalogues live in `locales/`;
`make` compiles them, and `build_i18n` compiles any `.po` whose `.mo` is missing or stale,
so a checkout run straight from pytest or the CLI never shows raw msgids.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "ru"
SUPPORTED_LOCALES = ("ru", "en")

__all__ = ["DEFAULT_LOCALE", "SUPPORTED_LOCALES", "_", "__", "build_i18n", "day", "day_short"]


def compile_catalogues(locales_dir: Path = LOCALES_DIR) -> None:
    for po_path in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


def build_i18n(locales_dir: Path = LOCALES_DIR) -> I18n:
    compile_catalogues(locales_dir)
    return I18n(path=locales_dir, default_locale=DEFAULT_LOCALE, domain=DOMAIN)


def normalise_locale(code: str | None) -> str:
    """Telegram sends `ru`, `en-US`, `uk`…; we speak Russian and English."""
    if not code:
        return DEFAULT_LOCALE
    code = code.lower().split("-")[0].split("_")[0]
    return code if code in SUPPORTED_LOCALES else DEFAULT_LOCALE


def day(value: date | datetime, locale: str = DEFAULT_LOCALE) -> str:
    """`17 мая 2024` / `17 May 2024`."""
    return format_date(value, "d MMMM y", locale=locale)


def day_short(value: date | datetime, locale: str = DEFAULT_LOCALE) -> str:
    """`17 мая` / `17 May`: for dates within the current year."""
    return format_date(value, "d MMMM", locale=locale)


def month_year(value: date, locale: str = DEFAULT_LOCALE) -> str:
    """`май 2024` (nominative, standalone) / `May 2024`."""
    return format_date(value, "LLLL y", locale=locale)
