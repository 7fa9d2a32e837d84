"""Deadline phrases ("ежегодно, июль", "до 31 декабря 2023", ...) → Schedule.

The phrase is read left to right. Words the grammar knows (months, years, "до", "ежегодно",
fixed phrases like "в течение года" or "по запросу") form the understood prefix; from the first
unknown word on, the rest of the phrase is kept as the schedule's note. Phrases that depend on
someone else (on_request markers) are recognised anywhere, and the text from the marker on is the
note. See /work/shared/spec/roadmap-import.md, "Deadline phrases → schedule".

Without a plan period (`plan_period=None`) phrases that need it (ежегодно, постоянно, a bare
month, ...) get no windows and a warning; phrases with their own dates still get windows.

One module (about 900 lines) on purpose: the tokenizer, the grammar and the
window builder are one reading of one phrase.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.roadmap.model import Schedule, ScheduleKind, Window
from bot.roadmap.textnorm import DASHES

PERIOD_UNKNOWN = "plan period unknown: no windows for a phrase that depends on it"

_MONTH_STEMS = (
    ("январ", 1),
    ("феврал", 2),
    ("март", 3),
    ("апрел", 4),
    ("июн", 6),
    ("июл", 7),
    ("август", 8),
    ("сентябр", 9),
    ("октябр", 10),
    ("ноябр", 11),
    ("декабр", 12),
)
_MAY = {"май", "мая", "мае", "маю", "маем"}
MONTH_NAMES_GEN = (
    "",
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "і": 1, "іі": 2}
_NUMBER_WORDS = {"два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5}

# Words that carry no meaning of their own inside a deadline phrase.
_FILLERS = {
    "г",
    "гг",
    "год",
    "года",
    "годы",
    "году",
    "годах",
    "годов",
    "в",
    "во",
    "с",
    "со",
    "и",
    "на",
    "срок",
    "сроки",
    "течение",
    "месяц",
    "месяца",
    "месяце",
    "период",
    "периоде",
    "числа",
}
_PUNCT = set(",.;:()/\\«»\"'")

# Fixed phrases, recognised before single words. Order matters: longer ones first.
_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("SCHOOL", re.compile(r"в\s+течени[еия]\s+(?:всего\s+)?учебн\w*\s+год\w*")),
    (
        "CONT_YEAR",
        re.compile(r"в\s+течени[еия]\s+(?:всего\s+|календарного\s+|текущего\s+)?года\b"),
    ),
    (
        "CONT",
        re.compile(r"на\s+постоянной\s+основе|постоянно|в\s+течени[еия]\s+(?:всего\s+)?периода"),
    ),
    ("DURING", re.compile(r"в\s+течени[еия]")),
    # "1 раз в квартал", "раз в месяц", "2 раза в год".
    ("TWICE_A_YEAR", re.compile(r"(?:два|2)\s+раза\s+в\s+год\w*")),
    ("PER", re.compile(r"(?:(?:один|1)\s+)?раз\s+в\s+(квартал|месяц|год|четверть)\w*")),
    (
        "EVERY_N",
        re.compile(r"(?:один\s+)?раз\s+в\s+(\d+|два|две|три|четыре|пять)\s+(?:год\w*|лет)"),
    ),
    (
        "HALF",
        re.compile(
            r"(?:(?:один|1)\s+)?раз\s+в\s+полгода|ежеполугодн\w*"
            r"|(?:(?:один|1)\s+)?раз\s+в\s+полугоди\w*"
        ),
    ),
    # "до 5 числа каждого месяца", "ежемесячно до 10 числа", "ежемесячно, до 25-го".
    (
        "MDAY",
        re.compile(
            r"(?:до|не\s+позднее|не\s+позже|к)\s+(\d{1,2})\s*(?:-\s*го\b|го\b)?\s*"
            r"(?:-?\s*(?:числа|число)\b)(?:\s+каждого\s+месяца)?"
            r"|(?:до|не\s+позднее|не\s+позже|к)\s+(\d{1,2})\s*-\s*го\b"
        ),
    ),
    ("EVERY_MONTH", re.compile(r"кажд\w+\s+месяц\w*|ежемесячн\w*")),
    # Holidays are events that name a season: "в период летних каникул", "в каникулы".
    (
        "HOLIDAYS",
        re.compile(
            r"(?:(?:в|во)\s+(?:период|дни|время)\s+|во\s+время\s+|на\s+|в\s+)?"
            r"(?:(летн|осенн|зимн|весенн)\w*\s+)?каникул\w*"
            r"|(?:в\s+)?каникулярн\w*\s+период\w*"
        ),
    ),
    (
        "SEASON",
        re.compile(
            r"(?:в\s+)?(летн|осенн|зимн|весенн)\w*\s+период\w*|(летом|осенью|зимой|весной)"
        ),
    ),
    # An event the date depends on: "по итогам ГИА", "после проведения олимпиады".
    (
        "EVENT",
        re.compile(
            r"по\s+итогам|по\s+результатам|по\s+окончании|по\s+завершении|по\s+факту"
            r"|после\s+(?:проведения|окончания|завершения|получения|утверждения|подведения)"
            r"|после|в\s+ходе|в\s+период\s+проведения|в\s+дни\s+проведения"
        ),
    ),
    (
        "ON_REQUEST",
        re.compile(
            r"по\s+(?:мере\s+)?необходимост\w*|по\s+запрос\w*"
            r"|по\s+(?:\w+\s+){0,2}?план\w*|по\s+(?:\w+\s+){0,2}?график\w*"
            r"|согласно\s+(?:\w+\s+){0,2}?(?:план|график|распис|срок)\w*"
            r"|(?:в\s+)?соответстви[иея]\s+с\s+\w+|по\s+согласовани\w*"
            r"|по\s+требовани\w*|по\s+решени\w*|по\s+мере\s+\w+|по\s+указани\w*"
            r"|по\s+сроку\s+\w+|по\s+срокам\s+\w+|в\s+установленн\w+\s+срок\w*"
            r"|в\s+сроки,?\s+установленн\w*|по\s+расписани\w*"
        ),
    ),
    ("UNTIL_END", re.compile(r"(?:до|к)\s+конц[ауе]")),
    ("UNTIL", re.compile(r"не\s+позднее|не\s+позже|до|к")),
    ("THEN", re.compile(r"далее|в\s+дальнейшем|затем")),
)

_TOKEN = re.compile(
    r"\d{1,2}\.\d{1,2}\.\d{2,4}(?!\d)|\d{1,2}\.\d{1,2}\.?(?![\d.])|\d+|[a-zа-яё]+|-|\S",
    re.IGNORECASE,
)
# Season words -> (first month, first day, last month, last day).
SEASONS = {"летн": (6, 1, 8, 31), "осенн": (9, 1, 11, 30), "зимн": (12, 1, 2, 28),
           "весенн": (3, 1, 5, 31), "лет": (6, 1, 8, 31), "осен": (9, 1, 11, 30),
           "зим": (12, 1, 2, 28), "весн": (3, 1, 5, 31)}  # fmt: skip
_SEASON_WORDS = {"летом": "летн", "осенью": "осенн", "зимой": "зимн", "весной": "весенн"}
# School holidays (the usual Russian calendar; schools shift them by a few days).
HOLIDAYS = {"летн": (6, 1, 8, 31), "осенн": (10, 26, 11, 4), "зимн": (12, 29, 1, 8),
            "весенн": (3, 22, 3, 31)}  # fmt: skip


@dataclass
class _Tok:
    kind: str  # MONTH YEAR NUM DATE WORD DASH PUNCT YEARLY QUARTERLY MONTHLY + phrase kinds
    start: int
    end: int
    value: Any = None  # by kind: an int (MONTH, YEAR, NUM), (year, month, day) for a DATE


@dataclass
class _MonthSpan:
    m1: int
    m2: int
    year: int | None = None
    day: int | None = None  # a single day ("15 марта")
    first_day: int | None = None  # a span that starts and ends inside months (holidays)
    last_day: int | None = None


@dataclass
class _Until:
    day: int | None
    month: int | None
    year: int | None
    end_of: bool = False  # "до конца ..."


@dataclass
class _State:
    spans: list[_MonthSpan] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    year_ranges: list[tuple[int, int]] = field(default_factory=list)
    untils: list[_Until] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    every_n: int | None = None
    month_day: int | None = None  # "до 5 числа каждого месяца"
    event_span: tuple[int, int] | None = None  # where "по итогам ГИА" is in the phrase
    ranges: list[Window] = field(default_factory=list)  # "13.10 - 15.10.2014"
    # Day-month ranges without a year ("С 25.04. – 7.05."): (d1, m1, d2, m2).
    yearless_ranges: list[tuple[int, int, int, int]] = field(default_factory=list)
    # "сентябрь 2024 - май 2025": month spans joined by a dash into one window.
    links: list[tuple[_MonthSpan, _MonthSpan]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    recognised: bool = False


def month_of(word: str) -> int | None:
    w = word.lower().replace("ё", "е")
    if w in _MAY:
        return 5
    if len(w) < 3:
        return None
    for stem, number in _MONTH_STEMS:
        if w.startswith(stem):
            return number
    return None


def _normalise(phrase: str) -> str:
    """Same-shape cleanup that keeps character positions meaningful for the note."""
    text = phrase.replace("\n", " ").replace("ё", "е").replace("Ё", "Е")
    text = re.sub(f"[{DASHES}]", "-", text)
    # "с 01.09 по 15.09", "с 1 по 15 мая": "по" between two numbers is a dash.
    text = re.sub(r"(?<=\d)(\.?)\s+по\s+(?=\d)", r"\1 - ", text)
    # Years glued to words ("2022год", "2022г.") become separate tokens.
    text = re.sub(r"(\d{4})(?=[А-Яа-яA-Za-z])", r"\1 ", text)
    text = re.sub(r"(?<=[А-Яа-яA-Za-z])(\d{4})", r" \1", text)
    return re.sub(r"\s+", " ", text).strip()


def _tokenise(text: str) -> list[_Tok]:
    low = text.lower()
    taken = [False] * len(low)
    toks: list[_Tok] = []
    for kind, rx in _PHRASES:
        for m in rx.finditer(low):
            s, e = m.span()
            # Whole words only, and not over a span already taken by a longer phrase.
            if s > 0 and low[s - 1].isalnum():
                continue
            if e < len(low) and low[e].isalnum():
                continue
            if any(taken[s:e]):
                continue
            for i in range(s, e):
                taken[i] = True
            toks.append(_Tok(kind, s, e, next((g for g in m.groups() if g), None)))
    pos = 0
    while pos < len(low):
        if taken[pos] or low[pos].isspace():
            pos += 1
            continue
        token = _TOKEN.match(low, pos)
        if token is None:  # pragma: no cover - _TOKEN matches any non-space character
            pos += 1
            continue
        s, e = token.span()
        # A token must not run into a phrase span.
        for i in range(s, e):
            if taken[i]:
                e = i
                break
        word = low[s:e]
        toks.append(_classify(word, s, e))
        pos = e
    toks.sort(key=lambda t: t.start)
    return toks


def _classify(word: str, s: int, e: int) -> _Tok:
    if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{2,4}", word):
        d, m, y = (int(x) for x in word.split("."))
        if y < 100:
            y += 2000
        return _Tok("DATE", s, e, (y, m, d))
    if re.fullmatch(r"\d{1,2}\.\d{1,2}\.?", word):
        d, m = (int(x) for x in word.rstrip(".").split("."))
        return _Tok("DM", s, e, (None, m, d))
    if word.isdecimal():  # not isdigit: "¹" is a digit int() cannot read
        n = int(word)
        if len(word) == 4 and 1990 <= n <= 2100:
            return _Tok("YEAR", s, e, n)
        return _Tok("NUM", s, e, n)
    if word == "-":
        return _Tok("DASH", s, e)
    if word in _PUNCT:
        return _Tok("PUNCT", s, e)
    month = month_of(word)
    if month is not None:
        return _Tok("MONTH", s, e, month)
    if word.startswith("ежегодн"):
        return _Tok("YEARLY", s, e)
    if word.startswith("ежекварт"):
        return _Tok("QUARTERLY", s, e)
    if word.startswith("ежемесячн"):
        return _Tok("MONTHLY", s, e)
    if word.startswith("квартал"):
        return _Tok("QUARTER", s, e)
    if word.startswith("полугоди"):
        return _Tok("HALFYEAR", s, e)
    if word in _ROMAN:
        return _Tok("ROMAN", s, e, _ROMAN[word])
    if word in _FILLERS:
        return _Tok("FILLER", s, e)
    return _Tok("WORD", s, e)


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _month_window(year: int, m1: int, m2: int) -> Window:
    end_year = year if m2 >= m1 else year + 1  # "сентябрь-май" crosses the new year
    return Window(date(year, m1, 1), date(end_year, m2, _last_day(end_year, m2)))


def _year_window(y1: int, y2: int | None = None) -> Window:
    return Window(date(y1, 1, 1), date(y2 or y1, 12, 31))


def _safe_date(year: int, month: int, day: int, st: _State) -> date:
    last = _last_day(year, month)
    if day > last:
        warning = (
            f"{day} {MONTH_NAMES_GEN[month]} does not exist: clamped to {last} "
            f"{MONTH_NAMES_GEN[month]}"
        )
        if warning not in st.warnings:
            st.warnings.append(warning)
        return date(year, month, last)
    return date(year, month, max(day, 1))


def _read(toks: list[_Tok]) -> tuple[_State, int | None, int | None]:
    """Interpret tokens; return the state, where the note starts and where on_request starts."""
    st = _State()
    note_at: int | None = None
    request_at: int | None = None
    pending: list[_MonthSpan] = []  # month spans waiting for a year that follows them
    last_year: int | None = None
    last_kind = ""  # the kind of the last token that meant something
    link_from: _MonthSpan | None = None
    i = 0
    n = len(toks)

    def kind(j: int) -> str:
        return toks[j].kind if 0 <= j < n else ""

    while i < n:
        t = toks[i]
        k = t.kind
        if k == "ON_REQUEST":
            st.flags.add("on_request")
            request_at = t.start if request_at is None else request_at
            # Everything after the marker is the body of the condition: a note, not dates.
            if i + 1 < n and any(x.kind not in ("PUNCT", "FILLER") for x in toks[i + 1 :]):
                note_at = t.start
            break
        if k in ("FILLER", "PUNCT", "DASH"):
            if k == "DASH" and last_kind == "YEAR" and st.spans and st.spans[-1].year:
                following = next((x.kind for x in toks[i + 1 :] if x.kind != "FILLER"), "")
                if following == "MONTH":
                    link_from = st.spans[-1]
            i += 1
            continue
        last_kind = k
        if k == "YEARLY":
            st.flags.add("yearly")
            if "then" in st.flags:
                st.flags.add("then_yearly")
            st.recognised = True
        elif k == "THEN":
            st.flags.add("then")
        elif k == "QUARTERLY":
            st.flags.add("quarterly")
            st.recognised = True
        elif k == "MONTHLY":
            st.flags.add("monthly")
            st.recognised = True
        elif k == "HALF":
            st.flags.add("half")
            st.recognised = True
        elif k in ("PER", "TWICE_A_YEAR"):
            every = "полугодие" if k == "TWICE_A_YEAR" else str(t.value)
            flag = {"квартал": "quarterly", "четверть": "quarterly", "месяц": "monthly",
                    "год": "yearly", "полугодие": "half"}[every]  # fmt: skip
            st.flags.add(flag)
            st.recognised = True
        elif k == "MDAY":
            st.flags.add("monthly")
            st.month_day = int(str(t.value))
            st.recognised = True
        elif k == "EVERY_MONTH":
            st.flags.add("monthly")
            st.recognised = True
        elif k in ("HOLIDAYS", "SEASON"):
            if k == "HOLIDAYS":
                st.flags.add("event")
            season = _SEASON_WORDS.get(str(t.value), str(t.value)) if t.value else None
            table = HOLIDAYS if k == "HOLIDAYS" else SEASONS
            if season in table:
                m1, d1, m2, d2 = table[season]
                span = _MonthSpan(m1, m2, first_day=d1, last_day=d2)
                st.spans.append(span)
                pending.append(span)
            st.recognised = True
        elif k == "EVENT":
            # "по итогам ГИА", "после проведения олимпиады": the words naming the event are
            # skipped (a month or season after them still counts: "по результатам ВПР, май").
            st.flags.add("event")
            st.recognised = True
            j = i + 1
            while kind(j) in ("WORD", "FILLER", "ROMAN", "NUM", "QUARTER", "HALFYEAR"):
                j += 1
            st.event_span = (t.start, toks[j - 1].end)
            i = j
            continue
        elif k in ("DATE", "DM") and kind(i + 1) == "DASH" and kind(i + 2) in ("DATE", "DM"):
            # A range of days: "13.10 - 15.10.2014", "06.02.2023 - 30.05.2023", "С 25.04. – 7.05.".
            y1, m1, d1 = t.value
            y2, m2, d2 = toks[i + 2].value
            if not (1 <= m1 <= 12 and 1 <= m2 <= 12 and 1 <= d1 <= 31 and 1 <= d2 <= 31):
                note_at = t.start
                break
            if y2 is not None and y1 is None:
                y1 = y2 if (m1, d1) <= (m2, d2) else y2 - 1
            if y1 is not None and y2 is None:
                y2 = y1 if (m1, d1) <= (m2, d2) else y1 + 1
            if y1 is None or y2 is None:
                st.yearless_ranges.append((d1, m1, d2, m2))
            else:
                start = date(y1, m1, min(d1, _last_day(y1, m1)))
                end = date(y2, m2, min(d2, _last_day(y2, m2)))
                st.ranges.append(Window(min(start, end), max(start, end)))
                last_year = y2
            st.recognised = True
            i += 3
            continue
        elif k == "DM":
            _, m, d = t.value
            if not (1 <= m <= 12 and 1 <= d <= 31):
                note_at = t.start
                break
            st.yearless_ranges.append((d, m, d, m))
            st.recognised = True
        elif k in ("SCHOOL", "CONT_YEAR", "CONT"):
            st.flags.add(k.lower())
            st.recognised = True
        elif k == "DURING":
            st.flags.add("during")
        elif k == "EVERY_N":
            raw = str(t.value)
            st.every_n = int(raw) if raw.isdecimal() else _NUMBER_WORDS.get(raw, 3)
            st.recognised = True
        elif k == "YEAR":
            y = int(t.value)
            # A year range "2022-2024" (the dash may stand alone between them).
            j = i + 1
            while kind(j) == "FILLER":
                j += 1
            if kind(j) == "DASH" and kind(j + 1) == "YEAR":
                y2 = int(toks[j + 1].value)
                st.year_ranges.append((min(y, y2), max(y, y2)))
                for span in pending:
                    span.year = min(y, y2)
                pending.clear()
                last_year = min(y, y2)
                i = j + 2
                st.recognised = True
                continue
            st.years.append(y)
            for span in pending:
                span.year = y
            pending.clear()
            last_year = y
            st.recognised = True
        elif k == "MONTH" or (k in ("NUM", "ROMAN") and kind(i + 1) in ("QUARTER", "HALFYEAR")):
            if k != "MONTH":
                number = int(t.value)
                if toks[i + 1].kind == "QUARTER" and 1 <= number <= 4:
                    span = _MonthSpan(3 * number - 2, 3 * number)
                elif toks[i + 1].kind == "HALFYEAR" and number in (1, 2):
                    span = _MonthSpan(1 if number == 1 else 7, 6 if number == 1 else 12)
                else:
                    note_at = t.start
                    break
                i += 2
            else:
                m1 = int(t.value)
                m2 = m1
                j = i + 1
                if kind(j) == "DASH" and kind(j + 1) == "MONTH":
                    m2 = int(toks[j + 1].value)
                    j += 2
                span = _MonthSpan(m1, m2)
                i = j
            st.spans.append(span)
            pending.append(span)
            if link_from is not None:
                st.links.append((link_from, span))
                link_from = None
            st.recognised = True
            continue
        elif (
            k == "NUM"
            and kind(i + 1) == "DASH"
            and kind(i + 2) == "NUM"
            and kind(i + 3) == "MONTH"
            and 1 <= int(str(t.value)) <= int(str(toks[i + 2].value)) <= 31
        ):
            # "с 1 по 15 мая", "1-15 мая": days of one month.
            month = int(toks[i + 3].value)
            d1, d2 = int(str(t.value)), int(str(toks[i + 2].value))
            span = _MonthSpan(month, month, first_day=d1, last_day=d2)
            st.spans.append(span)
            pending.append(span)
            st.recognised = True
            i += 4
            continue
        elif k == "NUM" and kind(i + 1) == "MONTH":
            day = int(t.value)
            month = int(toks[i + 1].value)
            span = _MonthSpan(month, month, day=day)
            st.spans.append(span)
            pending.append(span)
            st.recognised = True
            i += 2
            continue
        elif k == "DATE":
            y, m, d = t.value
            if 1 <= m <= 12 and 1 <= d <= 31:
                st.dates.append(date(y, m, min(d, _last_day(y, m))))
                st.recognised = True
            else:
                note_at = t.start
                break
        elif k in ("UNTIL", "UNTIL_END"):
            # "до [DD] месяца [YYYY]", "до DD.MM.YYYY", "до YYYY", "до конца YYYY года".
            j = i + 1
            while kind(j) in ("FILLER", "PUNCT"):
                j += 1
            until = _Until(None, None, None, end_of=(k == "UNTIL_END"))
            if kind(j) in ("DATE", "DM"):
                y, m, d = toks[j].value
                until = _Until(d, m, y)
                if y is not None:
                    last_year = y
                j += 1
            else:
                if kind(j) == "NUM" and kind(j + 1) == "MONTH":
                    until.day = int(toks[j].value)
                    j += 1
                if kind(j) == "MONTH":
                    until.month = int(toks[j].value)
                    j += 1
                while kind(j) == "FILLER":
                    j += 1
                if kind(j) == "YEAR" and not (kind(j + 1) == "DASH" and kind(j + 2) == "YEAR"):
                    until.year = int(toks[j].value)
                    last_year = until.year
                    j += 1
            if until.month is None and until.year is None and not until.end_of:
                note_at = t.start
                break
            st.untils.append(until)
            st.recognised = True
            i = j
            continue
        else:  # an unknown word (or a stray number): the rest is a note
            note_at = t.start
            break
        i += 1
    # Months with no year after them take the last year mentioned before them.
    for span in pending:
        if span.year is None and last_year is not None:
            span.year = last_year
    return st, note_at, request_at


def _plan_years(period: tuple[int, int] | None) -> list[int]:
    return list(range(period[0], period[1] + 1)) if period else []


def _merge(windows: list[Window]) -> list[Window]:
    """Sort, drop duplicates, and join windows that touch (Dec 2021 + Jan 2022 → one)."""
    out: list[Window] = []
    for w in sorted(set(windows)):
        if out and w.start <= out[-1].due + timedelta(days=1):
            if w.due > out[-1].due:
                out[-1] = Window(out[-1].start, w.due)
            continue
        out.append(w)
    return out


def _span_window(s: _MonthSpan, year: int, st: _State) -> Window:
    if s.day is not None:
        d = _safe_date(year, s.m1, s.day, st)
        return Window(d, d)
    if s.first_day is not None and s.last_day is not None:
        end_year = year if (s.m2, s.last_day) >= (s.m1, s.first_day) else year + 1
        return Window(
            _safe_date(year, s.m1, s.first_day, st),
            date(end_year, s.m2, min(s.last_day, _last_day(end_year, s.m2))),
        )
    return _month_window(year, s.m1, s.m2)


def _span_windows(spans: list[_MonthSpan], year: int, st: _State) -> list[Window]:
    return [_span_window(s, year, st) for s in spans]


class _Plan:
    """The plan period as the deadlines see it: calendar years, or one school year."""

    def __init__(self, period: tuple[int, int] | None, school_year: bool) -> None:
        self.period = period
        self.school = bool(school_year and period and period[1] == period[0] + 1)
        self.years = _plan_years(period)

    def span(self) -> list[Window]:
        """The whole plan as one window (on request, continuous)."""
        if self.period is None:
            return []
        if self.school:
            return [Window(date(self.period[0], 8, 1), date(self.period[1], 7, 31))]
        return [_year_window(self.period[0], self.period[1])]

    def year_of(self, month: int) -> list[int]:
        """The years a month without a year falls in: every year of the plan, or in a
        school-year plan the one year of that school year (August..December: the first)."""
        if self.school and self.period:
            return [self.period[0] if month >= 8 else self.period[1]]
        return self.years

    def months(self) -> list[tuple[int, int]]:
        if self.period is None:
            return []
        if self.school:
            first, last = (self.period[0], 8), (self.period[1], 7)
        else:
            first, last = (self.period[0], 1), (self.period[1], 12)
        out = []
        y, m = first
        while (y, m) <= last:
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def _yearless_windows(st: _State, plan: _Plan) -> list[Window]:
    out = []
    for d1, m1, d2, m2 in st.yearless_ranges:
        for year in plan.year_of(m1):
            end_year = year if (m2, d2) >= (m1, d1) else year + 1
            out.append(Window(_safe_date(year, m1, d1, st), _safe_date(end_year, m2, d2, st)))
    return out


def parse_deadline(
    phrase: str, plan_period: tuple[int, int] | None, *, school_year: bool = False
) -> Schedule:
    """Read a deadline cell; see the module docstring and docs/IMPORT.md.

    `school_year`: the plan is for one school year (`plan_period` is its two years), so a
    month without a year is the one inside that school year, not one in each year.
    """
    raw = phrase or ""
    text = _normalise(raw)
    if not text:
        return Schedule(ScheduleKind.UNPARSED, warnings=["no deadline given"])
    toks = _tokenise(text)
    st, note_at, _request_at = _read(toks)
    note: str | None = None
    if note_at is not None:
        start = note_at
        # Keep an opening parenthesis with the text it opens.
        before = text[:start].rstrip()
        if before.endswith("("):
            start = len(before) - 1
        note = text[start:].strip(" ,;") or None
    elif st.event_span is not None:
        note = text[st.event_span[0] : st.event_span[1]].strip(" ,;") or None
    if not st.recognised and "on_request" not in st.flags:
        return Schedule(ScheduleKind.UNPARSED, note=text)

    kind, windows = _decide(st, _Plan(plan_period, school_year))
    warnings = list(st.warnings)
    if not windows and kind is not ScheduleKind.UNPARSED:
        warnings.append(PERIOD_UNKNOWN if plan_period is None else "no window inside the plan")
    return Schedule(kind, windows, warnings, note)


def _decide(st: _State, p: _Plan) -> tuple[ScheduleKind, list[Window]]:
    period = p.period
    plan = p.years
    explicit_years = sorted(set(st.years))
    range_years = [y for a, b in st.year_ranges for y in range(a, b + 1)]
    span_years = sorted({s.year for s in st.spans if s.year is not None})
    mentioned = sorted(set(explicit_years) | set(range_years) | set(span_years))
    yearless_spans = [s for s in st.spans if s.year is None]

    def bare_spans() -> list[Window]:
        """Months without a year: in each year of the plan (or its one school year)."""
        return sorted({_span_window(s, y, st) for s in st.spans for y in p.year_of(s.m1)})

    if "on_request" in st.flags or "event" in st.flags:
        if "yearly" in st.flags:
            years = mentioned or plan
            if st.spans and not span_years:
                return ScheduleKind.ON_REQUEST, sorted(
                    {w for y in years for w in _span_windows(st.spans, y, st)}
                )
            return ScheduleKind.ON_REQUEST, [_year_window(y) for y in years]
        if st.spans and not span_years:
            return ScheduleKind.ON_REQUEST, bare_spans()
        if st.spans:
            return ScheduleKind.ON_REQUEST, _merge(_dated_spans(st))
        if st.ranges or st.dates:
            return ScheduleKind.ON_REQUEST, _merge([*st.ranges, *(Window(d, d) for d in st.dates)])
        if mentioned:
            return ScheduleKind.ON_REQUEST, [_year_window(mentioned[0], mentioned[-1])]
        return ScheduleKind.ON_REQUEST, p.span()

    if st.every_n:
        years = plan or mentioned
        wins: list[Window] = []
        for y in range(years[0], years[-1] + 1, st.every_n) if years else []:
            wins.append(_year_window(y, min(y + st.every_n - 1, years[-1])))
        return (ScheduleKind.ONCE if len(wins) == 1 else ScheduleKind.RECURRING), wins

    if "monthly" in st.flags and st.month_day is not None:
        # "до 5 числа каждого месяца": every month of the plan, from its 1st to that day.
        every = [(y, m) for y in mentioned for m in range(1, 13)]
        months = every or p.months()
        wins = [
            Window(date(y, m, 1), date(y, m, min(st.month_day, _last_day(y, m))))
            for y, m in months
        ]
        return ScheduleKind.RECURRING, wins

    if "quarterly" in st.flags or "monthly" in st.flags or "half" in st.flags:
        step = 3 if "quarterly" in st.flags else (1 if "monthly" in st.flags else 6)
        if step == 1 and not mentioned and p.school:
            return ScheduleKind.RECURRING, [_month_window(y, m, m) for y, m in p.months()]
        years = mentioned or plan
        wins = [_month_window(y, m, m + step - 1) for y in years for m in range(1, 13, step)]
        return ScheduleKind.RECURRING, wins

    if "school" in st.flags:
        years = mentioned or plan
        if not years:
            return ScheduleKind.CONTINUOUS, []
        lo, hi = years[0], years[-1]
        wins = [Window(date(y, 9, 1), date(y + 1, 5, 31)) for y in range(lo, hi)]
        if not wins:  # a one-year plan holds no whole school year: take its parts
            wins = [
                Window(date(lo, 1, 1), date(lo, 5, 31)),
                Window(date(lo, 9, 1), date(lo, 12, 31)),
            ]
        return ScheduleKind.CONTINUOUS, wins

    if "cont_year" in st.flags:
        if p.school and not mentioned and period:
            # "в течение года" in a school-year plan: that school year.
            return ScheduleKind.CONTINUOUS, [Window(date(period[0], 9, 1), date(period[1], 5, 31))]
        years = mentioned or plan
        return ScheduleKind.CONTINUOUS, [_year_window(y) for y in years]

    if (
        "during" in st.flags
        and (explicit_years or st.year_ranges)
        and not (st.spans or st.untils or st.dates or st.ranges)
    ):
        # "в течение 2025 года", "в течение 2022-2023 гг.": ongoing over those years.
        return ScheduleKind.CONTINUOUS, [_year_window(mentioned[0], mentioned[-1])]

    if "cont" in st.flags:
        if mentioned:
            return ScheduleKind.CONTINUOUS, [_year_window(mentioned[0], mentioned[-1])]
        return ScheduleKind.CONTINUOUS, p.span()

    yearly = "yearly" in st.flags
    # Recurring: "ежегодно …", "март 2022 далее ежегодно", a bare month, "2022-2024 до 31 ноября".
    recurring_untils = [u for u in st.untils if u.year is None and u.month is not None]
    if (
        yearly
        or (st.spans and not span_years and not st.untils and not st.dates and not st.ranges)
        or (st.year_ranges and (recurring_untils or yearless_spans or st.spans))
    ):
        if yearly and span_years:
            # "март 2022 год далее ежегодно": from that year to the plan's end.
            first = span_years[0]
            last = period[1] if period else max(span_years)
            years = list(range(first, max(last, first) + 1))
        elif st.year_ranges:
            years = sorted(set(range_years))
        elif yearly and explicit_years and not st.spans:
            first = explicit_years[0]
            years = list(range(first, (period[1] if period else explicit_years[-1]) + 1))
        elif not yearly and p.school:
            # Bare months of a school-year plan: each once, inside that school year.
            wins = bare_spans()
            wins += [
                Window(min(date(y, 1, 1), _until_due(u, y, st)), _until_due(u, y, st))
                for u in recurring_untils
                for y in p.year_of(u.month or 1)
            ]
            return ScheduleKind.RECURRING, sorted(set(wins))
        else:
            years = plan
        wins = []
        for y in years:
            if st.spans:
                wins.extend(_span_windows(st.spans, y, st))
            for u in recurring_untils:
                due = _until_due(u, y, st)
                wins.append(Window(min(date(y, 1, 1), due), due))
            if not st.spans and not recurring_untils:
                wins.append(_year_window(y))
        # Recurring windows stay one per period even when they touch (every year in full).
        return ScheduleKind.RECURRING, sorted(set(wins))

    # Once: explicit dates and ranges, "до ...", months with years, a year.
    wins = []
    for u in st.untils:
        year = u.year or (explicit_years[-1] if explicit_years else None)
        if year is None:
            year = period[0] if period else None
        if year is None:
            continue
        due = _until_due(u, year, st)
        start = date(period[0], 1, 1) if period and date(period[0], 1, 1) <= due else None
        wins.append(Window(start or date(due.year, 1, 1), due))
    for d in st.dates:
        wins.append(Window(d, d))
    wins.extend(st.ranges)
    if st.yearless_ranges:
        yearless = _yearless_windows(st, p)
        if len(p.years) > 1 and not p.school and not wins:
            return ScheduleKind.RECURRING, sorted(set(yearless))
        wins.extend(yearless)
    wins.extend(_dated_spans(st))
    if not st.untils and not st.dates and not st.spans and not st.ranges and not wins:
        if st.year_ranges:
            a = min(r[0] for r in st.year_ranges)
            b = max(r[1] for r in st.year_ranges)
            return ScheduleKind.CONTINUOUS, [_year_window(a, b)]
        wins.extend(_year_window(y) for y in explicit_years)
        if len(explicit_years) > 1:
            return ScheduleKind.RECURRING, wins
    if wins or st.untils or st.dates or st.spans or explicit_years:
        return ScheduleKind.ONCE, _merge(wins)
    return ScheduleKind.UNPARSED, []


def _dated_spans(st: _State) -> list[Window]:
    """Windows of the month spans that have a year, a dashed pair joined into one."""
    ends = {id(b): a for a, b in st.links}
    starts = {id(a) for a, _ in st.links}
    out = []
    for s in st.spans:
        if s.year is None or id(s) in starts:
            continue
        window = _span_window(s, s.year, st)
        first = ends.get(id(s))
        if first is not None and first.year is not None:
            window = Window(_span_window(first, first.year, st).start, window.due)
        out.append(window)
    return out


def _until_due(u: _Until, year: int, st: _State) -> date:
    if u.end_of or u.month is None:
        if u.month is not None:
            return date(year, u.month, _last_day(year, u.month))
        return date(year, 12, 31)
    if u.day is None:
        # "до февраля" means before February: the last day of January.
        first = date(year, u.month, 1)
        return first - timedelta(days=1)
    return _safe_date(year, u.month, u.day, st)


def years_in(phrase: str) -> list[int]:
    """Years a phrase mentions, four-digit or in a dd.mm.yy date (used to propose a missing
    plan period)."""
    years = [int(y) for y in re.findall(r"(?<![\d.])(20\d\d|19\d\d)(?!\d)", phrase or "")]
    years += [int(y) for y in re.findall(r"\d{1,2}\.\d{1,2}\.((?:19|20)\d\d)(?!\d)", phrase or "")]
    years += [2000 + int(y) for y in re.findall(r"\d{1,2}\.\d{1,2}\.(\d\d)(?!\d)", phrase or "")]
    return years
