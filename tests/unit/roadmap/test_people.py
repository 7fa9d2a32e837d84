"""Responsible cells: persons (case forms, ё, spacing, typos) and units (learned, split)."""

from __future__ import annotations

import pytest

from bot.roadmap.people import PeopleIndex, find_names, normalise_person


def resolve_all(cells: list[str]) -> tuple[list[tuple[list[str], list[str]]], list[str]]:
    index = PeopleIndex()
    parts = [index.add(c) for c in cells]
    index.finish()
    return [index.resolve(p) for p in parts], index.joins


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Воропаева Е.В.", "Воропаева Е.В."),
        ("Воропаевой Е.В.", "Воропаева Е.В."),
        ("Изотовой А.И.", "Изотова А.И."),
        ("Боброву В.С.", "Бобров В.С."),
        ("Воропаева Е. В.", "Воропаева Е.В."),
        ("Вайткене О.В.", "Вайткене О.В."),  # indeclinable: left alone
        ("Потапенко С.М.", "Потапенко С.М."),
        ("Г.А.Лисичкина", "Лисичкина Г.А."),
        ("С.А. Заварина", "Заварина С.А."),
        ("заведующий Быков Ю.В., советник", "Быков Ю.В."),
    ],
)
def test_name_normalisation(raw: str, expected: str):
    assert normalise_person(raw) == expected


def test_no_name_in_unit_text():
    assert normalise_person("МО КО, ГБУ ДО КО КОИРО") is None
    assert find_names("Отдел общего образования, МКУ «ЦРО»") == []


def test_case_forms_join_the_nominative_the_document_uses():
    # "Воропаеву" could be a man's dative (Воропаев) or a woman's accusative (Воропаева):
    # the document's own nominative decides.
    results, joins = resolve_all(
        ["Воропаева Е.В., заместитель директора", "Воропаеву Е.В.", "Воропаевой Е.В."]
    )
    assert [persons for persons, _ in results] == [["Воропаева Е.В."]] * 3
    assert any("Воропаеву Е.В. → Воропаева Е.В." in j for j in joins)


def test_yo_and_e_are_one_person():
    results, _ = resolve_all(["Семёнова А.А.", "Семенова А.А.", "Семёнова А.А."])
    assert len({p for persons, _ in results for p in persons}) == 1


def test_typo_joins_into_the_frequent_spelling_and_is_reported():
    cells = ["Изотова А.И., заместитель директора"] * 5 + ["Изогова А.И., заместитель директора"]
    results, joins = resolve_all(cells)
    assert {p for persons, _ in results for p in persons} == {"Изотова А.И."}
    assert joins == ["Изогова А.И. → Изотова А.И. (probable typo: 1 mention(s) against 5)"]


def test_different_initials_are_different_people():
    results, joins = resolve_all(["Иванова А.И."] * 3 + ["Иванова Б.И."])
    assert {p for persons, _ in results for p in persons} == {"Иванова А.И.", "Иванова Б.И."}
    assert joins == []


def test_positions_are_not_assignees():
    results, _ = resolve_all(
        ["Вайткене О.В., заместитель директора Быков Ю.В., советник",
         "Бобров В.С., Воропаева Е.В., заместители директора"]
    )  # fmt: skip
    assert results[0] == (["Вайткене О.В.", "Быков Ю.В."], [])
    assert results[1] == (["Бобров В.С.", "Воропаева Е.В."], [])


def test_space_separated_units_split_by_longest_match():
    cells = ["МО КО, ГБУ ДО КО КОИРО, ГБУ КО «РЦО», МОУО, ОО",
             "МО КО ГБУ ДО КО КОИРО ГБУ КО «РЦО» МОУО ОО"]  # fmt: skip
    results, _ = resolve_all(cells)
    expected = ["МО КО", "ГБУ ДО КО КОИРО", "ГБУ КО «РЦО»", "МОУО", "ОО"]
    assert results[0][1] == expected
    assert results[1][1] == expected


def test_units_learned_from_comma_separated_cells():
    results, _ = resolve_all(["ГБУ КО ЦЕНТР ТЕСТ, МОУО", "МОУО ГБУ КО ЦЕНТР ТЕСТ ОО"])
    assert results[1][1] == ["МОУО", "ГБУ КО ЦЕНТР ТЕСТ", "ОО"]


def test_unknown_tokens_between_known_units_form_one_unit():
    results, _ = resolve_all(["ГБУ ДО КО КИРО МОУО"])
    assert results[0][1] == ["ГБУ ДО КО КИРО", "МОУО"]


def test_worded_units_stay_whole_and_qualifiers_stay_attached():
    results, _ = resolve_all(
        [
            "Отдел общего образования, МКУ «ЦРО», общеобразовательные организации",
            "Общеобразовательные организации, имеющие необъективные признаки оценивания",
            "руководители ОО",
            'МКУ "Управление образования"',
        ]
    )
    assert results[0][1] == [
        "Отдел общего образования",
        "МКУ «ЦРО»",
        "Общеобразовательные организации",
    ]
    assert results[1][1] == [
        "Общеобразовательные организации, имеющие необъективные признаки оценивания"
    ]
    assert results[2][1] == ["Руководители ОО"]
    assert results[3][1] == ["МКУ «Управление образования»"]


def test_mixed_persons_and_units():
    results, _ = resolve_all(["Комитет, Бобров В.С., заместитель директора"])
    assert results[0] == (["Бобров В.С."], ["Комитет"])
