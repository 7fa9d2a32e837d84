"""The whole plan with its execution for a period, as one XLSX sheet (openpyxl).

Columns: №, Мероприятие, Срок, Ответственный, Отметка о выполнении, Файлы. The first row
names the plan and the period, the second is the header (frozen, with an auto-filter);
sections of the plan are bold rows merged across the sheet. A measure with several
deadlines in the period gets one line per deadline in its execution cell.
"""

from __future__ import annotations

from copy import copy
from datetime import date
from io import BytesIO
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from bot.exports.common import (
    ExportedFile,
    clean,
    deadline_text,
    file_name,
    mark,
    plan_lines,
    responsible_text,
    share_title,
    stem_of,
)
from bot.i18n import day, pgettext, use_locale
from bot.records import PlanData
from bot.summaries.compute import section_heading
from bot.summaries.shares import CELL_ORDER as _CELL_ORDER
from bot.summaries.shares import status_matrix
from bot.wording import period_phrase, status_label

WIDTHS = (9, 60, 24, 30, 60, 32)
HEADER_ROW = 2
# A scratch cell on the title row (which is written anyway), used and removed at once.
_SCRATCH = (1, 100)

_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(wrap_text=True, vertical="center", horizontal="center")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
# Execution cells coloured by the worst state among the period's deadlines.
_FILLS = {
    "done": PatternFill("solid", fgColor="E2EFDA"),
    "partial": PatternFill("solid", fgColor="FFF2CC"),
    "postponed": PatternFill("solid", fgColor="FFF2CC"),
    "overdue": PatternFill("solid", fgColor="F8CBAD"),
    "not_done": PatternFill("solid", fgColor="F8CBAD"),
    "no_report": PatternFill("solid", fgColor="F8CBAD"),
}
_SEVERITY = ("done", "partial", "postponed", "no_report", "not_done", "overdue")


# openpyxl's private API, used for speed and kept to these two helpers: a worksheet's
# `_cells` (its cells by (row, column)) and a cell's `_style` (its style array). The stubs
# do not declare them, hence `Any`; pyproject.toml bounds openpyxl below 3.2 for them.


def _cells(sheet: Worksheet) -> dict[tuple[int, int], Any]:
    return sheet._cells


def _set_style(sheet: Worksheet, row: int, column: int, style: StyleArray) -> None:
    _cells(sheet)[(row, column)]._style = copy(style)


def _prototype(sheet: Worksheet, **styles: Any) -> StyleArray:
    """The style array of a scratch cell given `styles` (the cell is removed afterwards)."""
    cell = sheet.cell(row=_SCRATCH[0], column=_SCRATCH[1])
    for name, value in styles.items():
        setattr(cell, name, value)
    cells = _cells(sheet)
    style: StyleArray = copy(cells[_SCRATCH]._style)
    del cells[_SCRATCH]
    return style


def _append_text(sheet: Worksheet, row: int, values: list[str]) -> None:
    """Append a row of plain text: openpyxl would take "=…" for a formula, so say it is text."""
    sheet.append(values)
    for column, value in enumerate(values, start=1):
        if value.startswith("="):
            _cells(sheet)[(row, column)].data_type = "s"


# A cell of the organisations sheet: its status word (bot.wording) and its colour.
_CELL_WORDS = {"not_reported": "no_report", "open": "not_yet"}
_CELL_FILLS = {**_FILLS, "not_reported": _FILLS["no_report"]}


def _members_sheet(workbook: Workbook, plan: PlanData, today: date) -> None:
    """«По организациям»: one row per member organisation, one column per measure it
    shares, the cell its status over the period (see bot.summaries.shares), and the count of
    measures done."""
    matrix = status_matrix(plan.members, plan.member_occurrences, today)
    sheet = workbook.create_sheet(clean(pgettext("xlsx", "By organisation"), 31))
    measures = matrix.measures
    title = pgettext("xlsx", "{plan} — execution by organisation {period} (as of {date})").format(
        plan=plan.roadmap.title, period=period_phrase(plan.start, plan.end), date=day(today)
    )
    sheet.cell(row=1, column=1, value=clean(title, 2000)).font = _TITLE
    header = [
        pgettext("xlsx", "Organisation"),
        *(m.number or str(index) for index, m in enumerate(measures, start=1)),
        pgettext("xlsx", "Measures done"),
    ]
    _append_text(sheet, HEADER_ROW, [clean(h) for h in header])
    for column in range(1, len(header) + 1):
        cell = sheet.cell(row=HEADER_ROW, column=column)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = _CENTRE
        cell.border = _BORDER
    # The titles of the measures on the row under the numbers.
    titles = [pgettext("xlsx", "Measure"), *(clean(m.title, 300) for m in measures), ""]
    _append_text(sheet, HEADER_ROW + 1, titles)
    body = _prototype(sheet, alignment=_WRAP, border=_BORDER)
    filled = {
        kind: _prototype(sheet, alignment=_WRAP, border=_BORDER, fill=fill)
        for kind, fill in _CELL_FILLS.items()
    }
    for column in range(1, len(header) + 1):
        _set_style(sheet, HEADER_ROW + 1, column, body)
    words = {kind: status_label(_CELL_WORDS.get(kind, kind)) for kind in _CELL_ORDER}
    row = HEADER_ROW + 1
    for organisation in matrix.organisations:
        cells = [matrix.cell(organisation.id, m.id) for m in measures]
        if not any(cells):
            continue
        row += 1
        shared = [c for c in cells if c is not None]
        done = pgettext("xlsx", "{done} of {total}").format(
            done=sum(c == "done" for c in shared), total=len(shared)
        )
        values = [clean(organisation.name), *(words[c] if c else "—" for c in cells), done]
        _append_text(sheet, row, values)
        for column, value in enumerate(cells, start=2):
            style = filled.get(value or "", body)
            _set_style(sheet, row, column, style)
        _set_style(sheet, row, 1, body)
        _set_style(sheet, row, len(header), body)
    sheet.column_dimensions["A"].width = 40
    for column in range(2, len(header) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 14
    sheet.freeze_panes = f"B{HEADER_ROW + 2}"


def _headers() -> tuple[str, ...]:
    return (
        pgettext("xlsx", "No."),
        pgettext("xlsx", "Measure"),
        pgettext("xlsx", "Deadline"),
        pgettext("xlsx", "Responsible"),
        pgettext("xlsx", "Execution note"),
        pgettext("xlsx", "Files"),
    )


def plan_xlsx(
    plan: PlanData, today: date, *, locale: str | None = None, whole_plan: bool = True
) -> ExportedFile:
    """The plan with execution marks for `plan.start`..`plan.end`, as of `today`, in
    `locale` (default: the locale in force).

    With `whole_plan` (the default) every measure is listed, those without a deadline in the
    period with a dash; otherwise only measures due in the period.
    """
    with use_locale(locale):
        return _plan_xlsx(plan, today, whole_plan=whole_plan)


def _plan_xlsx(plan: PlanData, today: date, *, whole_plan: bool) -> ExportedFile:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = clean(pgettext("xlsx", "Execution"), 31)
    headers = _headers()
    width = len(headers)
    last_column = get_column_letter(width)

    title = pgettext("xlsx", "{plan} — execution {period} (as of {date})").format(
        plan=plan.roadmap.title, period=period_phrase(plan.start, plan.end), date=day(today)
    )
    share = share_title(plan)
    if share is not None:
        title = f"{title}\n{share}"
    sheet.cell(row=1, column=1, value=clean(title, 2000)).font = _TITLE
    sheet.cell(row=1, column=1).alignment = Alignment(wrap_text=True, vertical="center")
    sheet.merge_cells(f"A1:{last_column}1")
    sheet.row_dimensions[1].height = 36
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column, value=header)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = _CENTRE
        cell.border = _BORDER
    for column, chars in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = chars

    no_deadline = pgettext("xlsx", "— (no deadline in the period)")
    # Styles are worked out once on prototype cells and copied as style arrays: assigning
    # style objects cell by cell hashes them every time (most of the export's time).
    body = _prototype(sheet, alignment=_WRAP, border=_BORDER)
    marked = {
        kind: _prototype(sheet, alignment=_WRAP, border=_BORDER, fill=fill)
        for kind, fill in _FILLS.items()
    }
    section_style = _prototype(sheet, alignment=_WRAP, font=_BOLD, fill=_SECTION_FILL)
    row = HEADER_ROW
    merges: list[int] = []
    for line in plan_lines(plan, only_due=not whole_plan):
        row += 1
        if line.section is not None:
            _append_text(sheet, row, [clean(section_heading(line.section))])
            _set_style(sheet, row, 1, section_style)
            merges.append(row)
            continue
        measure = line.measure
        assert measure is not None
        marks = [mark(o, today) for o in line.occurrences]
        files = [name for m in marks for name in m.files]
        _append_text(
            sheet,
            row,
            [
                clean(measure.number or ""),
                clean(measure.title),
                clean(deadline_text(measure, line.occurrences)),
                clean(responsible_text(measure)),
                clean("\n\n".join(m.text for m in marks) if marks else no_deadline),
                clean("\n".join(files)),
            ],
        )
        for column in range(1, width + 1):
            _set_style(sheet, row, column, body)
        kinds = [m.kind for m in marks if m.kind in _FILLS]
        if kinds:
            _set_style(sheet, row, 5, marked[max(kinds, key=_SEVERITY.index)])
    for merged in merges:
        sheet.merge_cells(start_row=merged, start_column=1, end_row=merged, end_column=width)

    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_column}{max(row, HEADER_ROW + 1)}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    page_setup_properties = sheet.sheet_properties.pageSetUpPr
    assert page_setup_properties is not None  # a new sheet has them
    page_setup_properties.fitToPage = True
    workbook.properties.title = clean(plan.roadmap.title, 250)
    if plan.members:
        _members_sheet(workbook, plan, today)

    buffer = BytesIO()
    # A light compression level: a third of the time of the default for a slightly bigger file.
    with ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=1) as archive:
        ExcelWriter(workbook, archive).save()
    stem, organisation = stem_of(
        plan,
        pgettext("xlsx", "Plan with execution {period}"),
        pgettext("xlsx", "{organisation} — its measures of the plan with execution {period}"),
    )
    return ExportedFile(
        buffer.getvalue(),
        file_name(stem, plan.start, plan.end, "xlsx", organisation=organisation),
    )
