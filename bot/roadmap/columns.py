"""Which column of a plan's table is which: header cells scored against every column role.

Real plans name their columns in many ways: the measure is `Мероприятие`, `Направления
деятельности`, `Содержание работы`, `Перечень мероприятий`; the deadline `Сроки`, `Плановый
срок исполнения`, `Установленные сроки проведения мероприятия`, `Дата`, `Период`; the
responsible `Ответственный`, `Исполнители`, `Кто`. A header cell is lemmatised (pymorphy3) and
each lemma is looked up, exactly or fuzzily (rapidfuzz, for typos and recognition errors),
in each role's vocabulary; the cell's score for a role is the sum of the weights found. The
table's columns are then given the assignment of roles with the highest total score, each
role at most once (so `Установленные сроки проведения мероприятия` is the deadline when
another column is a better measure column, though it mentions «мероприятие»). A number
column may have an empty header: the numbers below it tell.

Pure: no Telegram, no database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz import fuzz

from bot.morph import lemma
from bot.roadmap.textnorm import norm_key

NUMBER, TITLE, DEADLINE, RESPONSIBLE, DOCTYPE, RESULT = (
    "number",
    "title",
    "deadline",
    "responsible",
    "document_type",
    "expected_result",
)
OTHER = "other"  # a column the importer knows it does not need (remarks, marks, classes …)
ROLES = (NUMBER, TITLE, DEADLINE, RESPONSIBLE, DOCTYPE, RESULT)
REQUIRED = (TITLE, DEADLINE)

# lemma -> weight, per role. A header scores for a role by the lemmas it holds.
VOCABULARY: dict[str, dict[str, float]] = {
    TITLE: {
        "мероприятие": 2.0, "наименование": 2.0, "содержание": 2.0, "направление": 1.6,
        "перечень": 1.5, "мера": 1.6, "деятельность": 0.8, "работа": 0.8, "действие": 1.0,
        "задача": 1.2, "пошаговый": 1.0, "вид": 0.4, "тема": 1.5, "название": 2.0,
        "мероприятия": 2.0,
    },
    DEADLINE: {
        "срок": 3.0, "дата": 3.0, "период": 2.5, "время": 1.5, "когда": 2.5, "график": 1.5,
        "окончание": 1.2, "исполнение": 0.5, "выполнение": 0.5, "проведение": 0.5,
        "плановый": 0.4, "реализация": 0.3, "месяц": 1.5, "сроки": 3.0,
    },
    RESPONSIBLE: {
        "ответственный": 3.0, "исполнитель": 3.0, "кто": 3.0, "ответственность": 2.5,
        "лицо": 0.8, "соисполнитель": 2.5, "исполнять": 1.0, "участник": 1.2,
    },
    DOCTYPE: {"документ": 2.0, "вид": 0.8, "форма": 0.8},
    RESULT: {
        "результат": 3.0, "ожидать": 1.0, "ожидаемый": 1.0, "показатель": 1.5, "итог": 1.0,
        "продукт": 1.5, "индикатор": 1.5, "эффект": 1.2,
    },
    OTHER: {
        "отметка": 3.5, "примечание": 3.5, "корректировка": 3.5, "класс": 3.0,
        "финансирование": 3.5, "источник": 2.5, "объем": 2.5, "стоимость": 3.0,
        "контроль": 1.0, "комментарий": 3.5, "статус": 3.0, "информация": 1.0,
        "приложение": 1.5, "сумма": 3.0, "рубль": 3.0, "бюджет": 3.0,
    },
}  # fmt: skip
_NUMBER_HEADER = re.compile(r"^(?:№|n|no|нн|номер|п/п|пп)(?:\s*(?:п/п|пп|п\.п\.|п\s*/\s*п))?\.?$")
MEASURE_NUMBER = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*)[.)]?$")
_WORD = re.compile(r"[a-zа-яё]+")
MIN_SCORE = 1.4  # a role needs at least this much evidence in a header cell
MAX_HEADER_CHARS = 90


@lru_cache(maxsize=4096)
def _lemmas(text: str) -> tuple[str, ...]:
    return tuple(lemma(w) for w in _WORD.findall(text))


@lru_cache(maxsize=8192)
def _word_weight(word: str, role: str) -> float:
    vocabulary = VOCABULARY[role]
    if word in vocabulary:
        return vocabulary[word]
    if len(word) >= 5:
        for known, weight in vocabulary.items():
            if len(known) >= 5 and fuzz.ratio(word, known) >= 85:
                return weight * 0.9
    return 0.0


@lru_cache(maxsize=4096)
def role_scores(text: str) -> dict[str, float]:
    """How strongly one header cell names each role (0 for none)."""
    key = norm_key(text)
    if not key or len(key) > MAX_HEADER_CHARS:
        return {}
    if _NUMBER_HEADER.match(key.replace(" ", "")) or _NUMBER_HEADER.match(key):
        return {NUMBER: 5.0}
    scores: dict[str, float] = {}
    words = _lemmas(key)
    for role in (*ROLES[1:], OTHER):
        total = sum(_word_weight(w, role) for w in dict.fromkeys(words))
        if total >= MIN_SCORE:
            scores[role] = total
    return scores


def column_kind(text: str) -> str | None:
    """The role a header cell names best on its own, or None."""
    scores = role_scores(text)
    if not scores:
        return None
    role = max(scores, key=lambda r: scores[r])
    return None if role == OTHER else role


def _number_column(data: Sequence[Sequence[str]], index: int) -> bool:
    """Whether the cells under an empty header are mostly measure numbers."""
    values = [row[index].strip() for row in data if index < len(row) and row[index].strip()]
    if len(values) < 2:
        return False
    numbered = sum(1 for v in values if MEASURE_NUMBER.match(v))
    return numbered >= 0.6 * len(values)


def assign(cells: Sequence[str], data: Sequence[Sequence[str]] = ()) -> dict[str, int]:
    """The best assignment of roles to the columns of a header row: role -> column index.

    Each role goes to at most one column and each column takes at most one role; the total
    score is maximised (ties go to the leftmost column). `data` (the rows under the header,
    as texts) lets an empty header be the number column.
    """
    options: list[dict[str, float]] = []
    for i, text in enumerate(cells):
        scores = dict(role_scores(text))
        if not text.strip() and data and _number_column(data, i):
            scores = {NUMBER: 4.0}
        scores.pop(OTHER, None)
        options.append(scores)
    # Exact search over role subsets (6 roles: 64 states) column by column.
    roles = list(ROLES)
    best: dict[int, tuple[float, dict[str, int]]] = {0: (0.0, {})}
    for column, scores in enumerate(options):
        nxt = dict(best)
        for used, (total, chosen) in best.items():
            for role, score in scores.items():
                bit = 1 << roles.index(role)
                if used & bit:
                    continue
                candidate = (total + score, {**chosen, role: column})
                state = used | bit
                if state not in nxt or candidate[0] > nxt[state][0] + 1e-9:
                    nxt[state] = candidate
        best = nxt
    _, chosen = max(best.values(), key=lambda item: (round(item[0], 6), -len(item[1])))
    return chosen


def header_map(cells: Sequence[str], data: Sequence[Sequence[str]] = ()) -> dict[str, int] | None:
    """The columns of a header row, or None when the row is not a header.

    A header names at least two roles, one of them the measure, the deadline or the
    responsible; it holds no date and no long text (that is a data row).
    """
    texts = [c for c in cells if c.strip()]
    if len(texts) < 2 or any(len(norm_key(c)) > MAX_HEADER_CHARS for c in texts):
        return None
    if any(re.search(r"\d{1,2}\.\d{1,2}\.\d{2,4}", c) for c in texts):
        return None
    found = assign(cells, data)
    if len(found) >= 2 and (TITLE in found or DEADLINE in found or RESPONSIBLE in found):
        return found
    return None


def could_be(cells: Sequence[str], role: str) -> bool:
    """Whether any cell of a header could name `role` at all."""
    return any(role in role_scores(c) for c in cells)
