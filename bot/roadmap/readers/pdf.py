"""PDF with a text layer: pdfplumber's table finder, text lines when there are no ruled
tables. A page without any text (a scan) is recognised by bot.roadmap.readers.ocr, in its
place among the others: a PDF may be all scans or only some pages."""

from __future__ import annotations

import re
from io import BytesIO

import pdfplumber

from bot.roadmap import raw
from bot.roadmap.errors import ImportRefused
from bot.roadmap.raw import Budget, Progress, RawCell, RawDocument, RawRow
from bot.roadmap.textnorm import clean_cell


def read_pdf(
    data: bytes, budget: Budget, progress: Progress | None = None, *, recognise: bool = True
) -> RawDocument:
    doc = RawDocument(source="pdf")
    any_text = False
    found_table = False
    with pdfplumber.open(BytesIO(data)) as pdf:
        pages = list(pdf.pages)
        scans = [n for n, page in enumerate(pages, start=1) if not page.chars] if recognise else []
        if scans:
            from bot.roadmap.readers import ocr, ocr_repair, ocr_words

            if ocr_words.tesseract_binary() is None:
                raise ImportRefused("scanned_pdf")
            ocr.check_pages(len(scans))
            budget.extend(raw.SCAN_TIME_BUDGET_SECONDS)
            import pypdfium2  # type: ignore[import-untyped]

            rendered = pypdfium2.PdfDocument(data)
        for page_no, page in enumerate(pages, start=1):
            budget.tick()
            if page.chars:
                any_text = True
            elif page_no not in scans:
                continue  # recognition not asked for: a scanned page is skipped
            else:
                if progress:
                    progress(scans.index(page_no) + 1, len(scans))
                before = len(doc.rows)
                ocr.read_page(
                    ocr.pdf_page_image(rendered, page_no - 1), page_no, doc, budget, ocr.TARGET_DPI
                )
                any_text = any_text or bool(doc.paragraphs) or len(doc.rows) > before
                found_table = found_table or len(doc.rows) > before
                continue
            tables = page.find_tables()
            top = min((t.bbox[1] for t in tables), default=None)
            if not found_table:
                # Text above the first table is the title/preamble.
                area = page if top is None else page.crop((0, 0, page.width, max(top, 1)))
                doc.paragraphs.extend(_paragraphs(area))
                doc.preamble_count = len(doc.paragraphs)
            row_no = 0  # counted over all tables of the page, so positions stay unique
            for table in tables:
                found_table = True
                for row in table.extract():
                    row_no += 1
                    cells = [RawCell(unwrap(clean_cell(c or ""))) for c in row]
                    budget.tick(len(cells))
                    doc.rows.append(RawRow(cells, f"page {page_no}, row {row_no}"))
        if scans:
            rendered.close()
            ocr_repair.finish(doc)
        if not any_text:
            raise ImportRefused("scanned_pdf")
        if not found_table:
            doc = _text_lines(pages, budget)
    return doc


_LIST_ITEM = re.compile(r"^(?:[-–—•·]\s|\d{1,2}[).]\s|[а-я]\)\s)")


def unwrap(text: str) -> str:
    """Join the lines a PDF cell was wrapped into; list items keep their own lines."""
    if "\n" not in text:
        return text
    out = ""
    for line in text.split("\n"):
        if not out:
            out = line
        elif _LIST_ITEM.match(line):
            out += "\n" + line
        elif out.endswith("-") and line[:1].islower():
            out += line  # a word hyphenated at the line end
        elif re.match(r"^-[а-яёa-z]", line) and out[-1:].isalpha():
            out += line  # "информационно" / "-методические"
        else:
            out += " " + line
    return out


def _paragraphs(area) -> list[str]:
    """Lines grouped into paragraphs by the vertical gaps between them."""
    paragraphs: list[str] = []
    current: list[str] = []
    last_bottom = None
    for line in area.extract_text_lines():
        height = line["bottom"] - line["top"]
        if last_bottom is not None and line["top"] - last_bottom > 0.5 * height and current:
            paragraphs.append(unwrap("\n".join(current)))
            current = []
        current.append(line["text"])
        last_bottom = line["bottom"]
    if current:
        paragraphs.append(unwrap("\n".join(current)))
    return [clean_cell(p) for p in paragraphs if p.strip()]


def _text_lines(pages, budget: Budget) -> RawDocument:
    """No ruled table: columns are runs of text separated by wide gaps in the layout text."""
    doc = RawDocument(source="pdf")
    started = False
    for page_no, page in enumerate(pages, start=1):
        budget.tick()
        text = page.extract_text(layout=True) or ""
        for line_no, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = re.split(r"\s{3,}", line.strip())
            if len(parts) > 1:
                started = True
            if not started:
                doc.paragraphs.append(clean_cell(line))
                continue
            cells = [RawCell(clean_cell(p)) for p in parts]
            budget.tick(len(cells))
            doc.rows.append(RawRow(cells, f"page {page_no}, line {line_no}"))
    doc.preamble_count = len(doc.paragraphs)
    return doc
