"""Roadmap import: a plan-of-measures document (text, CSV, DOCX, XLSX, PDF) → ParsedRoadmap.

Pure domain code: no Telegram, no database. Entry points:

- `parse_document(data, filename, *, period=None)` reads any supported file;
- `parse_text(text, *, period=None)` reads pasted or extracted text.

Both raise `ImportRefused(reason, **details)` (see `bot.roadmap.errors.REFUSAL_REASONS`) when
the document cannot be imported at all; everything else that is not fully understood is a
`Problem` on the result (see `PROBLEM_CODES`).
"""

from __future__ import annotations

import zipfile
from io import BytesIO

from bot.roadmap.errors import PROBLEM_CODES, REFUSAL_REASONS, ImportRefused
from bot.roadmap.model import ParsedRoadmap
from bot.roadmap.raw import (
    MAX_BYTES,
    MAX_CELLS,
    MAX_RATIO,
    MAX_UNCOMPRESSED,
    RATIO_MIN_SIZE,
    TIME_BUDGET_SECONDS,
    Budget,
    RawDocument,
)
from bot.roadmap.readers.text import decode, looks_like_text, read_text
from bot.roadmap.table import interpret

__all__ = [
    "MAX_BYTES",
    "MAX_CELLS",
    "PROBLEM_CODES",
    "REFUSAL_REASONS",
    "TIME_BUDGET_SECONDS",
    "ImportRefused",
    "ParsedRoadmap",
    "detect_format",
    "parse_document",
    "parse_text",
]

_IMAGE_MAGIC = (
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"BM", "BMP image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
)
_OTHER_MAGIC = (
    (b"Rar!", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xd0\xcf\x11\xe0", "legacy Word/Excel file (.doc/.xls); save it as DOCX/XLSX"),
    (b"{\\rtf", "RTF document; save it as DOCX"),
)


def parse_text(text: str, *, period: tuple[int, int] | None = None) -> ParsedRoadmap:
    """Read a roadmap from text (extracted or pasted: tab-separated cells, markdown, CSV)."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise ImportRefused(
            "too_large", size=len(text.encode("utf-8", "replace")), limit=MAX_BYTES
        )
    if not text.strip():
        raise ImportRefused("empty")
    return interpret(read_text(text, Budget()), period=period)


def detect_format(data: bytes, filename: str = "") -> str:
    """ "pdf", "docx", "xlsx", "csv" or "text"; raises ImportRefused for anything else."""
    name = filename.lower()
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data, name)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        raise ImportRefused("unsupported_format", kind="WEBP image")
    for magic, kind in _IMAGE_MAGIC + _OTHER_MAGIC:
        if data.startswith(magic):
            raise ImportRefused("unsupported_format", kind=kind)
    if name.endswith((".pdf", ".docx", ".xlsx", ".xlsm")):
        # The name promises a binary format the bytes do not have.
        raise ImportRefused("corrupt_file", kind=name.rsplit(".", 1)[-1].upper())
    if not looks_like_text(data):
        raise ImportRefused("unsupported_format", kind="binary data")
    return "csv" if name.endswith(".csv") else "text"


def _zip_kind(data: bytes, name: str) -> str:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        kind = "DOCX" if name.endswith(".docx") else "XLSX" if name.endswith(".xlsx") else "ZIP"
        raise ImportRefused("corrupt_file", kind=kind) from exc
    check_zip_bomb(infos, len(data))
    names = {i.filename for i in infos}
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise ImportRefused("unsupported_format", kind="ZIP archive")


def check_zip_bomb(infos: list[zipfile.ZipInfo], compressed: int) -> None:
    """Refuse by the zip directory alone, before any member is inflated."""
    total = sum(max(i.file_size, 0) for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise ImportRefused("zip_bomb", uncompressed=total, compressed=compressed)
    for i in infos:
        if i.file_size >= RATIO_MIN_SIZE and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise ImportRefused("zip_bomb", uncompressed=i.file_size, compressed=i.compress_size)


def read_raw(data: bytes, filename: str = "", budget: Budget | None = None) -> RawDocument:
    """Any supported file → the common raw table (before interpretation)."""
    budget = budget or Budget()
    kind = detect_format(data, filename)
    try:
        if kind == "pdf":
            from bot.roadmap.readers.pdf import read_pdf

            return read_pdf(data, budget)
        if kind == "docx":
            from bot.roadmap.readers.docx import read_docx

            return read_docx(data, budget)
        if kind == "xlsx":
            from bot.roadmap.readers.xlsx import read_xlsx

            return read_xlsx(data, budget)
        return read_text(decode(data), budget, csv_hint=(kind == "csv"))
    except ImportRefused:
        raise
    except Exception as exc:  # any failure inside a reader library means a file we cannot read
        raise ImportRefused("corrupt_file", kind=kind.upper(), error=type(exc).__name__) from exc


def parse_document(
    data: bytes, filename: str, *, period: tuple[int, int] | None = None
) -> ParsedRoadmap:
    """Read a roadmap file of any supported format (by content; the name is only a hint)."""
    if len(data) > MAX_BYTES:
        raise ImportRefused("too_large", size=len(data), limit=MAX_BYTES)
    if not data.strip():
        raise ImportRefused("empty")
    raw = read_raw(data, filename)
    # The name only tells the format: a file name is never a plan's title.
    return interpret(raw, period=period)
