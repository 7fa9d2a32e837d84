"""DOCX: every table of the document (plans are often split into several tables, the header
repeated), merged cells, paragraphs and lists inside cells; paragraphs outside tables give the
title and plan period."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.oxml.ns import qn

from bot.roadmap.raw import Budget, RawCell, RawDocument, RawRow
from bot.roadmap.textnorm import clean_cell

_P, _TBL, _R, _T, _B = qn("w:p"), qn("w:tbl"), qn("w:r"), qn("w:t"), qn("w:b")
_TAB, _BR, _VAL = qn("w:tab"), qn("w:br"), qn("w:val")


def _paragraph_text(p) -> tuple[str, bool]:
    """Text of a <w:p> and whether all of its visible text is bold (read straight from XML:
    python-docx objects per run are several times slower on big plans)."""
    parts: list[str] = []
    bold_all = True
    seen_text = False
    for r in p.iter(_R):
        text = []
        for child in r:
            if child.tag == _T:
                text.append(child.text or "")
            elif child.tag == _TAB:
                text.append(" ")
            elif child.tag == _BR:
                text.append("\n")
        chunk = "".join(text)
        if chunk.strip():
            seen_text = True
            rpr = r.rPr
            b = rpr.find(_B) if rpr is not None else None
            if b is None or b.get(_VAL) in ("0", "false"):
                bold_all = False
        parts.append(chunk)
    return "".join(parts), seen_text and bold_all


def _cell_text(tc) -> tuple[str, bool]:
    lines: list[str] = []
    bold = True
    any_text = False
    for p in tc.iter(_P):
        text, b = _paragraph_text(p)
        if text.strip():
            any_text = True
            bold = bold and b
            lines.append(text)
    return clean_cell("\n".join(lines)), any_text and bold


def read_docx(data: bytes, budget: Budget) -> RawDocument:
    document = Document(BytesIO(data))
    doc = RawDocument(source="docx")
    body = document.element.body
    table_no = 0
    for child in body.iterchildren():
        if child.tag == _P:
            text, _ = _paragraph_text(child)
            if text.strip():
                doc.paragraphs.append(clean_cell(text).replace("\n", " "))
                if table_no == 0:
                    doc.preamble_count = len(doc.paragraphs)
        elif child.tag == _TBL:
            table_no += 1
            _read_table(child, table_no, doc, budget)
    return doc


def _read_table(tbl, table_no: int, doc: RawDocument, budget: Budget) -> None:
    above: dict[int, RawCell] = {}  # grid column -> the cell a vertical merge continues
    for row_no, tr in enumerate(tbl.tr_lst, start=1):
        cells: list[RawCell] = []
        col = 0
        for _ in range(tr.grid_before):
            cells.append(RawCell(""))
            col += 1
        for tc in tr.tc_lst:
            span = tc.grid_span
            if tc.vMerge == "continue" and col in above:
                origin = above[col]
                cell = RawCell(origin.text, origin.bold, merged=True)
            else:
                text, bold = _cell_text(tc)
                cell = RawCell(text, bold)
                above[col] = cell
            cells.append(cell)
            # A horizontal span holds one value: the other grid columns it covers stay empty.
            for _ in range(span - 1):
                cells.append(RawCell(""))
            col += span
        budget.tick(len(cells))
        doc.rows.append(RawRow(cells, f"table {table_no}, row {row_no}"))
