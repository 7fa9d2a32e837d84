"""Questions a municipal coordinator types about the member organisations (pure).

    «какие школы не отчитались по 2.1»  -> OrganisationQuestion("not_reported", number="2.1")
    «что просрочено у СОШ №3»          -> OrganisationQuestion("overdue", organisations=(…,))
    «сводка по СОШ №3»                 -> OrganisationQuestion("summary", organisations=(…,))

Organisations are named as people name them: the short name or a part of the full name,
with or without the legal form (МБОУ), quotes and spaces after «№», inflected («у
Железнодорожной СОШ»). Numbers must match exactly (№2 is not №21).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.records import OrganisationRow

NOT_REPORTED = re.compile(
    r"не\s*(?:отчита|сдал|прислал|предостав|выполн)|без\s+отч[её]т", re.IGNORECASE
)
ABOUT_MEMBERS = re.compile(
    r"\b(?:школ\w*|организаци\w*|оо|ооо|учреждени\w*|сад\w*|кто)\b", re.IGNORECASE
)
SUMMARY = re.compile(
    r"сводк\w*|как\s+(?:дела|ид[её]т|обсто\w*)|исполнени\w*|положени\w*", re.IGNORECASE
)
# The period of a summary («за май», «за 2022 год», «в апреле»): not part of a name.
PERIOD = re.compile(
    r"\b(?:за|в|во|на)\s+(?:(?:этот|прошлый|текущий)\s+)?"
    r"(?:январ|феврал|март|апрел|ма[йяе]|июн|июл|август|сентябр|октябр|ноябр|декабр|"
    r"квартал|полугоди|год|месяц|недел|\d{4})\w*(?:\s+\d{4})?(?:\s+год\w*)?",
    re.IGNORECASE,
)
OVERDUE = re.compile(r"просроч\w*|долг\w*|отста\w*|не\s+сделал\w*|задолж\w*", re.IGNORECASE)
NUMBER = re.compile(r"(?<![\w№.])(\d{1,3}(?:\.\d{1,3})+|\d{1,3})\.?(?![\w.])")

# Words of the question itself, and the legal forms that no one types the same way twice.
_STOP = """
    что как какие какой какая кто где у в во по на за ли есть сейчас уже ещё еще все всё
    просрочено просрочены просрочен просроченные просроченных просрочка просрочки
    долги долг задолженность отстаёт отстает отстают не сделала сделали сделано
    мероприятия мероприятий мероприятие пункты пункт пункту план плану
    школа школы школе школу школой школ организация организации организацию
    учреждение учреждения учреждении
    мбоу маоу мкоу моу мбоо мау мбу мбдоу мадоу мкдоу мдоу мбудо маудо мкудо гбоу гоу оу
    г город города им имени
    я меня мне мой моя мои моё мое нас нам наш наша наши мы
    сводка сводку сводки дела дело идет идёт исполнение исполнения выполнение покажи дай
    положение обстоят обстоит
"""
STOP_WORDS = frozenset(_STOP.split())
_QUOTES = re.compile(r"[«»\"'“”„`()]")
_SIGN = re.compile(r"(?:№|n|#)\s*(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class OrganisationQuestion:
    kind: str  # "not_reported" | "overdue" | "summary" (one organisation's figures)
    number: str | None = None  # a measure number ("2.1"), for not_reported
    named: str | None = None  # the organisation words as typed, for overdue
    organisations: tuple[OrganisationRow, ...] = ()  # the ones it may mean (best first)
    period: str | None = None  # the words of the period asked about («за май»), for summary


def words(text: str) -> list[str]:
    """Lowercase words, «№ 3» as «№3», quotes and punctuation dropped."""
    text = _QUOTES.sub(" ", text.casefold().replace("ё", "е"))
    text = _SIGN.sub(r" №\1 ", text)
    return [w for w in re.split(r"[\s,;:!?]+|(?<!\d)\.(?!\d)", text) if w]


def _distinctive(text: str) -> list[str]:
    """The words that tell organisations apart; a bare number is a «№» one («СОШ 3»)."""
    found = []
    for word in words(text):
        word = word.strip(".")
        if not word or word in STOP_WORDS:
            continue
        found.append(f"№{word}" if word.isdigit() else word)
    return found


def _same(typed: str, word: str) -> bool:
    if typed == word:
        return True
    if any(c.isdigit() for c in typed + word):
        return False
    # Inflected forms: «железнодорожной» is «железнодорожная».
    common = 0
    for a, b in zip(typed, word, strict=False):
        if a != b:
            break
        common += 1
    return common >= 4 and common >= min(len(typed), len(word)) - 3


def _covers(typed: Sequence[str], name: str) -> bool:
    own = _distinctive(name)
    return bool(typed) and all(any(_same(t, w) for w in own) for t in typed)


def match_organisations(
    typed: str, organisations: Sequence[OrganisationRow]
) -> list[OrganisationRow]:
    """The organisations the typed words name: every distinctive typed word is in the short
    or the full name. An exact short name wins over partial matches."""
    wanted = _distinctive(typed)
    if not wanted:
        return []
    folded = " ".join(wanted)
    exact = [
        o
        for o in organisations
        if folded in (" ".join(_distinctive(o.short_name or "")), " ".join(_distinctive(o.name)))
    ]
    if exact:
        return exact
    return [
        o
        for o in organisations
        if _covers(wanted, o.name) or (o.short_name is not None and _covers(wanted, o.short_name))
    ]


def _named_part(text: str) -> str:
    """The words after «у»/«в» (what the organisation is called), else the whole text."""
    found = re.search(r"(?:^|\s)(?:у|в|во)\s+(.+)$", text, re.IGNORECASE)
    return found.group(1) if found else text


def parse_organisation_question(
    text: str, organisations: Sequence[OrganisationRow]
) -> OrganisationQuestion | None:
    """The question about member organisations in `text`, or None when it is not one."""
    if not text or text.startswith("/") or not organisations:
        return None
    if NOT_REPORTED.search(text) and ABOUT_MEMBERS.search(text):
        numbers = NUMBER.findall(text)
        return OrganisationQuestion("not_reported", number=numbers[-1] if numbers else None)
    if SUMMARY.search(text) and not OVERDUE.search(text):
        # «сводка по СОШ №3», «как дела у Железнодорожной СОШ»: only when one is named.
        named = _named_part(PERIOD.sub(" ", SUMMARY.sub(" ", text))).strip(" ?.!")
        found = match_organisations(named, organisations)
        if found:
            period = PERIOD.search(text)
            return OrganisationQuestion(
                "summary",
                named=named,
                organisations=tuple(found),
                period=period.group(0) if period else None,
            )
        return None
    if OVERDUE.search(text):
        named = _named_part(OVERDUE.sub(" ", text)).strip(" ?.!")
        found = match_organisations(named, organisations)
        if found:
            return OrganisationQuestion("overdue", named=named, organisations=tuple(found))
        if re.search(r"(?:^|\s)у\s+\S", text, re.IGNORECASE) and _distinctive(named):
            # «что просрочено у Ромашки»: an organisation was meant, none is called so.
            return OrganisationQuestion("overdue", named=named)
    return None


__all__ = [
    "OrganisationQuestion",
    "match_organisations",
    "parse_organisation_question",
    "words",
]
