"""Responsible cells → persons ("Фамилия И.О.") and units ("МОУО", "ГБУ КО «РЦО»", ...).

A `PeopleIndex` sees every responsible cell of a document first (`add`), then `finish()` learns
what the document as a whole says: which unit names it uses (from its comma-separated cells),
which surname a case form stands for (Воропаевой Е.В. → Воропаева Е.В. when the document names
Воропаева Е.В.), and which rare names are recognition typos of frequent ones (Изогова А.И. next
to many Изотова А.И.). `resolve(cell)` then gives the persons and units of one cell.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from bot.morph import parses as morph_parses
from bot.roadmap.textnorm import fold
from bot.roadmap.units import KNOWN_UNITS as UNIT_DICTIONARY
from bot.roadmap.units import plural_people, unit_key

# Unit names many roadmaps of the field use (bot.roadmap.units); a document adds its own.
KNOWN_UNITS: tuple[str, ...] = UNIT_DICTIONARY

_SURNAME = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
_SURNAME_FIRST = re.compile(
    rf"(?<![А-Яа-яЁё])({_SURNAME})\s+([А-ЯЁ])\.\s*(?:([А-ЯЁ])(?:\.|(?![а-яё])))?"
)
_INITIALS_FIRST = re.compile(rf"(?<![А-Яа-яЁё])([А-ЯЁ])\.\s*([А-ЯЁ])\.\s*({_SURNAME})(?![а-яё])")
# Capitalised words that look like a surname before initials but are not people.
_NOT_SURNAMES = {"приказ", "отдел", "комитет", "управление", "министерство", "департамент"}

_POSITION_STEMS = (
    "заместител",
    "зам.",
    "зам ",
    "директор",
    "советник",
    "специалист",
    "методист",
    "учител",
    "педагог",
    "начальник",
    "заведующ",
    "главн",
    "ведущ",
    "старш",
    "инспектор",
    "эксперт",
    "председател",
    "секретар",
    "координатор",
    "психолог",
    "логопед",
    "классн",
    "руководитель",
    "советники",
)
_ABBREV_TOKEN = re.compile(r"^[«\"]?[A-ZА-ЯЁ0-9][A-ZА-ЯЁ0-9\-]*[a-zа-яё]?[A-ZА-ЯЁ0-9]*[»\"]?$")
_OBLIQUE_ENDINGS = ("ой", "ою", "ому", "ым", "ом", "ему", "им", "ого", "у", "ю", "ых", "ей")


@dataclass(frozen=True)
class NameMention:
    surname: str  # as printed, e.g. "Воропаевой"
    initials: str  # "Е.В."
    start: int
    end: int


@dataclass
class CellParts:
    names: list[NameMention] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)  # non-name text, split at commas/names
    # "(далее - РЦОКО)": the short name a unit is given for the rest of the document.
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (short name, unit)
    leading: int = 0  # how many segments come before the first name


def _key(surname: str) -> str:
    return surname.lower().replace("ё", "е")


def _display_surname(surname: str) -> str:
    return "-".join(part[:1].upper() + part[1:].lower() for part in surname.split("-"))


def format_person(surname: str, initials: str) -> str:
    return f"{_display_surname(surname)} {initials}"


def find_names(text: str) -> list[NameMention]:
    """Person names in a cell, either order ("Бобров В.С." / "С.А. Заварина"), no overlaps."""
    found: list[NameMention] = []
    for m in _SURNAME_FIRST.finditer(text):
        if _key(m.group(1)) in _NOT_SURNAMES:
            continue
        initials = m.group(2) + "." + (m.group(3) + "." if m.group(3) else "")
        found.append(NameMention(m.group(1), initials, m.start(), m.end()))
    for m in _INITIALS_FIRST.finditer(text):
        if _key(m.group(3)) in _NOT_SURNAMES:
            continue
        found.append(NameMention(m.group(3), f"{m.group(1)}.{m.group(2)}.", m.start(), m.end()))
    found.sort(key=lambda n: (n.start, -(n.end - n.start)))
    result: list[NameMention] = []
    end = -1
    for n in found:
        if n.start >= end:
            result.append(n)
            end = n.end
    return result


_FURTHER = re.compile(r"\(\s*далее\s*[-–—:]?\s*([^()]{1,80}?)\s*\)", re.IGNORECASE)


def _strip_segment(seg: str) -> str:
    """Punctuation around a segment, and brackets only when they are left unmatched
    ("… в сфере образования (ОИВ)" keeps its brackets)."""
    seg = seg.strip(" .:-–—")
    while seg.startswith("(") and seg.count("(") > seg.count(")"):
        seg = seg[1:].strip(" .:-–—")
    while seg.endswith(")") and seg.count(")") > seg.count("("):
        seg = seg[:-1].strip(" .:-–—")
    return seg


def split_cell(text: str) -> CellParts:
    flat = fold(text)
    names = find_names(flat)
    segments: list[str] = []
    aliases: list[tuple[str, str]] = []
    leading = 0
    pos = 0
    pieces = []
    for n in names:
        pieces.append(flat[pos : n.start])
        pos = n.end
    pieces.append(flat[pos:])
    for index, piece in enumerate(pieces):
        for position, seg in enumerate(re.split(r"[,;\n]+", piece)):
            further = _FURTHER.search(seg)
            if further:
                seg = (seg[: further.start()] + seg[further.end() :]).strip()
            seg = _strip_segment(seg)
            if not seg or not re.search(r"[A-Za-zА-Яа-яЁё]", seg):
                continue
            if segments and (index or position) and _QUALIFIER.match(seg):
                # ", имеющие необъективные признаки" qualifies the unit before it.
                segments[-1] = f"{segments[-1]}, {seg}"
                continue
            segments.append(seg)
            if names and index == 0:
                leading = len(segments)
            if further:
                short = further.group(1).strip(" «»\"'-–—")
                if short:
                    aliases.append((short, seg))
    return CellParts(names, segments, aliases, leading)


_QUALIFIER = re.compile(r"^(?:[а-яё]*(?:ющ|ящ|ущ|ащ|вш)(?:ие|ий|ая|ее|их|им)\b|котор)")


def is_position(segment: str) -> bool:
    low = segment.lower().replace("ё", "е")
    return low.startswith(_POSITION_STEMS)


def _normalise_unit(segment: str) -> str:
    seg = fold(segment)
    seg = re.sub(r"\"([^\"]*)\"", r"«\1»", seg)
    seg = re.sub(r"\s*«\s*", " «", seg).replace(" »", "»").strip()
    seg = re.sub(r"\s+", " ", seg)
    if seg[:1].islower():
        seg = seg[0].upper() + seg[1:]
    return seg


def _is_run(tokens: list[str]) -> bool:
    return len(tokens) > 1 and all(_ABBREV_TOKEN.match(t) for t in tokens)


@functools.cache
def nominative_candidates(surname: str) -> tuple[str, ...]:
    """Nominative forms a surname may stand for; the word itself when it may already be one."""
    word = _key(surname)
    if "-" in word:
        parts = [nominative_candidates(p) for p in word.split("-")]
        return ("-".join(p[0] for p in parts),)
    if not word.endswith(_OBLIQUE_ENDINGS):
        # "-а" forms (Воропаева) are read as feminine nominatives, never as masculine genitives.
        return (word,)
    parses = [p for p in morph_parses(word) if "Surn" in p.tag]
    if not parses or any("nomn" in p.tag for p in parses):
        return (word,)
    out: list[str] = []
    for p in parses:
        form = p.inflect({"nomn", "sing"})
        if form is not None and form.word not in out:
            out.append(form.word.replace("ё", "е"))
    return tuple(out) or (word,)


class PeopleIndex:
    def __init__(self) -> None:
        self._cells: list[CellParts] = []
        self._learned: Counter[str] = Counter()
        self._units: dict[str, str] = {}  # unit key (see unit_key) -> the unit as written
        self._max_len = 1
        self._person: dict[tuple[str, str], str] = {}  # (surname key, initials) -> display
        self._unit_alias: dict[str, str] = {}  # unit key -> the unit it stands for
        self.joins: list[str] = []
        # Unit runs split and quotes repaired: "МКУ Управление образования» ММО → …; ММО".
        self.unit_joins: list[str] = []
        self._reported: set[str] = set()

    def add(self, text: str) -> CellParts:
        parts = split_cell(text)
        self._cells.append(parts)
        return parts

    # ---- learning -------------------------------------------------------------------------
    def finish(self) -> None:
        self._learn_units()
        self._learn_persons()
        self._learn_unit_typos()

    def _learn_units(self) -> None:
        for unit in KNOWN_UNITS:
            self._add_unit(unit)
        # Segments of comma-separated cells name whole units ("МО КО, ГБУ ДО КО КОИРО, МОУО").
        candidates: list[str] = []
        for parts in self._cells:
            if len(parts.segments) >= 2:
                candidates.extend(
                    s for s in parts.segments if not is_position(s) and _is_run(s.split())
                )
        # Longest first, so that a candidate made only of other candidates is not learned.
        for cand in sorted(set(candidates), key=lambda c: -len(c.split())):
            tokens = _normalise_unit(cand).split()
            others = [c for c in candidates if c != cand]
            if self._splits_fully(tokens, others):
                continue
            self._add_unit(_normalise_unit(cand))
        # Worded units a cell names on its own or between commas ("Библиотекарь", "Учитель
        # физической культуры") are learned too, unless they hold a known unit after their
        # start (then they are several units run together: "Кл. руководители Организатор").
        for parts in self._cells:
            for position, seg in enumerate(parts.segments):
                if parts.names and is_position(seg) and not _is_group(seg, parts, position):
                    continue
                unit = _normalise_unit(seg)
                tokens = unit.split()
                if _is_run(tokens) or len(self._boundaries(tokens)) > 1:
                    continue
                self._add_unit(unit)
        # "(далее - РЦОКО)": the short name stands for the unit from now on.
        for parts in self._cells:
            for short, unit in parts.aliases:
                full = self._known_form(_normalise_unit(unit)) or _normalise_unit(unit)
                self._unit_alias[unit_key(short)] = full

    def _splits_fully(self, tokens: list[str], others: list[str]) -> bool:
        known = {_tokens_key(_normalise_unit(o).split()) for o in others} | set(self._units)
        n = len(tokens)
        reach = [False] * (n + 1)
        reach[0] = True
        for i in range(n):
            if not reach[i]:
                continue
            for j in range(i + 1, n + 1):
                if (j - i < n) and _tokens_key(tokens[i:j]) in known:
                    reach[j] = True
        return reach[n]

    def _add_unit(self, unit: str) -> None:
        tokens = unit.split()
        key = _tokens_key(tokens)
        if key not in self._units:
            self._units[key] = unit
        self._max_len = max(self._max_len, len(tokens))

    def _known_form(self, unit: str) -> str | None:
        return self._units.get(_tokens_key(unit.split()))

    def _match_at(self, tokens: list[str], i: int) -> int:
        """How many tokens from i form the longest known unit (0 for none)."""
        for size in range(min(self._max_len, len(tokens) - i), 0, -1):
            if _tokens_key(tokens[i : i + size]) in self._units:
                return size
        return 0

    def _boundaries(self, tokens: list[str]) -> list[int]:
        """Where the units of a run-together segment start: at a known unit that begins with
        a capital (not right after a lowercase word it would belong to, as in "руководители
        ОО"), and at a capitalised word right after a known unit."""
        starts = [0]
        i = 0
        while i < len(tokens):
            size = self._match_at(tokens, i)
            if size and i > 0 and _capital(tokens[i]) and not _lower_word(tokens[i - 1]):
                starts.append(i)
            if size:
                end = i + size
                if end < len(tokens) and _capital(tokens[end]) and end not in starts:
                    starts.append(end)
                i = end
            else:
                i += 1
        return sorted(set(starts))

    def _learn_persons(self) -> None:
        nominative: Counter[tuple[str, str]] = Counter()
        oblique: list[NameMention] = []
        spelled: dict[tuple[str, str], Counter[str]] = {}
        for parts in self._cells:
            for n in parts.names:
                cands = nominative_candidates(n.surname)
                if cands == (_key(n.surname),):
                    k = (cands[0], n.initials)
                    nominative[k] += 1
                    spelled.setdefault(k, Counter())[_display_surname(n.surname)] += 1
                else:
                    oblique.append(n)
        for n in oblique:
            cands = nominative_candidates(n.surname)
            chosen = next((c for c in cands if (c, n.initials) in nominative), cands[0])
            k = (chosen, n.initials)
            nominative[k] += 1
            spelled.setdefault(k, Counter())[_display_surname(chosen)] += 1
            note = (
                f"{format_person(n.surname, n.initials)} → {format_person(chosen, n.initials)}"
                " (case form)"
            )
            if note not in self.joins:
                self.joins.append(note)
            self._person[(_key(n.surname), n.initials)] = format_person(chosen, n.initials)
        # Display form of each person: the spelling printed most often (ё kept if usual).
        display = {k: f"{c.most_common(1)[0][0]} {k[1]}" for k, c in spelled.items()}
        for k in nominative:
            display.setdefault(k, format_person(k[0], k[1]))
        # Typos: a rarer surname one letter away from a more frequent one, same initials.
        target: dict[tuple[str, str], tuple[str, str]] = {}
        keys = sorted(nominative, key=lambda k: -nominative[k])
        for rare in keys:
            for common in keys:
                if common == rare or common[1] != rare[1] or common in target:
                    continue
                if nominative[common] <= nominative[rare] or len(rare[0]) < 4:
                    continue
                if Levenshtein.distance(common[0], rare[0]) == 1:
                    target[rare] = common
                    self.joins.append(
                        f"{display[rare]} → {display[common]} (probable typo: "
                        f"{nominative[rare]} mention(s) against {nominative[common]})"
                    )
                    break
        for k in nominative:
            final = target.get(k, k)
            self._person[k] = display[final]
        for (surname_key, initials), shown in list(self._person.items()):
            chosen_key = (_key(shown.split(" ")[0]), initials)
            if chosen_key in target:
                self._person[(surname_key, initials)] = display[target[chosen_key]]

    def _learn_unit_typos(self) -> None:
        counts: Counter[str] = Counter()
        for parts in self._cells:
            for unit in self._units_of(parts):
                counts[unit] += 1
        names = sorted(counts, key=lambda u: -counts[u])
        for rare in names:
            if len(rare) < 8:
                continue
            for common in names:
                if common == rare or counts[common] <= counts[rare] or len(common) < 8:
                    continue
                if Levenshtein.distance(common, rare) == 1:
                    self._unit_alias[rare] = common
                    self.joins.append(
                        f"{rare} → {common} (probable typo: {counts[rare]} mention(s) "
                        f"against {counts[common]})"
                    )
                    break

    # ---- resolving ------------------------------------------------------------------------
    def person(self, n: NameMention) -> str:
        k = (_key(n.surname), n.initials)
        if k in self._person:
            return self._person[k]
        cands = nominative_candidates(n.surname)
        return format_person(cands[0], n.initials)

    def _split_run(self, tokens: list[str]) -> list[str]:
        """Longest match over known/learned units; unknown tokens between them form one unit."""
        out: list[str] = []
        buffer: list[str] = []
        i = 0
        while i < len(tokens):
            size = self._match_at(tokens, i)
            if size:
                if buffer:
                    out.append(" ".join(buffer))
                    buffer = []
                out.append(self._units[_tokens_key(tokens[i : i + size])])
                i += size
            else:
                buffer.append(tokens[i])
                i += 1
        if buffer:
            out.append(" ".join(buffer))
        return out

    def _split_worded(self, tokens: list[str]) -> list[str]:
        """A segment of worded units run together, cut at its boundaries."""
        cuts = [*self._boundaries(tokens), len(tokens)]
        out = []
        for a, b in itertools.pairwise(cuts):
            piece = tokens[a:b]
            out.append(self._units.get(_tokens_key(piece)) or " ".join(piece))
        return out

    def _units_of(self, parts: CellParts, report: bool = False) -> list[str]:
        units: list[str] = []
        for position, seg in enumerate(parts.segments):
            if parts.names and is_position(seg) and not _is_group(seg, parts, position):
                continue  # a position describes the named people; it is not an assignee
            unit = _normalise_unit(seg)
            tokens = unit.split()
            whole = self._known_form(unit)
            if whole is not None:
                found = [whole]
            elif _is_run(tokens):
                found = self._split_run(tokens)
            else:
                found = self._split_worded(tokens)
            found = [self._unit_alias.get(unit_key(u), u) for u in found]
            found = [self._unit_alias.get(u, u) for u in found]
            if report and found != [unit]:
                self._report(f"{unit} → {'; '.join(found)}")
            for u in found:
                if u not in units:
                    units.append(u)
        return units

    def _report(self, note: str) -> None:
        if note not in self._reported:
            self._reported.add(note)
            self.unit_joins.append(note)

    def resolve(self, parts: CellParts) -> tuple[list[str], list[str]]:
        persons: list[str] = []
        for n in parts.names:
            p = self.person(n)
            if p not in persons:
                persons.append(p)
        return persons, self._units_of(parts, report=True)


def _tokens_key(tokens: list[str] | tuple[str, ...]) -> str:
    return unit_key(" ".join(tokens))


def _capital(token: str) -> bool:
    bare = token.lstrip('«"(')
    return bare[:1].isupper()


def _lower_word(token: str) -> bool:
    return token[:1].islower() and token.isalpha()


def _is_group(segment: str, parts: CellParts, position: int) -> bool:
    """A plural group after a person is a unit of its own ("Иванов И.И., классные
    руководители"); "заместители директора" after a list of names describes them."""
    low = segment.lower().replace("ё", "е")
    if len(parts.names) >= 2 and low.startswith(("заместител", "зам.", "зам ")):
        return False
    return plural_people(segment, strict=position < parts.leading)


def normalise_person(text: str) -> str | None:
    """One name on its own ("Воропаевой Е. В.") → "Воропаева Е.В."; None when there is none."""
    names = find_names(fold(text))
    if not names:
        return None
    n = names[0]
    return format_person(nominative_candidates(n.surname)[0], n.initials)
