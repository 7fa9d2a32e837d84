"""What the units of a plan's responsible column are: the owner, member organisations,
groups of people, institutions of their own, bodies above the owner.

One dictionary of the names the field uses (see ../shared/spec/municipal-plans.md) does most
of the work; a few patterns cover the rest (a department of the owner, a plural role such as
«классные руководители», an institution «МАУ «Центр …»»). `classify(name)` gives a
`UnitInfo`; `KNOWN_UNITS` are the display forms the importer splits run-together cells by.

Pure: no Telegram, no database. Kinds and member groups are `bot.roadmap.model.UnitKind` and
`MemberGroup`; their JSON values are the contract of `roadmap-bot parse --format json`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.morph import parses
from bot.roadmap.model import MemberGroup, UnitInfo, UnitKind

OWNER = UnitKind.OWNER
MEMBERS = UnitKind.MEMBER_ORGANISATIONS
PEOPLE = UnitKind.PEOPLE_GROUP
ORGANISATION = UnitKind.ORGANISATION
EXTERNAL = UnitKind.EXTERNAL
SCHOOLS, KINDERGARTENS, SUPPLEMENTARY, ALL, SUBSET = (
    MemberGroup.ALL_SCHOOLS,
    MemberGroup.KINDERGARTENS,
    MemberGroup.SUPPLEMENTARY,
    MemberGroup.ALL_MEMBERS,
    MemberGroup.SUBSET,
)

# Display form -> (kind, member group). Keys are compared by `unit_key`.
DICTIONARY: dict[str, tuple[UnitKind, MemberGroup | None]] = {
    # The owner (a municipal education office) and its departments.
    "МОУО": (OWNER, None),
    "УО": (OWNER, None),
    "Комитет": (OWNER, None),
    "Комитет по образованию": (OWNER, None),
    "Управление образования": (OWNER, None),
    "МКУ «Управление образования»": (OWNER, None),
    "Департамент образования": (OWNER, None),
    "Отдел образования": (OWNER, None),
    "Отдел общего образования": (OWNER, None),
    "ОМСУ": (OWNER, None),
    "Администрация": (OWNER, None),
    "Администрация школы": (OWNER, None),
    # Member organisations.
    "ОО": (MEMBERS, SCHOOLS),
    "ОУ": (MEMBERS, SCHOOLS),
    "ОО (руководители)": (MEMBERS, SCHOOLS),
    "Руководители ОО": (MEMBERS, SCHOOLS),
    "Руководители ОУ": (MEMBERS, SCHOOLS),
    "Общеобразовательные организации": (MEMBERS, SCHOOLS),
    "Общеобразовательные учреждения": (MEMBERS, SCHOOLS),
    "Руководители общеобразовательных организаций": (MEMBERS, SCHOOLS),
    "Директора школ": (MEMBERS, SCHOOLS),
    "Директора ОО": (MEMBERS, SCHOOLS),
    "Школы": (MEMBERS, SCHOOLS),
    "Образовательные организации": (MEMBERS, ALL),
    "Руководители образовательных организаций": (MEMBERS, ALL),
    "МОУ": (MEMBERS, ALL),
    "ДОО": (MEMBERS, KINDERGARTENS),
    "ДОУ": (MEMBERS, KINDERGARTENS),
    "Руководители ДОО": (MEMBERS, KINDERGARTENS),
    "Дошкольные образовательные организации": (MEMBERS, KINDERGARTENS),
    "УДО": (MEMBERS, SUPPLEMENTARY),
    "ОДО": (MEMBERS, SUPPLEMENTARY),
    "Организации дополнительного образования": (MEMBERS, SUPPLEMENTARY),
    "Учреждения дополнительного образования": (MEMBERS, SUPPLEMENTARY),
    "ШНОР": (MEMBERS, SUBSET),
    "ШССУ": (MEMBERS, SUBSET),
    "ОО с низкими результатами": (MEMBERS, SUBSET),
    "ОО с низкими образовательными результатами": (MEMBERS, SUBSET),
    # Groups of people.
    "ММО": (PEOPLE, None),
    "РМО": (PEOPLE, None),
    "ГМО": (PEOPLE, None),
    "ШМО": (PEOPLE, None),
    "Руководители ММО": (PEOPLE, None),
    "Руководители РМО": (PEOPLE, None),
    "Руководители ШМО": (PEOPLE, None),
    "МРГ": (PEOPLE, None),
    "Рабочая группа": (PEOPLE, None),
    "Муниципальная рабочая группа": (PEOPLE, None),
    "Творческая группа": (PEOPLE, None),
    "Методический совет": (PEOPLE, None),
    "Педагогический совет": (PEOPLE, None),
    "Классные руководители": (PEOPLE, None),
    "Кл. руководители": (PEOPLE, None),
    "Учителя-предметники": (PEOPLE, None),
    # Institutions of the owner's own (not schools).
    "ИМЦ": (ORGANISATION, None),
    "ММЦ": (ORGANISATION, None),
    "РМЦ": (ORGANISATION, None),
    "Методический центр": (ORGANISATION, None),
    "ППМС-центр": (ORGANISATION, None),
    "ППМС": (ORGANISATION, None),
    "ПМПК": (ORGANISATION, None),
    "ЦРО": (ORGANISATION, None),
    "МКУ «ЦРО»": (ORGANISATION, None),
    "ОВРиДО": (OWNER, None),
    # Above the owner: the region's ministry and institutes, federal bodies.
    "МО КО": (EXTERNAL, None),
    "МО": (EXTERNAL, None),
    "Министерство": (EXTERNAL, None),
    "Минпросвещения России": (EXTERNAL, None),
    "Рособрнадзор": (EXTERNAL, None),
    "ГБУ ДО КО КОИРО": (EXTERNAL, None),
    "КОИРО": (EXTERNAL, None),
    "ГБУ КО «РЦО»": (EXTERNAL, None),
    "РЦО": (EXTERNAL, None),
    "РЦОКО": (EXTERNAL, None),
    "РЦОИ": (EXTERNAL, None),
    "ИРО": (EXTERNAL, None),
    "ИПК": (EXTERNAL, None),
    "ГБУ КО НОО ПРОД": (EXTERNAL, None),
    "ФИОКО": (EXTERNAL, None),
    "ФИПИ": (EXTERNAL, None),
    "ФЦТ": (EXTERNAL, None),
    "Федеральный организатор": (EXTERNAL, None),
    "Региональные координаторы": (EXTERNAL, None),
    "ОИВ": (EXTERNAL, None),
}
KNOWN_UNITS: tuple[str, ...] = tuple(DICTIONARY)

# Patterns for names the dictionary does not hold, tried in order.
_PATTERNS: tuple[tuple[re.Pattern[str], UnitKind, MemberGroup | None], ...] = (
    (
        re.compile(
            r"^(?:министерств|департамент\w* образования и молодежн|правительств|"
            r"федеральн|рособрнадзор|минпросвещ|минобрнаук|органы исполнительной власти|"
            r"гбу |гау |гкоу |гаоу |фгбу |фгбну |институт развития образования|"
            r"региональн\w* (?:центр|координатор|оператор))"
        ),
        EXTERNAL,
        None,
    ),
    (
        re.compile(
            r"^(?:мку |мау |мбу |мау «|муниципальн\w* казенн\w* учреждени\w* |"
            r"муниципальн\w* автономн\w* учреждени\w* )?[«\"]?управлени\w* образовани"
        ),
        OWNER,
        None,
    ),
    (re.compile(r"^(?:комитет|отдел|управлени|департамент|сектор)\b"), OWNER, None),
    (
        re.compile(r"^(?:мау|мку|мбу|мбоу до|мау до)\s+[«\"]?(?:центр|цро|имц|ммц)"),
        ORGANISATION,
        None,
    ),
    (
        re.compile(
            r"(?:методическ\w* центр|ппмс|психолого-педагогическ\w*.*центр|"
            r"центр (?:развития|психолого|диагностики|дополнительного))"
        ),
        ORGANISATION,
        None,
    ),
    (
        re.compile(r"^(?:дошкольн\w* образовательн\w*|руководител\w* доо|руководител\w* доу)"),
        MEMBERS,
        KINDERGARTENS,
    ),
    (
        re.compile(r"^(?:организаци\w*|учреждени\w*) дополнительн\w* образовани"),
        MEMBERS,
        SUPPLEMENTARY,
    ),
    (
        re.compile(
            r"^(?:общеобразовательн\w* (?:организац|учрежден)|руководител\w* "
            r"(?:оо|оу|общеобразовательн|школ)|директор\w* (?:оо|оу|школ))"
        ),
        MEMBERS,
        SCHOOLS,
    ),
    (
        re.compile(
            r"^(?:образовательн\w* (?:организац|учрежден)|руководител\w* "
            r"образовательн)"
        ),
        MEMBERS,
        ALL,
    ),
    (
        re.compile(
            r"(?:^|\s)(?:шмо|ммо|рмо|гмо|мо учителей|методическ\w* объединени|"
            r"рабоч\w* групп|творческ\w* групп|совет\b|комисси)"
        ),
        PEOPLE,
        None,
    ),
)
_SUBSET = re.compile(
    r"(?:с низкими|низких|в сложных|неблагоприятн|необъективн|"
    r"признак|резильент)"
)
_SCHOOLS_START = re.compile(r"^(?:оо|оу|школы|общеобразовательн\w*)\b")
_QUOTES = re.compile(r"[«»\"“”„]")


def unit_key(name: str) -> str:
    """Case, ё, quotes and spacing aside: the key two spellings of one unit share."""
    text = _QUOTES.sub(" ", name.lower().replace("ё", "е"))
    return " ".join(text.replace(" -", "-").replace("- ", "-").split())


_BY_KEY = {unit_key(name): (name, kind, members) for name, (kind, members) in DICTIONARY.items()}


def canonical(name: str) -> str | None:
    """The dictionary's spelling of a unit ("МКУ Управление образования»" → "МКУ «Управление
    образования»"), or None when the dictionary does not hold it."""
    found = _BY_KEY.get(unit_key(name))
    return found[0] if found else None


@lru_cache(maxsize=4096)
def plural_people(name: str, *, strict: bool = False) -> bool:
    """A plural noun of people heads the name ("учителя начальной школы", "классные
    руководители", "учителя-предметники"); "заместитель директора" is one person. With
    `strict`, a lone word that may also be a singular genitive ("директора", left over by a
    page break before a name) is no group."""
    words = name.lower().replace("ё", "е").split()
    parts = re.findall(r"[а-яё]+", words[0]) if words else []
    for word in parts:
        readings = parses(word)[:3]
        plural = [
            p.tag
            for p in readings
            if "plur" in p.tag
            and "nomn" in p.tag
            and (("NOUN" in p.tag and "anim" in p.tag) or "ADJF" in p.tag)
        ]
        if not plural:
            continue
        singular = any("sing" in p.tag for p in readings)
        if not (strict and singular) or len(words) >= 2 or len(parts) >= 2:
            return True
    return False


@lru_cache(maxsize=4096)
def _singular_person(name: str) -> bool:
    """A singular role of the owner's staff ("Библиотекарь", "Зам. директора по ВР")."""
    low = name.lower().replace("ё", "е")
    if low.startswith(("зам.", "зам ", "заместитель", "директор", "советник", "педагог",
                       "социальный педагог", "библиотекарь", "организатор", "учитель",
                       "старший", "главный", "методист", "специалист", "психолог",
                       "логопед", "завуч", "заведующ", "секретарь", "начальник")):  # fmt: skip
        words = re.findall(r"[а-яё]+", low)
        first = parses(words[0])[0].tag if words else None
        return first is not None and "plur" not in first
    return False


def classify(name: str) -> UnitInfo:
    """What one unit is (see the module docstring)."""
    key = unit_key(name)
    known = _BY_KEY.get(key)
    if known is not None:
        _, kind, members = known
        subset = name if members is SUBSET else None
        return UnitInfo(name, kind, members, subset)
    if _SCHOOLS_START.match(key) and _SUBSET.search(key):
        return UnitInfo(name, MEMBERS, SUBSET, name)
    for pattern, kind, members in _PATTERNS:
        if pattern.search(key):
            return UnitInfo(name, kind, members, name if members is SUBSET else None)
    if _singular_person(name):
        return UnitInfo(name, OWNER)
    if plural_people(name):
        return UnitInfo(name, PEOPLE)
    return UnitInfo(name, UnitKind.UNKNOWN)
