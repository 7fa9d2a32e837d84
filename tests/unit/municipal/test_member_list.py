"""Reading a pasted or uploaded list of member organisations."""

from __future__ import annotations

import pytest

from bot.member_list import (
    MAX_MEMBERS,
    MemberListError,
    SkipReason,
    guess_kind,
    name_key,
    parse_member_lines,
    parse_member_rows,
    short_name,
)


def test_a_pasted_list_forgives_numbering_blanks_and_repeats() -> None:
    text = """
1. МБОУ СОШ №1; Иванова Анна Петровна
2) МБОУ «СОШ № 2»

- мбоу сош № 1
• Гимназия №3\tПетров П.П.
3 Лицей
МБДОУ «Детский сад № 5»;
"""
    parsed = parse_member_lines(text)
    assert [(e.name, e.contact) for e in parsed.entries] == [
        ("МБОУ СОШ №1", "Иванова Анна Петровна"),
        ("МБОУ «СОШ № 2»", None),
        ("Гимназия №3", "Петров П.П."),
        ("Лицей", None),
        ("МБДОУ «Детский сад № 5»", None),
    ]
    assert parsed.skipped == [(5, "мбоу сош № 1", SkipReason.DUPLICATE)]


def test_the_number_sign_of_a_name_is_not_numbering() -> None:
    parsed = parse_member_lines("№ 3 школа\nСОШ № 14")
    assert [e.name for e in parsed.entries] == ["№ 3 школа", "СОШ № 14"]


def test_a_list_over_the_limit_is_refused_with_the_limit() -> None:
    text = "\n".join(f"МБОУ СОШ №{i}" for i in range(MAX_MEMBERS + 1))
    with pytest.raises(MemberListError) as refused:
        parse_member_lines(text)
    assert refused.value.code == "too_many"
    assert refused.value.params == {"limit": MAX_MEMBERS, "count": MAX_MEMBERS + 1}


def test_a_table_is_read_by_its_headers() -> None:
    parsed = parse_member_rows(
        ["№", "Наименование ОО", "ФИО директора", "Телефон"],
        [
            [1, "МБОУ СОШ №1", "Иванова А.А.", "123"],
            [2, "МБОУ СОШ №2", None, ""],
            [None, None, None, None],
            [3, "", "Без школы", ""],
        ],
    )
    assert [(e.name, e.contact, e.line) for e in parsed.entries] == [
        ("МБОУ СОШ №1", "Иванова А.А.", 2),
        ("МБОУ СОШ №2", None, 3),
    ]
    assert parsed.skipped == [(5, "Без школы", SkipReason.NO_NAME)]


def test_a_table_without_a_name_column_says_which_columns_it_saw() -> None:
    with pytest.raises(MemberListError) as refused:
        parse_member_rows(["№", "Телефон", "Адрес"], [[1, "2", "3"]])
    assert refused.value.code == "no_name_column"
    assert refused.value.params == {"columns": ["№", "Телефон", "Адрес"]}


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("МБОУ «СОШ № 3»", "school"),
        ("МКОУ ООШ с. Ивановка", "school"),
        ("МОУ НОШ №5", "school"),
        ('МБОУ "Гимназия №1"', "school"),
        ("Лицей 23", "school"),
        ("МАДОУ «Детский сад № 12 «Сказка»»", "kindergarten"),
        ("МБДОУ №12", "kindergarten"),
        ("МБУ ДО «ДДТ»", "supplementary"),
        ("МАУДО ЦДО", "supplementary"),
        ("МБОУ ДО ДЮСШ", "supplementary"),
        ("Детская школа искусств №2", "supplementary"),
        ("МАУ «Информационно-методический центр»", "centre"),
        ("ППМС-центр", "centre"),
        ("Управление образования", "other"),
    ],
)
def test_the_kind_of_an_organisation_comes_from_its_name(name: str, kind: str) -> None:
    assert guess_kind(name) == kind


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("МБОУ «СОШ № 3»", "СОШ №3"),
        ("МАДОУ «Детский сад № 12 «Сказка»»", "Детский сад №12 «Сказка»"),
        ("МБДОУ №12", "МБДОУ №12"),
        ("МБУ ДО «ДДТ»", "ДДТ"),
        ("Лицей 23", "Лицей 23"),
    ],
)
def test_short_names_drop_the_legal_form(name: str, short: str) -> None:
    assert short_name(name) == short


def test_two_spellings_of_one_school_are_one() -> None:
    assert name_key("МБОУ «СОШ № 3»") == name_key('мбоу "СОШ №3"')
    assert name_key("СОШ №3") != name_key("СОШ №13")
