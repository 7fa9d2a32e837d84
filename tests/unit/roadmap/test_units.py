"""What units are (issue 10): owner, member organisations, groups of people, institutions,
bodies above; unit runs split right, quotes repaired, every join reported."""

from __future__ import annotations

import pytest

from bot.roadmap import parse_text
from bot.roadmap.model import MemberGroup, UnitInfo, UnitKind
from bot.roadmap.people import PeopleIndex
from bot.roadmap.units import classify

OWN, M, P, ORG, EXT, UNK = (
    UnitKind.OWNER,
    UnitKind.MEMBER_ORGANISATIONS,
    UnitKind.PEOPLE_GROUP,
    UnitKind.ORGANISATION,
    UnitKind.EXTERNAL,
    UnitKind.UNKNOWN,
)


@pytest.mark.parametrize(
    ("name", "kind", "members"),
    [
        ("МОУО", OWN, None),
        ("Комитет", OWN, None),
        ("Комитет по образованию", OWN, None),
        ("МКУ «Управление образования»", OWN, None),
        ("Управление образования администрации Озёрского округа", OWN, None),
        ("Отдел общего образования", OWN, None),
        ("ОО", M, MemberGroup.ALL_SCHOOLS),
        ("Руководители ОО", M, MemberGroup.ALL_SCHOOLS),
        ("Общеобразовательные организации", M, MemberGroup.ALL_SCHOOLS),
        ("Директора школ", M, MemberGroup.ALL_SCHOOLS),
        ("ДОО", M, MemberGroup.KINDERGARTENS),
        ("ДОУ", M, MemberGroup.KINDERGARTENS),
        ("УДО", M, MemberGroup.SUPPLEMENTARY),
        ("Организации дополнительного образования", M, MemberGroup.SUPPLEMENTARY),
        ("ШНОР", M, MemberGroup.SUBSET),
        ("ОО с низкими результатами", M, MemberGroup.SUBSET),
        ("ММО", P, None),
        ("Руководители ШМО", P, None),
        ("Муниципальная рабочая группа", P, None),
        ("МРГ", P, None),
        ("Классные руководители", P, None),
        ("Учителя-предметники", P, None),
        ("ИМЦ", ORG, None),
        ("ППМС-центр", ORG, None),
        ("МАУ «Центр развития образования»", ORG, None),
        ("МО КО", EXT, None),
        ("ГБУ ДО КО КОИРО", EXT, None),
        ("ГБУ КО «РЦО»", EXT, None),
        ("ИРО", EXT, None),
        ("Библиотекарь", OWN, None),
        ("Зам. директора по ВР", OWN, None),
        ("Клуб любителей чтения", UNK, None),
    ],
)
def test_kinds(name: str, kind: UnitKind, members: MemberGroup | None):
    info = classify(name)
    assert (info.kind, info.members) == (kind, members)


def test_a_named_subset_keeps_its_name_and_the_json_shape_is_stable():
    assert classify("ШНОР").to_json() == {
        "name": "ШНОР", "kind": "member_organisations", "members": "subset", "subset": "ШНОР"
    }  # fmt: skip
    assert classify("ММО").to_json() == {"name": "ММО", "kind": "people_group"}
    assert UnitInfo.from_json(classify("ОО").to_json()) == classify("ОО")


def resolve_units(cells: list[str]) -> tuple[list[list[str]], list[str]]:
    index = PeopleIndex()
    parts = [index.add(c) for c in cells]
    index.finish()
    return [index.resolve(p)[1] for p in parts], index.unit_joins


def test_runs_without_separators_and_lost_quotes_are_split_and_reported():
    units, joins = resolve_units(
        [
            "МКУ «Управление образования»",
            "МКУ «Управление образования» ММО",
            "МКУ Управление образования» ММО",
            "МКУ «Управление образования», «ОО",
            "МО КО ГБУ ДО КО КОИРО МКУ «Управление образования»",
        ]
    )
    assert units == [
        ["МКУ «Управление образования»"],
        ["МКУ «Управление образования»", "ММО"],
        ["МКУ «Управление образования»", "ММО"],
        ["МКУ «Управление образования»", "ОО"],
        ["МО КО", "ГБУ ДО КО КОИРО", "МКУ «Управление образования»"],
    ]
    assert "МКУ Управление образования» ММО → МКУ «Управление образования»; ММО" in joins
    assert "«ОО → ОО" in joins


def test_worded_units_run_together_are_cut_at_the_units_the_document_uses():
    units, _ = resolve_units(
        ["Кл. руководители", "Библиотекарь", "Кл. руководители Организатор",
         "Кл. руководители Организатор Библиотекарь",
         "Зам. директора по ВР Кл. руководители Организатор",
         "РМО педагогов дополнительного образования", "Учителя физической культуры ОО"]
    )  # fmt: skip
    assert units[2:] == [
        ["Кл. руководители", "Организатор"],
        ["Кл. руководители", "Организатор", "Библиотекарь"],
        ["Зам. директора по ВР", "Кл. руководители", "Организатор"],
        ["РМО педагогов дополнительного образования"],
        ["Учителя физической культуры ОО"],
    ]


def test_a_person_followed_by_plural_roles_keeps_the_roles_as_units():
    index = PeopleIndex()
    cells = [
        index.add("Иванов И.И., учителя-предметники"),
        index.add("Петрова О.С., классные руководители"),
        index.add("Петрова О.С., руководители ШМО"),
        index.add("Петрова О.С., заместитель директора"),
        index.add("Бобров В.С., Воропаева Е.В., заместители директора"),
    ]
    index.finish()
    assert [index.resolve(c) for c in cells] == [
        (["Иванов И.И."], ["Учителя-предметники"]),
        (["Петрова О.С."], ["Классные руководители"]),
        (["Петрова О.С."], ["Руководители ШМО"]),
        (["Петрова О.С."], []),
        (["Бобров В.С.", "Воропаева Е.В."], []),
    ]


def test_a_unit_named_further_on_by_its_short_name_is_one_unit():
    units, _ = resolve_units(
        ["Министерство образования и науки Республики (далее - Министерство), РЦОКО",
         "Министерство", "органы власти, осуществляющие управление (ОИВ)"]
    )  # fmt: skip
    assert units == [
        ["Министерство образования и науки Республики", "РЦОКО"],
        ["Министерство образования и науки Республики"],
        ["Органы власти, осуществляющие управление (ОИВ)"],
    ]


def test_the_municipal_plan_lists_each_unit_once_with_its_kind():
    text = (
        "План мероприятий на 2023-2025 годы\n"
        "№\tМероприятие\tСрок\tОтветственный\n"
        "1\tА\tмарт 2023\tМКУ «Управление образования»\n"
        "2\tБ\tмарт 2023\tМКУ «Управление образования» ММО\n"
        "3\tВ\tмарт 2023\tМКУ Управление образования» ОО\n"
        "4\tГ\tмарт 2023\tМКУ «Управление образования», «ОО\n"
        "5\tД\tмарт 2023\tШНОР, ДОО\n"
    )
    r = parse_text(text)
    assert [u.to_json() for u in r.unit_details] == [
        {"name": "МКУ «Управление образования»", "kind": "owner"},
        {"name": "ММО", "kind": "people_group"},
        {"name": "ОО", "kind": "member_organisations", "members": "all_schools"},
        {"name": "ШНОР", "kind": "member_organisations", "members": "subset", "subset": "ШНОР"},
        {"name": "ДОО", "kind": "member_organisations", "members": "kindergartens"},
    ]
    assert r.to_json()["units"] == [u.to_json() for u in r.unit_details]
