"""Roadmap import: a plan-of-measures document (text, CSV, DOCX, XLSX, PDF) → ParsedRoadmap.

Pure domain code: no Telegram, no database. Entry points:

- `parse_document(data, filename, *, period=None)` reads any supported file;
- `parse_text(text, *, period=None)` reads pasted or extracted text.

Both raise `ImportRefused(reason, **details)` (see `bot.roadmap.errors.REFUSAL_REASONS`) when
the document cannot be imported at all; everything else that is not fully understood is a
`Problem` on the result (see `PROBLEM_CODES`).
"""

from __future__ import annotations

from bot.roadmap.confidence import with_confidence
from bot.roadmap.errors import PROBLEM_CODES, REFUSAL_REASONS, ImportRefused
from bot.roadmap.model import ParsedRoadmap
from bot.roadmap.precheck import (
    OLE_MAGIC,
    check_ole,
    check_pdf,
    check_text,
    check_zip_directory,
    zip_kind,
)
from bot.roadmap.raw import (
    MAX_BYTES,
    MAX_CELLS,
    TIME_BUDGET_SECONDS,
    Budget,
    Progress,
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
    "pack_album",
    "parse_document",
    "parse_images",
    "parse_text",
]

# Page images a scan or a phone gives: recognised (bot.roadmap.readers.ocr).
_SCAN_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
_IMAGE_MAGIC = (
    (b"GIF8", "GIF image"),
    (b"BM", "BMP image"),
)
_OTHER_MAGIC = (
    (b"Rar!", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
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
    """ "pdf", "docx", "xlsx", "csv", "text" or "image" (a scanned page or a photo);
    raises ImportRefused for anything else."""
    name = filename.lower()
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(_SCAN_MAGIC):
        return "image"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return zip_kind(data, name)
    if data.startswith(OLE_MAGIC):
        check_ole(data, name)  # always refuses: protected DOCX/XLSX, or legacy .doc/.xls
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


# The zip directory check kept under its old name (precheck.check_zip_directory).
check_zip_bomb = check_zip_directory


def read_raw(
    data: bytes,
    filename: str = "",
    budget: Budget | None = None,
    progress: Progress | None = None,
    *,
    ocr: bool = True,
) -> RawDocument:
    """Any supported file → the common raw table (before interpretation). `progress` is
    told (page, pages) as scanned pages are recognised."""
    budget = budget or Budget()
    kind = detect_format(data, filename)
    if kind == "pdf":
        check_pdf(data)
    elif kind in ("text", "csv"):
        check_text(data)
    try:
        if kind == "pdf":
            from bot.roadmap.readers.pdf import read_pdf

            return read_pdf(data, budget, progress, recognise=ocr)
        if kind == "image":
            if not ocr:
                raise ImportRefused("unsupported_format", kind="image")
            from bot.roadmap.readers.ocr import read_images

            return read_images([data], None, progress)
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
    data: bytes,
    filename: str,
    *,
    period: tuple[int, int] | None = None,
    progress: Progress | None = None,
    ocr: bool = True,
) -> ParsedRoadmap:
    """Read a roadmap file of any supported format (by content; the name is only a hint).
    With `ocr` false a scan is refused (as before recognition) instead of recognised."""
    if len(data) > MAX_BYTES:
        raise ImportRefused("too_large", size=len(data), limit=MAX_BYTES)
    if not data.strip():
        raise ImportRefused("empty")
    if data.startswith(ALBUM_MAGIC):
        if not ocr:
            raise ImportRefused("unsupported_format", kind="image")
        return parse_images(unpack_album(data), period=period, progress=progress)
    raw = read_raw(data, filename, progress=progress, ocr=ocr)
    # The name only tells the format: a file name is never a plan's title.
    return with_confidence(interpret(raw, period=period), raw)


# An album (several page images sent together) kept and read as one file: this line, the
# JSON list of the images' lengths on the next, then the images one after another.
ALBUM_MAGIC = b"%ROADMAP-ALBUM\n"


def pack_album(images: list[bytes]) -> bytes:
    import json

    return ALBUM_MAGIC + json.dumps([len(i) for i in images]).encode() + b"\n" + b"".join(images)


def unpack_album(data: bytes) -> list[bytes]:
    import json

    header, _, body = data[len(ALBUM_MAGIC) :].partition(b"\n")
    try:
        sizes = [int(n) for n in json.loads(header)]
    except (ValueError, TypeError) as exc:
        raise ImportRefused("corrupt_file", kind="album") from exc
    if sum(sizes) != len(body) or any(n <= 0 for n in sizes):
        raise ImportRefused("corrupt_file", kind="album")
    images, offset = [], 0
    for size in sizes:
        images.append(body[offset : offset + size])
        offset += size
    return images


def parse_images(
    images: list[bytes],
    *,
    period: tuple[int, int] | None = None,
    progress: Progress | None = None,
) -> ParsedRoadmap:
    """Photos or scanned images of a plan's pages, in order (an album): one plan."""
    from bot.roadmap.readers.ocr import read_images

    if sum(len(i) for i in images) > MAX_BYTES:
        raise ImportRefused("too_large", size=sum(len(i) for i in images), limit=MAX_BYTES)
    for data in images:
        if not data.startswith(_SCAN_MAGIC):
            detect_format(data)  # refuses what is not a page image, in its own words
            raise ImportRefused("unsupported_format", kind="document in an album")
    raw = read_images(images, None, progress)
    return with_confidence(interpret(raw, period=period), raw)
