"""Build DOCX, XLSX and PDF roadmaps from a text-form roadmap (or from plain rows).

Reusable by other tests (e.g. to upload a DOCX to the bot) and by bench/import.py:

    paragraphs, tables = tables_from_text(sample_text)
    data = build_docx(paragraphs, tables)

A table is a list of rows; a row is a list of cells; a cell is a str or a `Cell` (text, bold).
Newlines in a cell become separate paragraphs (DOCX), line breaks (XLSX, PDF).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from bot.roadmap.readers.text import read_text
from bot.roadmap.table import header_map


@dataclass(frozen=True)
class Cell:
    text: str
    bold: bool = False


CellLike = str | Cell
Table = list[list[CellLike]]


def _cell(c: CellLike) -> Cell:
    return c if isinstance(c, Cell) else Cell(c)


def tables_from_text(text: str, *, split_at_headers: bool = True) -> tuple[list[str], list[Table]]:
    """The paragraphs before the plan and its rows, as the text reader sees them; a repeated
    header row starts a new table (as a DOCX plan split over pages often is)."""
    raw = read_text(text)
    paragraphs = list(raw.paragraphs[: raw.preamble_count])
    tables: list[Table] = []
    for row in raw.rows:
        cells: list[CellLike] = [Cell(c.text, c.bold) for c in row.cells]
        if not tables or (split_at_headers and header_map(row) and tables[-1]):
            tables.append([])
        tables[-1].append(cells)
    width = max((len(r) for t in tables for r in t), default=0)
    for t in tables:
        for r in t:
            r.extend([""] * (width - len(r)))
    return paragraphs, tables


# ---- DOCX --------------------------------------------------------------------------------------
def build_docx(
    paragraphs: list[str],
    tables: list[Table],
    *,
    vmerge: list[tuple[int, int, int, int]] | None = None,
) -> bytes:
    """`vmerge`: (table index, column, first row, last row) ranges to merge vertically; the text
    of the first row is kept."""
    from docx import Document

    document = Document()
    for p in paragraphs:
        document.add_paragraph(p)
    for t_index, rows in enumerate(tables):
        width = max(len(r) for r in rows)
        table = document.add_table(rows=len(rows), cols=width)
        for r_index, row in enumerate(rows):
            cells = table.rows[r_index].cells
            for c_index, value in enumerate(row):
                cell = _cell(value)
                target = cells[c_index]
                lines = cell.text.split("\n") if cell.text else []
                first = target.paragraphs[0]
                for i, line in enumerate(lines):
                    paragraph = first if i == 0 else target.add_paragraph()
                    run = paragraph.add_run(line)
                    run.bold = cell.bold or None
        for ti, col, first_row, last_row in vmerge or []:
            if ti == t_index:
                top = table.cell(first_row, col)
                for r in range(first_row + 1, last_row + 1):
                    table.cell(r, col).text = ""
                top.merge(table.cell(last_row, col))
                # python-docx joins the texts of merged cells; keep only the top one's.
                keep = _cell(rows[first_row][col]).text
                for p in top.paragraphs[1:]:
                    p._element.getparent().remove(p._element)
                top.paragraphs[0].text = keep
        document.add_paragraph("")
    out = BytesIO()
    document.save(out)
    return out.getvalue()


# ---- XLSX --------------------------------------------------------------------------------------
def build_xlsx(
    paragraphs: list[str],
    tables: list[Table],
    *,
    sheet: str = "План",
    extra_sheet_first: bool = False,
    merges: list[str] | None = None,
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    ws = book.active
    if extra_sheet_first:
        ws.title = "Инструкция"
        ws["A1"] = "Заполните лист «План»"
        ws = book.create_sheet(sheet)
    else:
        ws.title = sheet
    r = 1
    for p in paragraphs:
        ws.cell(r, 1, p)
        r += 1
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True)
    for rows in tables:
        for row in rows:
            for c_index, value in enumerate(row, start=1):
                cell = _cell(value)
                if cell.text:
                    target = ws.cell(r, c_index, cell.text)
                    if "\n" in cell.text:
                        target.alignment = wrap
                    if cell.bold:
                        target.font = bold
            r += 1
    for rng in merges or []:
        ws.merge_cells(rng)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# ---- PDF ---------------------------------------------------------------------------------------
FONT_NAME = "DejaVuSans"


@functools.cache
def _register_font() -> str:
    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path)))
    return FONT_NAME


def build_pdf(paragraphs: list[str], tables: list[Table], *, ruled: bool = True) -> bytes:
    """A PDF with a text layer: the title paragraphs, then each table ruled with a grid (or
    not: `ruled` false) and its header repeated on every page (rows are never split inside,
    as in most exported plans)."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _register_font()
    style = ParagraphStyle("cell", fontName=font, fontSize=7, leading=8.5)
    title_style = ParagraphStyle("title", fontName=font, fontSize=9, leading=11, spaceAfter=8)
    out = BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(
        out, pagesize=page, leftMargin=20, rightMargin=20, topMargin=20, bottomMargin=20
    )
    story: list = [Paragraph(escape(p), title_style) for p in paragraphs]
    story.append(Spacer(1, 6))
    for rows in tables:
        width = max(len(r) for r in rows)
        col_widths = _column_widths(rows, width, page[0] - 40, font)
        data = []
        for row in rows:
            data.append(
                [Paragraph(escape(_cell(c).text).replace("\n", "<br/>"), style) for c in row]
                + [""] * (width - len(row))
            )
        table = Table(data, colWidths=col_widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [("GRID", (0, 0), (-1, -1), 0.5, colors.black)] * ruled
                + [("VALIGN", (0, 0), (-1, -1), "TOP")]
            )
        )
        story.append(table)
        story.append(Spacer(1, 6))
    doc.build(story)
    return out.getvalue()


def _column_widths(
    rows: list[list[CellLike]], width: int, usable: float, font: str
) -> list[float]:
    """Each column at least as wide as its longest word (so no word is broken), the rest of
    the page shared by how much text each column holds."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    need = [20.0] * width
    volume = [1.0] * width
    for row in rows:
        for i, value in enumerate(row):
            text = _cell(value).text
            volume[i] += len(text)
            for word in text.split():
                need[i] = max(need[i], stringWidth(word, font, 7) + 16)
    spare = max(usable - sum(need), 0)
    total = sum(volume)
    return [n + spare * v / total for n, v in zip(need, volume, strict=True)]


def build_scanned_pdf() -> bytes:
    """A PDF whose only content is an image: what a scanner produces."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    c.drawImage(ImageReader(BytesIO(tiny_png())), 50, 500, width=300, height=200)
    c.showPage()
    c.save()
    return out.getvalue()


def tiny_png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80\x80\x80" * 4 for _ in range(4))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def build_zip_bomb_docx(size: int = 64 * 1024 * 1024) -> bytes:
    """A DOCX-looking zip whose document.xml inflates to `size` bytes of nothing."""
    import zipfile

    out = BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(size // len(block)):
                member.write(block)
    return out.getvalue()


# ---- scans -------------------------------------------------------------------------------------
def scan_pages(
    pdf: bytes,
    *,
    dpi: int = 200,
    seed: int = 1,
    max_angle: float = 1.0,
    blur: float = 0.6,
    noise: float = 12.0,
    quality: int = 70,
) -> list[bytes]:
    """Each page of a PDF as a scanner or a phone would give it: rasterised at `dpi`, turned
    by up to `max_angle` degrees, blurred, speckled with noise, saved as a JPEG."""
    import random

    import numpy as np
    import pypdfium2
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    noise_rng = np.random.default_rng(seed)
    pages: list[bytes] = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            image = document[index].render(scale=dpi / 72).to_pil().convert("L")
            angle = rng.uniform(-max_angle, max_angle)
            image = image.rotate(
                angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255
            )
            if blur:
                image = image.filter(ImageFilter.GaussianBlur(blur))
            pixels = np.asarray(image, dtype=np.float32)
            pixels += noise_rng.normal(0, noise, pixels.shape)
            image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
            out = BytesIO()
            image.save(out, "JPEG", quality=quality, dpi=(dpi, dpi))
            pages.append(out.getvalue())
    finally:
        document.close()
    return pages


def images_to_pdf(images: list[bytes], *, dpi: int = 200) -> bytes:
    """An image-only PDF (no text layer) of page images, as a scanner saves it."""
    from PIL import Image

    opened = [Image.open(BytesIO(data)) for data in images]
    out = BytesIO()
    opened[0].save(out, "PDF", save_all=True, append_images=opened[1:], resolution=dpi)
    return out.getvalue()


def build_scanned_plan(text: str, **options) -> tuple[bytes, list[bytes]]:
    """A text-form plan as a scanned PDF and as its page images (JPEG)."""
    pages = scan_pages(build_pdf(*tables_from_text(text)), **options)
    return images_to_pdf(pages, dpi=options.get("dpi", 200)), pages
