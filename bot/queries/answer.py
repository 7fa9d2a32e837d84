"""Which measures a Query asks for, from plain items the storage side loads.

Pure: the caller loads occurrences (one per window of a measure) into MeasureItem and passes
"today" and who "me" is; nothing here touches the database or Telegram.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from rapidfuzz import fuzz

from bot.queries import periods as P
from bot.queries.model import ME, Query
from bot.queries.morph import fold, lemma
from bot.queries.topics import TOPIC_ALIASES, abbreviations_for, expansions

STATUSES = ("open", "done", "partial", "postponed", "not_done")


@dataclass
class MeasureItem:
    occurrence_id: int
    measure_id: int
    number: str | None
    title: str
    section: str | None
    window_start: date
    due: date
    status: str  # one of STATUSES
    persons: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    unclear: bool = False  # the deadline is still to be set: a span over the plan period


@dataclass
class Selection:
    items: list[MeasureItem]
    groups: list[tuple[date, list[MeasureItem]]]  # by due date, earliest first
    nearest_period_hint: tuple[date, date] | None = None  # only when items is empty

    @property
    def empty(self) -> bool:
        return not self.items


# ---------------------------------------------------------------------------------------------
# Matching helpers

_WORD_RE = re.compile(r"[a-zа-яё]+", re.IGNORECASE)


@lru_cache(maxsize=16384)
def _surnames_in(person: str) -> frozenset[str]:
    """Folded words of a responsible-person string that can be a surname ("Бобров Б.Б.")."""
    return frozenset(fold(w) for w in _WORD_RE.findall(person) if len(w) > 2)


@lru_cache(maxsize=4096)
def _masc_stem(surname: str) -> str:
    """Бобров for both Бобров and Боброва: used only when no exact surname matched."""
    word = fold(surname)
    if word.endswith(("ова", "ева", "ина", "ына")):
        return word[:-1]
    if word.endswith(("ая", "ий", "ый", "ой")):
        return word[:-2]
    return word


def _me_matches(item: MeasureItem, me: str | None, my_units: Sequence[str]) -> bool:
    # "me" is a full "Фамилия И.О."; its surname is what the persons column shares with it.
    surname = _own_surname(me) if me else None
    if surname and any(surname in _surnames_in(p) for p in item.persons):
        return True
    units = {fold(u).strip() for u in my_units if u.strip()}
    return any(fold(u).strip() in units for u in item.units)


def _own_surname(name: str) -> str | None:
    words = name.replace(",", " ").split()
    named = [w for w in words if "." not in w and len(w) > 2]
    if not named:
        return None
    return fold(named[-1] if "." in words[0] else named[0])


def _person_matches(item: MeasureItem, surname: str, *, loose: bool) -> bool:
    target = fold(surname)
    if not loose:
        return any(target in _surnames_in(p) for p in item.persons)
    stem = _masc_stem(target)
    return any(_masc_stem(w) == stem for p in item.persons for w in _surnames_in(p))


def _number_matches(item: MeasureItem, number: str) -> bool:
    if not item.number:
        return False
    own = item.number.strip().strip(".")
    wanted = number.strip().strip(".")
    return own == wanted or own.startswith(wanted + ".")


@lru_cache(maxsize=16384)
def _title_lemmas(text: str) -> tuple[str, ...]:
    # The word as written too: pymorphy guesses odd lemmas for abbreviations ("ШНОР" → "шнора").
    words = [fold(w) for w in _WORD_RE.findall(text)]
    return tuple(dict.fromkeys(x for w in words for x in (lemma(w), w)))


def _word_matches(wanted: str, lemmas: Sequence[str]) -> bool:
    abbreviation = wanted in TOPIC_ALIASES
    for have in lemmas:
        if have == wanted:
            return True
        if len(wanted) >= 5 and len(have) >= 5 and not abbreviation:
            # Derived forms share a long stem: профориентация ~ профориентационный.
            common = max(len(wanted) - 3, 4)
            if have.startswith(wanted[:common]) or fuzz.ratio(wanted, have) >= 85:
                return True
    return False


def _topic_matches(item: MeasureItem, topic: str) -> bool:
    lemmas = _title_lemmas(item.title) + _title_lemmas(item.section or "")
    words = topic.split()
    # Written out ("проверочные работы"), the topic also finds its abbreviation ("ВПР").
    for abbreviation in abbreviations_for(set(words)):
        if abbreviation in lemmas:
            return True
    return all(_word_or_alias(word, lemmas) for word in words)


def _word_or_alias(word: str, lemmas: Sequence[str]) -> bool:
    """A word of the topic in the title, or an abbreviation written out ("ВПР" finds
    «всероссийских проверочных работ», "ГИА" finds «ОГЭ»)."""
    if _word_matches(word, lemmas):
        return True
    present = set(lemmas)
    return any(set(phrase) <= present for phrase in expansions(word))


# Up to this many days a period is "short" (a week, a few days, a day): it lists what is due
# or opens in it, not every long window that merely runs through it.
SHORT_PERIOD_DAYS = 14


def _in_period(item: MeasureItem, start: date, end: date) -> bool:
    if (end - start).days < SHORT_PERIOD_DAYS:
        return start <= item.due <= end or start <= item.window_start <= end
    return item.window_start <= end and item.due >= start


def is_short(start: date, end: date) -> bool:
    return (end - start).days < SHORT_PERIOD_DAYS


def _status_matches(item: MeasureItem, status: str, today: date) -> bool:
    if status == "overdue":
        return item.due < today and item.status != "done"
    if status == "done":
        return item.status == "done"
    if status == "open":
        return item.status != "done"
    return True


# ---------------------------------------------------------------------------------------------


def select_items(
    query: Query,
    items: Sequence[MeasureItem],
    *,
    today: date,
    me: str | None,
    my_units: Sequence[str] = (),
) -> Selection:
    """Apply the query's person, number, topic, period and status to the items."""
    chosen = _without_period(query, items, today=today, me=me, my_units=my_units)
    if query.status_filter:
        chosen = [i for i in chosen if _status_matches(i, query.status_filter, today)]
    if query.period_start and query.period_end:
        start, end = query.period_start, query.period_end
        in_period = [i for i in chosen if _in_period(i, start, end)]
    else:
        in_period = chosen
    in_period.sort(key=lambda i: (i.due, _number_key(i.number), i.occurrence_id))
    groups: dict[date, list[MeasureItem]] = {}
    for item in in_period:
        groups.setdefault(item.due, []).append(item)
    hint = None
    if not in_period and query.period_start and query.period_end:
        # Suggest where this person's items are: status is left out so the hint is never empty
        # only because everything there is already done.
        everything = _without_period(query, items, today=today, me=me, my_units=my_units)
        hint = _nearest_month(everything, query)
    return Selection(in_period, list(groups.items()), hint)


def _without_period(
    query: Query, items: Sequence[MeasureItem], *, today: date, me: str | None,
    my_units: Sequence[str],
) -> list[MeasureItem]:  # fmt: skip
    chosen = list(items)
    if query.person == ME:
        chosen = [i for i in chosen if _me_matches(i, me, my_units)]
    elif query.person:
        exact = [i for i in chosen if _person_matches(i, query.person, loose=False)]
        # The parser may give "Бобров" for a "Боброва" it read in the genitive; only when no
        # one has exactly that surname fall back to the gender-blind stem.
        chosen = exact or [i for i in chosen if _person_matches(i, query.person, loose=True)]
    if query.number:
        chosen = [i for i in chosen if _number_matches(i, query.number)]
    if query.topic:
        chosen = [i for i in chosen if _topic_matches(i, query.topic)]
    return chosen


def _number_key(number: str | None) -> tuple[int, ...]:
    if not number:
        return (10**6,)
    return tuple(int(p) if p.isdigit() else 10**6 for p in number.strip(".").split("."))


def _nearest_month(items: Sequence[MeasureItem], query: Query) -> tuple[date, date] | None:
    assert query.period_start and query.period_end
    start, end = query.period_start, query.period_end
    best: tuple[int, int, tuple[date, date]] | None = None
    for item in items:
        # The month in which the item falls due is the one to suggest.
        month = P.month_period(item.due.year, item.due.month)
        if month[1] < start:
            distance, later = (start - month[1]).days, 1
        elif month[0] > end:
            distance, later = (month[0] - end).days, 0
        else:
            continue
        key = (distance, later, month)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def page_lines(lines: list[str], limit: int = 3500) -> list[str]:
    """Join lines into pages of at most `limit` characters, never cutting a line in two.

    Telegram refuses messages over 4096 characters; 3500 leaves room for a header. A single
    line longer than the limit is the only thing that gets split (at a space when possible).
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        for piece in _split_long(line, limit):
            extra = len(piece) + (1 if current else 0)
            if current and size + extra > limit:
                pages.append("\n".join(current))
                current, size = [], 0
                extra = len(piece)
            current.append(piece)
            size += extra
    if current:
        pages.append("\n".join(current))
    return pages


def _split_long(line: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while len(line) > limit:
        cut = line.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    pieces.append(line)
    return pieces
