"""The three real samples: every measure with its number, section, title, deadline and
responsible; the same result from their text, DOCX, XLSX and PDF forms."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from bot.roadmap import parse_document, parse_text
from bot.roadmap.model import ParsedRoadmap, ScheduleKind, Window
from bot.roadmap.textnorm import fold

from .builders import build_docx, build_pdf, build_xlsx, tables_from_text

PERIOD = (2022, 2024)


@pytest.fixture(scope="session")
def parsed(sample_text):
    cache: dict[str, ParsedRoadmap] = {}

    def get(key: str) -> ParsedRoadmap:
        if key not in cache:
            cache[key] = parse_text(sample_text(key))
        return cache[key]

    return get


def by_number(roadmap: ParsedRoadmap, number: str):
    found = [m for m in roadmap.measures if m.number == number]
    assert len(found) == 1, number
    return found[0]


def section_counts(roadmap: ParsedRoadmap) -> dict[str | None, int]:
    counts = Counter(m.section for m in roadmap.measures)
    return {(s.number or s.title[:20]): counts[s.number or s.title] for s in roadmap.sections}


# ---- 000: a gymnasium, persons -----------------------------------------------------------------
def test_gymnasium_overview(parsed):
    r = parsed("000")
    assert r.title.startswith("План мероприятий («Дорожная карта») по развитию гимназической")
    assert r.plan_period == PERIOD
    assert len(r.measures) == 88
    assert section_counts(r) == {
        "Формирование нормати": 7,
        "1": 0,
        "1.1": 21,
        "1.2": 12,
        "1.3": 9,
        "1.4": 9,
        "2": 0,
        "2.1": 5,
        "2.2": 10,
        "2.3": 15,
    }
    assert [m.number for m in r.measures][:8] == ["1", "2", "3", "4", "5", "6", "7", "1.1.1"]
    assert r.measures[-1].number == "2.3.15"
    assert sorted(r.persons) == sorted(
        ["Воропаева Е.В.", "Бобров В.С.", "Вайткене О.В.", "Изотова А.И.", "Потапенко С.М.",
         "Лисичкина Г.А.", "Быков Ю.В."]
    )  # fmt: skip
    assert r.units == []


def test_gymnasium_typo_comes_out_as_one_person(parsed):
    r = parsed("000")
    assert "Изогова А.И." not in r.persons
    assert any(j.startswith("Изогова А.И. → Изотова А.И.") for j in r.joins)
    assert by_number(r, "1.2.11").persons == ["Потапенко С.М.", "Воропаева Е.В.", "Изотова А.И."]
    assert by_number(r, "1.3.1").persons == ["Бобров В.С.", "Воропаева Е.В.", "Изотова А.И."]


def test_gymnasium_measures(parsed):
    r = parsed("000")
    first = by_number(r, "1")
    assert first.title.startswith("Утверждение Дорожной карты по развитию гимназической")
    assert first.deadline_raw == "февраль 2022 года"
    assert first.schedule.windows == [Window(date(2022, 2, 1), date(2022, 2, 28))]
    assert first.persons == ["Воропаева Е.В."]
    # Split by a page break: "апрель 2022" + "года", "заместитель" + "директора".
    fifth = by_number(r, "5")
    assert fifth.deadline_raw == "апрель 2022 года"
    assert fifth.responsible_raw == "Бобров В.С., заместитель директора"
    assert by_number(r, "7").schedule.kind is ScheduleKind.CONTINUOUS
    m = by_number(r, "1.1.1")
    assert m.section == "1.1"
    assert m.schedule.windows == [Window(date(2022, 1, 1), date(2022, 1, 31))]
    assert by_number(r, "1.1.5").title.endswith("в качестве принятия управленческих решений")
    assert by_number(r, "1.1.7").title.split("\n")[1:3] == [
        "Утверждение перечня информационных источников:",
        "1) ежегодный методический анализ результатов ГИА;",
    ]
    assert by_number(r, "1.1.21").section == "1.1"
    assert by_number(r, "1.2.1").section == "1.2"
    assert by_number(r, "1.3.8").schedule.kind is ScheduleKind.RECURRING
    assert len(by_number(r, "1.3.8").schedule.windows) == 6
    assert by_number(r, "1.3.8").persons == ["Бобров В.С."]
    assert by_number(r, "1.4.8").deadline_raw == "В течение года"
    assert by_number(r, "2.1.1").deadline_raw == "март"
    assert by_number(r, "2.1.4").persons[0] == "Лисичкина Г.А."
    assert by_number(r, "2.1.5").deadline_raw == "По запросу"
    # Deadline and names in one cell, moved back to their columns.
    m = by_number(r, "2.2.1")
    assert m.deadline_raw == "2022 год"
    assert m.persons == ["Бобров В.С.", "Воропаева Е.В.", "Изотова А.И."]
    m = by_number(r, "2.2.7")
    assert m.deadline_raw == "По плану"
    assert m.schedule.kind is ScheduleKind.ON_REQUEST
    assert by_number(r, "2.2.6").persons == [
        "Бобров В.С.", "Воропаева Е.В.", "Изотова А.И.", "Вайткене О.В."
    ]  # fmt: skip
    last = by_number(r, "2.3.15")
    assert last.section == "2.3"
    assert last.persons == ["Вайткене О.В.", "Быков Ю.В."]
    moved = [p for p in r.problems if p.code == "moved_cell"]
    assert {p.measure for p in moved} >= {"2.2.1", "2.2.2", "2.2.6", "2.2.7"}
    assert not [p for p in r.problems if p.code in ("unparsed_deadline", "no_responsible")]


# ---- 002: a municipal department, units --------------------------------------------------------
def test_municipal_overview(parsed):
    r = parsed("002")
    assert r.title.startswith("План мероприятий («Дорожная карта») по развитию муниципальной")
    assert r.plan_period == PERIOD
    assert len(r.measures) == 129
    assert section_counts(r) == {
        "Формирование нормати": 13,
        "I": 0,
        "1.1": 28,
        "1.2": 18,
        "1.3": 13,
        "1.4": 10,
        "И": 0,  # "II." as the recognition printed it
        "2.1": 5,
        "2.2": 16,
        "2.3": 16,
        "2.4": 10,
    }
    assert r.persons == []
    assert set(r.units) == {
        "МОУО", "ОО", "ГБУ КО «РЦО»", "УО", "МО КО", "ГБУ ДО КО КОИРО", "ГБУ КО НОО ПРОД", "ДОО"
    }  # fmt: skip
    assert Counter(m.schedule.kind for m in r.measures) == {
        ScheduleKind.RECURRING: 80,
        ScheduleKind.CONTINUOUS: 28,
        ScheduleKind.ONCE: 17,
        ScheduleKind.ON_REQUEST: 4,
    }
    assert r.problems == []


def test_municipal_measures(parsed):
    r = parsed("002")
    first = by_number(r, "1")
    assert first.deadline_raw == "январь 2022 год"
    assert first.units == ["МОУО"]
    # Continued after a repeated header row on the next page.
    assert by_number(r, "6").title.endswith("-по квалификации в области управления")
    assert by_number(r, "13").schedule.kind is ScheduleKind.CONTINUOUS
    m = by_number(r, "1.1.1")
    assert m.section == "1.1"
    assert m.schedule.windows == [Window(date(2021, 12, 1), date(2022, 1, 31))]
    assert by_number(r, "1.1.7").units == [
        "МО КО",
        "ГБУ ДО КО КОИРО",
        "ГБУ КО «РЦО»",
        "МОУО",
        "ОО",
    ]
    assert by_number(r, "1.1.7").title.endswith("(на основе данных ФИС ОКО)")
    assert by_number(r, "1.1.28").section == "1.1"
    assert by_number(r, "1.2.1").units == ["МО КО", "ГБУ ДО КО КОИРО", "МОУО"]
    assert by_number(r, "1.2.11").units == [
        "МО КО", "ГБУ ДО КО КОИРО", "ГБУ КО «РЦО»", "МОУО", "ОО"
    ]  # fmt: skip
    assert by_number(r, "1.3.1").units == ["ГБУ КО НОО ПРОД", "МОУО", "ОО"]
    assert by_number(r, "1.3.4").schedule.kind is ScheduleKind.ONCE  # один раз в три года
    assert by_number(r, "1.4.3").number == "1.4.3"  # printed "1.4.3." with its dot
    assert by_number(r, "2.2.8").units == ["ГБУ ДО КО КОИРО", "МОУО"]  # КИРО typo joined
    assert any(j.startswith("ГБУ ДО КО КИРО → ГБУ ДО КО КОИРО") for j in r.joins)
    m = by_number(r, "2.3.2")
    assert m.schedule.windows[:2] == [
        Window(date(2022, 4, 1), date(2022, 5, 31)),
        Window(date(2022, 9, 1), date(2022, 10, 31)),
    ]
    assert by_number(r, "2.3.8").schedule.windows[0] == Window(date(2022, 1, 1), date(2022, 3, 31))
    assert by_number(r, "2.4.1").units == ["ГБУ ДО КО КОИРО", "ГБУ КО «РЦО»", "МОУО", "ДОО"]
    assert by_number(r, "2.4.1").schedule.windows[0] == Window(
        date(2021, 12, 1), date(2021, 12, 31)
    )
    last = by_number(r, "2.4.10")
    assert last.section == "2.4"
    assert last.deadline_raw == "август 2022 год далее ежегодно"


# ---- 004: a city department, six columns -------------------------------------------------------
def test_city_overview(parsed):
    r = parsed("004")
    assert r.title.startswith("План мероприятий («дорожная карта») по совершенствованию")
    assert r.plan_period == PERIOD
    assert len(r.measures) == 26
    assert section_counts(r) == {"1": 6, "2": 8, "3": 11, "4": 1}
    assert r.sections[0].title == "Нормативно-правовое обеспечение"
    assert set(r.units) == {
        "Отдел общего образования",
        "Общеобразовательные организации",
        "Общеобразовательные организации, имеющие необъективные признаки оценивания",
        "МКУ «ЦРО»",
        "Отдел воспитательной работы и дополнительного образования",
    }
    assert sorted(p.code for p in r.problems) == [
        "clamped_date", "clamped_date", "partly_parsed_deadline"
    ]  # fmt: skip


def test_city_measures(parsed):
    r = parsed("004")
    m = by_number(r, "1.1")
    assert m.section == "1"
    assert m.document_type == "Локальные акты"
    assert m.expected_result == "Приказ, реализация мероприятий, предусмотренных «дорожной картой»"
    assert m.schedule.windows[0].due == date(2022, 11, 30)
    m = by_number(r, "1.4")
    assert m.title.endswith("по повышению объективности проведения и оценивания ВПР")
    assert m.expected_result.endswith(
        "результаты оценивания ВПР в эффективный режим функционирования"
    )
    assert m.schedule.kind is ScheduleKind.CONTINUOUS
    m = by_number(r, "2.1")
    assert m.expected_result.endswith(
        "для принятия управленческих решений, составлены рекомендации"
    )
    assert m.schedule.note.startswith("Подготовка отчетов ежегодно")
    assert by_number(r, "2.6").document_type.startswith("Родительские собрания")
    m = by_number(r, "3.7")
    assert m.deadline_raw.endswith("утвержденным Министерством просвещения Российской Федерации")
    assert m.schedule.kind is ScheduleKind.ON_REQUEST and len(m.schedule.windows) == 3
    m = by_number(r, "3.8")
    assert m.schedule.windows == [Window(date(2022, 1, 1), date(2022, 12, 31))]
    assert by_number(r, "3.10").units == [
        "Отдел общего образования",
        "Общеобразовательные организации",
    ]
    last = by_number(r, "4.1")
    assert last.section == "4"
    assert last.title.endswith("подготовки обучающихся общеобразовательных организаций")
    assert last.document_type == "Предложения"


# ---- every form gives the same roadmap ---------------------------------------------------------
def signature(r: ParsedRoadmap) -> list[tuple]:
    return [
        (
            m.number,
            m.section,
            fold(m.title),
            m.deadline_raw,
            m.schedule.to_json(),
            m.persons,
            m.units,
            m.document_type,
            fold(m.expected_result or ""),
        )
        for m in r.measures
    ]


BUILDERS = {"docx": build_docx, "xlsx": build_xlsx, "pdf": build_pdf}


@pytest.mark.parametrize("form", sorted(BUILDERS))
@pytest.mark.parametrize("key", ["000", "002", "004"])
def test_same_result_from_every_form(key: str, form: str, sample_text, parsed):
    paragraphs, tables = tables_from_text(sample_text(key))
    data = BUILDERS[form](paragraphs, tables)
    r = parse_document(data, f"{key}.{form}")
    base = parsed(key)
    assert r.title == base.title
    assert r.plan_period == base.plan_period
    assert [(s.number, s.title) for s in r.sections] == [
        (s.number, s.title) for s in base.sections
    ]
    assert signature(r) == signature(base)
    assert r.joins == base.joins
    assert sorted(p.code for p in r.problems) == sorted(p.code for p in base.problems)


def test_docx_split_into_tables_with_repeated_headers(sample_text, parsed):
    paragraphs, tables = tables_from_text(sample_text("002"))
    assert len(tables) > 5  # the sample repeats its header on every page
    r = parse_document(build_docx(paragraphs, tables), "plan.docx")
    assert len(r.measures) == len(parsed("002").measures)
    assert by_number(r, "6").where.startswith("table 1")
    assert by_number(r, "7").where.startswith("table 2")
