"""Translations: one gettext catalogue for every user-visible word, and the locale in force.

Message ids are English; Russian is the default language. The catalogues live in
`locales/`; `make` compiles them, and `catalogues()` compiles any `.po` whose `.mo` is
missing or stale, so a checkout run straight from pytest or the CLI never shows raw msgids.

This module is pure (no aiogram): summaries, charts and documents translate through it
too. The locale in force is a context variable, set with `use_locale(...)`; aiogram's
`I18n` (built in `handlers.i18n`) shares that same variable and these same catalogues, so
the language middleware, the handlers and the pure modules always agree:

    with use_locale("en"):
        content = plan_xlsx(plan, today)   # an English document

Dates go through Babel (`day`, `day_short`, `month_year`), plural forms through
`ngettext` with the catalogue's plural rule (three forms in Russian).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from gettext import GNUTranslations
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy

# In the source tree and in an installed wheel alike, `locales` sits next to `bot`.
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "ru"
SUPPORTED_LOCALES = ("ru", "en")

# The one locale variable of the process: aiogram's I18n is given this very variable.
LOCALE: ContextVar[str] = ContextVar("roadmap_locale", default=DEFAULT_LOCALE)

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALE",
    "LOCALES_DIR",
    "SUPPORTED_LOCALES",
    "_",
    "__",
    "catalogues",
    "current_locale",
    "day",
    "day_short",
    "month_year",
    "ngettext",
    "normalise_locale",
    "pgettext",
    "use_locale",
]


def compile_catalogues(locales_dir: Path = LOCALES_DIR) -> None:
    """Write the `.mo` of every `.po` that has none or an older one."""
    for po_path in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


@functools.cache
def catalogues(locales_dir: Path = LOCALES_DIR) -> dict[str, GNUTranslations]:
    """The compiled catalogue of each locale found (read once per process)."""
    compile_catalogues(locales_dir)
    found: dict[str, GNUTranslations] = {}
    for mo_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")):
        with mo_path.open("rb") as stream:
            found[mo_path.parent.parent.name] = GNUTranslations(stream)
    return found


def normalise_locale(code: str | None) -> str:
    """Telegram sends `ru`, `en-US`, `uk`…; we speak Russian and English."""
    if not code:
        return DEFAULT_LOCALE
    code = code.lower().replace("-", "_").split("_")[0]
    return code if code in SUPPORTED_LOCALES else DEFAULT_LOCALE


def current_locale() -> str:
    """The locale in force: the user's in a handler, the recipient's in a job."""
    return LOCALE.get()


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Translate in `locale` inside the block (`None` keeps the locale in force)."""
    if locale is None:
        yield current_locale()
        return
    token = LOCALE.set(normalise_locale(locale))
    try:
        yield LOCALE.get()
    finally:
        LOCALE.reset(token)


def _catalogue() -> GNUTranslations | None:
    return catalogues().get(current_locale())


def _(singular: str, plural: str | None = None, n: int = 1) -> str:
    """gettext with aiogram's signature: `_(text)` or `_(one, many, n)`."""
    catalogue = _catalogue()
    if plural is None:
        return catalogue.gettext(singular) if catalogue else singular
    if catalogue is None:
        return singular if n == 1 else plural
    return catalogue.ngettext(singular, plural, n)


def __(singular: str, plural: str | None = None, n: int = 1) -> LazyProxy:
    """Lazy `_`, for texts defined at import time and translated when shown."""
    return LazyProxy(_, singular, plural, n, enable_cache=False)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A msgid whose Russian depends on where it stands (`msgctxt`)."""
    catalogue = _catalogue()
    return catalogue.pgettext(context, message) if catalogue else message


@functools.lru_cache(maxsize=4096)
def _formatted(value: date, pattern: str, locale: str) -> str:
    # Babel takes ~20 us a date; an answer page shows up to ~80 dates, mostly the same few.
    return format_date(value, pattern, locale=locale)


def _day_of(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def day(value: date | datetime, locale: str | None = None) -> str:
    """`17 мая 2024` / `17 May 2024` (in the locale in force unless one is given)."""
    return _formatted(_day_of(value), "d MMMM y", locale or current_locale())


def day_short(value: date | datetime, locale: str | None = None) -> str:
    """`17 мая` / `17 May`: for dates within the current year."""
    return _formatted(_day_of(value), "d MMMM", locale or current_locale())


def month_name(value: date, locale: str | None = None) -> str:
    """`август` (standalone: «что сделано за август?») / `August`."""
    return _formatted(_day_of(value), "LLLL", locale or current_locale())


def month_year(value: date, locale: str | None = None) -> str:
    """`май 2024` (nominative, standalone) / `May 2024`."""
    return _formatted(_day_of(value), "LLLL y", locale or current_locale())
