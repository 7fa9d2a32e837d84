"""Title, period and approving order wherever the document states them; never a file name."""

from __future__ import annotations

from datetime import date

import pytest

from bot.roadmap import parse_document
from bot.roadmap.model import Approval
from bot.roadmap.preamble import PlanPeriod, find_approval, find_period, find_title

from .builders import build_docx, build_pdf, build_xlsx

TABLE = [
    ["№", "Мероприятие", "Сроки", "Ответственный"],
    ["1", "Первое мероприятие", "март 2026", "Иванов И.И."],
]


@pytest.mark.parametrize(
    ("paragraphs", "title"),
    [
        (
            ["План мероприятий («дорожная карта») по повышению качества", "на 2026–2028 годы"],
            "План мероприятий («дорожная карта») по повышению качества на 2026–2028 годы",
        ),
        (
            ["ПРИКАЗ", "Об утверждении плана мероприятий по летнему отдыху на 2024 год"],
            "План мероприятий по летнему отдыху на 2024 год",
        ),
        (
            ["Об утверждении", "Плана мероприятий («дорожной карты») по развитию на 2023-2025"],
            "План мероприятий («дорожная карта») по развитию на 2023-2025",
        ),
        (
            ["УТВЕРЖДАЮ директор МБОУ СОШ № 16 ……..Т.И.Герасименко План-график мероприятий "
             "по подготовке к ЕГЭ в 2012 – 2013 учебном году"],
            "План-график мероприятий по подготовке к ЕГЭ в 2012 – 2013 учебном году",
        ),
        (
            ["«Утверждаю» Директор МБОУ СОШ № 63 ПЛАН проведения мероприятий ко Дню Победы"],
            "План проведения мероприятий ко Дню Победы",
        ),
        (["Перечень мероприятий по профилактике", "на 2025–2027 годы"],
         "Перечень мероприятий по профилактике на 2025–2027 годы"),
        (["КОМПЛЕКС МЕР по развитию дополнительного образования на 2024-2025 годы"],
         "КОМПЛЕКС МЕР по развитию дополнительного образования на 2024-2025 годы"),
        (["Приложение N 2 к приказу министерства от 13 ноября 2015 г. N 5976 Дорожная карта "
          "проведения ГИА в 2016 году"], "Дорожная карта проведения ГИА в 2016 году"),
        (["Администрация района", "ПРИКАЗЫВАЮ:", "1. Утвердить План мероприятий"], ""),
    ],
)  # fmt: skip
def test_titles(paragraphs: list[str], title: str):
    assert find_title(paragraphs) == title


@pytest.mark.parametrize(
    ("title", "period"),
    [
        ("План на 2022—2024 годы", PlanPeriod(2022, 2024)),
        ("План на 2021 -2024", PlanPeriod(2021, 2024)),
        ("Дорожная карта ГИА в 2016 году", PlanPeriod(2016, 2016)),
        ("План работы на 2025 год", PlanPeriod(2025, 2025)),
        ("План-график в 2012 – 2013 учебном году", PlanPeriod(2012, 2013, school_year=True)),
        ("Дорожная карта в 2020/2021 учебном году", PlanPeriod(2020, 2021, school_year=True)),
        ("План мероприятий по профориентации", None),
    ],
)
def test_periods(title: str, period: PlanPeriod | None):
    assert find_period(title, []) == period


@pytest.mark.parametrize(
    ("paragraphs", "approval"),
    [
        (["ПРИКАЗ", "«17» 02 2022 г.", "№ 116", "г. Калининград", "Об утверждении"],
         Approval("приказ", "116", date(2022, 2, 17))),
        (["ПРИКАЗ № 32 от 01.01.2022г."], Approval("приказ", "32", date(2022, 1, 1))),
        (["ПРИКАЗ", "от «08» 02 2022г.", "№ 54 - О"],
         Approval("приказ", "54-О", date(2022, 2, 8))),
        (["ПРИЛОЖЕНИЕ УТВЕРЖДЕН приказом министерства образования и науки от 28.09.2012г. № 7498"],
         Approval("приказ", "7498", date(2012, 9, 28), "министерства образования и науки")),
        (["Приложение N 2", "к приказу министерства образования", "от 13 ноября 2015 г. N 5976"],
         Approval("приказ", "5976", date(2015, 11, 13), "министерства образования")),
        (["УТВЕРЖДЁН постановлением администрации округа от 15.01.2024 № 38"],
         Approval("постановление", "38", date(2024, 1, 15), "администрации округа")),
        # Orders cited in the preamble are not this plan's approval.
        (["В соответствии с приказом, утвержденным постановлением Правительства от 01.12.2017 "
          "№486-п"], None),
        (["УТВЕРЖДАЮ", "Директор школы"], None),
    ],
)  # fmt: skip
def test_approvals(paragraphs: list[str], approval: Approval | None):
    assert find_approval(paragraphs) == approval


def test_approval_text_is_what_the_report_cites():
    assert Approval("приказ", "116", date(2022, 2, 17)).text == "приказ № 116 от 17.02.2022"


@pytest.mark.parametrize("build", [build_docx, build_xlsx, build_pdf])
def test_a_title_over_two_paragraphs_is_found_in_every_form(build):
    paragraphs = [
        "УТВЕРЖДЕН приказом директора от 29.08.2025 № 214-о",
        "План мероприятий («дорожная карта») по повышению качества образования",
        "на 2026–2028 годы",
    ]
    r = parse_document(build(paragraphs, [TABLE]), "Копия документа.bin")
    assert r.title == (
        "План мероприятий («дорожная карта») по повышению качества образования на 2026–2028 годы"
    )
    assert r.plan_period == (2026, 2028)
    assert r.approval == Approval("приказ", "214-о", date(2025, 8, 29), "директора")


@pytest.mark.parametrize("build", [build_docx, build_xlsx, build_pdf])
def test_a_file_name_is_never_a_title(build):
    r = parse_document(build(["Приложение 1"], [TABLE]), "План мероприятий на 2030 год.docx")
    assert r.title == ""
    assert r.plan_period is None
    assert r.proposed_period == (2026, 2026)
