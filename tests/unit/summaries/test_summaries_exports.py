"""The XLSX and DOCX exports reopen with their libraries and hold every measure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from io import BytesIO

import openpyxl
from docx import Document
from docx.oxml.ns import qn

from bot.exports.common import clean
from bot.exports.docx import plan_docx
from bot.exports.xlsx import plan_xlsx
from tests.unit.summaries import scenario
from tests.unit.summaries.dto import S1, S2, measure, occurrence, plan_data, report
from tests.unit.summaries.scenario import OCCURRENCES, TODAY

MEASURES = [scenario.m1, scenario.m2, scenario.m6, scenario.m3, scenario.m4, scenario.m5]
# What each measure's execution cell says for 2023 as of 15 June 2023.
EXPECTED_MARKS = {
    "1.1": [
        "31.03.2023: выполнено; отчёт 20.05.2023, Иванов И.И.",
        "30.06.2023: срок не наступил",
    ],
    "1.2": ["30.04.2023: просрочено", "31.05.2023: выполнено частично", "Частично"],
    "1.3": ["15.04.2023: перенесено на 01.05.2023 — просрочено"],
    "2.1": ["15.05.2023: перенесено на 15.07.2023", "28.02.2023: не выполнено", "Нет средств"],
    "2.2": ["31.05.2023: выполнено; отчёт 14.06.2023, Сидорова А.А.", "31.12.2023: выполнено"],
}


def _plan(**kw):  # type: ignore[no-untyped-def]
    return plan_data(MEASURES, OCCURRENCES, **kw)


def _sheet(content: bytes):  # type: ignore[no-untyped-def]
    workbook = openpyxl.load_workbook(BytesIO(content))
    return workbook.active


def test_xlsx_holds_the_whole_plan_with_marks() -> None:
    exported = plan_xlsx(_plan(), TODAY)
    assert exported.file_name == "План с отметками за 2023 год.xlsx"
    sheet = _sheet(exported.content)
    assert sheet.freeze_panes == "A3"
    assert [c.value for c in sheet[2]] == [
        "№",
        "Мероприятие",
        "Срок",
        "Ответственный",
        "Отметка о выполнении",
        "Файлы",
    ]
    last = sheet.max_row
    assert sheet.auto_filter.ref == f"A2:F{last}"
    assert "исполнение за 2023 год (по состоянию на 15 июня 2023)" in sheet["A1"].value
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=3) if r[1].value}
    assert set(rows) == {"1.1", "1.2", "1.3", "2.1", "2.2", None}
    for number, marks in EXPECTED_MARKS.items():
        cell = rows[number][4]
        for expected in marks:
            assert expected in cell.value, (number, expected)
        assert cell.alignment.wrap_text
    assert rows["1.1"][5].value == "приказ.pdf"
    assert rows["1.2"][3].value == "Иванов И.И., Бобров В.С."
    assert rows[None][1].value == "Консультирование"
    assert "выполняется" in rows[None][4].value
    # Section rows: bold, merged across the sheet, before their measures.
    merged = {str(r) for r in sheet.merged_cells.ranges}
    sections = [r[0] for r in sheet.iter_rows(min_row=3) if r[0].font.bold]
    assert [c.value for c in sections] == ["1. Организационные мероприятия", "2. Работа с кадрами"]
    for cell in sections:
        assert f"A{cell.row}:F{cell.row}" in merged
    assert sections[0].row < rows["1.1"][0].row < sections[1].row < rows["2.1"][0].row
    assert sheet.column_dimensions["B"].width >= 40
    assert sheet.max_column == 6
    # Execution cells are coloured by their worst deadline: overdue red, done green.
    assert rows["1.2"][4].fill.fgColor.rgb.endswith("F8CBAD")
    assert rows["2.2"][4].fill.fgColor.rgb.endswith("E2EFDA")
    assert rows["1.1"][4].fill.fgColor.rgb.endswith("E2EFDA")


def test_xlsx_lists_measures_without_a_deadline_in_the_period() -> None:
    q1 = _plan(start=date(2023, 1, 1), end=date(2023, 3, 31))
    only_q1 = [o for o in OCCURRENCES if q1.start <= o.due_date <= q1.end]
    sheet = _sheet(
        plan_xlsx(plan_data(MEASURES, only_q1, start=q1.start, end=q1.end), TODAY).content
    )
    rows = {r[1].value: r for r in sheet.iter_rows(min_row=3) if r[1].value}
    assert len(rows) == len(MEASURES)
    assert rows["Совещание"][4].value == "— (срок вне периода)"
    short = _sheet(
        plan_xlsx(
            plan_data(MEASURES, only_q1, start=q1.start, end=q1.end), TODAY, whole_plan=False
        ).content
    )
    titles = [r[1].value for r in short.iter_rows(min_row=3) if r[1].value]
    assert titles == ["Утверждение плана", "Курсы повышения квалификации"]


def _docx_rows(content: bytes):  # type: ignore[no-untyped-def]
    document = Document(BytesIO(content))
    return document, document.tables[0]


def test_docx_is_the_official_execution_report() -> None:
    exported = plan_docx(_plan(start=date(2023, 1, 1), end=date(2023, 3, 31)), TODAY)
    assert exported.file_name == "Информация об исполнении за I квартал 2023 года.docx"
    exported = plan_docx(_plan(), TODAY)
    document, table = _docx_rows(exported.content)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "МБОУ «Гимназия № 1»" in text
    assert "Информация об исполнении плана мероприятий (дорожной карты)" in text
    assert "«План мероприятий на 2022-2024 годы»" in text
    assert "за 2023 год" in text
    header = [c.text for c in table.rows[0].cells]
    assert header == [
        "№ п/п",
        "Мероприятие",
        "Срок исполнения",
        "Ответственный",
        "Информация об исполнении",
    ]
    header_props = table.rows[0]._tr.trPr
    assert header_props is not None and header_props.find(qn("w:tblHeader")) is not None
    body = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert body[0] == ["1. Организационные мероприятия"] * 5  # a merged section row
    measures = {cells[1]: cells for cells in body if len(set(cells)) > 1}
    assert set(measures) == {m.title for m in MEASURES}
    for number, marks in EXPECTED_MARKS.items():
        row = next(cells for cells in body if cells[0] == number)
        for expected in marks:
            assert expected in row[4], (number, expected)
    assert "Файлы: приказ.pdf" in measures["Утверждение плана"][4]
    assert measures["Консультирование"][0] == "6"  # unnumbered: its place in the list
    assert measures["Курсы повышения квалификации"][3] == "Бобров В.С., МОУО"
    assert measures["Утверждение плана"][2] == "ежегодно, май"
    signature = document.tables[1]
    assert [c.text for c in signature.rows[1].cells] == ["(должность)", "(подпись)", "(ФИО)"]


def test_docx_lists_every_measure_and_signs() -> None:
    only_q1 = [o for o in OCCURRENCES if o.due_date <= date(2023, 3, 31)]
    plan = plan_data(MEASURES, only_q1, start=date(2023, 1, 1), end=date(2023, 3, 31))
    exported = plan_docx(plan, TODAY, signer_position="Директор", signer_name="Петров П.П.")
    document, table = _docx_rows(exported.content)
    numbers = [row.cells[0].text for row in table.rows[1:]]
    # No row is left out: measures with no deadline in the period say so.
    assert numbers == [
        "1. Организационные мероприятия",
        "1.1",
        "1.2",
        "1.3",
        "2. Работа с кадрами",
        "2.1",
        "2.2",
        "6",
    ]
    not_due = {row.cells[0].text: row.cells[4].text for row in table.rows[1:]}
    assert not_due["1.2"] == "— (срок вне периода)"
    assert only_due_numbers(plan) == [
        "1. Организационные мероприятия",
        "1.1",
        "2. Работа с кадрами",
        "2.1",
    ]
    assert [c.text for c in document.tables[1].rows[0].cells][::2] == ["Директор", "Петров П.П."]

    english = plan_docx(plan, TODAY, locale="en")
    _doc, table = _docx_rows(english.content)
    assert table.rows[0].cells[4].text == "Execution"
    assert english.file_name == "Execution report for Q1 2023.docx"


def only_due_numbers(plan: object) -> list[str]:
    _document, table = _docx_rows(plan_docx(plan, TODAY, only_due=True).content)  # type: ignore[arg-type]
    return [row.cells[0].text for row in table.rows[1:]]


def test_docx_with_nothing_due_says_so() -> None:
    plan = plan_data(MEASURES, [], start=date(2025, 1, 1), end=date(2025, 12, 31))
    document = Document(BytesIO(plan_docx(plan, TODAY).content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "В периоде нет мероприятий со сроком исполнения." in text
    assert len(document.tables) == 1  # the signature only


def test_hostile_text_survives_both_exports() -> None:
    huge = "Очень длинный отчёт. " * 5000  # 105,000 characters
    m = measure(
        None,
        "Закупка <b>оборудования</b> & мебели\x00\x07 с «кавычками»",
        persons={},
        section=S2,
        deadline_raw="",
    )
    m_empty = measure("9", '=HYPERLINK("http://x")', section=S1, deadline_raw="=1+1")
    occurrences = [
        occurrence(
            m, date(2023, 5, 31), "done", rep=report(text=huge + "\x1b", files=("<a>.pdf",))
        ),
        occurrence(m_empty, date(2023, 5, 31)),
    ]
    plan = plan_data([m_empty, m], occurrences, title="План <№ 1> / 2023\x01")
    sheet = _sheet(plan_xlsx(plan, TODAY).content)
    cells = [c.value for row in sheet.iter_rows(min_row=3) for c in row if c.value]
    assert "Закупка <b>оборудования</b> & мебели с «кавычками»" in cells
    assert "<a>.pdf" in cells
    # Text that looks like a formula stays text.
    assert '=HYPERLINK("http://x")' in cells and "=1+1" in cells
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    # No wording of the deadline in the plan: the dates stand in for it.
    assert "31.05.2023" in [str(r[2].value) for r in sheet.iter_rows(min_row=3)]
    assert all(len(str(v)) <= 32_767 for v in cells)
    exported = plan_docx(plan, TODAY)
    _document, table = _docx_rows(exported.content)
    texts = [c.text for row in table.rows for c in row.cells]
    assert "Закупка <b>оборудования</b> & мебели с «кавычками»" in texts
    assert "/" not in exported.file_name


def test_clean() -> None:
    assert clean(None) == ""
    assert clean("a\x00b\r\nc") == "ab\nc"
    assert clean("x" * 10, 5) == "xxxx…"


def test_docx_cites_the_order_that_approved_the_plan() -> None:
    import dataclasses

    plan = _plan()
    approved = dataclasses.replace(
        plan,
        roadmap=dataclasses.replace(
            plan.roadmap,
            approval_kind="приказ",
            approval_number="116",
            approval_date=date(2022, 2, 17),
        ),
    )
    text = "\n".join(
        p.text for p in Document(BytesIO(plan_docx(approved, TODAY).content)).paragraphs
    )
    assert "(утверждён приказом от 17.02.2022 № 116)" in text
    english = Document(BytesIO(plan_docx(approved, TODAY, locale="en").content))
    assert "(approved by order No. 116 of 17.02.2022)" in "\n".join(
        p.text for p in english.paragraphs
    )
    plain = "\n".join(p.text for p in Document(BytesIO(plan_docx(plan, TODAY).content)).paragraphs)
    assert "утверждён" not in plain


def test_every_measure_is_exported_with_what_it_is_in_the_period() -> None:
    """Nothing silently dropped: a deadline still to be set, a deadline open in the period
    but due later, a continuous measure, and a photo sent without a name."""
    unclear = measure("3.1", "Анализ сайта", section=S2, deadline_raw="будет определён позднее")
    unclear.deadline_unclear = True
    later = measure("3.2", "Годовой отчёт", section=S2, deadline_raw="до 31 января 2024")
    photo = report("partial", text="Сделали первую часть", files=("акт.pdf",))
    photo.unnamed = ("photo", "voice")
    occurrences = [
        occurrence(unclear, date(2024, 12, 31), start=date(2022, 1, 1), is_span=True, rep=photo),
        occurrence(later, date(2024, 1, 31), start=date(2023, 9, 1)),
    ]
    plan = plan_data([unclear, later], occurrences)
    sheet = _sheet(plan_xlsx(plan, TODAY).content)
    rows = {row[0].value: [c.value or "" for c in row] for row in sheet.iter_rows(min_row=3)}
    assert rows["3.1"][2] == "будет определён позднее (срок уточняется)"
    assert rows["3.1"][4].startswith("срок уточняется: ")
    assert rows["3.1"][5] == "акт.pdf\nфото\nголосовое сообщение"
    assert rows["3.2"][4] == "01.09.2023–31.01.2024: срок не наступил"

    _document, table = _docx_rows(plan_docx(plan, TODAY).content)
    cells = {row.cells[0].text: row.cells for row in table.rows[1:]}
    assert set(cells) >= {"3.1", "3.2"}
    assert "срок уточняется" in cells["3.1"][2].text
    assert "Файлы: акт.pdf, фото, голосовое сообщение" in cells["3.1"][4].text


def test_a_members_share_is_titled_with_the_plans_owner_and_the_member() -> None:
    share = replace(_plan(), share_of="Управление образования Правдинского округа")
    exported = plan_xlsx(share, TODAY)
    assert exported.file_name == (
        "МБОУ «Гимназия № 1» — свои мероприятия плана с отметками за 2023 год.xlsx"
    )
    title = _sheet(exported.content)["A1"].value
    assert title.endswith(
        "\nМероприятия плана (Управление образования Правдинского округа), исполняемые"
        " организацией: МБОУ «Гимназия № 1»"
    ), title
    document = plan_docx(share, TODAY)
    assert document.file_name.startswith("МБОУ «Гимназия № 1» — информация об исполнении")
    head = [p.text for p in Document(BytesIO(document.content)).paragraphs[:8]]
    assert head[0] == "МБОУ «Гимназия № 1»"
    assert (
        "Мероприятия плана (Управление образования Правдинского округа), исполняемые"
        " организацией: МБОУ «Гимназия № 1»"
    ) in head
    # The whole plan says nothing of the kind.
    whole = plan_xlsx(_plan(), TODAY)
    assert "исполняемые" not in _sheet(whole.content)["A1"].value
