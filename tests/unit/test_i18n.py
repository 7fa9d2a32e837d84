"""Every Russian string is translated, plurals are Russian, dates read as Russians write them."""

from __future__ import annotations

from datetime import date

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, build_i18n, day, normalise_locale


def _catalog(locale: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as stream:
        return read_po(stream, locale=locale)


def test_russian_catalogue_is_complete() -> None:
    catalog = _catalog("ru")
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (
            not message.string
            or (isinstance(message.string, tuple) and not all(message.string))
            or message.fuzzy
        )
    ]
    assert untranslated == []
    assert catalog.num_plurals == 3


def test_catalogue_covers_the_template() -> None:
    with (LOCALES_DIR / "messages.pot").open("rb") as stream:
        template = read_po(stream)
    ru = _catalog("ru")
    missing = [m.id for m in template if m.id and m.id not in ru]
    assert missing == []


@pytest.mark.parametrize(
    ("n", "word"),
    [
        (1, "мероприятие"),
        (2, "мероприятия"),
        (5, "мероприятий"),
        (21, "мероприятие"),
        (11, "мероприятий"),
    ],
)
def test_russian_plural_forms(n: int, word: str) -> None:
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("ru"):
        text = i18n.gettext("{n} measure", "{n} measures", n).format(n=n)
    assert text == f"{n} {word}"


def test_dates_in_russian() -> None:
    assert day(date(2024, 5, 17)) == "17 мая 2024"
    assert day(date(2024, 5, 17), "en") == "17 May 2024"


@pytest.mark.parametrize(
    ("code", "expected"), [("ru", "ru"), ("en-US", "en"), ("uk", "ru"), (None, "ru")]
)
def test_locale_normalisation(code: str | None, expected: str) -> None:
    assert normalise_locale(code) == expected


def _placeholders(text: str) -> set[str]:
    import re

    return set(re.findall(r"\{(\w*)\}", text))


def test_translations_keep_placeholders_and_plural_forms() -> None:
    problems = []
    for message in _catalog("ru"):
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        forms = list(message.string) if isinstance(message.string, tuple) else [message.string]
        if isinstance(message.id, tuple) and len(forms) != 3:
            problems.append(f"needs three plural forms: {msgid!r}")
        wanted = _placeholders(msgid)
        if isinstance(message.id, tuple):
            wanted |= _placeholders(message.id[1])
        for form in forms:
            if _placeholders(form) != wanted and not (
                isinstance(message.id, tuple) and _placeholders(form) <= wanted
            ):
                problems.append(f"placeholders differ: {msgid!r} -> {form!r}")
    assert problems == []
