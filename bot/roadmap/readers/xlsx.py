"""XLSX: the sheet that holds the plan, merged cells, line breaks inside cells.

openpyxl's read-only mode is faster but knows nothing of merged cells, which plans use for
section headings and shared responsible cells; the zip directory has already been checked
(bot.roadmap.check_zip_bomb) and the size is capped, so the normal mode is affordable.
"""

from __future__ import annotations

import warnings
from io import BytesIO

import openpyxl

from bot.roadmap.raw import Budget, RawCell, RawDocument, RawRow
from bot.roadmap.table import header_map
from bot.roadmap.textnorm import clean_cell


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_cell(str(value))


def read_xlsx(data: bytes, budget: Budget) -> RawDocument:
    with warnings.catch_warnings():
        # openpyxl warns about styles/extensions it ignores; they do not matter here.
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(BytesIO(data), data_only=True)
    sheets = [ws for ws in book.worksheets if ws.max_row and ws.max_column]
    budget.tick(sum(ws.max_row * ws.max_column for ws in sheets) // 4)
    chosen = None
    best: list[RawRow] = []
    for ws in sheets:
        rows = _sheet_rows(ws, budget)
        if any(header_map(r) for r in rows[:60]):
            chosen, best = ws, rows
            break
        if not best:
            best = rows
    doc = RawDocument(source="xlsx", rows=best)
    del chosen
    return doc


def _sheet_rows(ws, budget: Budget) -> list[RawRow]:
    merged_value: dict[tuple[int, int], tuple[str, bool]] = {}
    blank: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        top = ws.cell(rng.min_row, rng.min_col)
        value = (_text(top.value), bool(top.font and top.font.b))
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if c == rng.min_col and r > rng.min_row:
                    merged_value[(r, c)] = value  # a vertical merge: the value applies here too
                elif (r, c) != (rng.min_row, rng.min_col):
                    blank.add((r, c))
    title = ws.title
    rows: list[RawRow] = []
    for r_idx, row in enumerate(ws.iter_rows(), start=1):
        cells: list[RawCell] = []
        for c_idx, cell in enumerate(row, start=1):
            key = (r_idx, c_idx)
            if key in merged_value:
                text, bold = merged_value[key]
                cells.append(RawCell(text, bold, merged=True))
            elif key in blank:
                cells.append(RawCell(""))
            else:
                cells.append(RawCell(_text(cell.value), bool(cell.font and cell.font.b)))
        while cells and not cells[-1].text:
            cells.pop()
        budget.tick(len(cells))
        rows.append(RawRow(cells, f"sheet '{title}', row {r_idx}"))
    return rows
