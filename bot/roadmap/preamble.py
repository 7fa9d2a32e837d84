"""What a plan's opening says about it: its title, its period and the order that approved it.

Titles are found wherever documents state them: a paragraph of their own (possibly followed by
the period on the next line: "План мероприятий …" / "на 2026–2028 годы"), a title printed one
word a line under an approval block ("УТВЕРЖДАЮ … План-график / мероприятий / по …"), the
heading of the approving order ("Об утверждении плана мероприятий …", turned into the
nominative), or a sheet's first rows. A file name is never a title.

The period comes from the title (or a title-like paragraph): `на 2022—2024 годы`,
`на 2021 -2024`, `в 2016 году`, `в 2012 – 2013 учебном году`, `в 2020/2021 учебном году`.

The approving order: `УТВЕРЖДЕН приказом … от 28.09.2012г. № 7498`, `Приложение N 2 к приказу …
от 13 ноября 2015 г. N 5976`, or the order's own heading (`ПРИКАЗ` / `«17» 02 2022 г.` /
`№ 116`, `ПРИКАЗ № 32 от 01.01.2022г.`).

Pure: no Telegram, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.roadmap.model import Approval
from bot.roadmap.textnorm import fold, norm_key

MAX_TITLE = 600

_STARTER = (
    r"(?:сетевой\s+)?план(?:-график)?(?![а-яё-])"
    r"|дорожн(?:ая|ую)\s+карт[аы]"
    r"|перечень\s+(?:основных\s+)?мероприятий"
    r"|комплекс\s+(?:мер|мероприятий)"
    r"|(?:сетевой\s+)?график(?![а-яё-])"
    r"|программа\s+мероприятий"
)
_STARTS_TITLE = re.compile(rf"^(?:{_STARTER})", re.IGNORECASE)
# A starter inside a paragraph (after an approval block printed on the same lines): it must
# be capitalised, as a title is.
_TITLE_INSIDE = re.compile(
    r"(?<![А-Яа-яЁё«\"(-])(?:Сетевой\s+|СЕТЕВОЙ\s+)?(?:План(?:-график)?|ПЛАН(?:-ГРАФИК)?)"
    r"(?![А-Яа-яЁё-])"
    r"|(?<![А-Яа-яЁё«\"(-])(?:Дорожная\s+карта|ДОРОЖНАЯ\s+КАРТА)"
    r"|(?<![А-Яа-яЁё«\"(-])(?:Перечень\s+мероприятий|ПЕРЕЧЕНЬ\s+МЕРОПРИЯТИЙ)"
    r"|(?<![А-Яа-яЁё«\"(-])(?:Комплекс\s+мер|КОМПЛЕКС\s+МЕР)"
    r"|(?<![А-Яа-яЁё«\"(-])(?:График|ГРАФИК)\s+(?=[а-яё])"
)
_ABOUT = re.compile(r"^об\s+утверждении\b\s*(.*)$", re.IGNORECASE | re.S)
_TITLE_WORDS = re.compile(
    r"план\w*|дорожн\w*\s+карт|перечн\w*\s+мероприят|комплекс\w*\s+мер|график\w*|программ\w*",
    re.IGNORECASE,
)
_CONTINUES = re.compile(r"^(?:[а-яё(«\"]|(?:на|в|во|по|для|до|с|со|и)\s|\d{4})", re.S)
_NOT_TITLE = re.compile(
    r"^(?:приказываю|п\s*р\s*и\s*к\s*а\s*з|в\s+соответствии|в\s+целях|утвержд|согласован|"
    r"принят|\d{1,2}\.\s)",
    re.IGNORECASE,
)


def _clean(text: str) -> str:
    return fold(text).strip("*_ ").rstrip(":").strip()


def _nominative(text: str) -> str:
    """ "Плана мероприятий («дорожной карты») …" → "План мероприятий («дорожная карта») …"."""
    text = text.strip()
    replacements = (
        (r"^[Пп]лана(-графика)?\b", lambda m: "План" + ("-график" if m.group(1) else "")),
        (r"^[Пп]еречня\b", lambda m: "Перечень"),
        (r"^[Кк]омплекса\b", lambda m: "Комплекс"),
        (r"^[Дд]орожной\s+карты\b", lambda m: "Дорожная карта"),
        (r"^[Пп]рограммы\b", lambda m: "Программа"),
        (r"^[Гг]рафика\b", lambda m: "График"),
    )
    for pattern, repl in replacements:
        text = re.sub(pattern, repl, text)
    text = re.sub(r"\((«|\")дорожной карты(»|\")\)", r"(\1дорожная карта\2)", text)
    return _capitalise(text)


def _capitalise(text: str) -> str:
    """A first word printed in capitals ("ПЛАН проведения …") in the case of the rest."""
    m = re.match(r"^([А-ЯЁ-]{2,})(\s+)(.*)$", text, re.S)
    if m and m.group(3)[:1].islower():
        text = m.group(1)[:1] + m.group(1)[1:].lower() + m.group(2) + m.group(3)
    return text[:1].upper() + text[1:]


def _with_continuation(first: str, following: list[str]) -> str:
    """The title and the lines that finish it ("на 2026–2028 годы" on the next paragraph)."""
    title = first
    for paragraph in following:
        text = _clean(paragraph)
        if not text or _NOT_TITLE.match(text) or len(title) + len(text) > MAX_TITLE:
            break
        if not _CONTINUES.match(text):
            break
        title = f"{title} {text}"
    return title


def find_title(paragraphs: list[str]) -> str:
    """The plan's title as the document states it, or "" when it states none."""
    cleaned = [_clean(p) for p in paragraphs]
    cleaned = [p for p in cleaned if p]
    # 1. A paragraph that is the title (or its first word: "План" / "мероприятий …").
    for i, p in enumerate(cleaned):
        if not _STARTS_TITLE.match(p) or len(p) > MAX_TITLE:
            continue
        if re.fullmatch(rf"(?:{_STARTER})", p, re.IGNORECASE) and i + 1 < len(cleaned):
            # "План" alone, the rest on the next line(s).
            return _capitalise(_with_continuation(p, cleaned[i + 1 :]))
        return _capitalise(_with_continuation(p, cleaned[i + 1 :]))
    # 2. The approving order's heading: "Об утверждении плана …".
    for i, p in enumerate(cleaned):
        m = _ABOUT.match(p)
        if not m:
            continue
        rest = m.group(1).strip() or (cleaned[i + 1] if i + 1 < len(cleaned) else "")
        after = cleaned[i + 1 :] if m.group(1).strip() else cleaned[i + 2 :]
        if rest and _TITLE_WORDS.search(rest[:60]):
            return _nominative(_with_continuation(rest, after))
    # 3. A title printed under an approval block in the same paragraph.
    for i, p in enumerate(cleaned):
        if _NOT_TITLE.match(p) and not p.lower().startswith("утвержд"):
            continue
        m = _TITLE_INSIDE.search(p)
        if m and m.start() > 0:
            title = p[m.start() :]
            if len(title) <= MAX_TITLE:
                return _capitalise(_with_continuation(title, cleaned[i + 1 :]))
    return ""


# ---- the plan period --------------------------------------------------------------------------
_Y = r"((?:19|20)\d\d)"
_RANGE = re.compile(
    rf"(?:на|в|во)\s+(?:период\s+)?{_Y}\s*(?:г\.?|гг\.?|год\w*)?\s*(?:-|/|по|до)\s*{_Y}"
    r"\s*(?:гг?\.?|год\w*)?\s*(учебн\w*)?"
)
_SCHOOL_YEAR = re.compile(rf"{_Y}\s*[-/]\s*{_Y}\s*(?:г\.?|гг\.?)?\s*учебн")
_ONE_YEAR = re.compile(rf"(?:на|в|во)\s+{_Y}\s*(?:г\.?(?!\w)|год\w*)")


@dataclass(frozen=True)
class PlanPeriod:
    first: int
    last: int
    school_year: bool = False  # "в 2012–2013 учебном году": one school year, not two years

    @property
    def years(self) -> tuple[int, int]:
        return self.first, self.last


def find_period(title: str, paragraphs: list[str]) -> PlanPeriod | None:
    """The period the title (or a title-like paragraph) states, or None."""
    texts = [title, *[p for p in paragraphs if _TITLE_WORDS.search(p)]]
    for index, text in enumerate(t for t in texts if t):
        key = norm_key(text)
        school = _SCHOOL_YEAR.search(key)
        if school:
            a, b = int(school.group(1)), int(school.group(2))
            if b == a + 1:
                return PlanPeriod(a, b, school_year=True)
        m = _RANGE.search(key)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a <= b <= a + 15:
                return PlanPeriod(a, b, school_year=bool(m.group(3)) and b == a + 1)
        if index == 0:
            one = _ONE_YEAR.search(key)
            if one:
                year = int(one.group(1))
                return PlanPeriod(year, year)
    return None


# ---- the approving order ------------------------------------------------------------------------
_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7, "август": 8,
    "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip
_DATE = (
    r"(?:«|\")?\s*(\d{1,2})\s*(?:»|\")?\s*[.\s]\s*"
    r"(\d{1,2}|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
    r"\s*[.\s]\s*((?:19|20)\d\d)\s*(?:г\.?|года)?"
)
_NUMBER = (
    r"(?:№|N|No)\s*([0-9A-Za-zА-Яа-яЁё][0-9A-Za-zА-Яа-яЁё/.\-]*"
    r"(?:\s*-\s*[A-Za-zА-Яа-яЁё]{1,4}(?![а-яё]))?)"
)
_KINDS = {
    "приказ": "приказ",
    "постановлен": "постановление",
    "распоряжен": "распоряжение",
    "решени": "решение",
}
_KIND = r"(приказ\w*|постановлени\w*|распоряжени\w*|решени\w*)"
# At the start of a paragraph only: "утвержденным постановлением …" inside the preamble's
# "В соответствии с …" cites other documents, not this plan's approval.
_APPROVED_BY = re.compile(
    r"^(?:приложени\w*(?:\s*(?:№|N)\s*\d+)?\s+)?(?:утвержд\w*\s+|к\s+)"
    rf"{_KIND}\s*(.{{0,240}}?)"
    rf"(?:от\s+{_DATE}\s*,?\s*{_NUMBER}|{_NUMBER}\s*от\s+{_DATE})",
    re.IGNORECASE | re.S | re.M,
)
_HEADING = re.compile(r"^(приказ|постановление|распоряжение|решение)(?![а-яё])", re.IGNORECASE)
_DATE_RE = re.compile(rf"(?:от\s+)?{_DATE}", re.IGNORECASE)
_NUMBER_RE = re.compile(_NUMBER)


def _date(day: str, month: str, year: str) -> date | None:
    if month.isdigit():
        number = int(month)
    else:
        number = next((n for stem, n in _MONTHS.items() if month.lower().startswith(stem)), 0)
    try:
        return date(int(year), number, int(day))
    except ValueError:
        return None


def _number(raw: str) -> str:
    return re.sub(r"\s*-\s*", "-", raw.strip()).rstrip(".-")


def _kind(word: str) -> str:
    low = word.lower()
    return next((kind for stem, kind in _KINDS.items() if low.startswith(stem)), "приказ")


def _issuer(text: str) -> str | None:
    text = fold(text).strip(" ,")
    return text[:200] or None


def find_approval(paragraphs: list[str]) -> Approval | None:
    """The order (decree, instruction) that approved the plan, when the opening names it."""
    cleaned = [_clean(p) for p in paragraphs if _clean(p)]
    joined = "\n".join(cleaned)
    m = _APPROVED_BY.search(joined)
    if m:
        kind, issuer = _kind(m.group(1)), _issuer(m.group(2))
        if m.group(3):
            day, month, year, number = m.group(3), m.group(4), m.group(5), m.group(6)
        else:
            number, day, month, year = m.group(7), m.group(8), m.group(9), m.group(10)
        when = _date(day, month, year)
        if when is not None:
            return Approval(kind, _number(number), when, issuer)
    # The order's own heading: "ПРИКАЗ" then its date and number, in the next few lines.
    for i, p in enumerate(cleaned):
        spaced = re.sub(r"(?<=[А-ЯЁ]) (?=[А-ЯЁ](?: |$))", "", p)  # "П Р И К А З"
        head = _HEADING.match(spaced) if len(p) < 80 else None
        if not head:
            continue
        window = " \n ".join(cleaned[i : i + 4])
        window = window.split("Об утверждении")[0].split("об утверждении")[0]
        d = _DATE_RE.search(window)
        n = _NUMBER_RE.search(window)
        if d and n:
            when = _date(d.group(1), d.group(2), d.group(3))
            if when is not None:
                return Approval(_kind(head.group(1)), _number(n.group(1)), when, None)
    return None
