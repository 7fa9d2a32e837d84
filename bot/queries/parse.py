"""Free text → Query: what a colleague typed (or dictated) to the bot, understood.

The approach is rules over lemmas, not a model: the vocabulary of the domain is small, the
answers must be explainable, and the whole thing must run in well under 2 ms per question.
Order of work: normalise, pull out the things with a fixed shape (measure numbers, dates,
initials), lemmatise the words, find the period, the person and the topic, then decide the
intent from the keywords that are left. Any failure degrades to intent "unknown".

One module of about a thousand lines on purpose: the passes share one token list and run
in a fixed order, and each rule reads best next to the ones it competes with.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.queries import periods as P
from bot.queries.model import ME, Query
from bot.queries.morph import fold, is_known, lemma, parses, pos
from bot.queries.topics import TOPIC_ALIASES

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# Vocabulary. Everything is compared after fold() (lowercase, ё→е) and, for Russian, as lemmas.

MONTHS = {
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6,
    "июль": 7, "август": 8, "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
    "july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    # Abbreviations typed on a phone.
    "янв": 1, "фев": 2, "февр": 2, "апр": 4, "июн": 6, "июл": 7, "авг": 8, "сен": 9,
    "сент": 9, "окт": 10, "ноя": 11, "нояб": 11, "дек": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

CARDINALS = {
    "ноль": 0, "один": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7,
    "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12,
    "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15, "шестнадцать": 16,
    "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19, "двадцать": 20, "тридцать": 30,
    "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "девяносто": 90, "сто": 100,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15,
    "twenty": 20, "thirty": 30,
}  # fmt: skip
ORDINALS = {
    "первый": 1, "второй": 2, "третий": 3, "четвертый": 4,
    "first": 1, "second": 2, "third": 3, "fourth": 4,
    "i": 1, "ii": 2, "iii": 3, "iv": 4,
}  # fmt: skip
# Digits dictated by voice typing: "один точка один точка два" → "1.1.2".
_VOICE_DIGITS = {
    "ноль": "0", "один": "1", "одна": "1", "два": "2", "две": "2", "три": "3", "четыре": "4",
    "пять": "5", "шесть": "6", "семь": "7", "восемь": "8", "девять": "9", "десять": "10",
}  # fmt: skip

THIS = {"этот", "это", "текущий", "нынешний", "this", "current"}
NEXT = {"следующий", "след", "будущий", "будущее", "грядущий", "next", "coming", "upcoming"}
PREV = {"прошлый", "прошлое", "предыдущий", "прошедший", "минувший", "last", "previous"}

SELF = {"я", "мой", "i", "me", "my", "mine", "myself", "im"}
# "покажи мне ..." — "мне" there is the addressee, not the owner of the measures.
ADDRESSEE_VERBS = {
    "показать", "сказать", "дать", "напомнить", "прислать", "написать", "вывести", "подсказать",
    "скинуть", "show", "tell", "give", "send", "list", "let",
}  # fmt: skip
NEGATIONS = {"не", "нет", "not", "no", "didn", "don", "doesn", "hasn", "haven", "havent",
             "hasnt", "didnt", "isn", "aren", "never"}  # fmt: skip

DONE_VERBS = {"сделать", "выполнить", "закрыть", "завершить", "исполнить", "сдать", "успеть",
              "отработать", "закончить", "провести", "do", "did", "done", "complete",
              "completed", "finish", "finished"}  # fmt: skip
SUBMIT_VERBS = {"сдать", "прислать", "отправить", "представить", "предоставить", "загрузить",
                "подать", "заполнить", "submit", "submitted", "send", "sent"}  # fmt: skip
OVERDUE_WORDS = {"просрочить", "просроченный", "просрочка", "долг", "задолженность", "гореть",
                 "хвост", "сорвать", "опоздать", "опоздание", "истечь", "overdue", "late",
                 "missed", "behind", "просрачивать", "просрочивать"}  # fmt: skip
OPEN_WORDS = {"невыполненный", "несделанный", "незавершенный", "незакрытый", "открытый",
              "остаться", "оставаться", "оставшийся", "open", "pending", "remaining",
              "unfinished", "outstanding", "todo"}  # fmt: skip
DONE_WORDS = {"выполненный", "сделанный", "завершенный", "закрытый", "готовый", "done",
              "completed", "finished"}  # fmt: skip
SUMMARY_WORDS = {"сводка", "сводный", "итог", "статистика", "исполнение", "выполнение",
                 "прогресс", "отчет", "отчетность", "процент", "summary", "report", "progress",
                 "statistics", "stats", "overview", "status"}  # fmt: skip
REPORT_WORDS = {"отчет", "отчетность", "report", "reports", "reported"}
HELP_WORDS = {"помощь", "справка", "инструкция", "команда", "help", "хелп", "start", "commands"}
SMALLTALK_WORDS = {
    "привет", "приветик", "здравствуй", "здравствуйте", "здорово", "салют", "спасибо",
    "благодарить", "пока", "свидание", "добрый", "утро", "вечер", "ок", "окей", "хорошо",
    "понятно", "ясно", "отлично", "супер", "класс", "круто", "молодец", "дело", "hi", "hello",
    "hey", "thanks", "thank", "большой", "огромный", "bye", "ok", "okay", "cool", "great",
    "morning", "good", "as",
    "how", "are", "you", "ты", "как", "спс", "пасиба", "thx", "day", "evening",
}  # fmt: skip
LISTING_WORDS = {"задача", "дело", "мероприятие", "пункт", "поручение", "план", "срок",
                 "список", "task", "tasks", "item", "items", "todo", "deadline", "deadlines",
                 "plan", "делать", "have", "due"}  # fmt: skip
TOPIC_MARKERS = {"по", "про", "о", "об", "насчет", "касательно", "относительно", "about",
                 "regarding", "re"}  # fmt: skip
# Abbreviations pymorphy does not know but that are real topics in school plans.
ABBREVIATIONS = {"впр", "огэ", "егэ", "гиа", "фгос", "ооп", "оо", "доу", "фоп", "цор", "эор",
                 "всоко", "всош", "нпр", "пмпк", "ппк", "мсоко", "нок", "снилс", "овз",
                 "ндо", "рдш", "ио", "фрг", "фг", "ипр", "ипк"} | set(TOPIC_ALIASES)  # fmt: skip
# Misspellings of the words every question uses, too short or too real for the fuzzy match
# ("миня" is a word pymorphy knows, but nobody means it).
_TYPOS = {"миня": "меня", "мня": "меня", "менья": "меня", "мине": "мне", "мну": "мне",
          "чо": "что", "шо": "что", "чё": "что", "што": "что", "неделю": "неделю"}  # fmt: skip

# Words that carry no topic: grammar, question words, and the vocabulary above.
STOPWORDS = {
    "что", "кто", "какой", "где", "когда", "как", "сколько", "чего", "у", "в", "во", "на", "за",
    "с", "со", "к", "ко", "до", "от", "для", "и", "а", "но", "или", "ли", "же", "бы", "ну",
    "там", "тут", "еще", "уже", "все", "всё", "весь", "это", "этот", "тот", "то", "быть",
    "есть", "мы", "вы", "ты", "он", "она", "они", "нас", "наш", "ваш", "свой", "себя",
    "покажи", "показать", "сказать", "дать", "напомнить", "подсказать", "вывести", "найти",
    "пожалуйста", "плиз", "пж", "надо", "нужно", "необходимо", "можно", "мочь", "хотеть",
    "ближайший", "близкий", "конец", "день", "неделя", "месяц", "год", "квартал",
    "полугодие", "учебный", "сегодня", "завтра", "послезавтра", "вчера", "точка", "какой-то",
    "бот", "вообще", "сейчас", "пора", "срочно", "ещё", "один", "очень", "давай",
    "the", "a", "an", "what", "which", "who", "is", "are", "do", "does", "have", "has", "in",
    "on", "for", "of", "to", "at", "by", "and", "or", "please", "any", "there", "all", "s",
    "t", "show", "list", "tell", "give", "get", "find", "this", "that", "how", "with", "be",
    "until", "till", "end", "week", "month", "year", "quarter", "half", "day", "days",
    "today", "tomorrow", "yesterday", "whats", "it", "going", "we", "our", "need",
    "should", "i", "итак", "вот", "типа", "короче", "слушай", "скажи", "подскажи", "мне",
    "меня", "чтобы", "именно", "лишь", "только", "либо", "нибудь",
    "происходить", "идти", "стоять", "запланировать", "планироваться", "иметь",
    "касаться", "связанный", "сделать", "делать",
}  # fmt: skip
NON_TOPIC = (
    STOPWORDS | SELF | NEGATIONS | THIS | NEXT | PREV | OVERDUE_WORDS | OPEN_WORDS | DONE_WORDS
    | DONE_VERBS | SUBMIT_VERBS | SUMMARY_WORDS | HELP_WORDS | SMALLTALK_WORDS | LISTING_WORDS
    | TOPIC_MARKERS | set(MONTHS) | set(CARDINALS) | set(ORDINALS)
    | {"отчитаться", "неотчитаться", "отчитываться", "уметь", "пользоваться", "умеешь"}
)  # fmt: skip

# Correctly spelled forms that typos are pulled back to (only for words pymorphy does not know).
_FUZZY_TARGETS = (
    "январь", "января", "январе", "февраль", "февраля", "феврале", "март", "марта", "марте",
    "апрель", "апреля", "апреле", "май", "мая", "мае", "июнь", "июня", "июне", "июль", "июля",
    "июле", "август", "августа", "августе", "сентябрь", "сентября", "сентябре", "октябрь",
    "октября", "октябре", "ноябрь", "ноября", "ноябре", "декабрь", "декабря", "декабре",
    "просрочено", "просроченные", "просроченное", "просрочка", "просрочки", "просрочил", "сводка",
    "сводку", "отчитался", "отчитались", "отчет", "отчета", "отчеты", "неделе", "неделю",
    "квартале", "квартал", "полугодии", "полугодие", "учебном", "учебный", "следующей",
    "следующем", "следующий", "ближайшие", "сегодня", "завтра", "задачи", "задач", "мероприятия",
    "мероприятий", "пункт", "пункты", "помощь", "спасибо", "привет", "здравствуйте", "исполнение",
    "выполнение", "выполнено", "сделано", "сделал", "невыполненные", "задолженность", "долги",
    "горит", "горят", "текущем", "этом", "этой", "прошлом", "прошлой", "месяце", "месяца",
    "конца", "года", "году", "недели", "неделя", "следующей", "отчитался", "отчитались",
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Tokens


@dataclass
class Tok:
    text: str  # folded surface form (typo-corrected when the correction was confident)
    lemma: str
    pos: str | None
    raw: str  # folded surface form as typed
    initials: str | None = None  # set on the marker token that stands for "Е.В."
    used: bool = False


@dataclass
class _Scan:
    toks: list[Tok]
    number: str | None = None
    day: date | None = None  # an explicit dd.mm.yyyy in the text
    words: set[str] = field(default_factory=set)  # all lemmas, for keyword tests

    def has(self, vocab: set[str]) -> bool:
        return not self.words.isdisjoint(vocab)


_DATE_RE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d])")
_INITIALS_RE = re.compile(
    r"(?<![А-Яа-яA-Za-z])([А-Я])\.\s*([А-Я])\.?(?![А-Яа-я])"
    r"|(?<![а-яa-z])([а-я])\.\s?([а-я])\.(?![а-я])"
)
_NUMBER_WORDS_RE = "|".join(sorted(_VOICE_DIGITS, key=len, reverse=True))
_VOICE_NUMBER_RE = re.compile(
    rf"(?<![а-я])((?:{_NUMBER_WORDS_RE}|\d{{1,3}})(?:\s+точка\s+(?:{_NUMBER_WORDS_RE}|\d{{1,3}}))+)"
    r"(?![а-я])"
)
_MARKED_NUMBER_RE = re.compile(
    r"(?:(?<![а-яa-z])(?:пункт[а-я]*|пунк|п|№|номер|item|point|measure|мероприятие)\s*\.?|№)"
    r"\s*(\d{1,3}(?:\s*\.\s*\d{1,3}|\s+\d{1,2}(?!\d|\s*(?:квартал|полугод|год|дн|недел|мес)))*)"
    r"\.?(?![\d])"
)
_BARE_NUMBER_RE = re.compile(r"(?<![\d.])(\d{1,3}(?:\s*\.\s*\d{1,3})+)\.?(?![\d])")
_MARK = "\ue000"
_TOKEN_RE = re.compile(r"\ue000\d+|q[1-4](?!\d)|[a-zа-я]+|\d+")


def _voice_to_digits(match: re.Match[str]) -> str:
    parts = re.split(r"\s+точка\s+", match.group(1))
    return ".".join(_VOICE_DIGITS.get(p, p) for p in parts)


_VOWELS = str.maketrans({"е": "и", "э": "и", "ы": "и", "о": "а", "я": "а", "ю": "у", "ё": "и"})


def _sounds(word: str) -> str:
    """The word as it sounds, unstressed vowels merged: "фивроле" and "феврале" agree."""
    return word.translate(_VOWELS)


_SOUNDS = {_sounds(t): t for t in reversed(_FUZZY_TARGETS)}


@lru_cache(maxsize=65536)
def _corrected(word: str) -> str:
    """A confident spelling fix for a word pymorphy does not know, else the word itself."""
    if word in _TYPOS:
        return _TYPOS[word]
    if len(word) < 5 or not word.isalpha() or not ("а" <= word[0] <= "я") or is_known(word):
        return word
    best = process.extractOne(word, _FUZZY_TARGETS, scorer=fuzz.ratio, score_cutoff=82)
    if best:
        return best[0]
    # Vowels written as heard ("фивроле", "нидели"): compare the words as they sound.
    heard = process.extractOne(_sounds(word), list(_SOUNDS), scorer=fuzz.ratio, score_cutoff=85)
    if heard:
        return _SOUNDS[heard[0]]
    # A wrong case ending ("профориентацие"): the same stem with a real ending.
    for cut in (1, 2):
        stem = word[:-cut]
        for ending in _ENDINGS:
            if is_known(stem + ending) and stem + ending != word:
                return stem + ending
    return word


_ENDINGS = ("я", "и", "е", "а", "ю", "у", "ы", "ия", "ие", "ой", "ей", "ий", "ый", "ая")


def _scan(text: str) -> _Scan:
    # Initials become a private-use marker no user can type; strip any that came in anyway.
    s = text.replace(_MARK, " ").replace("ё", "е").replace("Ё", "Е")
    initials: list[str] = []

    def _mark_initials(m: re.Match[str]) -> str:
        initials.append(fold("".join(g for g in m.groups() if g)))
        return f" {_MARK}{len(initials) - 1} "

    s = _INITIALS_RE.sub(_mark_initials, s)
    s = fold(s)
    day: date | None = None
    m = _DATE_RE.search(s)
    if m:
        # A date-shaped "31.02.2026" is never a measure number, even when it is no real day.
        with contextlib.suppress(ValueError):
            day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        s = s[: m.start()] + " " + s[m.end() :]
    s = _VOICE_NUMBER_RE.sub(_voice_to_digits, s)
    number: str | None = None
    m = _MARKED_NUMBER_RE.search(s) or _BARE_NUMBER_RE.search(s)
    if m:
        number = re.sub(r"[\s.]+", ".", m.group(1).strip()).strip(".")
        s = s[: m.start()] + " " + s[m.end() :]
    toks: list[Tok] = []
    for raw in _TOKEN_RE.findall(s):
        if raw.startswith(_MARK):
            toks.append(Tok(_MARK, _MARK, None, raw, initials=initials[int(raw[1:])]))
            continue
        word = _corrected(raw)
        toks.append(Tok(word, lemma(word), pos(word), raw))
    return _Scan(toks, number, day, {t.lemma for t in toks} | {t.text for t in toks})


# ---------------------------------------------------------------------------------------------
# Numbers in words


def _int_span(toks: list[Tok], i: int) -> tuple[int, int] | None:
    """(value, tokens used) of a number at token i: "10", "три", "двадцать один"."""
    if i < 0 or i >= len(toks):
        return None
    t = toks[i]
    if t.text.isdigit():
        return int(t.text), 1
    if t.lemma in CARDINALS:
        value = CARDINALS[t.lemma]
        nxt = toks[i + 1].lemma if i + 1 < len(toks) else ""
        if value >= 20 and value % 10 == 0 and CARDINALS.get(nxt, 0) in range(1, 10):
            return value + CARDINALS[nxt], 2
        return value, 1
    return None


def _int_at(toks: list[Tok], i: int) -> int | None:
    span = _int_span(toks, i)
    return span[0] if span else None


def _int_before(toks: list[Tok], i: int) -> tuple[int, int] | None:
    """(value, first index) of a number ending just before token i ("двадцать один день")."""
    j = _back(toks, i)
    span = _int_span(toks, j - 1)
    if span and span[1] == 2:
        return span[0], j - 1
    span = _int_span(toks, j)
    return (span[0], j) if span else None


def _ordinal_at(toks: list[Tok], i: int) -> int | None:
    if i < 0 or i >= len(toks):
        return None
    t = toks[i]
    if t.text.isdigit():
        return int(t.text)
    return ORDINALS.get(t.lemma) or ORDINALS.get(t.text)


_SUFFIXES = {"м", "й", "ем", "ом", "го", "st", "nd", "rd", "th", "ий", "ой"}


def _back(toks: list[Tok], i: int) -> int:
    """Index of the token before i, skipping case endings typed apart ("3-м" → "3", "м")."""
    j = i - 1
    while j >= 0 and toks[j].text in _SUFFIXES:
        j -= 1
    return j


def _year_at(toks: list[Tok], i: int) -> int | None:
    if 0 <= i < len(toks) and toks[i].text.isdigit() and len(toks[i].text) == 4:
        year = int(toks[i].text)
        if 1990 <= year <= 2100:
            return year
    return None


def _relative_shift(toks: list[Tok], i: int) -> int | None:
    """-1/0/1 for прошлый/этот/следующий at token i, else None."""
    if i < 0 or i >= len(toks):
        return None
    word = toks[i].lemma
    if word in THIS:
        return 0
    if word in NEXT:
        return 1
    if word in PREV:
        return -1
    return None


def _modifier_before(toks: list[Tok], i: int, reach: int = 2) -> int | None:
    for j in range(i - 1, max(i - 1 - reach, -1), -1):
        shift = _relative_shift(toks, j)
        if shift is not None:
            toks[j].used = True
            return shift
    return None


# ---------------------------------------------------------------------------------------------
# Periods


def _year_after(toks: list[Tok], i: int, today: date) -> int | None:
    """A year named right after token i: "2023", "2023 года", "прошлого года"."""
    year = _year_at(toks, i + 1)
    if year is not None:
        toks[i + 1].used = True
        if i + 2 < len(toks) and toks[i + 2].lemma in {"год", "г", "year"}:
            toks[i + 2].used = True
        return year
    shift = _relative_shift(toks, i + 1)
    if shift is not None and i + 2 < len(toks) and toks[i + 2].lemma in {"год", "year"}:
        toks[i + 1].used = toks[i + 2].used = True
        return today.year + shift
    return None


def _month_forms() -> dict[str, int]:
    """Every case form of the Russian month names ("маю", "маем" are not lemmatised reliably)."""
    forms: dict[str, int] = {}
    soft = ("ь", "я", "е", "ю", "ем")
    hard = ("", "а", "е", "у", "ом")
    for number, stem in enumerate(
        ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр",
         "ноябр", "декабр"),
        start=1,
    ):  # fmt: skip
        if stem == "ма":
            endings: tuple[str, ...] = ("й", "я", "е", "ю", "ем")
        else:
            endings = hard if stem in ("март", "август") else soft
        forms.update({stem + e: number for e in endings})
    return forms


_MONTH_FORMS = _month_forms()


def _month_of(tok: Tok) -> int | None:
    return _MONTH_FORMS.get(tok.text) or MONTHS.get(tok.text) or MONTHS.get(tok.lemma)


def _find_period(
    scan: _Scan, today: date, backward: bool, plan: tuple[int, int] | None = None
) -> P.Period | None:
    toks = scan.toks
    if scan.day is not None:
        return scan.day, scan.day
    n = len(toks)
    months: list[tuple[int, int | None, int | None, int]] = []  # month, day, year, index
    for i, t in enumerate(toks):
        if t.used:
            continue
        w, lem = t.text, t.lemma
        if w in {"сегодня", "today"}:
            t.used = True
            return today, today
        if w in {"завтра", "tomorrow"}:
            t.used = True
            return today + timedelta(days=1), today + timedelta(days=1)
        if w == "послезавтра":
            t.used = True
            return today + timedelta(days=2), today + timedelta(days=2)
        if w in {"вчера", "yesterday"}:
            t.used = True
            return today - timedelta(days=1), today - timedelta(days=1)
        if lem in {"конец", "end"}:
            found = _until_end(toks, i, today)
            if found:
                return found
        if w.startswith("ближайш") or (
            w in {"next", "coming", "следующие"} and _int_at(toks, i + 1)
        ):
            found = _next_span(toks, i, today)
            if found:
                return found
        if lem in {"день", "days", "day"}:
            found_count = _int_before(toks, i)
            if found_count and 0 < found_count[0] < 400:
                for k in range(found_count[1], i + 1):
                    toks[k].used = True
                return P.next_days(today, found_count[0])
        if lem in {"неделя", "week"}:
            t.used = True
            weeks = _modifier_before(toks, i) or 0
            return P.week_period(today, weeks)
        if lem in {"месяц", "month"}:
            shift = _modifier_before(toks, i)
            if shift is not None:
                t.used = True
                y, mth = P.shift_month(today.year, today.month, shift)
                return P.month_period(y, mth)
        if lem in {"квартал", "quarter"} or re.fullmatch(r"q[1-4]", w):
            found = _quarter(toks, i, today, backward)
            if found:
                return found
        if lem in {"полугодие", "half"}:
            found = _half(toks, i, today, backward)
            if found:
                return found
        if lem == "учебный" or (w in {"school", "academic"} and i + 1 < n):
            found = _school_year(toks, i, today)
            if found:
                return found
        if lem in {"год", "year"} and not t.used:
            j = _back(toks, i)
            year = _year_at(toks, j)
            if year is not None:
                t.used = toks[j].used = True
                return P.year_period(year)
            shift = _modifier_before(toks, i)
            if shift is not None:
                t.used = True
                return P.year_period(today.year + shift)
        month = _month_of(t)
        if month is not None and not (w == "may" and _looks_modal(toks, i)):
            t.used = True
            day = None
            j = _back(toks, i)
            if j >= 0 and toks[j].text.isdigit() and 1 <= int(toks[j].text) <= 31:
                day = int(toks[j].text)
                toks[j].used = True
                # "с 1 по 15 мая": the first day comes before "по".
                k = j - 1
                first = int(toks[k - 1].text) if k >= 1 and toks[k - 1].text.isdigit() else 0
                if k >= 1 and toks[k].text in {"по", "до", "to", "till"} and 1 <= first <= day:
                    toks[k].used = toks[k - 1].used = True
                    if k >= 2 and toks[k - 2].text in {"с", "со", "from"}:
                        toks[k - 2].used = True
                    year = _year_after(toks, i, today)
                    span = (
                        P.month_period(year, month)
                        if year is not None
                        else P.closest_month(today, month, backward=backward, plan=plan)
                    )
                    with contextlib.suppress(ValueError):
                        return span[0].replace(day=first), span[0].replace(day=day)
            months.append((month, day, _year_after(toks, i, today), i))
    if months:
        return _month_span(toks, months, today, backward, plan)
    for t in toks:
        if not t.used and t.text.isdigit() and len(t.text) == 4 and 1990 <= int(t.text) <= 2100:
            t.used = True
            return P.year_period(int(t.text))
    return None


def _looks_modal(toks: list[Tok], i: int) -> bool:
    """English "may" as a verb ("may I ...") rather than the month."""
    nxt = toks[i + 1].text if i + 1 < len(toks) else ""
    return nxt in {"i", "we", "you", "be", "have"}


def _month_span(
    toks: list[Tok], months: list[tuple[int, int | None, int | None, int]], today: date,
    backward: bool, plan: tuple[int, int] | None = None,
) -> P.Period:  # fmt: skip
    def resolve(month: int, year: int | None) -> P.Period:
        if year is not None:
            return P.month_period(year, month)
        return P.closest_month(today, month, backward=backward, plan=plan)

    month, day, year, index = months[0]
    first = resolve(month, year)
    if day is not None:
        with contextlib.suppress(ValueError):  # "31 июня" keeps the whole month
            first = (first[0].replace(day=day),) * 2
        # "до 15 мая": from today up to that day.
        j = _back(toks, _back(toks, index))
        if j >= 0 and toks[j].text in {"до", "by", "until", "till", "к"} and first[1] >= today:
            return today, first[1]
    elif len(months) == 1:
        # "до мая": from today up to the day before May begins.
        j = _back(toks, index)
        if j >= 0 and toks[j].text in {"до", "until", "till", "before"} and first[0] > today:
            return today, first[0] - timedelta(days=1)
    if len(months) > 1:
        month2, day2, year2, _ = months[1]
        second = resolve(month2, year2 if year2 is not None else year)
        if year is None and year2 is None:
            # "с мая по июль": the July that follows that May.
            after = first[0].year if month2 >= first[0].month else first[0].year + 1
            second = P.month_period(after, month2)
        if day2 is not None:
            with contextlib.suppress(ValueError):
                second = (second[0].replace(day=day2),) * 2
        if second[1] >= first[0]:
            return first[0], second[1]
    return first


def _until_end(toks: list[Tok], i: int, today: date) -> P.Period | None:
    """ "до конца недели/месяца/квартала/полугодия/года/учебного года"."""
    for j in range(i + 1, min(i + 4, len(toks))):
        unit = toks[j].lemma
        end: date | None = None
        if unit in {"неделя", "week"}:
            end = P.week_period(today)[1]
        elif unit in {"месяц", "month"}:
            end = P.month_period(today.year, today.month)[1]
        elif unit in {"квартал", "quarter"}:
            end = P.quarter_period(today.year, (today.month - 1) // 3 + 1)[1]
        elif unit in {"полугодие"}:
            end = P.half_period(today.year, 1 if today.month <= 6 else 2)[1]
        elif unit in {"учебный", "school", "academic"}:
            end = P.school_year_period(P.school_year_start(today))[1]
        elif unit in {"год", "year"}:
            end = date(today.year, 12, 31)
        if end is not None:
            for k in range(max(i - 1, 0), j + 1):
                toks[k].used = True
            if j + 1 < len(toks) and toks[j + 1].lemma in {"год", "year"}:
                toks[j + 1].used = True
            return today, end
    return None


def _next_span(toks: list[Tok], i: int, today: date) -> P.Period | None:
    """ "в ближайшие N дней/недель/месяцев", "в ближайшую неделю", "next 10 days"."""
    count = 1
    j = i + 1
    span = _int_span(toks, j)
    if span is not None:
        count = span[0]
        j += span[1]
    if j >= len(toks):
        return None
    unit = toks[j].lemma
    if not 0 < count <= 400:
        return None  # "в ближайшие 100000 дней" is not a plan horizon
    if unit in {"день", "days", "day", "сутки"}:
        days = count
    elif unit in {"неделя", "week", "weeks"}:
        days = 7 * count
    elif unit in {"месяц", "month", "months"}:
        y, m = P.shift_month(today.year, today.month, count)
        try:
            end = date(y, m, today.day)
        except ValueError:
            end = P.month_period(y, m)[1] + timedelta(days=1)
        for k in range(i, j + 1):
            toks[k].used = True
        return today, end - timedelta(days=1)
    else:
        return None
    for k in range(i, j + 1):
        toks[k].used = True
    return P.next_days(today, days)


def _quarter(toks: list[Tok], i: int, today: date, backward: bool) -> P.Period | None:
    w = toks[i].text
    number = int(w[1]) if re.fullmatch(r"q[1-4]", w) else None
    if number is None:
        j = _back(toks, i)
        number = _ordinal_at(toks, j)
        if number is not None and 1 <= number <= 4:
            toks[j].used = True
        else:
            # "квартал 3", "quarter 2"
            number = _ordinal_at(toks, i + 1)
            if number is not None and 1 <= number <= 4:
                toks[i + 1].used = True
            else:
                number = None
    if number is None:
        shift = _modifier_before(toks, i)
        if shift is None:
            return None
        toks[i].used = True
        y, m = P.shift_month(today.year, (today.month - 1) // 3 * 3 + 1, 3 * shift)
        return P.quarter_period(y, (m - 1) // 3 + 1)
    toks[i].used = True
    year = _year_after(toks, i, today)
    if year is not None:
        return P.quarter_period(year, number)
    return P.nearest_quarter(today, number, backward=backward)


def _half(toks: list[Tok], i: int, today: date, backward: bool) -> P.Period | None:
    j = _back(toks, i)
    number = _ordinal_at(toks, j)
    if number in (1, 2):
        toks[i].used = toks[j].used = True
        year = _year_after(toks, i, today)
        if year is not None:
            return P.half_period(year, number)
        return P.nearest_half(today, number, backward=backward)
    shift = _modifier_before(toks, i)
    if shift is None:
        return None
    toks[i].used = True
    current = 1 if today.month <= 6 else 2
    index = today.year * 2 + current - 1 + shift
    return P.half_period(index // 2, index % 2 + 1)


def _school_year(toks: list[Tok], i: int, today: date) -> P.Period | None:
    if i + 1 >= len(toks) or toks[i + 1].lemma not in {"год", "year"}:
        return None
    toks[i].used = toks[i + 1].used = True
    # An explicit "2025/2026 учебный год" or "учебный год 2025-2026".
    for j in (*range(i - 1, max(i - 4, -1), -1), i + 2, i + 3):
        year = _year_at(toks, j)
        if year is not None:
            toks[j].used = True
            prev = _year_at(toks, j - 1) if j < i else None
            if prev is not None:
                toks[j - 1].used = True
                return P.school_year_period(prev)
            nxt = _year_at(toks, j + 1)
            if nxt is not None:
                toks[j + 1].used = True
            return P.school_year_period(year)
    shift = _modifier_before(toks, i) or 0
    return P.school_year_period(P.school_year_start(today) + shift)


# ---------------------------------------------------------------------------------------------
# People


@dataclass(frozen=True)
class _Person:
    surname: str  # as written in the directory, nominative
    initials: str  # folded letters, "ев"


@dataclass(frozen=True)
class _Directory:
    people: tuple[_Person, ...]
    forms: dict[str, tuple[int, ...]]  # folded surface form → indexes into people
    keys: tuple[str, ...]


def _split_person(entry: str) -> _Person | None:
    words = entry.replace(",", " ").split()
    if not words:
        return None
    named = [w for w in words if "." not in w and len(w) > 2]
    if not named:
        return None
    surname = named[-1] if "." in words[0] else named[0]
    rest = [w for w in words if w != surname]
    initials = "".join(ch for w in rest for ch in w if ch.isalpha() and ch.isupper())
    if not initials:
        initials = "".join(w[0] for w in rest if w[:1].isalpha())
    return _Person(surname, fold(initials))


@lru_cache(maxsize=32)
def _directory(people: tuple[str, ...]) -> _Directory:
    entries: list[_Person] = []
    forms: dict[str, list[int]] = {}
    for entry in people:
        person = _split_person(entry)
        if person is None:
            continue
        index = len(entries)
        entries.append(person)
        base = fold(person.surname)
        words = {base}
        for p in parses(base):
            if "Surn" in p.tag:
                words.update(fold(f.word) for f in p.lexeme)
        if len(words) == 1:
            # Not in pymorphy's surname model: cover the usual endings by hand.
            endings: tuple[str, ...]
            if base.endswith(("ь", "й")):
                stem, endings = base[:-1], ("я", "ю", "ем", "е", "ей")
            elif base.endswith(("а", "я")):
                stem, endings = base[:-1], ("а", "у", "ой", "ою", "ую", "е", "ы", "ым", "ых")
            else:
                stem, endings = base, ("а", "у", "ом", "ым", "е", "ой", "ою", "ую", "ы")
            words.update(stem + e for e in endings)
        for word in words:
            forms.setdefault(word, []).append(index)
    return _Directory(
        tuple(entries), {k: tuple(dict.fromkeys(v)) for k, v in forms.items()}, tuple(forms)
    )


_OBLIQUE_BEFORE = {"у", "для", "от", "к", "по", "с", "со", "при", "задача", "дело", "пункт",
                   "мероприятие", "поручение", "план", "срок", "долг", "просрочка", "отчет",
                   "сводка", "за", "про", "о", "об"}  # fmt: skip
_NOT_NAMES = {"VERB", "INFN", "PREP", "CONJ", "PRCL", "NPRO", "ADVB", "PRED", "INTJ", "NUMR",
              "COMP", "GRND"}  # fmt: skip


def _surname_score(word: str) -> float:
    return float(sum(p.score for p in parses(word) if "Surn" in p.tag))


def _is_candidate(t: Tok) -> bool:
    return (
        not t.used
        and len(t.raw) >= 3
        and t.raw.isalpha()
        and "а" <= t.raw[0] <= "я"
        and t.lemma not in NON_TOPIC
        and t.raw not in NON_TOPIC
        and _month_of(t) is None
    )


def _initials_near(toks: list[Tok], i: int) -> str | None:
    for j in (i + 1, i - 1):
        if 0 <= j < len(toks) and toks[j].initials is not None:
            return toks[j].initials
    return None


def _nominative(word: str, toks: list[Tok], i: int) -> str:
    """The surname lemma in the nominative, keeping the feminine form for women."""
    surn = [p for p in parses(word) if "Surn" in p.tag]
    if any("Fixd" in p.tag or "ms-f" in p.tag for p in surn[:1]):
        result = word
    else:
        genders = {p.tag.gender for p in surn}
        feminine = genders == {"femn"}
        if genders >= {"femn", "masc"}:
            # "изотова" is masc gent or femn nomn: an oblique context means the man; a name
            # standing alone, at the start or beside its initials, reads as nominative.
            prev = toks[i - 1].lemma if i > 0 else None
            beside_initials = _initials_near(toks, i) is not None
            nominative_femn = any(p.tag.gender == "femn" and p.tag.case == "nomn" for p in surn)
            feminine = nominative_femn and (
                beside_initials or prev is None or prev not in _OBLIQUE_BEFORE
            )
            if prev in _OBLIQUE_BEFORE and not beside_initials:
                feminine = False
        if feminine:
            femn = next(p for p in surn if p.tag.gender == "femn")
            inflected = femn.inflect({"nomn"})
            result = inflected.word if inflected else word
        else:
            result = surn[0].normal_form if surn else word
    result = fold(result) if "ё" not in word else result
    return result[:1].upper() + result[1:]


def _find_person(scan: _Scan, people: tuple[str, ...]) -> str | None:
    toks = scan.toks
    directory = _directory(people) if people else None
    if directory is not None and directory.people:
        for i, t in enumerate(toks):
            if not _is_candidate(t):
                continue
            hits = directory.forms.get(t.raw)
            if hits is None and len(t.raw) >= 4:
                best = process.extractOne(
                    t.raw, directory.keys, scorer=fuzz.ratio, score_cutoff=84
                )
                hits = directory.forms[best[0]] if best else None
            if hits:
                t.used = True
                initials = _initials_near(toks, i)
                oblique = i > 0 and toks[i - 1].lemma in _OBLIQUE_BEFORE and initials is None
                chosen = _pick(directory, hits, t.raw, initials, oblique=oblique)
                return directory.people[chosen].surname
    for i, t in enumerate(toks):
        if _is_candidate(t) and t.pos not in _NOT_NAMES and _surname_score(t.raw) >= 0.1:
            t.used = True
            return _nominative(t.raw, toks, i)
    return None


def _pick(
    directory: _Directory, hits: tuple[int, ...], word: str, initials: str | None, *,
    oblique: bool,
) -> int:  # fmt: skip
    """Choose among namesakes: by initials, then by the case the context calls for."""
    if len(hits) == 1:
        return hits[0]
    people = directory.people
    if initials:
        same = [h for h in hits if people[h].initials.startswith(initials)]
        if same:
            hits = tuple(same)
    genders = {p.tag.gender for p in parses(word) if "Surn" in p.tag}
    wanted_feminine: bool | None = None
    if genders == {"femn"}:
        wanted_feminine = True
    elif genders == {"masc"} or (oblique and "masc" in genders):
        # "у Иванова" is Иванов in the genitive, though "Иванова" is also a nominative.
        wanted_feminine = False
    if wanted_feminine is not None:
        same = [h for h in hits if _feminine(people[h].surname) == wanted_feminine]
        if same:
            hits = tuple(same)
    exact = [h for h in hits if fold(people[h].surname) == word]
    return exact[0] if exact else hits[0]


def _feminine(surname: str) -> bool:
    return fold(surname).endswith(("а", "я"))


# ---------------------------------------------------------------------------------------------
# Intent


def _negated(toks: list[Tok], i: int) -> bool:
    # Bounded by the end: callers look ahead ("what did I not finish", i + 3).
    return any(toks[j].text in NEGATIONS for j in range(max(i - 3, 0), min(i, len(toks))))


def _self_mentioned(toks: list[Tok]) -> bool:
    for i, t in enumerate(toks):
        if t.lemma in SELF or t.text in SELF:
            if t.text in {"мне", "me"} and i > 0 and toks[i - 1].lemma in ADDRESSEE_VERBS:
                continue
            return True
    return False


def _negated_past_verb(toks: list[Tok]) -> bool:
    """ "не сделал", "не успел", "не выполнил": a past verb of doing, negated."""
    for i, t in enumerate(toks):
        if (
            (t.lemma in DONE_VERBS or t.text in DONE_VERBS)
            and t.pos == "VERB"
            and _negated(toks, i)
        ):
            found = parses(t.text)
            if found and "past" in found[0].tag:
                return True
    return False


def _status_words(toks: list[Tok]) -> tuple[bool, bool, bool, bool]:
    """(overdue, open, done, not_reported) as the words say them."""
    overdue = open_ = done = not_reported = False
    has_report = any(t.lemma in REPORT_WORDS or t.text in REPORT_WORDS for t in toks)
    who = any(t.text in {"кто", "who"} for t in toks)
    for i, t in enumerate(toks):
        neg = _negated(toks, i)
        lem = t.lemma
        reports = lem in {"отчитаться", "отчитываться", "reported", "report"} and neg
        submits = lem in SUBMIT_VERBS and neg and (has_report or who)
        if reports or submits or t.raw.startswith("неотчит"):
            not_reported = True
        elif lem in OVERDUE_WORDS or t.text in OVERDUE_WORDS:
            overdue = True
        elif lem in DONE_VERBS or t.text in DONE_VERBS:
            if t.pos == "VERB" and "past" in parses(t.text)[0].tag:
                if neg:
                    overdue = True
                else:
                    done = True
            elif t.pos in {"PRTS", "PRTF"} or t.text in {"done", "completed", "finished"}:
                if neg:
                    open_ = True
                else:
                    done = True
            elif t.text in {"did", "do", "finish", "complete"} and (neg or _negated(toks, i + 3)):
                # "what did I not do", "what didn't I finish"
                overdue = True
        elif lem in OPEN_WORDS or t.text in OPEN_WORDS or t.raw.startswith(("невыполн", "несдел")):
            open_ = True
        elif lem in DONE_WORDS or t.text in DONE_WORDS:
            if neg:
                open_ = True
            else:
                done = True
    if not_reported:
        overdue = open_ = done = False
    return overdue, open_, done, not_reported


def _topic(scan: _Scan, *, anywhere: bool) -> str | None:
    """Content words after a topic marker ("по ВПР", "про олимпиаду"); with `anywhere`, any."""
    words: list[str] = []
    after_marker = False
    for t in scan.toks:
        if t.text in TOPIC_MARKERS:
            after_marker = True
            continue
        if t.used or t.initials is not None:
            continue
        if not (after_marker or anywhere):
            continue
        if not _is_topic_word(t, after_marker=after_marker):
            continue
        words.append(t.text if t.text in ABBREVIATIONS else t.lemma)
    words = list(dict.fromkeys(words))
    return " ".join(words) if words else None


def _is_topic_word(t: Tok, *, after_marker: bool = False) -> bool:
    if t.lemma in NON_TOPIC or t.text in NON_TOPIC or t.text.isdigit() or len(t.text) < 2:
        return False
    if t.text in ABBREVIATIONS:
        return True
    found = parses(t.text)
    tag = found[0].tag if found else None
    if tag is None or t.pos is None:
        # Latin words and unknown tokens: keep Latin words (English topics), drop noise.
        return t.text.isascii() and t.text.isalpha() and len(t.text) >= 3
    if "Name" in tag or "Patr" in tag:
        return False
    if after_marker and t.pos == "NOUN" and len(t.text) >= 6 and t.text.isalpha():
        # "по самообследованию": a term of the field pymorphy does not know is still a topic.
        return "а" <= t.text[0] <= "я"
    return t.pos in {"NOUN", "ADJF", "PRTF"} and is_known(t.text)


# Intents whose bare month/quarter means the one that has already begun (a report for May
# asked in November is about the May just gone); see periods.resolve_year.
BACKWARD_INTENTS = {"summary", "not_reported", "overdue"}


def parse_query(
    text: str,
    *,
    today: date,
    people: Sequence[str] = (),
    plan: tuple[int, int] | None = None,
) -> Query:
    """Understand one question. Never raises: anything it cannot read is intent "unknown".

    `plan`: the first and last year of the asker's plan; a month named without a year is
    then looked for inside it.
    """
    return _understood(text or "", today, tuple(people), plan)


@lru_cache(maxsize=1024)
def _understood(
    text: str, today: date, people: tuple[str, ...], plan: tuple[int, int] | None
) -> Query:
    """`_parse`, kept for questions asked again: the same words, day, names and plan years
    give the same (frozen) Query, and reading a question (morphology, fuzzy names) costs
    0.15-0.2 ms a time."""
    try:
        return _parse(text, today, people, plan)
    except Exception:  # user text must never crash the bot; the log keeps the evidence
        log.exception("query not understood: %r", text)
        return Query(intent="unknown")


def _parse(
    text: str, today: date, people: tuple[str, ...], plan: tuple[int, int] | None = None
) -> Query:
    if not text.strip():
        return Query(intent="unknown")
    scan = _scan(text)
    toks = scan.toks
    if scan.number is not None:
        # "кто ещё не отчитался по пункту 2.1" asks who has not reported on 2.1.
        if _status_words(toks)[3]:
            return Query(intent="not_reported", number=scan.number)
        return Query(intent="by_number", number=scan.number)
    if text.strip().startswith("/"):
        command = fold(text.strip()[1:].split()[0]) if text.strip()[1:].split() else ""
        if command in {"help", "start", "помощь"}:
            return Query(intent="help")

    overdue, open_, done, not_reported = _status_words(toks)
    summary = scan.has(SUMMARY_WORDS) and not not_reported
    words = {t.text for t in toks}
    if {"как", "идти"} <= scan.words and scan.has({"дело", "исполнение", "выполнение", "план"}):
        summary = True
    if "сколько" in words and (done or open_ or overdue):
        summary = True
    if summary and ("отчет" in scan.words or "report" in words) and overdue:
        summary = False
    if summary and ({"как", "дело"} <= scan.words) and not scan.has(SUMMARY_WORDS):
        summary = False
    helps = (
        scan.has(HELP_WORDS)
        or ("уметь" in scan.words and bool(words & {"ты", "что", "вы"}))
        or ({"как", "пользоваться"} <= scan.words)
        or ("what" in words and "can" in words and "you" in words)
    )

    if not_reported:
        intent = "not_reported"
    elif overdue:
        intent = "overdue"
    elif summary:
        intent = "summary"
    else:
        intent = ""
    backward = intent in BACKWARD_INTENTS or (done and not open_)
    period = _find_period(scan, today, backward, plan)
    person = _find_person(scan, people)
    self_ = _self_mentioned(toks)
    for t in toks:
        if t.lemma in SELF or t.text in SELF:
            t.used = True
    if person is None and (self_ or (intent == "overdue" and _negated_past_verb(toks))):
        # "что не сделал в марте": a past verb without a subject is the asker's own.
        person = ME
    status = "overdue" if overdue else ("open" if open_ else ("done" if done else None))

    base = Query(intent="unknown", person=person, status_filter=status)
    if period is not None:
        base = replace(base, period_start=period[0], period_end=period[1])

    if helps and not period and person in (None, ME) and _topic(scan, anywhere=False) is None:
        return Query(intent="help")
    if intent == "not_reported":
        return replace(base, intent=intent, person=None, status_filter=None)
    if intent == "overdue":
        return replace(base, intent=intent, topic=_topic(scan, anywhere=False))
    if intent == "summary":
        return replace(base, intent=intent, status_filter=None, topic=_topic(scan, anywhere=False))

    topic = _topic(scan, anywhere=False)
    if person is None and topic is not None and status is None:
        return replace(base, intent="search", topic=topic)
    if person not in (None, ME):
        return replace(base, intent="person_items", topic=topic)
    listing = scan.has(LISTING_WORDS) or "что" in words or "what" in words
    if person == ME or period is not None or status is not None or (listing and topic):
        return replace(base, intent="my_items", person=ME, topic=topic)
    short_listing = len(toks) <= 4 and scan.has(LISTING_WORDS)
    if listing and short_listing and not (words & SMALLTALK_WORDS):
        return replace(base, intent="my_items", person=ME)
    if scan.has(SMALLTALK_WORDS) and _topic(scan, anywhere=True) is None:
        return Query(intent="smalltalk")
    loose = _topic(scan, anywhere=True)
    if loose is not None and _all_known(scan):
        return replace(base, intent="search", topic=loose)
    return Query(intent="unknown")


def _all_known(scan: _Scan) -> bool:
    """A bare word list reads as a search only when its words are real words or known acronyms."""
    content = [t for t in scan.toks if not t.used and _is_topic_word(t)]
    return bool(content) and all(
        t.text in ABBREVIATIONS or (is_known(t.text) and not t.text.isascii()) for t in content
    )
