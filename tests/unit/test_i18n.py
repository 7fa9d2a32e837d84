"""Every Russian string is translated, plurals are Russian, dates read as Russians write them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.messages import extract
from babel.messages.catalog import Catalog
from babel.messages.frontend import parse_keywords
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, day, normalise_locale
from handlers.middlewares.i18n import build_i18n

ROOT = LOCALES_DIR.parent


def _catalog(locale: str) -> Catalog:
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
    missing = [m.id for m in template if m.id and ru.get(m.id, context=m.context) is None]
    assert missing == []


def test_template_holds_every_text_of_the_code() -> None:
    """Every msgid the code uses (messages, summaries, charts, documents, the command menu)
    is in the template, so the tests above see it: extracted as `make locales-extract`
    does, with the keywords of the Makefile."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    keywords = parse_keywords(re.findall(r"-k (\S+)", makefile))
    with (LOCALES_DIR / "messages.pot").open("rb") as stream:
        template = read_po(stream)
    found = []
    for pattern in ("bot/**/*.py", "handlers/**/*.py"):
        for path in sorted(ROOT.glob(pattern)):
            for _line, message, _comments, context in extract.extract_from_file(
                "python", path, keywords=keywords
            ):
                msgid = message[0] if isinstance(message, tuple) else message
                if msgid and template.get(msgid, context=context) is None:
                    found.append((str(path.relative_to(ROOT)), context, msgid))
    assert found == [], "run `make locales-update` and translate"


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
