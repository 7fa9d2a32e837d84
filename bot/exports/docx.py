"""«Информация об исполнении плана мероприятий (дорожной карты)» as DOCX (python-docx).

The official layout: the organisation, the heading with the plan's title and the period,
a table (№ п/п, Мероприятие, Срок исполнения, Ответственный, Информация об исполнении)
with the plan's sections as merged rows, and a signature line (должность / подпись / ФИО).

Rows are stamped from template rows as XML text and parsed in one go: python-docx's row API
re-reads the whole table for every cell access (quadratic on thousands of measures), and even
element-by-element building is ten times slower than one parse.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table
from lxml import etree

from bot.exports.common import (
    ExportedFile,
    PlanLine,
    clean,
    deadline_text,
    file_name,
    mark,
    plan_lines,
    responsible_text,
    share_title,
    stem_of,
)
from bot.i18n import pgettext, use_locale
from bot.records import PlanData
from bot.summaries.compute import section_heading
from bot.summaries.shares import across, across_text, status_matrix
from bot.wording import period_phrase

WIDTHS_CM = (1.8, 8.5, 3.5, 4.5, 8.4)  # landscape A4 minus margins: 26.7 cm
FONT = "Times New Roman"
CELL_CHARS = 20_000


_PLACEHOLDER = re.compile(r"<w:t(?: [^>]*)?>§(\d+)§</w:t>")
_T_OPEN = '<w:t xml:space="preserve">'
_XMLNS = re.compile(r' xmlns:(\w+)="([^"]*)"')


class _RowTemplate:
    """A table row serialised once, with a placeholder run per cell, filled by string joins."""

    def __init__(self, tr: Any) -> None:
        xml = etree.tostring(tr, encoding="unicode")
        # Namespace declarations go once on the enclosing element, not on every row.
        self.namespaces = dict(_XMLNS.findall(xml))
        parts = _PLACEHOLDER.split(_XMLNS.sub("", xml))
        self.fixed = parts[0::2]  # the XML around the placeholders
        self.order = [int(n) for n in parts[1::2]]

    def fill(self, texts: Sequence[str]) -> str:
        out = [self.fixed[0]]
        for position, fixed in zip(self.order, self.fixed[1:], strict=True):
            text = texts[position] if position < len(texts) else ""
            escaped = xml_escape(text).replace("\n", f"</w:t><w:br/>{_T_OPEN}")
            out.append(f"{_T_OPEN}{escaped}</w:t>")
            out.append(fixed)
        return "".join(out)


def _repeat_header(table: Table) -> None:
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _no_split(tr: Any) -> None:
    tr_pr = tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _paragraph(document: DocxDocument, text: str, *, bold: bool = False, size: int = 14) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(clean(text, 2000))
    run.bold = bold
    run.font.size = Pt(size)


def _headers() -> tuple[str, ...]:
    return (
        pgettext("docx", "No."),
        pgettext("docx", "Measure"),
        pgettext("docx", "Deadline"),
        pgettext("docx", "Responsible"),
        pgettext("docx", "Execution"),
    )


def _signature(document: DocxDocument, position: str | None, name: str | None) -> None:
    document.add_paragraph()
    table = document.add_table(rows=2, cols=3)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Cm(10), Cm(6), Cm(8))
    lines = (
        clean(position, 200) if position else "_" * 36,
        "_" * 20,
        clean(name, 200) if name else "_" * 28,
    )
    hints = (
        pgettext("docx", "(position)"),
        pgettext("docx", "(signature)"),
        pgettext("docx", "(full name)"),
    )
    for column, (line, hint) in enumerate(zip(lines, hints, strict=True)):
        for row, text, size in ((0, line, 12), (1, hint, 9)):
            cell = table.cell(row, column)
            cell.width = widths[column]
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(text)
            run.font.size = Pt(size)
            run.italic = row == 1
    document.add_paragraph()
    document.add_paragraph(pgettext("docx", "Date: ______________"))


def approval_line(plan: PlanData) -> str | None:
    """ "(утверждён приказом от 17.02.2022 № 116)": the order the plan was approved by."""
    roadmap = plan.roadmap
    if not (roadmap.approval_kind and roadmap.approval_number and roadmap.approval_date):
        return None
    kinds = {
        "приказ": pgettext("approval", "by order"),
        "постановление": pgettext("approval", "by decree"),
        "распоряжение": pgettext("approval", "by instruction"),
        "решение": pgettext("approval", "by decision"),
    }
    return pgettext("docx", "(approved {kind} No. {number} of {date})").format(
        kind=kinds.get(roadmap.approval_kind, roadmap.approval_kind),
        number=roadmap.approval_number,
        date=roadmap.approval_date.strftime("%d.%m.%Y"),
    )


def _execution_text(lines: Sequence[str], files: Sequence[str]) -> str:
    text = "\n".join(lines)
    if files:
        text += "\n" + pgettext("docx", "Files: {files}").format(files=", ".join(files))
    return clean(text, CELL_CHARS)


def plan_docx(
    plan: PlanData,
    today: date,
    *,
    locale: str | None = None,
    only_due: bool = False,
    signer_position: str | None = None,
    signer_name: str | None = None,
) -> ExportedFile:
    """The execution report of `plan` for `plan.start`..`plan.end`, as of `today`, in
    `locale` (default: the locale in force).

    Every measure of the plan is listed (one with no deadline in the period with a dash);
    with `only_due`, only those with a deadline in the period.
    `signer_position` / `signer_name` fill the signature line; blanks are left otherwise.
    """
    with use_locale(locale):
        return _plan_docx(plan, today, only_due, signer_position, signer_name)


def _plan_docx(
    plan: PlanData,
    today: date,
    only_due: bool,
    signer_position: str | None,
    signer_name: str | None,
) -> ExportedFile:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(1.5)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(12)
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    if fonts is not None:
        fonts.set(qn("w:eastAsia"), FONT)
        fonts.set(qn("w:cs"), FONT)

    _paragraph(document, plan.organisation_name, size=12)
    document.add_paragraph()
    heading = pgettext("docx", "Report on the execution of the plan of measures (roadmap)")
    _paragraph(document, heading, bold=True)
    _paragraph(document, pgettext("docx", "“{plan}”").format(plan=plan.roadmap.title), bold=True)
    approved = approval_line(plan)
    if approved:
        _paragraph(document, approved, size=12)
    share = share_title(plan)
    if share is not None:
        _paragraph(document, share, size=12)
    _paragraph(document, period_phrase(plan.start, plan.end), bold=True)
    document.add_paragraph()

    shares = _across_lines(plan, today)
    lines = list(plan_lines(plan, only_due=only_due and not shares))
    if shares and only_due:
        lines = _due_or_shared(lines, shares)
    no_deadline = pgettext("docx", "— (no deadline in the period)")
    # A period the plan has nothing in at all (outside it) is said in a line.
    if (not plan.occurrences and not shares) or not any(
        line.measure is not None for line in lines
    ):
        document.add_paragraph(pgettext("docx", "No measure falls due in the period."))
        _signature(document, signer_position, signer_name)
        return _save(document, plan)

    headers = _headers()
    table = document.add_table(rows=3, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, (header, width) in enumerate(zip(headers, WIDTHS_CM, strict=True)):
        table.columns[column].width = Cm(width)
        for row in (0, 1, 2):
            cell = table.cell(row, column)
            cell.width = Cm(width)
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            if row == 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            # Placeholders where each row's texts go (see _RowTemplate).
            run = paragraph.add_run(header if row == 0 else f"§{column}§")
            run.font.size = Pt(11)
            run.bold = row != 1
    _repeat_header(table)
    section_row = table.rows[2]
    section_row.cells[0].merge(section_row.cells[-1])
    for extra in section_row.cells[0].paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    _no_split(section_row._tr)
    tbl = table._tbl
    measure_row = _RowTemplate(table.rows[1]._tr)
    section_template = _RowTemplate(section_row._tr)
    tbl.remove(table.rows[2]._tr)
    tbl.remove(table.rows[1]._tr)

    rows: list[str] = []
    index = 0
    for line in lines:
        if line.section is not None:
            rows.append(section_template.fill([clean(section_heading(line.section))]))
            continue
        measure = line.measure
        assert measure is not None
        index += 1
        marks = [mark(o, today) for o in line.occurrences]
        marks_text = [no_deadline] if not marks else [m.text for m in marks]
        rows.append(
            measure_row.fill(
                [
                    clean(measure.number or str(index), 100),
                    clean(measure.title, CELL_CHARS),
                    clean(deadline_text(measure, line.occurrences), 2000),
                    clean(responsible_text(measure), 4000),
                    _execution_text(
                        (marks_text if marks or measure.id not in shares else [])
                        + ([shares[measure.id]] if measure.id in shares else []),
                        [f for m in marks for f in m.files],
                    ),
                ]
            )
        )
    # One parse of all rows: stamping them one by one through the object model is ~10x slower.
    namespaces = {**measure_row.namespaces, **section_template.namespaces}
    declarations = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in namespaces.items())
    body = parse_xml(f"<w:tbl {declarations}>{''.join(rows)}</w:tbl>")
    tbl.extend(body.findall(qn("w:tr")))

    _signature(document, signer_position, signer_name)
    return _save(document, plan)


def _across_lines(plan: PlanData, today: date) -> dict[int, str]:
    """A municipal plan: per measure the line across the member organisations ("done in
    12 of 14 organisations; not done: …"), keyed by measure id."""
    if not plan.members:
        return {}
    matrix = status_matrix(plan.members, plan.member_occurrences, today)
    lines: dict[int, str] = {}
    for measure in matrix.measures:
        line = across(matrix, measure.id)
        if line is not None and line.total:
            lines[measure.id] = across_text(line)
    return lines


def _due_or_shared(lines: Sequence[PlanLine], shares: dict[int, str]) -> list[PlanLine]:
    """The measures due in the period for the owner or any member; sections left empty go."""
    kept: list[PlanLine] = []
    for line in lines:
        measure = line.measure
        if measure is None:
            if kept and kept[-1].section is not None:
                kept.pop()
            kept.append(line)
        elif line.occurrences or measure.id in shares:
            kept.append(line)
    if kept and kept[-1].section is not None:
        kept.pop()
    return kept


def _save(document: DocxDocument, plan: PlanData) -> ExportedFile:
    buffer = BytesIO()
    document.save(buffer)
    stem, organisation = stem_of(
        plan,
        pgettext("docx", "Execution report {period}"),
        pgettext("docx", "{organisation} — execution report of its measures {period}"),
    )
    return ExportedFile(
        buffer.getvalue(),
        file_name(stem, plan.start, plan.end, "docx", organisation=organisation),
    )
